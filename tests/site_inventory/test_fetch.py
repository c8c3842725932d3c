"""fetch.Fetcher on loopback: resolve rules (Host header and TLS name kept), size cap, gzip, errors."""
import gzip
import shutil
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from site_inventory.fetch import FetchError, Fetcher, parse_retry_after
from site_inventory.resolve import parse_rule

NAME = "www.zhen.example.gov.cn"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_GET(self):
        body = f"host={self.headers['Host']} path={self.path}".encode()
        if self.path == "/big":
            body = b"x" * 500_000
        headers = {"Content-Type": "text/plain"}
        if self.path == "/gz":
            body, headers["Content-Encoding"] = gzip.compress(b"<p>" + "中文".encode() * 1000 + b"</p>"), "gzip"
        if self.path == "/bomb":
            body, headers["Content-Encoding"] = gzip.compress(b" " * 5_000_000), "gzip"
        self.send_response(200)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve(context=None):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if context:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


@pytest.fixture
def http_server():
    server = serve()
    yield server
    server.shutdown()
    server.server_close()


def fetcher(port, scheme_port=80, **kw):
    rule = parse_rule(f"{NAME}:{scheme_port}:127.0.0.1:{port}")
    return Fetcher({(rule.host, rule.port): rule}, "govmigrate/test (+ops@example.gov.cn)", timeout=5, **kw)


def test_resolve_rule_connects_to_the_address_with_the_real_host_header(http_server):
    resp = fetcher(http_server.server_address[1]).get(f"http://{NAME}/a?b=1")
    assert resp.status == 200 and resp.body == f"host={NAME} path=/a?b=1".encode()
    assert resp.url == f"http://{NAME}/a?b=1" and ("Host", NAME) in resp.request_headers


def test_body_is_cut_at_the_size_limit_and_flagged(http_server):
    resp = fetcher(http_server.server_address[1], max_bytes=100_000).get(f"http://{NAME}/big")
    assert resp.truncated and resp.limited and len(resp.body) == 100_000 and "limit" in resp.error


def test_gzip_is_decoded_for_the_body_and_kept_raw_for_the_archive(http_server):
    resp = fetcher(http_server.server_address[1]).get(f"http://{NAME}/gz")
    assert resp.body.decode() == "<p>" + "中文" * 1000 + "</p>" and resp.raw[:2] == b"\x1f\x8b"
    assert not resp.truncated


def test_gzip_bomb_stops_at_the_decoded_limit(http_server):
    resp = fetcher(http_server.server_address[1], max_bytes=1_000_000).get(f"http://{NAME}/bomb")
    assert resp.truncated and resp.limited and len(resp.body) == 1_000_000


def test_no_server_is_a_connection_error():
    with pytest.raises(FetchError) as info:
        fetcher(1).get(f"http://{NAME}/")
    assert info.value.kind == "connection"


def test_retry_after_seconds_and_dates():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("soon") is None


@pytest.fixture
def tls_files(tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={NAME}",
                    "-addext", f"subjectAltName=DNS:{NAME}", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def test_https_through_a_resolve_rule_checks_the_certificate_of_the_real_name(tls_files):
    cert, key = tls_files
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = serve(context)
    try:
        port = server.server_address[1]
        resp = fetcher(port, scheme_port=443, verify_tls=str(cert)).get(f"https://{NAME}/tls")
        assert resp.status == 200 and resp.body == f"host={NAME} path=/tls".encode()
        with pytest.raises(FetchError) as info:  # the certificate is not trusted without the bundle
            fetcher(port, scheme_port=443).get(f"https://{NAME}/tls")
        assert info.value.kind in ("tls", "connection")
    finally:
        server.shutdown()
        server.server_close()
