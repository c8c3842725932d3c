"""The WARC as the crawl's journal: the exchanges a killed run archived but never stored.

A host thread appends each exchange to the site's WARC as soon as it is read, before its next
request; the coordinator stores outcomes in batched transactions and records with each commit how
far the WARC is stored (``crawl_runs.warc_stored``). After a kill, :func:`tail` reads the records
past that point so the next run stores them as if just fetched: a response that reached the
archive is never fetched again, and at most the one request per host in flight at the kill is.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path

from ..bodies import ContentDecoder
from .fetch import Response
from .warc import TRUNCATED_DISCONNECT, TRUNCATED_TIME

MAX_BODY = 50 * 1024 * 1024


@dataclass
class Archived:
    """One archived exchange: the response as the fetcher returned it and where its record lies."""

    response: Response
    offset: int
    length: int
    end: int


def _fields(text: str) -> list[tuple[str, str]]:
    out = []
    for line in text.split("\r\n"):
        name, sep, value = line.partition(":")
        if sep:
            out.append((name.strip(), value.strip()))
    return out


def _record(data: bytes) -> tuple[dict, bytes]:
    head, _, rest = data.partition(b"\r\n\r\n")
    fields = dict(_fields(head.decode("utf-8", "replace")))
    return fields, rest[:int(fields.get("Content-Length", "0") or 0)]


def _members(path: Path, start: int):
    """(offset, length, decompressed bytes) of each whole gzip member from ``start``."""
    with open(path, "rb") as f:
        f.seek(start)
        data = f.read()
    pos = 0
    while pos < len(data):
        z = zlib.decompressobj(31)
        try:
            out = z.decompress(data[pos:])
        except zlib.error:
            return
        if not z.eof:
            return  # cut short by the kill
        length = len(data) - pos - len(z.unused_data)
        yield start + pos, length, out
        pos += length


def _response(fields: dict, block: bytes, request: tuple[str, list] | None, max_bytes: int) -> Response:
    head, _, payload = block.partition(b"\r\n\r\n")
    lines = head.decode("iso-8859-1").split("\r\n", 1)
    version, _, rest = lines[0].partition(" ")
    status, _, reason = rest.partition(" ")
    headers = _fields(lines[1]) if len(lines) > 1 else []
    encoding = next((v for k, v in reversed(headers) if k.lower() == "content-encoding"), None)
    decoder = ContentDecoder(encoding, max_bytes)
    body = decoder.feed(payload) + decoder.finish()
    cut = fields.get("WARC-Truncated")
    error = None
    if cut == TRUNCATED_DISCONNECT:
        error = "body incomplete (as archived by an interrupted crawl)"
    elif cut:
        error = f"response cut at the {cut} limit (as archived by an interrupted crawl)"
    elif decoder.error:
        error = decoder.error
    target, request_headers = request or ("/", [])
    limited = bool(cut) and cut != TRUNCATED_DISCONNECT
    return Response(
        url=fields.get("WARC-Target-URI", ""), status=int(status) if status.isdigit() else 0, reason=reason,
        headers=headers, request_headers=request_headers, raw=payload, body=body, http_version=version,
        truncated=bool(cut) or bool(decoder.error and ("truncated" in decoder.error or "corrupt" in decoder.error)),
        limited=limited, cut_by=("time" if cut == TRUNCATED_TIME else "length") if limited else None,
        error=error, started_at=fields.get("WARC-Date", "").replace("Z", "+00:00"), request_target=target,
    )


def tail(path: Path, start: int, max_bytes: int = MAX_BODY):
    """The exchanges archived from ``start`` on, in file order; ``Archived.end`` of the last one is
    where the whole records end (a record cut short by the kill lies beyond it)."""
    request = None
    for offset, length, data in _members(path, start):
        fields, block = _record(data)
        kind = fields.get("WARC-Type")
        if kind == "request":
            head = block.partition(b"\r\n\r\n")[0].decode("iso-8859-1").split("\r\n", 1)
            target = head[0].split(" ")[1] if head[0].count(" ") >= 2 else "/"
            request = (target, _fields(head[1]) if len(head) > 1 else [])
        elif kind == "response":
            yield Archived(_response(fields, block, request, max_bytes), offset, length, offset + length)
            request = None


def whole_end(path: Path, start: int) -> int:
    """Where the last whole record from ``start`` ends."""
    end = start
    for offset, length, _ in _members(path, start):
        end = offset + length
    return end
