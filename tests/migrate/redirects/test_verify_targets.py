"""``redirects verify`` fetches every target for real, https included, certificate checked.

The preview stands in for the parent platform over https (a test CA signs its certificate; a
resolve rule sends its host's port 443 to it), the sample county's 301 targets and suggested
links are moved to https, and real nginx serves the exported redirects. A right https target
passes; a target that answers 404 there, or a certificate that is not the parent's, fails.
"""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from migrate.cli import cli
from migrate.export.preview import PreviewServer
from migrate.redirects.export import export_redirects
from migrate.redirects.verify import verify
from site_inventory import resolve

from standins import serve_tls
from webservers import NGINX, OPENSSL, certificates, free_port, running_nginx

PLATFORM_HOST = "www.qingxi.example.gov.cn"
HTTP, HTTPS = f"http://{PLATFORM_HOST}/", f"https://{PLATFORM_HOST}/"

pytestmark = [pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed"),
              pytest.mark.skipif(NGINX is None, reason="nginx is not installed")]


@pytest.fixture
def https_parent(county, platform, tmp_path):
    """(CA file, https port): the preview over https as the parent, every planned target moved to https."""
    ws, folder = county
    ca, cert, key = certificates(tmp_path / "tls", [PLATFORM_HOST])
    server = PreviewServer(folder / "site")
    serve_tls(server.httpd, cert, key)
    with server:
        port = server.httpd.server_address[1]
        resolve.save_rules(ws.db, [resolve.parse_rule(f"{PLATFORM_HOST}:443:127.0.0.1:{port}")])
        _move(ws, HTTP, HTTPS)
        try:
            yield ca, port
        finally:
            _move(ws, HTTPS, HTTP)


def _move(ws, old: str, new: str) -> None:
    with ws.db.conn:
        for column in ("target", "suggested_url"):
            ws.db.execute(f"UPDATE redirects SET {column} = ? || substr({column}, ?) WHERE {column} LIKE ? || '%'",
                          [new, len(old) + 1, old])


def _https_rows(ws) -> int:
    """Planned answers whose target is on the https parent (a homepage shows the closure notice instead)."""
    return ws.db.execute("SELECT count(*) FROM redirects WHERE kind != 'homepage' AND ((status = 301 AND target "
                         "LIKE 'https://%') OR (status = 410 AND suggested_url LIKE 'https://%'))").fetchone()[0]


def _serve(ws, tmp_path):
    port = free_port()
    export_redirects(ws, "nginx", tmp_path / "nginx", listen=[f"127.0.0.1:{port}"])
    return port, running_nginx(tmp_path / "nginx" / "redirects.conf", tmp_path / "run", port)


def test_https_targets_pass_only_with_the_parents_ca(county, https_parent, tmp_path):
    ws, _ = county
    ca, _ = https_parent
    assert _https_rows(ws) > 100
    port, nginx = _serve(ws, tmp_path)
    with nginx:
        right = verify(ws, f"127.0.0.1:{port}", ca_file=str(ca), record=False)
        untrusted = verify(ws, f"127.0.0.1:{port}", record=False)   # crawl.verify_tls: the system CAs
        ws.config["crawl"]["verify_tls"] = str(ca)                  # the workspace's own CA setting
        try:
            configured = verify(ws, f"127.0.0.1:{port}", record=False)
        finally:
            ws.config["crawl"].pop("verify_tls")
    assert [(f.old_url, f.problem) for f in right.failures] == [] and right.ok
    assert configured.ok and configured.checked == right.checked
    assert len(untrusted.failures) >= _https_rows(ws)
    assert all(f"certificate is not valid for {PLATFORM_HOST}" in f.problem for f in untrusted.failures)


def test_a_wrong_https_target_fails_verification(county, https_parent, tmp_path):
    ws, _ = county
    ca, _ = https_parent
    moved, gone = (ws.db.execute(f"SELECT old_url FROM redirects WHERE kind = '{kind}' AND {column} LIKE "
                                 f"'https://%' ORDER BY old_url LIMIT 1").fetchone()[0]
                   for kind, column in (("item", "target"), ("unmigrated", "suggested_url")))
    with ws.db.conn:
        ws.db.execute("UPDATE redirects SET target = ? WHERE old_url = ?", [f"{HTTPS}no/such/page.html", moved])
        ws.db.execute("UPDATE redirects SET suggested_url = ? WHERE old_url = ?", [f"{HTTPS}no/such/column/", gone])
    port, nginx = _serve(ws, tmp_path)   # the server answers as planned: only the targets are wrong
    with nginx:
        result = verify(ws, f"127.0.0.1:{port}", ca_file=str(ca), record=False)
        cli_result = CliRunner().invoke(cli, ["-w", str(ws.path), "redirects", "verify", "--against",
                                              f"127.0.0.1:{port}", "--ca-file", str(ca), "--json"])
    failed = {f.old_url: f.problem for f in result.failures}
    assert failed == {moved: f"target {HTTPS}no/such/page.html answers 404, not 200",
                      gone: f"target {HTTPS}no/such/column/ answers 404, not 200"}
    assert cli_result.exit_code == 1 and json.loads(cli_result.output)["failed"] == 2


def test_a_certificate_for_another_host_fails_verification(county, https_parent, tmp_path):
    ws, _ = county
    ca, right_port = https_parent
    other_ca, cert, key = certificates(tmp_path / "other", ["www.other.example.gov.cn"])
    server = PreviewServer(county[1] / "site")
    serve_tls(server.httpd, cert, key)
    port, nginx = _serve(ws, tmp_path)
    with server, nginx:
        resolve.save_rules(ws.db, [resolve.parse_rule(f"{PLATFORM_HOST}:443:127.0.0.1:{server.httpd.server_address[1]}")])
        try:
            result = verify(ws, f"127.0.0.1:{port}", ca_file=str(other_ca), record=False)
        finally:
            resolve.save_rules(ws.db, [resolve.parse_rule(f"{PLATFORM_HOST}:443:127.0.0.1:{right_port}")])
    assert len(result.failures) >= _https_rows(ws)
    assert all(f"certificate is not valid for {PLATFORM_HOST}" in f.problem for f in result.failures)
