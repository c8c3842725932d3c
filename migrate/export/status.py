"""``govmigrate status``: per site, how much of it is in the package and what a re-run would change.

The counts come from the id map; "needs update" and "new" come from a dry run of the export
against the workspace as it is now (a re-crawl, re-extraction, new mapping or receipt shows up
here before anything is written). Rows found stale are marked ``needs_update`` in the id map,
so the shutdown checklist, which reads the map, sees them too.
"""
from __future__ import annotations

from .run import export, select_sites
from .idmap import SiteStatus, last_out_dir, site_counts


def status(workspace, codes=()) -> list[SiteStatus]:
    """Status of the given sites (default: every closing site with mapping decisions or map rows)."""
    db = workspace.db
    selected = select_sites(workspace, codes) if codes else sorted(
        set(select_sites(workspace, ())) | {r[0] for r in db.execute("SELECT DISTINCT site_code FROM id_map")})
    exportable = set(select_sites(workspace, ()))
    check = [c for c in selected if c in exportable]
    pending: dict[str, list[str]] = {}
    if check:
        report = export(workspace, check, out_dir=last_out_dir(db), dry_run=True)
        pending = {site.site_code: site.written_ids for site in report.sites}
    out = []
    for code in selected:
        ids = pending.get(code, [])
        stale = _mark_stale(db, ids)
        counts = site_counts(db, code)
        counts.new = len(ids) - stale
        out.append(counts)
    return out


def _mark_stale(db, item_ids: list[str]) -> int:
    """Mark exported rows whose export would change as needs_update; returns how many rows exist for ``item_ids``."""
    known = 0
    with db.conn:
        for start in range(0, len(item_ids), 500):
            chunk = item_ids[start:start + 500]
            marks = ",".join("?" for _ in chunk)
            known += db.execute(f"SELECT count(*) FROM id_map WHERE item_id IN ({marks})", chunk).fetchone()[0]
            db.execute(f"UPDATE id_map SET status = 'needs_update' WHERE status = 'exported' AND item_id IN ({marks})",
                       chunk)
    return known
