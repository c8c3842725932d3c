"""Coverage of the mapping: items and columns mapped, dropped and unmapped, per site and in total."""
from __future__ import annotations

from collections import defaultdict

from .apply import assign, migrating_sites
from .target_tree import short_site_name


def coverage(workspace, assignments=None) -> dict:
    """Per-site and total counts from the current accepted rules (what ``map apply`` stores)."""
    assignments = assign(workspace) if assignments is None else assignments
    sites = migrating_sites(workspace)
    rows = {code: _empty(code, sites[code]["name"]) for code in sites}
    column_actions: dict[tuple, set] = defaultdict(set)
    for a in assignments:
        row = rows[a.site_code]
        bucket = "items" if a.is_item else "pages"
        row[bucket]["total"] += 1
        row[bucket][_kind(a.action)] += 1
        if a.is_item and a.column_path:
            column_actions[(a.site_code, a.column_path)].add(_kind(a.action))
    for (code, _), kinds in column_actions.items():
        columns = rows[code]["columns"]
        columns["total"] += 1
        if "unmapped" in kinds:
            columns["unmapped"] += 1
        elif kinds == {"dropped"}:
            columns["dropped"] += 1
        else:
            columns["mapped"] += 1
    for code, row in rows.items():
        row["applied_at"] = workspace.db.execute(
            "SELECT MAX(applied_at) FROM item_mappings WHERE site_code = ?", [code]).fetchone()[0]
        row["items"]["coverage"] = _ratio(row["items"])
    total = _empty(None, "total")
    for row in rows.values():
        for part in ("items", "pages", "columns"):
            for key, value in row[part].items():
                if key != "coverage":
                    total[part][key] += value
    total["items"]["coverage"] = _ratio(total["items"])
    return {"sites": list(rows.values()), "total": total}


def _kind(action: str) -> str:
    return {"map": "mapped", "static": "mapped", "drop": "dropped", "homepage": "homepage"}.get(action, "unmapped")


def _empty(code, name) -> dict:
    counts = {"total": 0, "mapped": 0, "dropped": 0, "homepage": 0, "unmapped": 0}
    return {"site_code": code, "name": name, "items": dict(counts), "pages": dict(counts),
            "columns": {"total": 0, "mapped": 0, "dropped": 0, "unmapped": 0}}


def _ratio(counts: dict) -> float | None:
    """Share of items decided (mapped, dropped or homepage); None when there are no items."""
    decided = counts["total"] - counts["unmapped"]
    return round(decided / counts["total"], 4) if counts["total"] else None


def format_coverage(report: dict) -> list[str]:
    """A fixed-width table: one line per site and a total line."""
    header = f"{'site':<12} {'name':<20} {'items':>6} {'mapped':>7} {'dropped':>8} {'unmapped':>9} " \
             f"{'columns':>8} {'col.unmapped':>12} {'coverage':>9}"
    lines = [header, "-" * len(header)]
    for row in report["sites"] + [report["total"]]:
        items, columns = row["items"], row["columns"]
        share = f"{items['coverage']:.1%}" if items["coverage"] is not None else "-"
        lines.append(f"{row['site_code'] or 'TOTAL':<12} {_cut(short_site_name(row['name']), 20)} {items['total']:>6} "
                     f"{items['mapped']:>7} {items['dropped']:>8} {items['unmapped']:>9} "
                     f"{columns['total']:>8} {columns['unmapped']:>12} {share:>9}")
    return lines


def _cut(text: str, width: int) -> str:
    """Pad or cut text to a display width (CJK characters are two columns wide)."""
    out, used = "", 0
    for ch in text or "":
        w = 2 if ord(ch) > 0x2E80 else 1
        if used + w > width:
            break
        out, used = out + ch, used + w
    return out + " " * (width - used)

