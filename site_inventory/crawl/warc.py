"""The crawl's archive: one gzipped WARC per site per run, with a CDXJ index beside it.

Request and response records are written exactly as exchanged (the response body with its
content-encoding, as on the wire), so pywb or any WARC reader can replay a site after it is
closed. WARC/1.0 is simple enough to write directly (header lines, a block, two CRLFs; each record
its own gzip member; sha1 digests in base32, the same bytes warcio would write), which costs a
fraction of building records through warcio. The fetching thread appends each exchange as soon
as it is read, so the WARC is also the crawl's journal (see journal). The CDXJ lines use the
same SURT keys and fields as cdxj-indexer (the indexer pywb uses); a WARC left by a killed run is
re-indexed with cdxj-indexer itself.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import re
import threading
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .fetch import Response

# Hop-by-hop framing the fetcher has already undone; keeping it would make the record unreadable.
_FRAMING = {"transfer-encoding"}
_MIME_END = re.compile(r"[;\s]")
_EMPTY_DIGEST = "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ"
# URLs whose SURT is plain string work: http(s), a lower-case host name (not an IP address), no
# port, a path of letters, digits and ._-/ without empty, . or .. segments, no query
_PLAIN_URL = re.compile(r"https?://([a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z][a-z0-9-]*)(/[A-Za-z0-9_./-]*)\Z")
_WWW = re.compile(r"www\d*\.")
_NOT_DIGIT = re.compile(r"\D")
_B32_PAIRS = [a + b for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"]
GZIP_LEVEL = 6  # members whose payload is content-encoded, and requests, are stored (level 0): deflating
# them again gains little and costs ~40 us a member (zlib's set-up)
# WARC-Truncated values (WARC 1.0, 5.13): why a response body is incomplete
TRUNCATED_LENGTH, TRUNCATED_TIME, TRUNCATED_DISCONNECT = "length", "time", "disconnect"


@dataclass
class Records:
    """A response and its request as gzipped WARC records, plus what the CDXJ line needs."""

    request: bytes
    response: bytes
    key: str        # SURT of the URL
    timestamp: str  # 14-digit WARC-Date
    fields: dict    # url, mime, status, digest


def warc_name(site_code: str, run_id: int, started: datetime | None = None) -> str:
    stamp = (started or datetime.now(timezone.utc)).strftime("%Y%m%d%H%M%S")
    return f"{site_code}-{stamp}-run{run_id}.warc.gz"


def _warc_date(iso: str) -> str:
    return (iso or datetime.now(timezone.utc).isoformat()).replace("+00:00", "Z")


def _timestamp(date: str) -> str:
    """The 14-digit form of a WARC-Date (what CDXJ lines use)."""
    return _NOT_DIGIT.sub("", date[:19])


def _url_key(url: str) -> str:
    """The SURT key of a URL as cdxj-indexer writes it (surt.surt with its defaults). Plain URLs are
    keyed here, the same way, without importing surt (which drags in tldextract and requests)."""
    m = _PLAIN_URL.match(url)
    if m and "//" not in m.group(2) and "/." not in m.group(2):
        host, path = m.groups()
        www = _WWW.match(host)
        if www:
            host = host[www.end():]
        path = path.lower()
        if len(path) > 1 and path.endswith("/"):
            path = path[:-1]
        return ",".join(reversed(host.split("."))) + ")" + path
    return _surt(url)


def _surt(url: str) -> str:
    import surt  # only for URLs _url_key does not key itself

    try:
        return surt.surt(url)
    except Exception:  # the same fallback as cdxj-indexer: index under the URL itself
        return url


def _digest(data: bytes) -> str:
    """sha1 in base32 (what base64.b32encode gives, without its loop over 5-byte groups)."""
    n = int.from_bytes(hashlib.sha1(data).digest(), "big")
    return "sha1:" + "".join([_B32_PAIRS[(n >> shift) & 1023] for shift in range(150, -1, -10)])


_ids = random.Random()  # seeded from os.urandom; reseeded in a forked child (no shared sequence)
os.register_at_fork(after_in_child=_ids.seed)
_UUID4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID4_SET = (0x4000 << 64) | (0x8000 << 48)


def _record_id() -> str:
    """A random (version 4) UUID URN, made without uuid.uuid4's system call and object per record."""
    h = f"{(_ids.getrandbits(128) & _UUID4_CLEAR) | _UUID4_SET:032x}"
    return f"<urn:uuid:{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}>"


def http_head(first_line: str, headers) -> bytes:
    """An HTTP message head as archived: ASCII, non-ASCII header values percent-encoded as warcio does."""
    text = first_line + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    try:
        return text.encode("ascii")
    except UnicodeEncodeError:
        from warcio.statusandheaders import StatusAndHeaders

        protocol, _, status = first_line.partition(" ")
        return StatusAndHeaders(status, list(headers), protocol=protocol).to_ascii_bytes()


def record(kind: str, url: str, date: str, block: bytes, payload_digest: str, msgtype: str,
           extra: list[tuple[str, str]] = (), level: int = GZIP_LEVEL) -> bytes:
    """One gzipped WARC/1.0 record (its own gzip member) whose block is an HTTP message."""
    lines = [("WARC-Date", date), *extra, ("WARC-Type", kind), ("WARC-Target-URI", url),
             ("WARC-Payload-Digest", payload_digest), ("WARC-Block-Digest", _digest(block)),
             ("Content-Type", f"application/http; msgtype={msgtype}"), ("Content-Length", str(len(block)))]
    head = "WARC/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in lines) + "\r\n"
    return zlib.compress(head.encode("utf-8") + block + b"\r\n\r\n", level, wbits=31)


