"""A real threaded HTTP server for the sample county (and synthetic sites), on loopback only.

It dispatches on the Host header (port stripped), so one server on one port stands in for every
site: clients map each host to it with resolve rules ``HOST:80:127.0.0.1:PORT``. It answers GET
and HEAD, gzips text when asked, sends Last-Modified/ETag and answers conditional requests with
304, and counts hits per (host, target) so tests can check politeness and robots compliance
(``hits`` keys use the canonical target: path percent-encoded as UTF-8 with upper-case hex, query
as sent; ``log`` keeps every request with its monotonic time, method, status and User-Agent).
"""
from __future__ import annotations

import gzip
import hashlib
import ipaddress
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from .build import NOT_FOUND, Page, canonical_target


@dataclass(frozen=True)
class Hit:
    """One request the server answered."""

    time: float
    method: str
    host: str
    target: str
    status: int
    user_agent: str


def _compressible(content_type: str) -> bool:
    return content_type.startswith("text/") or "xml" in content_type or "json" in content_type


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "govmigrate-sample/1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes; avoid 40 ms stalls

    def do_GET(self):  # noqa: N802 (http.server naming)
        self._answer(head=False)

    def do_HEAD(self):  # noqa: N802
        self._answer(head=True)

    def log_message(self, format, *args):  # quiet: tests and the demo read hits instead
        return

    def _answer(self, head: bool) -> None:
        owner: CountyServer = self.server.owner
        target = self.path
        host = self.headers.get("Host", "")
        if target.startswith(("http://", "https://")):
            parts = urlsplit(target)
            host, target = parts.netloc, (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host = host.lower().split(":")[0].rstrip(".")
        key = canonical_target(target.partition("#")[0])
        page = owner.lookup(host, key) if host else None
        status = page.status if page else 404
        headers = dict(page.headers) if page else {}
        body = page.body if page else NOT_FOUND
        ctype = page.content_type if page else "text/html; charset=utf-8"
        if page and status == 200:
            etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
            headers.update({"ETag": etag, "Last-Modified": format_datetime(page.last_modified, usegmt=True)})
            if self._not_modified(etag, page.last_modified):
                status, body = 304, b""
        if status != 304 and _compressible(ctype):
            headers["Vary"] = "Accept-Encoding"
            if body and "gzip" in self.headers.get("Accept-Encoding", "").lower():
                body = gzip.compress(body, mtime=0)
                headers["Content-Encoding"] = "gzip"
        owner.record(Hit(time.monotonic(), self.command, host, key, status, self.headers.get("User-Agent", "")))
        self.send_response(status)
        if status != 304:
            self.send_header("Content-Type", ctype)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head and status != 304:
            self.wfile.write(body)

    def _not_modified(self, etag: str, last_modified: datetime) -> bool:
        match = self.headers.get("If-None-Match")
        if match is not None:
            return etag in [m.strip() for m in match.split(",")] or match.strip() == "*"
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                return last_modified.replace(microsecond=0) <= parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False
        return False


class CountyServer:
    """Serve a ``SampleCounty`` and/or synthetic sites on a loopback address; a context manager.

    ``sources`` is one object or a list of objects with ``hosts`` and ``respond(host, target)``;
    with ``ssl_context`` the server speaks HTTPS only.
    """

    def __init__(self, county_or_sites, host: str = "127.0.0.1", port: int = 0, ssl_context=None):
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"CountyServer binds loopback addresses only, not {host}")
        sources = [county_or_sites] if hasattr(county_or_sites, "respond") else list(county_or_sites)
        self.sources = {}
        for source in sources:
            for name in source.hosts:
                if name in self.sources:
                    raise ValueError(f"CountyServer: host {name} is served by two sources")
                self.sources[name] = source
        self.hits: Counter = Counter()
        self.log: list[Hit] = []
        self._lock = threading.Lock()
        self._overrides: dict[tuple[str, str], Page] = {}
        self.httpd = ThreadingHTTPServer((host, port), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.request_queue_size = 64
        self.httpd.owner = self
        self.scheme = "https" if ssl_context else "http"
        if ssl_context:  # HTTPS: ``ssl_context`` is a server context with the certificate loaded (see ``tls``)
            self.httpd.socket = ssl_context.wrap_socket(self.httpd.socket, server_side=True)
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return self.httpd.server_address[0]

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    @property
    def hosts(self) -> list[str]:
        return list(self.sources)

    def resolve_rules(self) -> list[str]:
        """``HOST:80:ADDR:PORT`` (``:443:`` for HTTPS) for every served host (curl's --resolve plus a target port)."""
        port = 443 if self.scheme == "https" else 80
        return [f"{name}:{port}:{self.host}:{self.port}" for name in self.sources]

    def start(self) -> "CountyServer":
        if self._thread is None:
            self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,),
                                            name="county-server", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join()
            self._thread = None
        self.httpd.server_close()

    def __enter__(self) -> "CountyServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def lookup(self, host: str, target: str) -> Page | None:
        """What the server answers for ``host`` + canonical ``target`` (mutations first)."""
        with self._lock:
            page = self._overrides.get((host, target))
        if page is not None:
            return page
        source = self.sources.get(host)
        return source.respond(host, target) if source else None

    def record(self, hit: Hit) -> None:
        with self._lock:
            self.hits[(hit.host, hit.target)] += 1
            self.log.append(hit)

    def reset_hits(self) -> None:
        with self._lock:
            self.hits.clear()
            self.log.clear()

    def hits_for(self, host: str) -> int:
        """How many requests ``host`` received."""
        with self._lock:
            return sum(n for (h, _), n in self.hits.items() if h == host)

    def mutate(self, url: str, new_body: str | bytes | None = None, status: int = 200) -> Page:
        """Change what one URL answers (new body and a later Last-Modified; ``status=404`` removes it)."""
        parts = urlsplit(url)
        host = parts.netloc.lower().split(":")[0]
        target = canonical_target((parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
        old = self.lookup(host, target)
        if old is None and new_body is None:
            raise KeyError(f"mutate: {url} is not served and no new body was given")
        if isinstance(new_body, str):
            new_body = new_body.encode("gbk" if old and old.encoding == "gbk" else "utf-8")
        now = datetime.now(timezone.utc).replace(microsecond=0)
        later = max(now, (old.last_modified if old else now) + timedelta(seconds=1))
        base = old or Page(url, "", 200, "article", "text/html; charset=utf-8", b"", "utf-8", later)
        page = replace(base, status=status, body=new_body if new_body is not None else base.body, last_modified=later)
        if status == 404:
            page = replace(page, body=NOT_FOUND, content_type="text/html; charset=utf-8", headers={})
        with self._lock:
            self._overrides[(host, target)] = page
        return page


def serve(port: int = 8000, seed: int = 2026, host: str = "127.0.0.1", out=sys.stdout) -> None:
    """Serve the sample county on ``host:port`` until interrupted, printing the resolve rules."""
    from .county import generate

    county = generate(seed=seed)
    with CountyServer(county, host=host, port=port) as server:
        print(f"Serving the sample county (seed {seed}) on {server.base_url}", file=out)
        print("Resolve rules (use with --resolve):", file=out)
        for rule in server.resolve_rules():
            print(f"  {rule}", file=out)
        print("Press Ctrl+C to stop.", file=out, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
