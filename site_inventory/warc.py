"""The crawl's archive: one gzipped WARC per site per run, with a CDXJ index beside it.

Request and response records are written with warcio exactly as exchanged (the response body
with its content-encoding, as on the wire), so pywb can replay a site after it is closed. The
records are built (and gzipped) in the crawler's worker threads by :func:`records`; the single
writer only appends them. The CDXJ lines use the same SURT keys and fields as cdxj-indexer (the
indexer pywb uses); a WARC left by a killed run is re-indexed with cdxj-indexer itself.
"""
from __future__ import annotations

import io
import json
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import surt
from cdxj_indexer.main import CDXJIndexer
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import iso_date_to_timestamp
from warcio.warcwriter import WARCWriter

from .fetch import Response

# Hop-by-hop framing urllib3 has already undone; keeping it would make the record unreadable.
_FRAMING = {"transfer-encoding"}
_MIME_END = re.compile(r"[;\s]")


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


def _url_key(url: str) -> str:
    try:
        return surt.surt(url)
    except Exception:  # the same fallback as cdxj-indexer: index under the URL itself
        return url


def records(resp: Response) -> Records:
    """Build the gzipped request and response records of one exchange (thread-safe, no I/O)."""
    headers = [(k, v) for k, v in resp.headers if k.lower() not in _FRAMING]
    http = StatusAndHeaders(f"{resp.status} {resp.reason}".strip(), headers, protocol=resp.http_version)
    date = _warc_date(resp.started_at)
    extra = {"WARC-Date": date}
    if resp.truncated:
        extra["WARC-Truncated"] = "length"
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    response = writer.create_warc_record(resp.url, "response", payload=io.BytesIO(resp.raw), length=len(resp.raw),
                                         http_headers=http,
                                         warc_headers_dict=extra)
    request = writer.create_warc_record(
        resp.url, "request", payload=io.BytesIO(b""), length=0,
        http_headers=StatusAndHeaders(f"GET {resp.request_target} HTTP/1.1", resp.request_headers,
                                      is_http_request=True),
        warc_headers_dict={"WARC-Date": date,
                           "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID")},
    )
    writer.write_record(request)
    cut = out.tell()
    writer.write_record(response)
    data = out.getvalue()
    fields = {"url": resp.url}
    mime = resp.header("Content-Type")
    if mime:
        fields["mime"] = _MIME_END.split(mime, 1)[0].strip()
    fields["status"] = str(resp.status)
    fields["digest"] = response.rec_headers.get_header("WARC-Payload-Digest")
    return Records(data[:cut], data[cut:], _url_key(resp.url), iso_date_to_timestamp(date), fields)


class WarcFile:
    """An open WARC of one site's run; ``append`` returns where the response record lies."""

    def __init__(self, path: Path, software: str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.pending_index = self.path.with_name(self.path.name + ".cdxj-lines")
        new = not self.path.exists() or self.path.stat().st_size == 0
        self._file = open(self.path, "ab")
        self._lines = open(self.pending_index, "a", encoding="utf-8")
        if new:
            writer = WARCWriter(self._file, gzip=True)
            writer.write_record(writer.create_warcinfo_record(
                self.path.name, {"software": software, "format": "WARC File Format 1.1"}))
            self._file.flush()

    def append(self, recs: Records) -> tuple[int, int]:
        """Append the request, then the response; returns (offset, length) of the response record."""
        self._file.write(recs.request)
        offset = self._file.tell()
        self._file.write(recs.response)
        self._file.flush()
        index = dict(recs.fields, length=str(len(recs.response)), offset=str(offset), filename=self.path.name)
        self._lines.write(f"{recs.key} {recs.timestamp} {json.dumps(index)}\n")
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
    """Drop bytes after ``end`` (records written by a run killed before it stored their pages)."""
    if path.exists() and path.stat().st_size > end:
        with open(path, "r+b") as f:
            f.truncate(end)


def write_index(warc_path: Path) -> Path:
    """(Re)write the sorted CDXJ index of a WARC by reading it (for WARCs of killed runs)."""
    index = index_path(warc_path)
    tmp = index.with_suffix(".cdxj.tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        CDXJIndexer(output=out, inputs=[str(warc_path)], sort=True).process_all()
    os.replace(tmp, index)
    pending = Path(warc_path).with_name(Path(warc_path).name + ".cdxj-lines")
    if pending.exists():
        pending.unlink()
    return index
