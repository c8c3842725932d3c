"""The crawl frontier, kept in the workspace's ``crawl_urls`` table and never in memory.

Each URL moves queued -> in_flight -> fetched/skipped/failed. A fetch's page row and its
``fetched`` state are written in one transaction by the caller, so a kill at any moment leaves
either a stored page or a URL that is still to do; :func:`recover` puts the to-do ones back.
"""
from __future__ import annotations

import sqlite3
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timezone

from ..urls import host_of

# Skips caused by this run's limits, not by the URL: the next run looks at them again.
LIMIT_REASONS = ("max-pages", "max-depth", "time-limit", "robots-unavailable")
FINAL_STATES = ("fetched", "skipped", "failed")
# Skips caused by the link, not by the URL it leads to (a '..' climbing above the root): a plain
# link to the same URL, found later, still has it fetched (once).
LINK_REASONS = ("climbs-above-root",)
_LINK_MARKS = ",".join("?" for _ in LINK_REASONS)


_last_stamp: tuple[int, str] = (0, "")


def now() -> str:
    """UTC time as ISO 8601 with milliseconds, the one timestamp format of the crawl tables
    (formatted once per millisecond: a page stores a dozen URLs with the same stamp)."""
    global _last_stamp
    ms = time.time_ns() // 1_000_000
    if ms != _last_stamp[0]:
        stamp = datetime.fromtimestamp(ms / 1000, timezone.utc).isoformat(timespec="milliseconds")
        _last_stamp = (ms, stamp)
    return _last_stamp[1]


def path_key(url: str) -> str:
    """The URL without its query: all query variants of one path share it."""
    return url.split("?", 1)[0]


@dataclass
class Claim:
    """A URL taken from the frontier for fetching."""

    id: int
    site_code: str
    url: str
    depth: int
    attempts: int
    via: str
    chain: int
    referrer: str | None
    request_url: str


_CLAIM_COLS = "id, site_code, url, depth, attempts, discovered_via, chain, referrer, COALESCE(request_url, url)"


def exists(conn: sqlite3.Connection, site_code: str, url: str) -> bool:
    """True when the URL is recorded, other than as skipped for a reason of the link (LINK_REASONS)."""
    row = conn.execute(
        "SELECT state, reason FROM crawl_urls WHERE site_code = ? AND url = ?", (site_code, url)
    ).fetchone()
    return row is not None and not (row[0] == "skipped" and row[1] in LINK_REASONS)


def add(
    conn: sqlite3.Connection,
    site_code: str,
    url: str,
    *,
    depth: int,
    via: str,
    referrer: str | None = None,
    chain: int = 0,
    state: str = "queued",
    reason: str | None = None,
    request_url: str | None = None,
) -> bool:
    """Record a discovered URL (canonical; ``request_url`` as found when it differs); False when known.

    A URL known only as skipped for a reason of its link (LINK_REASONS) takes this discovery's
    state and reason, unless it has such a reason too."""
    stamp = now()
    cur = conn.execute(
        "INSERT INTO crawl_urls (site_code, url, request_url, host, path_key, state, depth, referrer,"
        " discovered_via, chain, reason, discovered_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (site_code, url) DO UPDATE SET"
        " request_url = excluded.request_url, state = excluded.state, depth = excluded.depth,"
        " referrer = excluded.referrer, discovered_via = excluded.discovered_via, chain = excluded.chain,"
        " reason = excluded.reason, updated_at = excluded.updated_at"
        f" WHERE crawl_urls.state = 'skipped' AND crawl_urls.reason IN ({_LINK_MARKS})"
        f" AND COALESCE(excluded.reason, '') NOT IN ({_LINK_MARKS})",
        (site_code, url, request_url if request_url != url else None, host_of(url), path_key(url), state, depth,
         referrer, via, chain, reason, stamp, stamp, *LINK_REASONS, *LINK_REASONS),
    )
    return cur.rowcount == 1


def claim(
    conn: sqlite3.Connection, host: str, site_codes: list[str], via: str | None = None,
    held: set[int] | None = None,
) -> Claim | None:
    """Take the shallowest queued URL of ``host`` (among the sites being crawled) and mark it in flight.

    With ``held`` (the ids the caller has taken and not finished yet) the URL is not marked: a
    single-threaded caller keeps its few claims itself, which spares an index update per URL; a
    kill leaves them queued, which is what :func:`recover` would have made of them.
    """
    marks = ",".join("?" for _ in site_codes)
    extra = " AND discovered_via = ?" if via else ""
    params = [host, *site_codes] + ([via] if via else [])
    if held is not None:
        skip = f" AND id NOT IN ({','.join('?' for _ in held)})" if held else ""
        row = conn.execute(
            f"SELECT {_CLAIM_COLS} FROM crawl_urls WHERE host = ? AND state = 'queued'"
            f" AND site_code IN ({marks}){extra}{skip} ORDER BY depth, id LIMIT 1", [*params, *held]).fetchone()
        return Claim(*row) if row else None
    row = conn.execute(
        f"UPDATE crawl_urls SET state = 'in_flight', updated_at = ? WHERE id = ("
        f"SELECT id FROM crawl_urls WHERE host = ? AND state = 'queued'"
        f" AND site_code IN ({marks}){extra} ORDER BY depth, id LIMIT 1) RETURNING {_CLAIM_COLS}",
        [now(), *params],
    ).fetchall()
    return Claim(*row[0]) if row else None


