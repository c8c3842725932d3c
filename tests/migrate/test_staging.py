"""The staging nginx: the exported config checked with nginx -t, served on loopback, stopped after."""
from __future__ import annotations

import socket

import pytest

from migrate.staging import StagingError, free_port, nginx_binary, staging_nginx

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
