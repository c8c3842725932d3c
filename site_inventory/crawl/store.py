"""What the crawl writes besides the frontier: pages, links, runs, and the per-site report.

All writes go through the crawler's single database connection inside its transactions.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from .analysis import Analysis
from .fetch import Response
from .frontier import Claim, now

MAX_REDIRECT_HOPS = 20
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
_to_json = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(..., ensure_ascii=False) without an encoder a call


_PAGE_COLUMNS = (
    "site_code", "url", "request_url", "final_url", "redirect_chain", "location", "status", "headers", "content_type",
    "declared_encoding", "detected_encoding", "kind", "size", "sha256", "truncated", "error", "soft_404",
    "etag", "last_modified", "warc_file", "warc_offset", "warc_length", "depth", "referrer", "run_id", "elapsed_ms",
    "fetched_at",
)
_UPSERT_PAGE = (  # the values of _PAGE_COLUMNS, then changed_at, then whether the bytes changed
    f"INSERT INTO pages ({', '.join(_PAGE_COLUMNS)}, changed_at) VALUES ({', '.join('?' for _ in _PAGE_COLUMNS)}, ?)"
    f" ON CONFLICT (site_code, url) DO UPDATE SET"
    f" {', '.join(f'{c} = excluded.{c}' for c in _PAGE_COLUMNS if c not in ('site_code', 'url'))},"
    f" changed_at = CASE WHEN ? THEN excluded.changed_at ELSE pages.changed_at END"
)


@dataclass
class Stored:
    """What storing a response did: whether the page is new or its bytes changed."""

    new: bool
    changed: bool


def previous(conn: sqlite3.Connection, site_code: str, url: str):
    """(etag, last_modified, sha256, status) of the stored page, or None."""
    return conn.execute(
        "SELECT etag, last_modified, sha256, status FROM pages WHERE site_code = ? AND url = ?", (site_code, url)
    ).fetchone()


def has_pages(conn: sqlite3.Connection, site_code: str) -> bool:
    """Whether any response of the site is stored (if not, no URL of it has a :func:`previous`)."""
    return conn.execute("SELECT 1 FROM pages WHERE site_code = ? LIMIT 1", (site_code,)).fetchone() is not None


def store_page(
    conn: sqlite3.Connection,
    claim: Claim,
    resp: Response,
    result: Analysis,
    run_id: int,
    warc: tuple[str, int, int] | None,
    old=None,
) -> Stored:
    """Insert or update the page row of a response (a 304 only refreshes the fetch time).

    ``old`` is :func:`previous` for the URL, as read when it was claimed (nothing else writes it).
    """
    stamp = now()
    if resp.status == 304 and old is not None:
        conn.execute(
            "UPDATE pages SET fetched_at = ?, run_id = ? WHERE site_code = ? AND url = ?",
            (stamp, run_id, claim.site_code, claim.url),
        )
        return Stored(new=False, changed=False)
    changed = old is not None and (old[2] != result.sha256 or old[3] != resp.status)
    redirect = result.location if resp.status in REDIRECT_STATUSES else None
    chain = [[claim.url, resp.status], [redirect, None]] if redirect else []
    errors = [resp.error] if resp.error else []
    errors += result.notes
    warc = warc or (None, None, None)
    values = (
        claim.site_code, claim.url, resp.url, redirect or claim.url,
        _to_json(chain) if chain else "[]", result.location, resp.status,
        _to_json(resp.headers), resp.header("Content-Type"), result.declared_encoding,
        result.detected_encoding, result.kind, len(resp.body), result.sha256, int(resp.truncated),
        "; ".join(errors) or None, int(result.soft_404), resp.header("ETag"), resp.header("Last-Modified"),
        warc[0], warc[1], warc[2], claim.depth, claim.referrer, run_id, int(resp.elapsed * 1000), stamp,
    )
    conn.execute(_UPSERT_PAGE, (*values, stamp if (changed or old is None) else None, int(changed)))
    return Stored(new=old is None, changed=changed)


def store_links(conn: sqlite3.Connection, site_code: str, source: str, links: list[tuple[str, str, str, bool]]) -> None:
    """Record (target, anchor text, tag, in scope) links seen on ``source``."""
    conn.executemany(
        "INSERT OR IGNORE INTO links (site_code, source_url, target_url, anchor_text, tag, in_scope)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [(site_code, source, target, text, tag, int(scope)) for target, text, tag, scope in links],
    )


def add_note(conn: sqlite3.Connection, site_code: str, url: str, note: str) -> None:
    """Append a note to a stored page's error column (what the crawler left unread, and why)."""
    conn.execute(
        "UPDATE pages SET error = CASE WHEN error IS NULL THEN ? ELSE error || '; ' || ? END"
        " WHERE site_code = ? AND url = ?",
        (note, note, site_code, url),
    )


