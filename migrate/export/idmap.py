"""The id map (like Drupal Migrate's map tables): old URL -> stable item id -> new URL, with status.

Every old page and attachment the export looked at has one row: its site, canonical source URL,
item id, target column, new URL, status (exported / needs_update / skipped / failed), content
hash and last run, plus a message log per item (error / warning / notice). The redirect plan
reads new URLs from here only.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone

STATUSES = ("exported", "needs_update", "skipped", "failed")
COLUMNS = (
    "item_id", "site_code", "page_id", "source_url", "kind", "action", "title", "target_id", "target_path",
    "new_url", "package_path", "status", "content_sha256", "duplicate_of", "last_run",
)


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def make_item_id(site_code: str, source_url: str, kind: str = "item") -> str:
    """Stable id from the site and the canonical URL: the same old page always gets the same id.

    Attachments get an ``f`` after the underscore so a file and a page never share an id.
    """
    digest = hashlib.sha256(f"{site_code}\n{source_url}".encode("utf-8")).hexdigest()[:16]
    return f"{site_code}_{'f' if kind == 'attachment' else ''}{digest}"


@dataclass
class SiteStatus:
    """`govmigrate status` for one site."""

    site_code: str
    name: str = ""
    total: int = 0
    exported: int = 0
    needs_update: int = 0
    new: int = 0
    skipped: int = 0
    failed: int = 0
    attachments: int = 0
    attachments_failed: int = 0
    last_run: str | None = None
    messages: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def rollback_rows(db, site_code: str) -> int:
    """Remove a site's rows and messages from the map; returns how many rows went."""
    count = db.execute("SELECT count(*) FROM id_map WHERE site_code = ?", [site_code]).fetchone()[0]
    with db.conn:
        db.execute("DELETE FROM id_map_messages WHERE item_id IN (SELECT item_id FROM id_map WHERE site_code = ?)",
                   [site_code])
        db.execute("DELETE FROM id_map_messages WHERE site_code = ?", [site_code])
        db.execute("DELETE FROM id_map WHERE site_code = ?", [site_code])
    return count


def site_counts(db, site_code: str) -> SiteStatus:
    """Counts of the map as stored (items and pages; attachments apart) and the site's last run."""
    status = SiteStatus(site_code)
    name = db.execute("SELECT name FROM sites WHERE site_code = ?", [site_code]).fetchone()
    status.name = name[0] if name else ""
    for kind, state, count in db.execute(
        "SELECT kind, status, count(*) FROM id_map WHERE site_code = ? GROUP BY kind, status", [site_code]
    ):
        if kind == "attachment":
            status.attachments += count
            status.attachments_failed += count if state == "failed" else 0
            continue
        status.total += count
        if state in STATUSES:
            setattr(status, state, getattr(status, state) + count)
    status.last_run = db.execute("SELECT max(last_run) FROM id_map WHERE site_code = ?", [site_code]).fetchone()[0]
    status.messages = {
        level: count
        for level, count in db.execute(
            "SELECT level, count(*) FROM id_map_messages WHERE site_code = ? GROUP BY level", [site_code]
        )
    }
    return status


def last_out_dir(db) -> str | None:
    """The package folder of the last export that wrote something (rollback and preview default to it)."""
    row = db.execute("SELECT out_dir FROM export_runs WHERE dry_run = 0 ORDER BY id DESC LIMIT 1").fetchone()
    return row[0] if row else None
