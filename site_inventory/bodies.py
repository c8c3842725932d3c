"""A stored page's raw bytes: kept once, in its WARC record, and read back from there.

``pages.warc_file/warc_offset/warc_length`` point at the page's WARC record (a crawl's response
record, or a response record written by :func:`keep_body` for bytes that came from elsewhere).
:func:`page_body` reads that one gzip member, strips the WARC and HTTP heads and undoes the
content-encoding the way the fetcher did, so it returns the same bytes the crawler analysed
(``pages.size`` of them). A small cache keeps recently read bodies and open files for the stages
that read a page more than once. :func:`move_out` empties the old ``pages.body`` column into the
WARC (the schema migration that drops it runs it first).
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import sqlite3
import threading
import zlib
from collections import OrderedDict
from datetime import datetime, timezone
from pathlib import Path

READ_CHUNK = 65536          # the decoder is fed in pieces, as the fetcher fed it off the wire
CACHE_BYTES = 32 << 20      # decoded bodies kept for stages that read a page again
OPEN_FILES = 16             # WARC files kept open
MAX_BODY = 50 * 1024 * 1024
KEPT_SUFFIX = "-kept.warc.gz"  # WARC of bytes that no crawl archived (imports, old database copies)
POINTER = ("warc_file", "warc_offset", "warc_length")  # the pages columns that locate a page's record


class BodyError(Exception):
    """A page's record cannot be read: missing WARC file, broken record, or a wrong digest."""


class ContentDecoder:
    """Incremental Content-Encoding decoder that never produces more than ``limit`` bytes."""

    def __init__(self, encoding: str | None, limit: int):
        enc = (encoding or "").strip().lower()
        self.limit = limit
        self.size = 0
        self.error: str | None = None
        self.over = False
        self._deflate_raw_fallback = False
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
                if self.encoding == "deflate" and self.size == 0 and self._deflate_raw_fallback:
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


def warc_digest(data: bytes) -> str:
    """A WARC payload/block digest: sha1 in base32."""
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def _fields(text: str) -> dict[str, str]:
    out = {}
    for line in text.split("\r\n"):
        name, sep, value = line.partition(":")
        if sep:
            out[name.strip().lower()] = value.strip()
    return out


def parse_record(member: bytes) -> tuple[dict, bytes]:
    """(WARC header fields with lower-case names, block) of one record, gzipped or not."""
    data = zlib.decompress(member, wbits=31) if member[:2] == b"\x1f\x8b" else member
    head, sep, rest = data.partition(b"\r\n\r\n")
    if not sep or not head.startswith(b"WARC/"):
        raise BodyError("not a WARC record")
    fields = _fields(head.decode("utf-8", "replace"))
    return fields, rest[:int(fields.get("content-length") or 0)]


def split_payload(fields: dict, block: bytes) -> tuple[str | None, bytes]:
    """(Content-Encoding, payload) of a record's block: a response's HTTP head is dropped."""
    if fields.get("warc-type") != "response":
        return None, block
    head, _, payload = block.partition(b"\r\n\r\n")
    encoding = None
    for line in head.decode("iso-8859-1").split("\r\n")[1:]:
        name, sep, value = line.partition(":")
        if sep and name.strip().lower() == "content-encoding":
            encoding = value.strip()
    return encoding, payload


def decode(encoding: str | None, payload: bytes, size: int | None = None) -> bytes:
    """The payload with its content-encoding undone, cut at ``size`` (what the fetcher kept)."""
    limit = MAX_BODY if size is None else size
    decoder = ContentDecoder(encoding, limit)
    parts = [decoder.feed(payload[i:i + READ_CHUNK]) for i in range(0, len(payload), READ_CHUNK)]
    parts.append(decoder.finish())
    return b"".join(parts)


class BodyReader:
    """Reads WARC records by (file, offset, length) with open files and recent bodies cached."""

    def __init__(self, cache_bytes: int = CACHE_BYTES, open_files: int = OPEN_FILES):
        self.cache_bytes, self.open_files = cache_bytes, open_files
        self._bodies: OrderedDict[tuple, bytes] = OrderedDict()
        self._held = 0
        self._fds: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()
        self.reads = self.hits = 0

    def member(self, path: Path, offset: int, length: int) -> bytes:
        """The raw bytes of one record (one gzip member) of a WARC file."""
        key = str(path)
        with self._lock:
            fd = self._fds.pop(key, None)
            if fd is None:
                try:
                    fd = os.open(key, os.O_RDONLY)
                except OSError as exc:
                    raise BodyError(f"cannot read WARC {path}: {exc.strerror}") from None
                while len(self._fds) >= self.open_files:
                    os.close(self._fds.popitem(last=False)[1])
            self._fds[key] = fd
        data = os.pread(fd, length, offset)
        if len(data) != length:
            raise BodyError(f"WARC {path} ends before the record at {offset} (+{length})")
        return data

    def body(self, path: Path, offset: int, length: int, size: int | None = None) -> bytes:
        """The decoded payload of the record at ``offset``, cut at ``size``."""
        key = (str(path), offset, size)
        with self._lock:
            self.reads += 1
            cached = self._bodies.get(key)
            if cached is not None:
                self.hits += 1
                self._bodies.move_to_end(key)
                return cached
        try:
            fields, block = parse_record(self.member(path, offset, length))
        except zlib.error as exc:
            raise BodyError(f"broken WARC record at {offset} of {path}: {exc}") from None
        body = decode(*split_payload(fields, block), size)
        self._remember(key, body)
        return body

    def _remember(self, key: tuple, body: bytes) -> None:
        if len(body) > self.cache_bytes // 4:
            return
        with self._lock:
            self._bodies[key] = body
            self._held += len(body)
            while self._held > self.cache_bytes:
                self._held -= len(self._bodies.popitem(last=False)[1])

    def close(self) -> None:
        with self._lock:
            for fd in self._fds.values():
                os.close(fd)
            self._fds.clear()
            self._bodies.clear()
            self._held = 0


