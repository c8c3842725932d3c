"""One HTTP GET, done the way the crawler needs it: resolved, streamed, capped, never redirected.

Built on urllib3 (the connection pool under requests) rather than a requests Session: the
crawler needs none of requests' conveniences and its per-request overhead is the crawl's
bottleneck on a fast server.

The workspace's resolve rules send a request for ``host:port`` to another address while the
Host header (and TLS server name) keep the real name. Bodies are read as they come off the wire
(content-encoding kept, for the WARC) and decoded here with a cap on the decoded size, so a
200 MB page or a gzip bomb stops at the limit and is recorded as truncated. Redirects are not
followed: the crawler queues each hop itself so every hop is resolved, scope-checked and stored.
"""
from __future__ import annotations

import email.utils
import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
import threading
from urllib.parse import urlsplit

import urllib3

from .resolve import Resolution, lookup

CHUNK = 65536
DEFAULT_PORTS = {"http": 80, "https": 443}


class FetchError(Exception):
    """No HTTP response at all: ``kind`` is timeout, connection, tls or invalid."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


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
    error: str | None = None  # why the body is incomplete, if it is
    elapsed: float = 0.0
    started_at: str = ""
    request_target: str = "/"

    def header(self, name: str) -> str | None:
        """The last value of a header (case-insensitive), None when absent."""
        low = name.lower()
        for key, value in reversed(self.headers):
            if key.lower() == low:
                return value
        return None

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
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class _Decoder:
    """Incremental Content-Encoding decoder that never produces more than ``limit`` bytes."""

    def __init__(self, encoding: str | None, limit: int):
        enc = (encoding or "").strip().lower()
        self.limit = limit
        self.size = 0
        self.error: str | None = None
        self.over = False
        if enc in ("", "identity"):
            self._z = None
        elif enc in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif enc == "deflate":
            self._z = zlib.decompressobj()
            self._deflate_raw_fallback = True
        else:
            self._z = None
            self.error = f"content-encoding {enc!r} not decoded; body kept as received"
        self.encoding = enc

    def feed(self, data: bytes) -> bytes:
        room = self.limit - self.size
        if self._z is None:
            out = data[:room]
            self.over = len(data) > room
        else:
            try:
                out = self._z.decompress(data, room) if room > 0 else b""
            except zlib.error as exc:
                if self.encoding == "deflate" and self.size == 0 and getattr(self, "_deflate_raw_fallback", False):
                    self._deflate_raw_fallback = False
                    self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                    return self.feed(data)
                self.error = f"{self.encoding} data corrupt: {exc}"
                self._z = None
                self.over = False
                return b""
            self.over = bool(self._z.unconsumed_tail) or (room <= 0 and bool(data))
        self.size += len(out)
        return out

    def finish(self) -> bytes:
        if self._z is None or self.over:
            return b""
        out = self._z.flush()
        if not self._z.eof and self.error is None:
            self.error = f"{self.encoding} stream ends early (truncated)"
        self.size += len(out)
        return out


@dataclass
class Fetcher:
    """GETs URLs over pooled keep-alive connections (urllib3, the transport under requests); thread-safe."""

    rules: dict[tuple[str, int], Resolution]
    user_agent: str
    timeout: float = 15.0
    max_bytes: int = 50 * 1024 * 1024
    max_seconds: float = 120.0
    verify_tls: bool | str = True  # or the path of a CA bundle to trust (like requests' verify)
    per_host: int = 1
    _pools: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _pool(self, scheme: str, name: str, address: str, port: int):
        """Keep-alive connections per host name (many names may share one address, as with resolve rules)."""
        key = (scheme, name, address, port)
        with self._lock:
            pool = self._pools.get(key)
            if pool is None:
                size = self.per_host + 1  # the next request may start while the last connection is put back
                if scheme == "https":
                    ca = (self.verify_tls if isinstance(self.verify_tls, str) else _ca_bundle()) if self.verify_tls else None
                    pool = urllib3.HTTPSConnectionPool(
                        address, port, maxsize=size, block=False, server_hostname=name, assert_hostname=name,
                        cert_reqs="CERT_REQUIRED" if self.verify_tls else "CERT_NONE", ca_certs=ca)
                else:
                    pool = urllib3.HTTPConnectionPool(address, port, maxsize=size, block=False)
                self._pools[key] = pool
            return pool

    def target(self, url: str) -> tuple[str, str, int, str, bool]:
        """(scheme, address, port to connect to, Host header value, whether a resolve rule applied)."""
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORTS.get(parts.scheme, 80)
        address, target_port = lookup(self.rules, parts.hostname or "", port)
        host_header = parts.netloc.rpartition("@")[2]
        return parts.scheme, address, target_port, host_header, (address, target_port) != (parts.hostname, port)

    def get(self, url: str, headers: dict[str, str] | None = None) -> Response:
        """GET ``url`` once. Raises :class:`FetchError` when no response arrives."""
        scheme, address, port, host_header, _ = self.target(url)
        parts = urlsplit(url)
        request_target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        send = {
            "Host": host_header,
            "User-Agent": self.user_agent,
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "Accept-Encoding": "gzip, deflate",
            "Accept-Language": "zh-CN,zh;q=0.9",
        }
        send.update(headers or {})
        started, clock = datetime.now(timezone.utc).isoformat(timespec="milliseconds"), time.monotonic()
        try:
            pool = self._pool(scheme, parts.hostname or address, address, port)  # TLS names the real host
            resp = pool.urlopen(
                "GET", request_target, headers=send, redirect=False, retries=False, preload_content=False,
                decode_content=False, assert_same_host=False,
                timeout=urllib3.Timeout(connect=self.timeout, read=self.timeout),
            )
        except urllib3.exceptions.SSLError as exc:
            raise FetchError("tls", f"TLS error: {exc}") from None
        except urllib3.exceptions.NewConnectionError as exc:  # (a subclass of the timeout error)
            raise FetchError("connection", f"connection failed: {exc}") from None
        except urllib3.exceptions.TimeoutError as exc:
            raise FetchError("timeout", f"timed out after {self.timeout:g} s: {exc}") from None
        except (urllib3.exceptions.LocationValueError, urllib3.exceptions.LocationParseError, ValueError) as exc:
            raise FetchError("invalid", f"cannot request this URL: {exc}") from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise FetchError("connection", f"connection failed: {exc}") from None
        return self._read(url, resp, send, started, clock, request_target)

    def _read(self, url, resp, send, started, clock, request_target) -> Response:
        """Stream the body with the size and time caps; a broken stream keeps what arrived."""
        decoder = _Decoder(resp.headers.get("Content-Encoding"), self.max_bytes)
        complete = False
        raw, body, raw_size, error, truncated, limited = [], [], 0, None, False, False
        deadline = clock + self.max_seconds
        try:
            for chunk in resp.stream(CHUNK, decode_content=False):
                raw.append(chunk)
                raw_size += len(chunk)
                body.append(decoder.feed(chunk))
                if decoder.over or raw_size > self.max_bytes:
                    truncated, limited = True, True
                    error = f"response larger than the limit of {self.max_bytes} bytes; cut there"
                    break
                if time.monotonic() > deadline:
                    truncated, limited = True, True
                    error = f"body still arriving after {self.max_seconds:g} s; cut there"
                    break
            else:
                complete = True
        except Exception as exc:  # urllib3 ProtocolError/ReadTimeout mid-body: keep what arrived
            truncated, error = True, f"body incomplete after {raw_size} bytes: {exc.__class__.__name__}: {exc}"
        if not truncated:
            body.append(decoder.finish())
        if decoder.error and error is None:
            error = decoder.error
            truncated = truncated or "truncated" in decoder.error or "corrupt" in decoder.error
        if complete:
            resp.release_conn()
        else:  # a half-read connection cannot be reused
            resp.close()
        version = {10: "HTTP/1.0", 11: "HTTP/1.1", 20: "HTTP/2"}.get(getattr(resp, "version", 11), "HTTP/1.1")
        return Response(
            url=url,
            status=resp.status,
            reason=resp.reason or "",
            headers=list(resp.headers.items()),
            request_headers=list(send.items()),
            raw=b"".join(raw),
            body=b"".join(body),
            http_version=version,
            truncated=truncated,
            limited=limited,
            error=error,
            elapsed=time.monotonic() - clock,
            started_at=started,
            request_target=request_target,
        )