def truncated_value(resp: Response) -> str | None:
    """The WARC-Truncated value of a response: cut at a limit (length/time) or the stream broke."""
    if not resp.truncated:
        return None
    if resp.limited:
        return TRUNCATED_TIME if resp.cut_by == "time" else TRUNCATED_LENGTH
    return TRUNCATED_DISCONNECT


def records(resp: Response) -> Records:
    """Build the gzipped request and response records of one exchange (thread-safe, no I/O)."""
    date = _warc_date(resp.started_at)
    response_id = _record_id()
    head = http_head(f"{resp.http_version} {resp.status} {resp.reason}".rstrip(),
                     [(k, v) for k, v in resp.headers if k.lower() not in _FRAMING])
    payload_digest = _digest(resp.raw)
    extra = [("WARC-Record-ID", response_id)]
    truncated = truncated_value(resp)
    if truncated:
        extra.insert(0, ("WARC-Truncated", truncated))
    encoded = (resp.header("Content-Encoding") or "").strip().lower() not in ("", "identity")
    response = record("response", resp.url, date, head + resp.raw, payload_digest, "response", extra,
                      level=0 if encoded or not resp.raw else GZIP_LEVEL)
    request_block = http_head(f"GET {resp.request_target} HTTP/1.1", resp.request_headers)
    request = record("request", resp.url, date, request_block, _EMPTY_DIGEST, "request",
                     [("WARC-Concurrent-To", response_id), ("WARC-Record-ID", _record_id())], level=0)
    fields = {"url": resp.url}
    mime = resp.header("Content-Type")
    if mime:
        fields["mime"] = _MIME_END.split(mime, 1)[0].strip()
    fields["status"] = str(resp.status)
    fields["digest"] = payload_digest
    return Records(request, response, _url_key(resp.url), _timestamp(date), fields)


def _warcinfo(filename: str, software: str) -> bytes:
    date = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    block = f"software: {software}\r\nformat: WARC File Format 1.1\r\n".encode("utf-8")
    lines = [("WARC-Type", "warcinfo"), ("WARC-Record-ID", _record_id()), ("WARC-Filename", filename),
             ("WARC-Date", date), ("WARC-Block-Digest", _digest(block)),
             ("Content-Type", "application/warc-fields"), ("Content-Length", str(len(block)))]
    head = "WARC/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in lines) + "\r\n"
    return zlib.compress(head.encode("utf-8") + block + b"\r\n\r\n", GZIP_LEVEL, wbits=31)


class WarcFile:
    """An open WARC of one site's run, appended to by the fetching threads (under ``lock``)."""

    def __init__(self, path: Path, software: str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.pending_index = self.path.with_name(self.path.name + ".cdxj-lines")
        self.lock = threading.Lock()
        self._file = open(self.path, "ab", buffering=0)  # each append is one write: whole records or none
        self._lines = open(self.pending_index, "a", encoding="utf-8")
        self.end = self._file.seek(0, os.SEEK_END)
        if self.end == 0:
            self.end += self._file.write(_warcinfo(self.path.name, software))

    def append(self, recs: Records, written=None) -> tuple[int, int]:
        """Append the request, then the response, in one write; returns (offset, length) of the
        response record. ``written(offset, length, end)`` runs while the lock is still held, so
        what it queues is in file order."""
        with self.lock:
            offset = self.end + len(recs.request)
            self._file.write(recs.request + recs.response)
            self.end = offset + len(recs.response)
            index = dict(recs.fields, length=str(len(recs.response)), offset=str(offset), filename=self.path.name)
            self._lines.write(f"{recs.key} {recs.timestamp} {json.dumps(index)}\n")
            if written is not None:
                written(offset, len(recs.response), self.end)
            return offset, len(recs.response)

    def write(self, resp: Response) -> tuple[int, int]:
        """Build and append the records of one exchange."""
        return self.append(records(resp))

    def close(self) -> Path:
        """Close the WARC and write its sorted CDXJ index; returns the index path."""
        self._file.close()
        self._lines.close()
        lines = self.pending_index.read_text(encoding="utf-8").splitlines(keepends=True)
        lines.sort()
        index = index_path(self.path)
        tmp = index.with_suffix(".cdxj.tmp")
        tmp.write_text("".join(lines), encoding="utf-8")
        os.replace(tmp, index)
        self.pending_index.unlink()
        return index


def index_path(warc_path: Path) -> Path:
    warc_path = Path(warc_path)
    return warc_path.with_name(warc_path.name.removesuffix(".warc.gz") + ".cdxj")


def cut_after(path: Path, end: int) -> None:
    """Drop bytes after ``end`` (a record cut short by a kill)."""
    if path.exists() and path.stat().st_size > end:
        with open(path, "r+b") as f:
            f.truncate(end)


def write_index(warc_path: Path) -> Path:
    """(Re)write the sorted CDXJ index of a WARC by reading it (for WARCs of killed runs)."""
    from cdxj_indexer.main import CDXJIndexer  # slow to import; only a killed run's WARC needs it

    index = index_path(warc_path)
    tmp = index.with_suffix(".cdxj.tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        CDXJIndexer(output=out, inputs=[str(warc_path)], sort=True).process_all()
    os.replace(tmp, index)
    pending = Path(warc_path).with_name(Path(warc_path).name + ".cdxj-lines")
    if pending.exists():
        pending.unlink()
    return index
