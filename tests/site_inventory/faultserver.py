"""A fault-injecting HTTP server on loopback, for the crawler's fault tests.

Each path gets a behaviour (a callable taking a :class:`Request`): plain pages, timeouts,
connection resets, 5xx bursts, 429 with Retry-After, redirect loops and chains, a 200 MB body
streamed lazily, wrong charsets, truncated gzip, binary served as HTML, an infinite calendar,
a sitemap bomb. Every request lands in a thread-safe hit log with its start and end time, so
tests can check politeness (one request at a time per host, delays, Retry-After, robots).
"""
from __future__ import annotations

import datetime
import gzip
import select
import socket
import struct
import threading
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterable
from urllib.parse import parse_qs, unquote, urlsplit

Behaviour = Callable[["Request"], None]
FAULT_HOST = "faults.example.gov.cn"
FAULT_CODE = "3311270001"
CONTACT = "webmaster@qingxi.example.gov.cn"
FAST_CRAWL = {"delay": 0.0, "timeout": 0.5, "retries": 2, "backoff": 0.05, "max_response_bytes": 1024 * 1024}
CLIENT_GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, socket.timeout, OSError)


@dataclass
class Hit:
    """One request as the server saw it."""

    method: str
    host: str
    target: str                      # path with query, as sent
    headers: dict
    started: float
    finished: float | None = None
    status: int | None = None
    bytes_sent: int = 0
    outcome: str = "open"            # open/sent/reset/client-gone

    @property
    def path(self) -> str:
        """The percent-decoded path (UTF-8), without the query."""
        return unquote(urlsplit(self.target).path)


