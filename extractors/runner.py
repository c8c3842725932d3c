"""``extract``: stored pages -> records, in parallel processes, resumable, incremental.

The parent selects the pages whose bytes (sha256) or extractor version changed since their
record was written and hands chunks of page ids to worker processes; each worker reads its
pages from SQLite itself (read-only) and their bytes from their WARC records
(site_inventory.bodies), no page bytes pickled through a queue, and returns record rows. The
parent is the one writer: rows go in with one upsert statement, committed in batches
(about a second's worth), so a killed run loses at most the rows of the last second and the
chunks in flight, and the next run picks up what is left. Chunks run largest pages first, so
the run does not end waiting on one worker's big pages.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import EXTRACTOR_VERSION, extract_page
from site_inventory.bodies import BodyError, page_body
from site_inventory.campaign import run_per_site
from site_inventory.urls import URLError, canonicalize
from site_inventory.workspace import open_workspace

from .page_types import REDIRECT_STATUSES
from .record import FIELDS, Record

CHUNK = 40                  # most pages per task
CHUNKS_PER_PROCESS = 8      # at least this many tasks per worker, so the load evens out
COMMIT_SECONDS = 1.0        # the writer commits at least this often
COMMIT_ROWS = 500           # ... and at least every this many rows
PAGE_COLUMNS = ("id, site_code, url, final_url, status, content_type, kind, soft_404, sha256, size, "
                "warc_file, warc_offset, warc_length")
ROW_COLUMNS = (*FIELDS, "page_id", "site_code", "extractor_version", "page_sha256", "extracted_at")
UPSERT = (f"INSERT INTO records ({', '.join(ROW_COLUMNS)}) VALUES ({', '.join('?' for _ in ROW_COLUMNS)}) "
          f"ON CONFLICT(page_id) DO UPDATE SET "
          + ", ".join(f"{c} = excluded.{c}" for c in ROW_COLUMNS if c != "page_id"))
TYPE_AT, WARNINGS_AT = ROW_COLUMNS.index("page_type"), ROW_COLUMNS.index("warnings")


class ExtractError(Exception):
    """Bad request: unknown site codes, or neither codes nor --all."""


@dataclass
class ExtractSummary:
    """What one run did."""

    sites: list[str]
    pages: int = 0             # stored pages of the selected sites
    extracted: int = 0         # records written by this run
    up_to_date: int = 0        # skipped: same bytes, same extractor version
    crashed: int = 0           # pages whose extraction raised (recorded as errors with the exception)
    by_type: Counter = field(default_factory=Counter)
    warnings: int = 0          # records written with at least one warning
    elapsed: float = 0.0
    processes: int = 1         # worker processes used

    def as_dict(self) -> dict:
        return {"sites": self.sites, "pages": self.pages, "extracted": self.extracted,
                "up_to_date": self.up_to_date, "crashed": self.crashed, "by_type": dict(self.by_type),
                "with_warnings": self.warnings, "extractor_version": EXTRACTOR_VERSION,
                "processes": self.processes, "elapsed": round(self.elapsed, 3)}


def extract(workspace, codes=(), all_sites: bool = False, processes: int | None = None,
            progress: bool = False, chunk: int = CHUNK, workers: int | None = None,
            scheduler: str | None = None) -> ExtractSummary:
    """Extract records for the stored pages of sites ``codes`` (or every site with ``all_sites``);
    with ``workers`` or ``scheduler``, one Dask task per site (site_inventory.campaign)."""
    started = time.monotonic()
    sites = _sites(workspace, codes, all_sites)
    if workers or scheduler:
        summary = _on_cluster(workspace, sites, workers, scheduler, progress, chunk)
        summary.elapsed = time.monotonic() - started
        return summary
    summary = ExtractSummary(sites=sites)
    db = workspace.db
    marks = ",".join("?" for _ in sites)
    summary.pages = db.execute(f"SELECT COUNT(*) FROM pages WHERE site_code IN ({marks})", sites).fetchone()[0]
    todo = db.execute(
        f"""SELECT p.id, COALESCE(p.size, 0) FROM pages p LEFT JOIN records r ON r.page_id = p.id
            WHERE p.site_code IN ({marks})
              AND (r.page_id IS NULL OR r.page_sha256 IS NOT p.sha256 OR r.extractor_version != ?)
            ORDER BY p.id""", [*sites, EXTRACTOR_VERSION]).fetchall()
    summary.up_to_date = summary.pages - len(todo)
    processes = max(1, min(processes or os.cpu_count() or 1, len(todo) or 1))
    chunks = plan_chunks(todo, processes, chunk)
    summary.processes = processes if len(chunks) > 1 else 1
    overrides = ((workspace.config or {}).get("extraction") or {}).get("overrides") or {}
    bar = _bar(len(todo), progress)
    writer = _Writer(db.conn)
    try:
        for rows in _results(str(workspace.db_path), overrides, chunks, summary.processes):
            writer.add(rows)
            for row in rows:
                summary.by_type[row[TYPE_AT]] += 1
                summary.warnings += row[WARNINGS_AT] != "[]"
                summary.crashed += row[WARNINGS_AT].startswith('["extractor crashed')
            summary.extracted += len(rows)
            if bar:
                bar.update(len(rows))
    finally:
        writer.flush()
        if bar:
            bar.close()
    summary.elapsed = time.monotonic() - started
    return summary


def extract_sites(workspace_path: str, codes: list[str], options: dict) -> dict:
    """A campaign task: extract the sites ``codes`` of the workspace at ``workspace_path`` in
    this process; returns the summary's counts."""
    with open_workspace(workspace_path) as ws:
        summary = extract(ws, codes, processes=1, chunk=options.get("chunk", CHUNK))
    return dict(summary.as_dict(), warnings=summary.warnings)


