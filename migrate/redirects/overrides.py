"""Planners' decisions for single old URLs (``redirects plan --overrides FILE``), kept across re-plans.

A CSV ``old_url,status,target[,note]`` (UTF-8, BOM allowed): status 301 with an absolute http(s)
target, or 410. Stored in ``redirect_overrides`` and applied last by every plan.
"""
from __future__ import annotations

import csv
import io

from .plan import RedirectError, SiteContext, canonical_or_none, fold_url, site_contexts


def import_overrides(workspace, path) -> int:
    """Read planners' decisions (CSV: old_url,status,target[,note]; BOM allowed) into redirect_overrides.

    All or nothing: every bad row is named with its line, and nothing is stored when one is bad.
    """
    sites = site_contexts(workspace)
    with open(path, "rb") as handle:
        text = handle.read().decode("utf-8-sig")
    rows, errors = [], []
    for line, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        problem, parsed = _override_row(row, sites)
        if problem:
            errors.append(f"{path}:{line}: {problem}")
        else:
            rows.append(parsed)
    if errors:
        raise RedirectError("overrides not imported:\n  " + "\n  ".join(errors))
    with workspace.db.conn:
        workspace.db.conn.executemany("INSERT OR REPLACE INTO redirect_overrides (site_code, old_url, status, target, "
                                      "note) VALUES (?, ?, ?, ?, ?)", rows)
    return len(rows)


def _override_row(row: dict, sites: list[SiteContext]):
    old, status = (row.get("old_url") or "").strip(), (row.get("status") or "").strip()
    target, note = (row.get("target") or "").strip() or None, (row.get("note") or "").strip() or None
    owner = next((s for s in sites if s.scope.contains(canonical_or_none(old) or "")), None)
    if owner is None:
        return f"old_url {old!r} is not a URL of a closing site", None
    if status not in ("301", "410"):
        return f"status {status!r} must be 301 or 410", None
    if status == "301" and not (target and target.startswith(("http://", "https://"))):
        return f"status 301 needs an absolute http(s) target (got {target!r})", None
    return None, (owner.code, fold_url(owner, old), int(status), canonical_or_none(target) if target else None, note)