@dataclass
class Request:
    """What a behaviour gets: the request, how many times its route was hit, ways to answer."""

    handler: BaseHTTPRequestHandler
    hit: Hit
    nth: int                         # 1 for the first request to this route, 2 for the second ...
    server: "FaultServer" = field(repr=False)

    @property
    def path(self) -> str:
        return self.hit.path

    @property
    def query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.hit.target).query).items()}

    def respond(self, status: int, body: bytes = b"", content_type: str = "text/html; charset=utf-8",
                headers: dict | None = None) -> None:
        """Send a whole response with a Content-Length."""
        all_headers = {"Content-Type": content_type, "Content-Length": str(len(body)), **(headers or {})}
        self.start(status, all_headers)
        self.write(body)
        self.hit.outcome = "sent"

    def start(self, status: int, headers: dict) -> None:
        """Send the status line and headers."""
        self.hit.status = status
        h = self.handler
        h.send_response(status)
        for name, value in headers.items():
            h.send_header(name, value)
        h.end_headers()

    def write(self, data: bytes) -> None:
        self.handler.wfile.write(data)
        self.hit.bytes_sent += len(data)

    def wait_for_hangup(self, seconds: float) -> bool:
        """Wait up to ``seconds``; True as soon as the client closes its end (it gave up)."""
        sock = self.handler.connection
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            readable, _, _ = select.select([sock], [], [], min(left, 0.02))
            if readable and not sock.recv(1, socket.MSG_PEEK):
                return True
        return False

    def reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0) instead of answering."""
        sock = self.handler.connection
        self.handler.wfile.flush()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
        self.handler.close_connection = True
        self.hit.outcome = "reset"


class FaultServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 (ephemeral port) with per-path behaviours.

    Routes are exact paths (``/a.html``) or prefixes ending in ``*`` (``/calendar*``); a path
    with no route answers 404. Use as a context manager or call :meth:`start` / :meth:`stop`.
    """

    def __init__(self, address: str = "127.0.0.1", port: int = 0):
        if not address.startswith("127."):
            raise ValueError(f"fault server binds loopback only, not {address}")
        self.address = address
        self.routes: dict[str, Behaviour] = {}
        self.prefixes: list[tuple[str, Behaviour]] = []
        self.hits: list[Hit] = []
        self._counts: Counter = Counter()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((address, port), _handler_class(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None
        self.client_timeout: float | None = None  # the crawl timeout, when a test sets one

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def start(self) -> "FaultServer":
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> "FaultServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def route(self, path: str, behaviour: Behaviour) -> "FaultServer":
        """Serve ``path`` (or every path starting with it, if it ends in ``*``) with ``behaviour``."""
        if path.endswith("*"):
            self.prefixes.append((path[:-1], behaviour))
            self.prefixes.sort(key=lambda p: -len(p[0]))
        else:
            self.routes[path] = behaviour
        return self

    def page(self, path: str, body: str, **kwargs) -> "FaultServer":
        """Serve an HTML page (UTF-8) at ``path``."""
        return self.route(path, html(body, **kwargs))

    def handle(self, handler: BaseHTTPRequestHandler, hit: Hit) -> None:
        key, behaviour = self._find(hit.path)
        with self._lock:
            self.hits.append(hit)
            self._counts[key] += 1
            nth = self._counts[key]
        request = Request(handler, hit, nth, self)
        try:
            behaviour(request)
        except CLIENT_GONE:
            hit.outcome = "client-gone"
            handler.close_connection = True
        finally:
            hit.finished = time.monotonic()

    def _find(self, path: str) -> tuple[str, Behaviour]:
        if path in self.routes:
            return path, self.routes[path]
        for prefix, behaviour in self.prefixes:
            if path.startswith(prefix):
                return prefix + "*", behaviour
        return path, not_found()

    def log(self, host: str | None = None) -> list[Hit]:
        """A snapshot of the hit log (optionally for one Host header), in arrival order."""
        with self._lock:
            hits = list(self.hits)
        return [h for h in hits if host is None or h.host == host]

    def requests_for(self, path: str) -> list[Hit]:
        """Every request whose path (query ignored) is ``path``."""
        return [h for h in self.log() if h.path == path]

    def targets(self) -> Counter:
        """How many times each path-with-query was requested."""
        return Counter(h.target for h in self.log())


def _handler_class(server: FaultServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as separate writes

        def do_GET(self):
            hit = Hit(self.command, (self.headers.get("Host") or "").lower(), self.path,
                      dict(self.headers.items()), time.monotonic())
            server.handle(self, hit)

        do_HEAD = do_GET

        def log_message(self, *args):
            pass

    return Handler


def overlapping(hits: Iterable[Hit], client_timeout: float | None = None) -> list[tuple[Hit, Hit]]:
    """Pairs of requests to the same host that were in progress at the same time.

    A request the client gave up on (it hung up before the answer was sent) counts as ended
    ``client_timeout`` seconds after it arrived, if that is sooner than the server noticed: a
    busy machine may run the server's thread late, after the client has moved on.
    """
    by_host: dict[str, list[Hit]] = {}
    for h in hits:
        by_host.setdefault(h.host, []).append(h)
    pairs = []
    for host_hits in by_host.values():
        host_hits.sort(key=lambda h: h.started)
        for earlier, later in zip(host_hits, host_hits[1:]):
            end = earlier.finished
            if end is not None and earlier.outcome == "client-gone" and client_timeout is not None:
                end = min(end, earlier.started + client_timeout)
            if end is None or later.started < end:
                pairs.append((earlier, later))
    return pairs


def describe(pairs: list[tuple[Hit, Hit]]) -> str:
    """Overlapping pairs in a readable form for assertion messages."""
    return "; ".join(
        f"{a.target} [{a.started:.3f}-{a.finished or 0:.3f} {a.outcome}] / {b.target} [{b.started:.3f} {b.outcome}]"
        for a, b in pairs)


def gaps(hits: Iterable[Hit]) -> list[float]:
    """Seconds between the starts of successive requests (one host's hits), as Crawl-delay counts.

    Measured where the server sees them, so each gap can be short by however late the earlier
    request arrived (connection set-up, a busy machine): allow some slack when comparing.
    """
    ordered = sorted(hits, key=lambda h: h.started)
    return [b.started - a.started for a, b in zip(ordered, ordered[1:])]


# --- a workspace whose site is served by the fault server -----------------------------


def add_site(ws, server: FaultServer, host: str = FAULT_HOST, code: str = FAULT_CODE,
             name: str = "青溪镇人民政府", path: str = "/") -> None:
    """Insert a site at ``http://host{path}`` whose port-80 requests go to ``server``."""
    from site_inventory.resolve import parse_rule, save_rules

    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    ws.db["sites"].insert({
        "site_code": code, "name": name, "url": f"http://{host}{path}", "aliases": "[]",
        "level": "township", "parent_code": None, "action": "migrate", "owner": name,
        "created_at": now, "updated_at": now,
    })
    save_rules(ws.db, [parse_rule(f"{host}:80:{server.address}:{server.port}")])


def crawl_workspace(folder, server: FaultServer, **crawl_config):
    """A new workspace holding one site routed to ``server``, with quick crawl settings (saved)."""
    from site_inventory.workspace import init_workspace

    ws = init_workspace(folder, "青溪县人民政府", "http://www.qingxi.example.gov.cn", CONTACT)
    ws.config["crawl"].update({**FAST_CRAWL, **crawl_config})
    ws.save_config()
    server.client_timeout = ws.config["crawl"]["timeout"]
    add_site(ws, server)
    return ws


# --- behaviours -------------------------------------------------------------------------


def html(body: str | bytes, status: int = 200, content_type: str = "text/html; charset=utf-8",
         headers: dict | None = None) -> Behaviour:
    """A fixed response."""
    data = body.encode("utf-8") if isinstance(body, str) else body

    def behave(req: Request) -> None:
        req.respond(status, data, content_type, headers)

    return behave


def not_found() -> Behaviour:
    return html("<html><body><h1>404 Not Found</h1></body></html>", status=404)


def slow(seconds: float, then: Behaviour | None = None) -> Behaviour:
    """Sleep past the client's timeout before answering (the client has usually given up)."""

    def behave(req: Request) -> None:
        if req.wait_for_hangup(seconds):
            req.hit.outcome = "client-gone"
            req.handler.close_connection = True
            return
        (then or html("<html><body>too late</body></html>"))(req)

    return behave


def reset() -> Behaviour:
    """Read the request, then abort the connection with a RST and no response."""
    return lambda req: req.reset()


def reset_mid_body(declared: int = 20000, sent: int = 2000) -> Behaviour:
    """Announce ``declared`` bytes, send ``sent`` of them, then RST."""

    def behave(req: Request) -> None:
        req.start(200, {"Content-Type": "text/html; charset=utf-8", "Content-Length": str(declared)})
        req.write(b"<html><body>" + b"x" * (sent - 12))
        req.reset()

    return behave


def first(times: int, behaviour: Behaviour, then: Behaviour | None = None) -> Behaviour:
    """Behave as ``behaviour`` for the first ``times`` requests, then as ``then``."""

    def behave(req: Request) -> None:
        (behaviour if req.nth <= times else then or html("<html><body>recovered</body></html>"))(req)

    return behave


def flaky(times: int, status: int = 503, then: Behaviour | None = None,
          headers: dict | None = None) -> Behaviour:
    """Fail the first ``times`` requests with ``status``, then behave as ``then``."""
    return first(times, html(f"<html><body>{status} error</body></html>", status=status, headers=headers), then)


def retry_after(times: int, seconds: int, status: int = 429, then: Behaviour | None = None) -> Behaviour:
    """Answer ``status`` with ``Retry-After: seconds`` ``times`` times, then ``then``."""
    return flaky(times, status, then, headers={"Retry-After": str(seconds)})


def redirect(location: str, status: int = 302) -> Behaviour:
    def behave(req: Request) -> None:
        req.respond(status, b"", headers={"Location": location})

    return behave


def redirect_chain(prefix: str, length: int, final: str = "<html><body>end of chain</body></html>") -> Behaviour:
    """``{prefix}N`` redirects to ``{prefix}N+1`` until ``{prefix}{length}``, which is a page."""

    def behave(req: Request) -> None:
        step = int(req.path[len(prefix):] or 0)
        if step >= length:
            req.respond(200, final.encode())
        else:
            req.respond(301, b"", headers={"Location": f"{prefix}{step + 1}"})

    return behave


def huge(size: int, chunk: int = 64 * 1024) -> Behaviour:
    """A ``size``-byte HTML body with a Content-Length, generated chunk by chunk (never in memory)."""
    block = (b"<p>" + b"\xe5\x86\x85\xe5\xae\xb9" * 20 + b"</p>\n") * (chunk // 130 + 1)
    block = block[:chunk]

    def behave(req: Request) -> None:
        req.start(200, {"Content-Type": "text/html; charset=utf-8", "Content-Length": str(size)})
        req.write(b"<html><body>")
        left = size - 12
        while left > 0:
            part = block[: min(left, chunk)]
            req.write(part)
            left -= len(part)
        req.hit.outcome = "sent"

    return behave


def truncated_gzip(body: str, keep: float = 0.5) -> Behaviour:
    """A gzip Content-Encoding whose stream stops part-way (Content-Length matches the cut)."""
    whole = gzip.compress(body.encode("utf-8"))
    cut = whole[: max(10, int(len(whole) * keep))]
    return html(cut, headers={"Content-Encoding": "gzip"})


def calendar(prefix: str = "/calendar") -> Behaviour:
    """An endless event calendar: each day links to the day before and after and the next month."""

    def behave(req: Request) -> None:
        try:
            day = datetime.date.fromisoformat(req.query.get("date", "2024-01-01"))
        except ValueError:
            day = datetime.date(2024, 1, 1)
        links = [day - datetime.timedelta(days=1), day + datetime.timedelta(days=1),
                 (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)]
        anchors = "".join(f'<a href="{prefix}?date={d.isoformat()}">{d.isoformat()}</a> ' for d in links)
        req.respond(200, f"<html><body><h1>活动日历 {day}</h1>{anchors}</body></html>".encode())

    return behave


def sitemap_bomb(base: str, prefix: str = "/sitemaps/", wide: int = 5000, urls_per_map: int = 5000,
                 padding_mb: int = 64) -> Behaviour:
    """Sitemaps of the site at ``base`` under ``prefix``, all gzip, generated on demand:

    ``nest-K.xml.gz`` is an index pointing at ``nest-K+1`` (endlessly deep); ``wide.xml.gz`` is an
    index of ``wide`` child sitemaps ``wide-I.xml.gz`` each listing ``urls_per_map`` pages
    ``/bomb/I/J.html``; ``padded.xml.gz`` is a urlset padded with ``padding_mb`` MB of whitespace
    (a decompression bomb: a small download that inflates far past the 50 MB sitemap limit),
    compressed here, up front, so that answering it never keeps the client waiting.
    """
    z = zlib.compressobj(6, zlib.DEFLATED, 31)
    parts = [z.compress(b'<?xml version="1.0" encoding="UTF-8"?>\n'
                        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n')]
    spaces = b" " * (1024 * 1024)
    parts += [z.compress(spaces) for _ in range(padding_mb)]
    parts.append(z.compress(f"<url><loc>{base}/bomb/padded.html</loc></url>\n</urlset>\n".encode()))
    padded = b"".join(parts) + z.flush()

    def index(children: Iterable[str]) -> bytes:
        entries = "".join(f"<sitemap><loc>{c}</loc></sitemap>\n" for c in children)
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/'
                f'schemas/sitemap/0.9">\n{entries}</sitemapindex>\n').encode()

    def urlset(locs: Iterable[str]) -> bytes:
        entries = "".join(f"<url><loc>{loc}</loc></url>\n" for loc in locs)
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/'
                f'schemas/sitemap/0.9">\n{entries}</urlset>\n').encode()

    def behave(req: Request) -> None:
        name = req.path[len(prefix):]
        if name.startswith("nest-"):
            depth = int(name[5:].split(".")[0])
            body = gzip.compress(index([f"{base}{prefix}nest-{depth + 1}.xml.gz"]), 1)
        elif name == "wide.xml.gz":
            body = gzip.compress(index(f"{base}{prefix}wide-{i}.xml.gz" for i in range(wide)), 1)
        elif name.startswith("wide-"):
            i = int(name[5:].split(".")[0])
            body = gzip.compress(urlset(f"{base}/bomb/{i}/{j}.html" for j in range(urls_per_map)), 1)
        elif name == "padded.xml.gz":
            body = padded
        else:
            return not_found()(req)
        req.respond(200, body, content_type="application/x-gzip")

    return behave