def _on_cluster(workspace, sites: list[str], workers, scheduler, progress: bool, chunk: int) -> ExtractSummary:
    summary = ExtractSummary(sites=sites, processes=workers or 1)
    for part in run_per_site("extract", extract_sites, workspace, [[code] for code in sites], {"chunk": chunk},
                             workers=workers, scheduler=scheduler, progress=progress,
                             pages=lambda part: part["extracted"] + part["up_to_date"]):
        for key in ("pages", "extracted", "up_to_date", "crashed", "warnings"):
            setattr(summary, key, getattr(summary, key) + part[key])
        summary.by_type.update(part["by_type"])
    return summary


def plan_chunks(todo: list[tuple[int, int]], processes: int, chunk: int = CHUNK) -> list[list[int]]:
    """Page ids in tasks: one process takes them in id order; several take the largest pages
    first, in tasks small enough that each worker gets many (the tail is small pages, so the
    workers finish together)."""
    if processes <= 1:
        ids = [page_id for page_id, _ in todo]
        return [ids[i:i + chunk] for i in range(0, len(ids), chunk)]
    size = max(1, min(chunk, len(todo) // (processes * CHUNKS_PER_PROCESS)))
    ids = [page_id for page_id, _ in sorted(todo, key=lambda t: (-t[1], t[0]))]
    return [sorted(ids[i:i + size]) for i in range(0, len(ids), size)]


class _Writer:
    """The one writer: buffered rows upserted and committed in batches (a transaction per batch)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn, self.rows, self.since = conn, [], time.monotonic()

    def add(self, rows: list[tuple]) -> None:
        self.rows.extend(rows)
        if len(self.rows) >= COMMIT_ROWS or time.monotonic() - self.since >= COMMIT_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            with self.conn:
                self.conn.executemany(UPSERT, self.rows)
        self.rows, self.since = [], time.monotonic()


def _sites(workspace, codes, all_sites: bool) -> list[str]:
    known = workspace.site_codes()
    if all_sites:
        return sorted(set(known) | set(codes))
    if not codes:
        raise ExtractError("name the sites to extract (site codes) or use --all")
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ExtractError(f"not in the inventory: {', '.join(unknown)}")
    return list(dict.fromkeys(codes))


def _bar(total: int, enabled: bool):
    if not enabled or not total:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="page", desc="extract", file=__import__("sys").stderr)


def _results(db_path: str, overrides: dict, chunks: list[list[int]], processes: int):
    """Record rows of each chunk, from worker processes (or this one when a single process is asked)."""
    if processes == 1:
        _init_worker(db_path, overrides, EXTRACTOR_VERSION)
        try:
            for ids in chunks:
                yield _extract_chunk(ids)
        finally:
            _close_worker()
        return
    ctx = _worker_context()
    with ctx.Pool(processes, initializer=_init_worker, initargs=(db_path, overrides, EXTRACTOR_VERSION)) as pool:
        yield from pool.imap_unordered(_extract_chunk, chunks)


def _worker_context():
    """forkserver where there is one: a plain fork copies whatever lock another thread of the caller
    holds at that instant (a server thread in the demo and the tests, tqdm's monitor), and a worker
    that inherits a held lock hangs the pool for ever. The fork server is a fresh single-threaded
    process that imports the extractors once; workers fork from it, so they still start warm."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["extractors.runner"])
    return ctx


_WORKER: dict = {}


def _init_worker(db_path: str, overrides: dict, version: str) -> None:
    """Each worker reads pages through its own read-only connection and stamps its rows with the
    extractor version the parent selected pages for (a worker imports the extractors afresh)."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=60)
    conn.row_factory = sqlite3.Row
    _WORKER.update(conn=conn, overrides=overrides, folder=Path(db_path).parent, version=version)


def _close_worker() -> None:
    conn = _WORKER.pop("conn", None)
    if conn is not None:
        conn.close()


def _extract_chunk(ids: list[int]) -> list[tuple]:
    """Rows for the records table (values in ROW_COLUMNS order), one per page id."""
    conn = _WORKER["conn"]
    marks = ",".join("?" for _ in ids)
    rows = []
    for page in conn.execute(f"SELECT {PAGE_COLUMNS} FROM pages WHERE id IN ({marks}) ORDER BY id", ids):
        try:
            overrides = _WORKER["overrides"].get(page["site_code"]) or {}
            record = record_for_page(with_body(_WORKER["folder"], page), overrides, conn)
        except Exception as exc:  # a crash of one page is recorded, never lost, never stops the run
            record = Record(url=page["url"], page_type="error")
            record.warn(f"extractor crashed: {type(exc).__name__}: {exc}")
        row = to_row(record, page, _WORKER["version"])
        rows.append(tuple(row[c] for c in ROW_COLUMNS))
    return rows


def with_body(folder: Path, page) -> dict:
    """The page row as a dict with its ``body`` read from its WARC record (None when it has none or
    the record is unreadable, with the reason under ``body_error``)."""
    page = dict(page)
    try:
        page["body"] = page_body(folder, page)
    except BodyError as exc:
        page["body"], page["body_error"] = None, str(exc)
    return page


def record_for_page(page: dict, overrides: dict, conn=None) -> Record:
    """The record of one stored page: HTTP errors and soft 404s become error records, 3xx answers
    redirect records (where they lead is the crawl's final URL)."""
    status = page.get("status")
    body = page.get("body")
    base = page.get("final_url") or page["url"]
    if status in REDIRECT_STATUSES:
        return extract_page(b"", page["url"], status=status, location=base if base != page["url"] else None)
    record = extract_page(bytes(body) if body is not None else b"", base, content_type=page.get("content_type"),
                          encoding=overrides.get("encoding"), overrides=overrides)
    record.url = page["url"]
    if status is not None and status >= 400:
        record.page_type = "error"
        record.warnings.insert(0, f"HTTP {status}")
    elif page.get("soft_404"):
        record.page_type = "error"
        record.warnings.insert(0, "soft 404: the page answers 200 but says the content does not exist")
    elif body is None:
        record.page_type = "error"
        record.warnings.insert(0, page.get("body_error") or f"no stored body (status {status})")
    if conn is not None:
        if record.page_type == "attachment":
            _attachment_title(record, page, conn)
        _attachment_sizes(record, conn)
    return record


def _attachment_sizes(record: Record, conn) -> None:
    """Sizes of linked attachments the crawl stored (exact bytes beat a size printed on the page)."""
    for item in record.attachments:
        try:
            url = canonicalize(item["url"])
        except URLError:
            continue
        row = conn.execute("SELECT size FROM pages WHERE url = ? AND status = 200 AND size IS NOT NULL",
                           [url]).fetchone()
        if row:
            item["size"] = row[0]


def _attachment_title(record: Record, page: dict, conn) -> None:
    """An attachment is named by the text of a link to it, when the crawl stored one."""
    row = conn.execute("SELECT anchor_text FROM links WHERE target_url = ? AND anchor_text IS NOT NULL "
                       "AND trim(anchor_text) != '' ORDER BY id LIMIT 1", [page["url"]]).fetchone()
    if row:
        record.title = row[0].strip()
        if record.attachments:
            record.attachments[0]["title"] = record.title


def to_row(record: Record, page, version: str = EXTRACTOR_VERSION) -> dict:
    """A records-table row: lists and dicts as JSON text, plus provenance columns."""
    row = {}
    for key, value in record.to_dict().items():
        row[key] = json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else value
    row.update(page_id=page["id"], site_code=page["site_code"], url=page["url"],
               extractor_version=version, page_sha256=page["sha256"],
               extracted_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    return row
