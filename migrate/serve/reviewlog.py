"""The review log: every change made in the app, who made it, when, and what was there before and after.

A change is one row of ``review_log``; its ``before`` and ``after`` are JSON, so the newest change
not yet undone can be reverted (``actions.undo``), and an undo is itself a logged change.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

UNDOABLE = ("accept", "retarget", "drop", "homepage", "bulk_accept", "override", "placement")
LABELS = {"accept": "接受建议", "retarget": "更改目标", "drop": "不迁移", "homepage": "指向站点页",
          "bulk_accept": "批量接受", "placement": "接受站点归属", "apply": "应用规则", "override": "覆盖跳转", "plan": "重新规划跳转",
          "undo": "撤销"}


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def record(db, who: str, site_code: str | None, what: str, subject: str, before, after) -> int:
    """Add one change (inside the caller's transaction, if any); returns its id."""
    cursor = db.conn.execute(
        "INSERT INTO review_log (at, who, site_code, what, subject, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [now(), who, site_code, what, subject, json.dumps(before, ensure_ascii=False),
         json.dumps(after, ensure_ascii=False)])
    return cursor.lastrowid


def recent(db, site_code: str | None = None, limit: int = 8) -> list[dict]:
    """The newest changes (of one site, or of all), newest first."""
    where, args = ("WHERE site_code = ?", [site_code]) if site_code else ("", [])
    rows = db.execute(f"SELECT id, at, who, site_code, what, subject, before, after, undone_by FROM review_log "
                      f"{where} ORDER BY id DESC LIMIT ?", args + [limit]).fetchall()
    names = ("id", "at", "who", "site_code", "what", "subject", "before", "after", "undone_by")
    return [dict(zip(names, row), label=LABELS.get(row[4], row[4])) for row in rows]


def last_undoable(db) -> dict | None:
    """The newest change that can still be undone."""
    marks = ",".join("?" for _ in UNDOABLE)
    row = db.execute(f"SELECT id, at, who, site_code, what, subject, before, after FROM review_log "
                     f"WHERE undone_by IS NULL AND what IN ({marks}) ORDER BY id DESC LIMIT 1", UNDOABLE).fetchone()
    if row is None:
        return None
    entry = dict(zip(("id", "at", "who", "site_code", "what", "subject", "before", "after"), row))
    entry["before"], entry["after"] = json.loads(entry["before"]), json.loads(entry["after"])
    entry["label"] = LABELS.get(entry["what"], entry["what"])
    return entry


def mark_undone(db, entry_id: int, undo_id: int) -> None:
    db.conn.execute("UPDATE review_log SET undone_by = ? WHERE id = ?", [undo_id, entry_id])
