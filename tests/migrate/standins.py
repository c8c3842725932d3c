"""Stand-ins on loopback for the servers a redirect points to: a web archive and an https parent.

``ArchiveServer`` answers like a WARC replay archive (``/{site_code}/{old url}``): 200 for a page
the crawl stored, 404 for anything else, so a 410 page's archive link can be checked for real.
``serve_tls`` puts a preview (or any ``http.server``) behind a certificate, as the parent
platform is served in production.
"""
from __future__ import annotations

import sqlite3
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ARCHIVE_HOST = "archive.qingxi.example.gov.cn"
ARCHIVE_TEMPLATE = f"http://{ARCHIVE_HOST}/{{site_code}}/{{url}}"


class _ArchiveHandler(BaseHTTPRequestHandler):
    db_path: Path

    def do_GET(self):
        code, _, url = self.path.lstrip("/").partition("/")
        with sqlite3.connect(f"file:{self.server.db_path}?mode=ro", uri=True) as conn:
            row = conn.execute("SELECT 1 FROM pages WHERE site_code = ? AND url = ? AND warc_file IS NOT NULL",
                               [code, url]).fetchone()
        body = (f"<title>archived {url}</title>" if row else "not archived").encode("utf-8")
        self.send_response(200 if row else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


class ArchiveServer:
    """The archive of a workspace's crawl on 127.0.0.1 (ephemeral port), for ``ARCHIVE_TEMPLATE``."""

    def __init__(self, db_path: Path):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _ArchiveHandler)
        self.httpd.db_path = db_path
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    def __enter__(self) -> "ArchiveServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def serve_tls(httpd, cert: Path, key: Path) -> None:
    """Make a not yet started ``http.server`` answer https with ``cert`` (a failed handshake drops the client)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
