"""Apply the accepted rules: every record of every migrating site gets a decision.

Each record gets the first accepted rule (in order) that matches it: map/static with the target
column's id and path (including the per-site child, e.g. 政务动态/乡镇动态/城关镇), drop, or
homepage (the parent's page for the site: the rule's target, else the site's home column from
``map suggest``'s placement, else the per-site column made for the site's level); a record no rule matches is recorded as ``unmapped`` so nothing disappears silently.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import source_columns as sc
from .placement import load_placements
from .rules import NEEDS_TARGET, Rule, RuleIndex, load_rules, now
from .suggest import as_item, load_records
from .target_tree import TargetTree, tree_for_workspace


class MappingError(Exception):
    """The rules cannot be applied (e.g. a rule points at a target column the tree lacks)."""


@dataclass
class Assignment:
    """The decision for one record."""

    page_id: int
    site_code: str
    page_type: str
    column_path: str | None
    action: str
    target_id: str | None
    target_path: str | None
    rule: Rule | None

    @property
    def is_item(self) -> bool:
        return self.page_type in sc.ITEM_TYPES


def migrating_sites(workspace) -> dict[str, dict]:
    """Sites whose content moves (action migrate or close); the parent portal (keep) stays."""
    return {row["site_code"]: row for row in workspace.db["sites"].rows if row["action"] != "keep"}


def site_column(tree: TargetTree, site: dict) -> str | None:
    """The parent's page for a site: the per-site column made for its level (乡镇动态/城关镇)."""
    for column in tree.columns:
        if column.template and site.get("level") in column.levels:
            return column.id
    return None


def assign(workspace, rules: list[Rule] | None = None, tree: TargetTree | None = None,
           codes=()) -> list[Assignment]:
    """Decide every record of the migrating sites with ``rules`` (default: the accepted rules)."""
    tree = tree or tree_for_workspace(workspace)
    rules = load_rules(workspace.db, status="accepted") if rules is None else rules
    unknown = [r for r in rules if r.target_id and r.target_id not in tree]
    if unknown:
        raise MappingError("; ".join(f"{r.describe()}: target id {r.target_id!r} is not in the target tree"
                                     for r in unknown))
    sites = migrating_sites(workspace)
    homes = {code: p.column_id for code, p in load_placements(workspace.db).items() if p.column_id in tree}
    index = RuleIndex(rules)
    out = []
    for record in load_records(workspace.db):
        code = record["site_code"]
        if code not in sites or (codes and code not in codes):
            continue
        rule = index.first(as_item(record))
        action = rule.action if rule else "unmapped"
        target = rule.target_id if rule and rule.action in NEEDS_TARGET + ("homepage",) else None
        if action == "homepage" and target is None:
            target = homes.get(code) or site_column(tree, sites[code])
        path = tree.target_path(target, sites[code]) if target else None
        out.append(Assignment(record["page_id"], code, record["page_type"], record["column_path"], action,
                              target, path, rule))
    return out


def apply(workspace, codes=()) -> list[Assignment]:
    """Refresh source columns, decide every record and store the decisions in ``item_mappings``."""
    sc.discover(workspace)
    assignments = assign(workspace, codes=codes)
    stamp = now()
    sites = list(codes) or list(migrating_sites(workspace))
    with workspace.db.conn:
        workspace.db.conn.executemany("DELETE FROM item_mappings WHERE site_code = ?", [(c,) for c in sites])
        workspace.db.conn.executemany(
            "INSERT INTO item_mappings (page_id, site_code, action, target_id, target_path, rule_id, applied_at) "
            "VALUES (?,?,?,?,?,?,?)",
            [(a.page_id, a.site_code, a.action, a.target_id, a.target_path, a.rule.id if a.rule else None, stamp)
             for a in assignments])
    return assignments
