"""The closed sites' old https URLs: the exported nginx and Apache configs answer them over TLS.

A test CA signs a certificate for the sites' hosts; the real server serves the export on a
plain and an https port; ``redirects verify --against-tls`` asks every old URL on both and checks
the certificate against each old host, so a certificate that misses an alias is caught.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrate.cli import cli
from migrate.redirects.export import RedirectExportError, export_redirects
from migrate.redirects.plan import site_contexts
from migrate.redirects.verify import verify

from webservers import APACHE, NGINX, OPENSSL, certificates, free_port, running_apache, running_nginx

pytestmark = pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed")


def _hosts(ws) -> list[str]:
    return [h.split(":")[0] for s in site_contexts(ws) for h in s.hosts]


def _planned(ws) -> int:
    """Rows verify checks on one side: every planned URL plus each alias's homepage."""
    total = ws.db.execute("SELECT count(*) FROM redirects").fetchone()[0]
    return total + sum(len(s.hosts) - 1 for s in site_contexts(ws))


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed")
def test_nginx_answers_old_urls_over_https_too(county, platform, tmp_path):
    ws, _ = county
    ca, cert, key = certificates(tmp_path / "tls", _hosts(ws))
    port, tls_port = free_port(), free_port()
    export_redirects(ws, "nginx", tmp_path / "nginx", listen=[f"127.0.0.1:{port}"],
                     tls_listen=[f"127.0.0.1:{tls_port}"], tls_cert=str(cert), tls_key=str(key))
    conf = (tmp_path / "nginx" / "redirects.conf").read_text(encoding="utf-8")
    assert conf.count(f"listen 127.0.0.1:{tls_port} ssl;") == len(site_contexts(ws))
    with running_nginx(tmp_path / "nginx" / "redirects.conf", tmp_path / "run", port):
        result = verify(ws, f"127.0.0.1:{port}", against_tls=f"127.0.0.1:{tls_port}", ca_file=str(ca), record=False)
        assert [(f.old_url, f.problem) for f in result.failures] == []
        assert result.ok and result.checked == 2 * _planned(ws)
        cli_result = CliRunner().invoke(cli, ["-w", str(ws.path), "redirects", "verify", "--against",
                                              f"127.0.0.1:{port}", "--against-tls", f"127.0.0.1:{tls_port}",
                                              "--sample", "20"])
        assert cli_result.exit_code == 1, cli_result.output   # the system CAs do not know the test CA
        assert "certificate is not valid" in cli_result.output


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed")
def test_a_certificate_missing_an_alias_fails_verify(county, platform, tmp_path):
    ws, _ = county
    aliased = next(s for s in site_contexts(ws) if len(s.hosts) > 1)
    missing = aliased.hosts[1].split(":")[0]
    ca, cert, key = certificates(tmp_path / "tls", [h for h in _hosts(ws) if h != missing])
    port, tls_port = free_port(), free_port()
    export_redirects(ws, "nginx", tmp_path / "nginx", [aliased.code], listen=[f"127.0.0.1:{port}"],
                     tls_listen=[f"127.0.0.1:{tls_port}"], tls_cert=str(cert), tls_key=str(key))
    with running_nginx(tmp_path / "nginx" / "redirects.conf", tmp_path / "run", port):
        result = verify(ws, f"127.0.0.1:{port}", [aliased.code], against_tls=f"127.0.0.1:{tls_port}",
                        ca_file=str(ca), record=False)
        insecure = verify(ws, f"127.0.0.1:{port}", [aliased.code], against_tls=f"127.0.0.1:{tls_port}",
                          insecure=True, record=False)
    assert result.failures and all(f.old_url.startswith(f"https://{missing}") for f in result.failures)
    assert all(f"not valid for {missing}" in f.problem for f in result.failures)
    assert insecure.ok and insecure.checked == result.checked


def test_https_needs_both_certificate_and_key(county, tmp_path):
    ws, _ = county
    with pytest.raises(RedirectExportError, match="--tls-cert and --tls-key"):
        export_redirects(ws, "nginx", tmp_path / "a", tls_cert="/etc/ssl/gov.pem")
    with pytest.raises(RedirectExportError, match="certificate"):
        export_redirects(ws, "nginx", tmp_path / "b", tls_cert="/etc/ssl/my cert.pem", tls_key="/etc/ssl/k.pem")
    result = CliRunner().invoke(cli, ["-w", str(ws.path), "redirects", "export", "--format", "nginx", "-o",
                                      str(tmp_path / "c"), "--tls-listen", "443"])
    assert result.exit_code == 2 and "--tls-cert" in result.output


@pytest.mark.skipif(APACHE is None, reason="Apache httpd (apache2) is not installed")
def test_apache_answers_old_urls_over_https_too(county, platform):
    ws, _ = county
    folder = Path(tempfile.mkdtemp(prefix="govmigrate-apache-tls-"))   # httpd's workers run as nobody
    try:
        folder.chmod(0o755)
        ca, cert, key = certificates(folder / "tls", _hosts(ws))
        port, tls_port = free_port(), free_port()
        export_redirects(ws, "apache", folder / "conf", listen=[f"127.0.0.1:{port}"],
                         tls_listen=[f"127.0.0.1:{tls_port}"], tls_cert=str(cert), tls_key=str(key))
        for root, dirs, _ in os.walk(folder):
            for name in dirs:
                os.chmod(os.path.join(root, name), 0o755)
        with running_apache(folder / "conf" / "redirects.conf", folder / "run", port, tls_port):
            result = verify(ws, f"127.0.0.1:{port}", against_tls=f"127.0.0.1:{tls_port}", ca_file=str(ca),
                            record=False)
        assert [(f.old_url, f.problem) for f in result.failures] == []
        assert result.ok and result.checked == 2 * _planned(ws)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