def resolve_redirects(conn: sqlite3.Connection, site_code: str) -> int:
    """Follow each stored redirect through the stored pages to fill final_url and redirect_chain."""
    rows = conn.execute(
        "SELECT url, status, location FROM pages WHERE site_code = ? AND location IS NOT NULL"
        " AND status IN (301, 302, 303, 307, 308)",
        (site_code,),
    ).fetchall()
    for url, status, location in rows:
        chain, seen, target = [[url, status]], {url}, location
        while target and len(chain) <= MAX_REDIRECT_HOPS:
            hop = conn.execute(
                "SELECT status, location FROM pages WHERE url = ? ORDER BY site_code = ? DESC LIMIT 1",
                (target, site_code),
            ).fetchone()
            chain.append([target, hop[0] if hop else None])
            if hop is None or hop[0] not in REDIRECT_STATUSES or not hop[1] or target in seen:
                break
            seen.add(target)
            target = hop[1]
        conn.execute(
            "UPDATE pages SET final_url = ?, redirect_chain = ? WHERE site_code = ? AND url = ?",
            (chain[-1][0], json.dumps(chain, ensure_ascii=False), site_code, url),
        )
    return len(rows)


def update_link_targets(conn: sqlite3.Connection, site_code: str) -> None:
    """Copy each link target's HTTP status and crawl state into the links of this site, and the
    status of this site's pages into other sites' links that had none (a status found by a link
    check of targets no crawl fetched is kept)."""
    conn.execute("DROP TABLE IF EXISTS temp.link_targets")
    conn.execute(  # once per distinct target, not per link: pages repeat their menus
        "CREATE TEMP TABLE link_targets AS SELECT target_url,"
        " (SELECT p.status FROM pages p WHERE p.url = t.target_url ORDER BY p.site_code = ? DESC LIMIT 1) AS status,"
        " (SELECT c.state FROM crawl_urls c WHERE c.url = t.target_url AND c.site_code = ?) AS state"
        " FROM (SELECT DISTINCT target_url FROM links WHERE site_code = ?) t",
        (site_code, site_code, site_code),
    )
    conn.execute("CREATE UNIQUE INDEX temp.link_targets_by_url ON link_targets (target_url)")
    conn.execute(
        "UPDATE links SET target_status = COALESCE(t.status, links.target_status), target_state = t.state"
        " FROM temp.link_targets t WHERE t.target_url = links.target_url AND links.site_code = ?",
        (site_code,),
    )
    conn.execute("DROP TABLE temp.link_targets")
    conn.execute(
        "UPDATE links SET target_status = (SELECT p.status FROM pages p WHERE p.url = links.target_url"
        "   AND p.site_code = ?)"
        " WHERE target_status IS NULL AND site_code != ?"
        " AND EXISTS (SELECT 1 FROM pages p WHERE p.url = links.target_url AND p.site_code = ?)",
        (site_code, site_code, site_code),
    )


def start_run(conn: sqlite3.Connection, site_code: str, mode: str, options: dict) -> int:
    cur = conn.execute(
        "INSERT INTO crawl_runs (site_code, mode, status, started_at, options) VALUES (?, ?, 'running', ?, ?)",
        (site_code, mode, now(), json.dumps(options, ensure_ascii=False, default=str)),
    )
    return cur.lastrowid


def finish_run(conn: sqlite3.Connection, run_id: int, status: str, counts: dict) -> None:
    sets = ", ".join(f"{k} = ?" for k in counts)
    conn.execute(
        f"UPDATE crawl_runs SET status = ?, finished_at = ?{', ' if sets else ''}{sets} WHERE id = ?",
        (status, now(), *counts.values(), run_id),
    )


def interrupted_runs(conn: sqlite3.Connection, site_code: str) -> list[tuple[int, str | None, int | None]]:
    """Runs of a site left 'running' by a killed process: (id, warc_file, warc_stored)."""
    return conn.execute(
        "SELECT id, warc_file, warc_stored FROM crawl_runs WHERE site_code = ? AND status = 'running'", (site_code,)
    ).fetchall()


def mark_stored(conn: sqlite3.Connection, run_id: int, end: int) -> None:
    """The run's WARC is in the tables up to ``end`` (as of the transaction being committed)."""
    conn.execute("UPDATE crawl_runs SET warc_stored = ? WHERE id = ?", (end, run_id))


def warc_end(conn: sqlite3.Connection, warc_file: str) -> int | None:
    """End of the last response record a stored page points to in this WARC."""
    row = conn.execute(
        "SELECT MAX(warc_offset + warc_length) FROM pages WHERE warc_file = ?", (warc_file,)
    ).fetchone()
    return row[0]