_READER = BodyReader()
os.register_at_fork(after_in_child=lambda: _READER.__init__(_READER.cache_bytes, _READER.open_files))


def _folder(where) -> Path:
    """The workspace folder of a Workspace, or a folder given as a path."""
    return Path(getattr(where, "path", where))


def page_body(workspace, row) -> bytes | None:
    """The raw bytes of a stored page (content-encoding removed), read from its WARC record.

    ``workspace`` is a Workspace or its folder; ``row`` any mapping with the page's ``warc_file``,
    ``warc_offset``, ``warc_length`` (and ``size``, to cut a body the crawl capped). None when the
    page has no record (a 304 or a failure never stored bytes); BodyError when it cannot be read.
    """
    rel = row["warc_file"]
    if not rel:
        return None
    keys = row.keys() if hasattr(row, "keys") else ()
    size = row["size"] if "size" in keys else None
    return _READER.body(_folder(workspace) / rel, row["warc_offset"] or 0, row["warc_length"], size)


def http_head(status: int, headers: list[tuple[str, str]]) -> bytes:
    """An HTTP/1.1 response head for bytes kept without their original exchange."""
    kept = [(k, v) for k, v in headers if k.lower() not in ("content-encoding", "transfer-encoding", "content-length")]
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in kept)]
    return "\r\n".join(lines).encode("utf-8", "replace") + b"\r\n\r\n"


def keep_body(workspace, site_code: str, url: str, body: bytes, status: int = 200,
              headers: list[tuple[str, str]] = ()) -> tuple[str, int, int]:
    """Archive bytes no crawl archived (an imported page, a migrated copy) as a response record
    in the site's ``warc/CODE-kept.warc.gz``; returns (warc_file, warc_offset, warc_length)."""
    rel = f"warc/{site_code}{KEPT_SUFFIX}"
    path = _folder(workspace) / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    block = http_head(status, list(headers)) + body
    date = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    lines = [("WARC-Type", "response"), ("WARC-Target-URI", url), ("WARC-Date", date),
             ("WARC-Payload-Digest", warc_digest(body)), ("WARC-Block-Digest", warc_digest(block)),
             ("Content-Type", "application/http; msgtype=response"), ("Content-Length", str(len(block)))]
    head = "WARC/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in lines) + "\r\n"
    member = zlib.compress(head.encode("utf-8") + block + b"\r\n\r\n", 6, wbits=31)
    with open(path, "ab") as handle:
        offset = handle.seek(0, os.SEEK_END)
        handle.write(member)
    return rel, offset, len(member)


def _database_folder(conn: sqlite3.Connection) -> Path:
    name = next(row[2] for row in conn.execute("PRAGMA database_list") if row[1] == "main")
    return Path(name).resolve().parent if name else Path(".").resolve()


def _archived_matches(folder: Path, row: sqlite3.Row, body: bytes) -> bool:
    """Whether the page's WARC record holds exactly ``body``, its payload digest checked."""
    if not row["warc_file"]:
        return False
    try:
        fields, block = parse_record(_READER.member(folder / row["warc_file"], row["warc_offset"] or 0,
                                                    row["warc_length"]))
        encoding, payload = split_payload(fields, block)
    except (BodyError, zlib.error, ValueError):
        return False
    digest = fields.get("warc-payload-digest")
    if digest and digest.startswith("sha1:") and digest != warc_digest(payload):
        return False
    return decode(encoding, payload, len(body)) == body


def move_out(conn: sqlite3.Connection, batch: int = 100) -> dict:
    """Make each page's WARC record its one copy of the bytes still in ``pages.body``: a record
    that holds the same bytes (payload digest checked) is kept; otherwise the bytes are archived
    with :func:`keep_body` and the page points there. Returns counts; idempotent."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(pages)")}
    counts = {"checked": 0, "kept": 0}
    if "body" not in columns:
        return counts
    folder = _database_folder(conn)
    conn.row_factory, factory = sqlite3.Row, conn.row_factory
    try:
        last = 0
        while True:
            rows = conn.execute(
                "SELECT id, site_code, url, status, headers, body, warc_file, warc_offset, warc_length FROM pages"
                " WHERE id > ? AND body IS NOT NULL ORDER BY id LIMIT ?", (last, batch)).fetchall()
            if not rows:
                return counts
            last = rows[-1]["id"]
            with conn:
                for row in rows:
                    counts["checked"] += 1
                    body = bytes(row["body"])
                    if _archived_matches(folder, row, body):
                        continue
                    rel, offset, length = keep_body(folder, row["site_code"], row["url"], body,
                                                    row["status"] or 200, _header_pairs(row["headers"]))
                    conn.execute("UPDATE pages SET warc_file = ?, warc_offset = ?, warc_length = ? WHERE id = ?",
                                 (rel, offset, length, row["id"]))
                    counts["kept"] += 1
    finally:
        conn.row_factory = factory


def _header_pairs(text: str | None) -> list[tuple[str, str]]:
    """Stored headers (a JSON list of pairs, or an object) as pairs."""
    try:
        value = json.loads(text) if text else []
    except ValueError:
        return []
    if isinstance(value, dict):
        return [(str(k), str(v)) for k, v in value.items()]
    return [(str(p[0]), str(p[1])) for p in value if isinstance(p, (list, tuple)) and len(p) == 2]
