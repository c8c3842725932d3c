"""Per-site accounting of the crawl: every URL is fetched, skipped (why) or failed (why), or still queued."""
from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass, field


@dataclass
class SiteCrawl:
    """Where one site's crawl stands (all runs), and what the last run did."""

    site_code: str
    fetched: int = 0
    skipped: dict[str, int] = field(default_factory=dict)   # by reason
    failed: int = 0
    failed_by_error: dict[str, int] = field(default_factory=dict)  # by kind: http-404, timeout ...
    queued: int = 0
    in_flight: int = 0
    pages: int = 0
    attachments: int = 0
    soft_404: int = 0
    bytes: int = 0
    links: int = 0
    broken_links: int = 0
    requests: int = 0  # HTTP requests of the last run
    changed: int = 0   # pages whose bytes changed in the last run
    run_id: int | None = None
    run_status: str | None = None
    run_started: str | None = None
    run_finished: str | None = None
    warc_file: str | None = None

    @property
    def total(self) -> int:
        """Every URL the site's crawl knows of."""
        return self.fetched + sum(self.skipped.values()) + self.failed + self.queued + self.in_flight

    def as_dict(self) -> dict:
        return {**asdict(self), "total": self.total}


def site_counts(conn: sqlite3.Connection, code: str, run_counts: dict | None = None,
                run_id: int | None = None, warc_file: str | None = None) -> SiteCrawl:
    """The accounting of one site from the database."""
    out = SiteCrawl(code)
    for state, reason, n in conn.execute(
        "SELECT state, reason, COUNT(*) FROM crawl_urls WHERE site_code = ? GROUP BY state, reason", (code,)
    ):
        if state == "fetched":
            out.fetched += n
        elif state == "skipped":
            out.skipped[reason or "unknown"] = out.skipped.get(reason or "unknown", 0) + n
        elif state == "failed":
            out.failed += n
            out.failed_by_error[reason or "unknown"] = out.failed_by_error.get(reason or "unknown", 0) + n
        elif state == "queued":
            out.queued += n
        elif state == "in_flight":
            out.in_flight += n
    pages, attachments, soft, size = conn.execute(
        "SELECT COALESCE(SUM(kind = 'page'), 0), COALESCE(SUM(kind = 'attachment'), 0),"
        " COALESCE(SUM(soft_404), 0), COALESCE(SUM(size), 0) FROM pages WHERE site_code = ?", (code,)
    ).fetchone()
    out.pages, out.attachments, out.soft_404, out.bytes = pages, attachments, soft, size
    out.links, out.broken_links = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(in_scope = 1 AND target_status >= 400), 0) FROM links WHERE site_code = ?",
        (code,),
    ).fetchone()
    run = conn.execute(
        "SELECT id, status, started_at, finished_at, requests, changed, warc_file FROM crawl_runs"
        " WHERE site_code = ? AND (? IS NULL OR id = ?) ORDER BY id DESC LIMIT 1", (code, run_id, run_id)
    ).fetchone()
    if run:
        out.run_id, out.run_status, out.run_started, out.run_finished = run[0], run[1], run[2], run[3]
        out.requests, out.changed, out.warc_file = run[4], run[5], run[6]
    if run_counts:
        out.requests, out.changed = run_counts.get("requests", 0), run_counts.get("changed", 0)
    if warc_file:
        out.warc_file = warc_file
    return out


def crawl_report(workspace, codes=()) -> list[dict]:
    """One summary dict per site (the named ones, else every site that has been crawled)."""
    conn = workspace.db.conn
    if isinstance(codes, str):
        codes = [codes]
    if not codes:
        codes = [r[0] for r in conn.execute("SELECT DISTINCT site_code FROM crawl_urls ORDER BY site_code")]
    return [site_counts(conn, code).as_dict() for code in codes]


@dataclass
class CrawlSummary:
    """Per-site counts after a crawl (the frontier's state, plus what this run did)."""

    sites: dict[str, SiteCrawl] = field(default_factory=dict)
    elapsed: float = 0.0
    stopped_by: str | None = None  # time-limit when the time ran out

    @property
    def fetched(self) -> int:
        return sum(s.fetched for s in self.sites.values())

    @property
    def failed(self) -> int:
        return sum(s.failed for s in self.sites.values())

    @property
    def requests(self) -> int:
        return sum(s.requests for s in self.sites.values())

    def as_dict(self) -> dict:
        return {"elapsed": round(self.elapsed, 3), "stopped_by": self.stopped_by,
                "sites": {code: asdict(s) for code, s in self.sites.items()}}
