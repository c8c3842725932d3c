"""HTTP/1.1 on keep-alive sockets: exactly what the crawler's fetcher needs, and nothing more.

GET requests only; responses framed by Content-Length, chunked transfer-coding or connection
close; idle connections kept per (scheme, host name, address, port) and checked before reuse.
The body is handed over as it arrives (transfer-coding removed, content-coding kept) so the
fetcher can cap it. Errors before any response byte are :class:`FetchError` with a ``kind``
(timeout, connection, tls, invalid); a body that breaks off raises :class:`BodyIncomplete`.
"""
from __future__ import annotations

import re
import select
import socket
import ssl
import threading
from dataclasses import dataclass
from typing import Callable

MAX_HEAD = 256 * 1024
RECV = 65536
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_UNSAFE_TARGET = re.compile(r"[^\x21-\x7e]")


class FetchError(Exception):
    """No HTTP response at all: ``kind`` is timeout, connection, tls or invalid."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


class BodyIncomplete(Exception):
    """The connection ended (or broke) before the whole body arrived."""


def safe_target(target: str) -> str:
    """The request target with spaces, controls and non-ASCII percent-encoded as UTF-8 (as urllib3 does)."""
    if target.isascii() and not _UNSAFE_TARGET.search(target):
        return target
    return _UNSAFE_TARGET.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode("utf-8")), target)


class Connection:
    """One socket and the bytes read past the last response."""

    def __init__(self, sock: socket.socket, reused: bool = False):
        self.sock, self.reused, self.buf = sock, reused, b""

    def recv(self) -> bytes:
        if self.buf:
            data, self.buf = self.buf, b""
            return data
        return self.sock.recv(RECV)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def dropped(self) -> bool:
        """True when an idle connection was closed by the server (or has unexpected bytes)."""
        if self.buf:
            return True
        try:
            readable, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)


class Pool:
    """Idle keep-alive connections per (scheme, name, address, port); thread-safe.

    ``ca_bundle`` is a function giving the trusted CA file (or None for the system's), called on
    the first https connection only: finding the bundle costs imports a plain-http crawl never needs.
    """

    def __init__(self, timeout: float, verify_tls: bool | str, ca_bundle: Callable[[], str | None] | None,
                 per_key: int = 4):
        self.timeout, self.verify_tls, self.ca_bundle, self.per_key = timeout, verify_tls, ca_bundle, per_key
        self._idle: dict[tuple, list[Connection]] = {}
        self._lock = threading.Lock()
        self._context: ssl.SSLContext | None = None

    def context(self) -> ssl.SSLContext:
        if self._context is None:
            if self.verify_tls:
                ca = self.verify_tls if isinstance(self.verify_tls, str) else self.ca_bundle and self.ca_bundle()
                ctx = ssl.create_default_context(cafile=ca)
            else:
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            self._context = ctx
        return self._context

    def take(self, key: tuple) -> Connection | None:
        """An idle connection still open, or None."""
        while True:
            with self._lock:
                idle = self._idle.get(key)
                conn = idle.pop() if idle else None
            if conn is None or not conn.dropped():
                return conn
            conn.close()

    def give(self, key: tuple, conn: Connection) -> None:
        conn.reused = True
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if len(idle) < self.per_key:
                idle.append(conn)
                return
        conn.close()

    def connect(self, key: tuple) -> Connection:
        """A new connection to ``address:port`` (TLS names ``name``)."""
        scheme, name, address, port = key
        try:
            sock = socket.create_connection((address, port), timeout=self.timeout)
        except socket.timeout as exc:
            raise FetchError("timeout", f"timed out after {self.timeout:g} s: connecting to {address}:{port}: {exc}"
                             ) from None
        except OSError as exc:
            raise FetchError("connection", f"connection failed: {address}:{port}: {exc}") from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if scheme == "https":
            try:
                sock = self.context().wrap_socket(sock, server_hostname=name)
            except (ssl.SSLError, ssl.CertificateError) as exc:
                sock.close()
                raise FetchError("tls", f"TLS error: {exc}") from None
            except socket.timeout as exc:
                sock.close()
                raise FetchError("timeout", f"timed out after {self.timeout:g} s: TLS handshake: {exc}") from None
            except OSError as exc:
                sock.close()
                raise FetchError("connection", f"connection failed during the TLS handshake: {exc}") from None
        return Connection(sock)


@dataclass
class Head:
    """Status line and headers of a response, and how its body is framed."""

    version: str
    status: int
    reason: str
    headers: list[tuple[str, str]]
    framing: str  # none / length / chunked / close
    length: int = 0
    keep_alive: bool = True


def read_head(conn: Connection) -> Head:
    """Read the response head (skipping 1xx interim responses). Raises ConnectionError/timeout."""
    buf = b""
    while True:
        match = _HEAD_END.search(buf)
        if match is None:
            if len(buf) > MAX_HEAD:
                raise FetchError("connection", f"response head longer than {MAX_HEAD} bytes")
            data = conn.recv()
            if not data:
                if buf:
                    raise FetchError("connection", "connection closed in the middle of the response head")
                raise ConnectionAbortedError("connection closed without a response")
            buf += data
            continue
        head, buf = buf[:match.start()], buf[match.end():]
        parsed = _parse_head(head)
        if 100 <= parsed.status < 200 and parsed.status != 101:
            continue
        conn.buf = buf
        return parsed


def _parse_head(head: bytes) -> Head:
    lines = head.decode("iso-8859-1").split("\n")
    status_line = lines[0].rstrip("\r")
    parts = status_line.split(None, 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise FetchError("connection", f"not an HTTP response: {status_line[:80]!r}")
    version, status, reason = parts[0], int(parts[1]), parts[2] if len(parts) > 2 else ""
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        line = line.rstrip("\r")
        if line[:1] in (" ", "\t") and headers:  # obsolete line folding
            headers[-1] = (headers[-1][0], f"{headers[-1][1]} {line.strip()}")
            continue
        name, sep, value = line.partition(":")
        if sep:
            headers.append((name.strip(), value.strip()))
    low = {}
    for name, value in headers:
        low.setdefault(name.lower(), value)
    connection = low.get("connection", "").lower()
    keep_alive = "keep-alive" in connection if version == "HTTP/1.0" else "close" not in connection
    if 100 <= status < 200 or status in (204, 304):
        return Head(version, status, reason, headers, "none", 0, keep_alive)
    if "chunked" in low.get("transfer-encoding", "").lower():
        return Head(version, status, reason, headers, "chunked", 0, keep_alive)
    length = low.get("content-length", "").split(",")[0].strip()
    if length.isdigit():
        return Head(version, status, reason, headers, "length", int(length), keep_alive)
    return Head(version, status, reason, headers, "close", 0, False)


def body_chunks(conn: Connection, head: Head):
    """Yield the body as it arrives, transfer-coding removed; BodyIncomplete if it breaks off."""
    if head.framing == "length":
        left = head.length
        while left > 0:
            data = conn.recv()
            if not data:
                raise BodyIncomplete(f"IncompleteRead: connection closed with {left} of {head.length} bytes missing")
            if len(data) > left:
                data, conn.buf = data[:left], data[left:]
            left -= len(data)
            yield data
    elif head.framing == "chunked":
        yield from _chunked(conn)
    elif head.framing == "close":
        while True:
            data = conn.recv()
            if not data:
                return
            yield data


def _line(conn: Connection) -> bytes:
    buf = conn.buf
    while b"\n" not in buf:
        if len(buf) > MAX_HEAD:
            raise BodyIncomplete("chunked body: line too long")
        data = conn.sock.recv(RECV)
        if not data:
            raise BodyIncomplete("chunked body: connection closed mid-chunk")
        buf += data
    line, _, conn.buf = buf.partition(b"\n")
    return line.rstrip(b"\r")


def _chunked(conn: Connection):
    while True:
        size_text = _line(conn).split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise BodyIncomplete(f"chunked body: bad chunk size {size_text[:20]!r}") from None
        if size == 0:
            while _line(conn):  # trailer fields up to the empty line
                pass
            return
        left = size
        while left > 0:
            data = conn.recv()
            if not data:
                raise BodyIncomplete("chunked body: connection closed mid-chunk")
            if len(data) > left:
                data, conn.buf = data[:left], data[left:]
            left -= len(data)
            yield data
        _line(conn)  # the CRLF after the chunk
