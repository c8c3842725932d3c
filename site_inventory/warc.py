"""The crawl's archive: one gzipped WARC per site per run, with a CDXJ index beside it.

Request and response records are written with warcio exactly as exchanged (the response body
with its content-encoding, as on the wire), so pywb can replay a site after it is closed; the
CDXJ index is made by cdxj-indexer, the indexer pywb itself uses, so the two always agree.
"""
from __future__ import annotations

import io
import os
from datetime import datetime, timezone
from pathlib import Path

from cdxj_indexer.main import CDXJIndexer
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from .fetch import Response

# Hop-by-hop framing urllib3 has already undone; keeping it would make the record unreadable.
_FRAMING = {"transfer-encoding"}


def warc_name(site_code: str, run_id: int, started: datetime | None = None) -> str:
    stamp = (started or datetime.now(timezone.utc)).strftime("%Y%m%d%H%M%S")
    return f"{site_code}-{stamp}-run{run_id}.warc.gz"


def _warc_date(iso: str) -> str:
    return (iso or datetime.now(timezone.utc).isoformat()).replace("+00:00", "Z")


class WarcFile:
    """An open WARC of one site's run; ``write`` returns where the response record lies."""

    def __init__(self, path: Path, software: str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        new = not self.path.exists() or self.path.stat().st_size == 0
        self._file = open(self.path, "ab")
        self._writer = WARCWriter(self._file, gzip=True)
        if new:
            info = self._writer.create_warcinfo_record(
                self.path.name, {"software": software, "format": "WARC File Format 1.1"}
            )
            self._writer.write_record(info)
            self._file.flush()

    def write(self, resp: Response, ip: str | None = None) -> tuple[int, int]:
        """Append the request, then the response; returns (offset, length) of the response record."""
        headers = [(k, v) for k, v in resp.headers if k.lower() not in _FRAMING]
        http = StatusAndHeaders(f"{resp.status} {resp.reason}".strip(), headers, protocol=resp.http_version)
        extra = {"WARC-Date": _warc_date(resp.started_at)}
        if ip:
            extra["WARC-IP-Address"] = ip
        if resp.truncated:
            extra["WARC-Truncated"] = "length"
        record = self._writer.create_warc_record(
            resp.url, "response", payload=io.BytesIO(resp.raw), http_headers=http, warc_headers_dict=extra
        )
        request = self._writer.create_warc_record(
            resp.url, "request", payload=io.BytesIO(b""),
            http_headers=StatusAndHeaders(f"GET {resp.request_target} HTTP/1.1", resp.request_headers,
                                          is_http_request=True),
            warc_headers_dict={"WARC-Date": extra["WARC-Date"],
                               "WARC-Concurrent-To": record.rec_headers.get_header("WARC-Record-ID")},
        )
        self._writer.write_record(request)
        offset = self._file.tell()
        self._writer.write_record(record)
        length = self._file.tell() - offset
        self._file.flush()
        return offset, length

    def close(self) -> None:
        self._file.close()


def cut_after(path: Path, end: int) -> None:
    """Drop bytes after ``end`` (records written by a run killed before it stored their pages)."""
    if path.exists() and path.stat().st_size > end:
        with open(path, "r+b") as f:
            f.truncate(end)


def write_index(warc_path: Path) -> Path:
    """(Re)write the sorted CDXJ index next to a WARC; returns its path."""
    warc_path = Path(warc_path)
    index = warc_path.with_name(warc_path.name.removesuffix(".warc.gz") + ".cdxj")
    tmp = index.with_suffix(".cdxj.tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        CDXJIndexer(output=out, inputs=[str(warc_path)], sort=True).process_all()
    os.replace(tmp, index)
    return index