def archived_claim(conn: sqlite3.Connection, site_code: str, request_url: str) -> Claim | None:
    """The still-to-do URL an archived exchange of a killed run answered (by the URL requested), or None."""
    for column in ("url", "request_url"):
        row = conn.execute(
            f"SELECT {_CLAIM_COLS} FROM crawl_urls WHERE site_code = ? AND {column} = ?"
            f" AND state IN ('queued', 'in_flight') LIMIT 1", (site_code, request_url)).fetchone()
        if row is not None:
            return Claim(*row)
    return None


def finish(
    conn: sqlite3.Connection,
    url_id: int,
    state: str,
    *,
    reason: str | None = None,
    error: str | None = None,
    attempts: int | None = None,
) -> None:
    """Close a URL as fetched, skipped (with reason) or failed (with last error and attempts)."""
    if state not in FINAL_STATES:
        raise ValueError(f"not a final crawl state: {state!r}")
    conn.execute(
        "UPDATE crawl_urls SET state = ?, reason = ?, last_error = COALESCE(?, last_error),"
        " attempts = COALESCE(?, attempts), updated_at = ? WHERE id = ?",
        (state, reason, error, attempts, now(), url_id),
    )


def retry_later(conn: sqlite3.Connection, url_id: int, attempts: int, error: str) -> None:
    """Put a URL back in the queue after a failed attempt, keeping the count and the error."""
    conn.execute(
        "UPDATE crawl_urls SET state = 'queued', attempts = ?, last_error = ?, updated_at = ? WHERE id = ?",
        (attempts, error, now(), url_id),
    )


def recover(conn: sqlite3.Connection, site_code: str) -> int:
    """After a kill: URLs left in flight go back to the queue, unless their page was already stored."""
    stamp = now()
    conn.execute(
        "UPDATE crawl_urls SET state = 'fetched', updated_at = ? WHERE site_code = ? AND state = 'in_flight'"
        " AND EXISTS (SELECT 1 FROM pages p WHERE p.site_code = crawl_urls.site_code AND p.url = crawl_urls.url"
        " AND p.fetched_at >= crawl_urls.updated_at)",
        (stamp, site_code),
    )
    cur = conn.execute(
        "UPDATE crawl_urls SET state = 'queued', updated_at = ? WHERE site_code = ? AND state = 'in_flight'",
        (stamp, site_code),
    )
    return cur.rowcount


def reopen_limited(conn: sqlite3.Connection, site_code: str) -> int:
    """Skips caused by a previous run's limits go back to the queue to be judged again."""
    marks = ",".join("?" for _ in LIMIT_REASONS)
    cur = conn.execute(
        f"UPDATE crawl_urls SET state = 'queued', reason = NULL, updated_at = ?"
        f" WHERE site_code = ? AND state = 'skipped' AND reason IN ({marks})",
        (now(), site_code, *LIMIT_REASONS),
    )
    return cur.rowcount


def requeue_all(conn: sqlite3.Connection, site_code: str) -> int:
    """For --refresh: every URL that was fetched or failed is to be fetched again (conditionally)."""
    cur = conn.execute(
        "UPDATE crawl_urls SET state = 'queued', attempts = 0, reason = NULL, updated_at = ?"
        " WHERE site_code = ? AND state IN ('fetched', 'failed')",
        (now(), site_code),
    )
    return cur.rowcount


def skip_queued(conn: sqlite3.Connection, site_code: str, reason: str) -> int:
    """Close every still-queued URL of a site as skipped for ``reason`` (a limit was reached)."""
    cur = conn.execute(
        "UPDATE crawl_urls SET state = 'skipped', reason = ?, updated_at = ? WHERE site_code = ? AND state = 'queued'",
        (reason, now(), site_code),
    )
    return cur.rowcount


def has_queued(conn: sqlite3.Connection, host: str, site_codes: list[str]) -> bool:
    marks = ",".join("?" for _ in site_codes)
    return conn.execute(
        f"SELECT 1 FROM crawl_urls WHERE host = ? AND state = 'queued' AND site_code IN ({marks}) LIMIT 1",
        [host, *site_codes],
    ).fetchone() is not None


def query_variants(conn: sqlite3.Connection, site_code: str, key: str) -> int:
    """How many URLs of the site share this path (differ only in their query)."""
    return conn.execute(
        "SELECT COUNT(*) FROM crawl_urls WHERE site_code = ? AND path_key = ?", (site_code, key)
    ).fetchone()[0]


def state_counts(conn: sqlite3.Connection, site_code: str) -> dict[str, int]:
    """Number of URLs per state for one site."""
    rows = conn.execute(
        "SELECT state, COUNT(*) FROM crawl_urls WHERE site_code = ? GROUP BY state", (site_code,)
    )
    return {state: n for state, n in rows}


class SeenCache:
    """Recently seen (site, URL) pairs: spares a database look-up for the links every page repeats.

    Bounded (least recently used out), so memory stays flat however big the site; the database
    stays the authority for everything that falls out.
    """

    def __init__(self, size: int):
        self.size, self._items = size, OrderedDict()

    def known(self, key) -> bool:
        """True if seen recently; either way ``key`` counts as seen from now on."""
        if key in self._items:
            self._items.move_to_end(key)
            return True
        self._items[key] = None
        if len(self._items) > self.size:
            self._items.popitem(last=False)
        return False
