"""One HTTP GET, done the way the crawler needs it: resolved, streamed, capped, never redirected.

A lean HTTP/1.1 client on keep-alive sockets (wire) rather than urllib3 or requests: the
crawler needs none of their conveniences, and on a fast server their per-request Python work
(header parsing through the email package, pool bookkeeping) was the crawl's largest cost.

The workspace's resolve rules send a request for ``host:port`` to another address while the
Host header (and TLS server name) keep the real name. Bodies are read as they come off the wire
(content-encoding kept, for the WARC) and decoded here with a cap on the decoded size, so a
200 MB page or a gzip bomb stops at the limit and is recorded as truncated. Redirects are not
followed: the crawler queues each hop itself so every hop is resolved, scope-checked and stored.
"""
from __future__ import annotations

import socket
import ssl
import time
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urlsplit

from . import wire
from .wire import BodyIncomplete, FetchError
from ..bodies import ContentDecoder
from ..resolve import Resolution, lookup

CHUNK = 65536
DEFAULT_PORTS = {"http": 80, "https": 443}
ACCEPT = {  # sent with every request, after Host and User-Agent
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Encoding": "gzip, deflate",
    "Accept-Language": "zh-CN,zh;q=0.9",
}


@dataclass
class Response:
    """An HTTP response as stored by the crawler."""

    url: str
    status: int
    reason: str
    headers: list[tuple[str, str]]
    request_headers: list[tuple[str, str]]
    raw: bytes  # as received, content-encoding still applied
    body: bytes  # content-encoding removed
    http_version: str = "HTTP/1.1"
    truncated: bool = False
    limited: bool = False  # truncated on purpose: the size or time limit was reached
    cut_by: str | None = None  # what cut a limited body: "length" or "time"
    error: str | None = None  # why the body is incomplete, if it is
    elapsed: float = 0.0
    started_at: str = ""
    request_target: str = "/"
    _by_name: dict | None = field(default=None, init=False, repr=False, compare=False)

    def header(self, name: str) -> str | None:
        """The last value of a header (case-insensitive), None when absent."""
        if self._by_name is None:  # built once: the crawler asks each response for several headers
            self._by_name = {key.lower(): value for key, value in self.headers}
        return self._by_name.get(name.lower())

    @property
    def retry_after(self) -> float | None:
        """Seconds to wait from a Retry-After header (delta or HTTP date), None when absent/unreadable."""
        return parse_retry_after(self.header("Retry-After"))


def _ca_bundle() -> str | None:
    """Trusted CA certificates: certifi's bundle when installed (requests brings it), else the system's."""
    try:
        import certifi

        return certifi.where()
    except ImportError:
        return None


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    import email.utils  # rarely needed: most servers send seconds

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


@dataclass
class Sent:
    """A request on its way: what :meth:`Fetcher.receive` needs to read its answer."""

    key: tuple
    url: str
    conn: wire.Connection
    headers: dict
    started: str
    clock: float
    request_target: str


