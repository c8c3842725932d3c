"""The staging nginx: the exported config checked with nginx -t, served on loopback, stopped after."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from migrate.cli import cli
from migrate.redirects.plan import site_contexts
from migrate.redirects.staging import StagingError, free_port, nginx_binary, staging_nginx
from site_inventory.workspace import open_workspace

pytestmark = pytest.mark.skipif(nginx_binary() is None, reason="nginx is not installed")


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def test_a_rejected_config_is_reported_in_nginx_words(tmp_path):
    include = tmp_path / "redirects.conf"
    include.write_text("server { listen 127.0.0.1:1; no_such_directive on; }\n", encoding="utf-8")
    with pytest.raises(StagingError, match='nginx -t rejected the config.*unknown directive "no_such_directive"'):
        with staging_nginx(include, tmp_path / "run", free_port()):
            pass


def test_served_while_the_block_runs_and_stopped_after(tmp_path):
    port = free_port()
    include = tmp_path / "redirects.conf"
    include.write_text(f"server {{ listen 127.0.0.1:{port}; return 301 http://new.example.gov.cn$request_uri; }}\n",
                       encoding="utf-8")
    with staging_nginx(include, tmp_path / "run", port) as process:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"GET /a?b=1 HTTP/1.1\r\nHost: old.example.gov.cn\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 301") and b"Location: http://new.example.gov.cn/a?b=1" in answer
    assert process.returncode is not None and not listening(port)


def test_cli_stage_verify_checks_every_old_url_then_stops(county, platform, tmp_path):
    ws, _ = county
    result = CliRunner().invoke(cli, ["-w", str(ws.path), "redirects", "stage", "-o", str(tmp_path / "stg"),
                                      "--verify", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    total = ws.db.execute("SELECT count(*) FROM redirects").fetchone()[0]
    aliases = sum(len(s.hosts) - 1 for s in site_contexts(ws))
    assert report["ok"] and report["checked"] == total + aliases
    with open_workspace(ws.path) as again:
        staging = again.config["redirects"]["staging"]
    assert staging == report["against"] and not listening(int(staging.rsplit(":", 1)[1]))
    assert (tmp_path / "stg" / "nginx" / "redirects.conf").exists()
    unknown = CliRunner().invoke(cli, ["-w", str(ws.path), "redirects", "stage", "9999999999", "-o",
                                       str(tmp_path / "x"), "--verify"])
    assert unknown.exit_code == 2 and "9999999999" in unknown.output


def test_cli_stage_serves_until_terminated(county, tmp_path):
    ws, _ = county
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-c", "from migrate.cli import main; main()", "-w", str(ws.path),
                             "redirects", "stage", "-o", str(tmp_path / "stg"), "--port", str(port)],
                            stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert f"Staging nginx on 127.0.0.1:{port}" in proc.stdout.readline()
        old = ws.db.execute("SELECT old_url FROM redirects WHERE status = 301 AND old_url LIKE '%.htm%' LIMIT 1").fetchone()[0]
        host, path = old.split("/", 3)[2], "/" + old.split("/", 3)[3]
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(f"HEAD {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            assert sock.recv(65536).startswith(b"HTTP/1.1 301")
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    deadline = time.monotonic() + 5
    while listening(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not listening(port)


def test_without_nginx_stage_says_so_and_writes_nothing(county, tmp_path, monkeypatch):
    """A machine without nginx: a clear error, exit code 1, no config exported, no staging address kept."""
    import migrate.redirects.staging

    ws, _ = county
    with open_workspace(ws.path) as now:
        before = now.config["redirects"].get("staging")
    monkeypatch.setattr(migrate.redirects.staging, "nginx_binary", lambda: None)
    result = CliRunner().invoke(cli, ["-w", str(ws.path), "redirects", "stage", "-o", str(tmp_path / "stg")])
    assert result.exit_code == 1 and "nginx is not installed (apt-get install nginx)" in result.output
    assert not (tmp_path / "stg").exists()
    with open_workspace(ws.path) as again:
        assert again.config["redirects"].get("staging") == before
