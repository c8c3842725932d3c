"""fetch.Fetcher on loopback: resolve rules (Host header and TLS name kept), size cap, gzip, errors."""
import gzip
import shutil
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from site_inventory.crawl.fetch import FetchError, Fetcher, parse_retry_after
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


def raw_server(answer: bytes):
    """A one-shot server that reads a request head and writes ``answer`` byte for byte, then closes."""
    import socket

    listener = socket.create_server(("127.0.0.1", 0))

    def serve_once():
        conn, _ = listener.accept()
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(4096)
            conn.sendall(answer)
        listener.close()

    threading.Thread(target=serve_once, daemon=True).start()
    return listener.getsockname()[1]


def test_chunked_body_is_dechunked_and_trailers_skipped():
    port = raw_server(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"
                      b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: 1\r\n\r\n")
    resp = fetcher(port).get(f"http://{NAME}/c")
    assert resp.status == 200 and resp.body == b"hello, world" and not resp.truncated


def test_body_without_length_runs_to_the_close_and_http10_is_read():
    port = raw_server(b"HTTP/1.0 404 Not Found\r\nContent-Type: text/html\r\n\r\n<p>gone</p>")
    resp = fetcher(port).get(f"http://{NAME}/x")
    assert (resp.status, resp.reason, resp.body, resp.http_version) == (404, "Not Found", b"<p>gone</p>", "HTTP/1.0")


def test_a_body_shorter_than_its_length_is_truncated_not_limited():
    port = raw_server(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")
    resp = fetcher(port).get(f"http://{NAME}/short")
    assert resp.truncated and not resp.limited and resp.body == b"only this" and "incomplete" in resp.error


def test_garbage_instead_of_a_response_is_a_connection_error():
    port = raw_server(b"SSH-2.0-OpenSSH\r\n\r\n")
    with pytest.raises(FetchError) as info:
        fetcher(port).get(f"http://{NAME}/")
    assert info.value.kind == "connection"


def test_non_ascii_request_target_is_sent_percent_encoded(http_server):
    resp = fetcher(http_server.server_address[1]).get(f"http://{NAME}/中文 页.html")
    assert resp.body == f"host={NAME} path=/%E4%B8%AD%E6%96%87%20%E9%A1%B5.html".encode()