@dataclass
class Fetcher:
    """GETs URLs over pooled keep-alive connections (wire); thread-safe."""

    rules: dict[tuple[str, int], Resolution]
    user_agent: str
    timeout: float = 15.0
    max_bytes: int = 50 * 1024 * 1024
    max_seconds: float = 120.0
    verify_tls: bool | str = True  # or the path of a CA bundle to trust (like requests' verify)
    per_host: int = 1
    _pool: wire.Pool = field(default=None, repr=False)

    def __post_init__(self):
        self._origins: dict[tuple[str, str], tuple[str, tuple]] = {}
        self._fixed = "".join(f"{k}: {v}\r\n" for k, v in {"User-Agent": self.user_agent, **ACCEPT}.items())
        self._pool = wire.Pool(self.timeout, self.verify_tls, _ca_bundle if self.verify_tls is True else None,
                                    per_key=self.per_host + 1)

    def target(self, url: str) -> tuple[str, str, int, str, bool]:
        """(scheme, address, port to connect to, Host header value, whether a resolve rule applied)."""
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORTS.get(parts.scheme, 80)
        address, target_port = lookup(self.rules, parts.hostname or "", port)
        host_header = parts.netloc.rpartition("@")[2]
        return parts.scheme, address, target_port, host_header, (address, target_port) != (parts.hostname, port)

    def _origin(self, url: str, parts) -> tuple[str, tuple]:
        """(Host header, connection pool key) of a URL's scheme and host, remembered per origin."""
        scheme, address, port, host_header, _ = self.target(url)
        if scheme not in DEFAULT_PORTS or not parts.hostname:
            raise FetchError("invalid", f"cannot request this URL: {url!r}")
        found = self._origins[(parts.scheme, parts.netloc)] = host_header, (scheme, parts.hostname, address, port)
        return found  # the key's name is the real host: TLS checks it

    def get(self, url: str, headers: dict[str, str] | None = None) -> Response:
        """GET ``url`` once. Raises :class:`FetchError` when no response arrives."""
        return self.receive(self.send(url, headers))

    def send(self, url: str, headers: dict[str, str] | None = None) -> "Sent":
        """Send the GET of ``url`` (the first half of :meth:`get`): the caller may do other work while
        the server answers, then :meth:`receive`. Raises :class:`FetchError` when it cannot be sent."""
        try:
            parts = urlsplit(url)
            host_header, key = self._origins.get((parts.scheme, parts.netloc)) or self._origin(url, parts)
        except ValueError as exc:
            raise FetchError("invalid", f"cannot request this URL: {exc}") from None
        request_target = wire.safe_target((parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
        send = {"Host": host_header, "User-Agent": self.user_agent, **ACCEPT}
        lines = f"GET {request_target} HTTP/1.1\r\nHost: {host_header}\r\n{self._fixed}"
        if headers:
            send.update(headers)
            lines = (f"GET {request_target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in send.items()))
        message = (lines + "\r\n").encode("utf-8")
        started, clock = datetime.now(timezone.utc).isoformat(timespec="milliseconds"), time.monotonic()
        conn = self._pool.take(key) or self._pool.connect(key)
        with self._errors(conn):
            conn.sock.sendall(message)
        return Sent(key, url, conn, send, started, clock, request_target)

    def receive(self, sent: "Sent") -> Response:
        """Read the answer to a request :meth:`send` sent. Raises :class:`FetchError` when none comes."""
        with self._errors(sent.conn):
            head = wire.read_head(sent.conn)
        return self._read(sent.key, sent.url, sent.conn, head, sent.headers, sent.started, sent.clock,
                          sent.request_target)

    @contextmanager
    def _errors(self, conn: wire.Connection):
        """Socket errors before the response head as FetchError, the connection closed. A request is
        never sent twice: every request the server sees is an attempt."""
        try:
            yield
        except FetchError:
            conn.close()
            raise
        except (socket.timeout, TimeoutError) as exc:
            conn.close()
            raise FetchError("timeout", f"timed out after {self.timeout:g} s: {exc or 'no response'}") from None
        except ssl.SSLError as exc:
            conn.close()
            raise FetchError("tls", f"TLS error: {exc}") from None
        except OSError as exc:  # reset, broken pipe, closed without a response
            conn.close()
            raise FetchError("connection", f"connection failed: {exc.__class__.__name__}: {exc}") from None

    def _read(self, key, url, conn, head, send, started, clock, request_target) -> Response:
        """Stream the body with the size and time caps; a broken stream keeps what arrived."""
        low = {k.lower(): v for k, v in reversed(head.headers)}
        decoder = ContentDecoder(low.get("content-encoding"), self.max_bytes)
        complete = False
        raw, body, raw_size, error, truncated, cut_by = [], [], 0, None, False, None
        deadline = clock + self.max_seconds
        try:
            for chunk in wire.body_chunks(conn, head):
                raw.append(chunk)
                raw_size += len(chunk)
                body.append(decoder.feed(chunk))
                if decoder.over or raw_size > self.max_bytes:
                    truncated, cut_by = True, "length"
                    error = f"response larger than the limit of {self.max_bytes} bytes; cut there"
                    break
                if time.monotonic() > deadline:
                    truncated, cut_by = True, "time"
                    error = f"body still arriving after {self.max_seconds:g} s; cut there"
                    break
            else:
                complete = True
        except (BodyIncomplete, OSError) as exc:  # broken or timed-out stream: keep what arrived
            name = "ReadTimeoutError" if isinstance(exc, (socket.timeout, TimeoutError)) else exc.__class__.__name__
            truncated, error = True, f"body incomplete after {raw_size} bytes: {name}: {exc}"
        if not truncated:
            body.append(decoder.finish())
        if decoder.error and error is None:
            error = decoder.error
            truncated = truncated or "truncated" in decoder.error or "corrupt" in decoder.error
        if complete and head.keep_alive:
            self._pool.give(key, conn)
        else:  # a half-read or closing connection cannot be reused
            conn.close()
        return Response(
            url=url,
            status=head.status,
            reason=head.reason,
            headers=head.headers,
            request_headers=list(send.items()),
            raw=raw[0] if len(raw) == 1 else b"".join(raw),
            body=body[0] if len(body) == 1 else b"".join(body),
            http_version=head.version if head.version in ("HTTP/1.0", "HTTP/1.1") else "HTTP/1.1",
            truncated=truncated,
            limited=cut_by is not None,
            cut_by=cut_by,
            error=error,
            elapsed=time.monotonic() - clock,
            started_at=started,
            request_target=request_target,
        )
