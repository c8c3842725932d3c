"""What the mapping review reads: each source column of a site with the rule that decides it.

The deciding rule is the first rule (accepted or suggested, in position order) that selects the
column, found with ``mappings.rules.RuleIndex`` as ``map apply`` finds it; a few of the column's
items show what it holds. ``map check`` itself is ``mappings.check.check``, run by the app.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from mappings.apply import site_column
from mappings.placement import load_placements
from mappings.rules import Item, Rule, RuleIndex, load_rules
from mappings.target_tree import tree_as_json, tree_for_workspace

EXAMPLES = 3


@dataclass
class ColumnRow:
    """A source column, its deciding rule (if any) and some of its items."""

    path: str
    name: str
    depth: int
    item_count: int
    total_count: int
    newest_date: str | None
    rule: Rule | None = None
    own: bool = False          # the rule is this column's own (match column, this path, this site)
    target_path: str = ""
    examples: list[dict] = field(default_factory=list)


def column_rows(workspace, site: dict) -> list[ColumnRow]:
    """Every source column of the site in tree order, with the rule that decides it."""
    db, code = workspace.db, site["site_code"]
    tree = tree_for_workspace(workspace)
    index = RuleIndex(load_rules(db))
    placed = placement(workspace, site)
    home = placed.column_id if placed and placed.column_id in tree else site_column(tree, site)
    rows = [ColumnRow(*row) for row in db.execute(
        "SELECT path, name, depth, item_count, total_count, newest_date FROM source_columns WHERE site_code = ? "
        "ORDER BY path", [code]).fetchall()]
    for row in rows:
        row.rule = index.first(Item(0, code, "", "", "article", row.path))
        row.own = bool(row.rule and row.rule.match == "column" and row.rule.pattern == row.path
                       and row.rule.site_code == code)
        target = row.rule.target_id if row.rule else None
        if target is None and row.rule and row.rule.action == "homepage":
            target = home
        row.target_path = tree.target_path(target, site) if target and target in tree else (target or "")
        row.examples = [dict(zip(("page_id", "title", "url"), r)) for r in db.execute(
            "SELECT r.page_id, r.title, r.url FROM item_source_columns i JOIN records r ON r.page_id = i.page_id "
            "WHERE i.site_code = ? AND i.column_path = ? LIMIT ?", [code, row.path, EXAMPLES]).fetchall()]
    return rows


def other_rules(workspace, code: str) -> list[Rule]:
    """The site's rules that are not column rules (URL, title, page type), and rules for every site."""
    return [r for r in load_rules(workspace.db)
            if (r.site_code == code and r.match != "column") or r.site_code is None]


def placement(workspace, site: dict):
    """The site's home column as ``map suggest`` placed it (a ``mappings.placement.Placement``), if any."""
    return load_placements(workspace.db).get(site["site_code"])


def home_column(workspace, site: dict) -> str:
    """Where 'send to the site's page' leads, as ``map apply`` decides it: the placed home column,
    else the per-site column made for the site's level."""
    tree = tree_for_workspace(workspace)
    placed = placement(workspace, site)
    column = placed.column_id if placed and placed.column_id in tree else site_column(tree, site)
    return tree.target_path(column, site) if column else ""


def targets(workspace) -> list[dict]:
    """The target tree for the picker: id, name, path and depth, in tree order."""
    tree = tree_for_workspace(workspace)
    out = []

    def walk(parent, depth):
        for column in tree.children(parent):
            out.append({"id": column.id, "name": column.name, "depth": depth,
                        "path": "/".join(tree.names_path(column.id))})
            walk(column.id, depth + 1)

    walk(None, 0)
    known = {c["id"] for c in out}
    out += [{"id": c["id"], "name": c["name"], "depth": 0, "path": c["path"]} for c in tree_as_json(tree)
            if c["id"] not in known]
    return out


def problems_for(result, code: str) -> list:
    """The problems of a ``map check`` naming this site, then those naming none."""
    return [p for p in result.problems if p.site_code == code] + [p for p in result.problems if not p.site_code]
