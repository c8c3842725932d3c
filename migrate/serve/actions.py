"""Every write the app makes, through the library functions the CLI uses, each logged for undo.

Mapping decisions go through ``mappings.rules`` (``load_rules``/``save_rules``, the storage
behind ``map import`` and ``map accept``), ``mappings.placement`` and ``mappings.apply``; redirect decisions through
``migrate.redirects.overrides.import_overrides`` (what ``redirects plan --overrides`` reads)
and ``migrate.redirects.plan``. So ``map check``, ``redirects plan`` and ``shutdown`` see a
change at once. A rule is named by its site, match and pattern, which survive ``save_rules``
renumbering the ids.
"""
from __future__ import annotations

import csv
import tempfile
from dataclasses import asdict
from pathlib import Path

from mappings.apply import apply as apply_rules
from mappings.placement import Placement, load_placements, save_placements
from mappings.rules import Item, Rule, RuleError, RuleIndex, load_rules, save_rules
from mappings.target_tree import tree_for_workspace
from migrate.redirects.overrides import import_overrides
from migrate.redirects.plan import RedirectError, plan

from . import reviewlog

RULE_FIELDS = ("site_code", "match", "pattern", "action", "target_id", "status", "confidence", "reason")
DECISIONS = {"accept": {"status": "accepted"},
             "drop": {"action": "drop", "target_id": None, "status": "accepted"},
             "homepage": {"action": "homepage", "target_id": None, "status": "accepted"}}


class ReviewError(Exception):
    """A change that cannot be made as asked; the message is for the planner (Chinese first)."""


def rule_key(rule) -> tuple:
    """What names a rule across saves: (site code or '', match, pattern)."""
    if isinstance(rule, dict):
        return (rule.get("site_code") or "", rule["match"], rule["pattern"])
    return (rule.site_code or "", rule.match, rule.pattern)


def rule_state(rule: Rule) -> dict:
    return {name: getattr(rule, name) for name in RULE_FIELDS}


def decide(workspace, who: str, site_code: str, key: tuple, what: str, target_id: str | None = None) -> int:
    """Accept, drop, send to the site's page or retarget one rule (a new column rule when the
    source column has none yet); returns the review log id."""
    if what == "retarget":
        if not target_id or target_id not in tree_for_workspace(workspace):
            raise ReviewError(f"目标栏目 {target_id!r} 不在目标栏目树中")
        change = {"action": "map", "target_id": target_id, "status": "accepted"}
    elif what in DECISIONS:
        change = DECISIONS[what]
    else:
        raise ReviewError(f"未知操作 {what!r}")
    return change_rules(workspace, who, site_code, what, [(key, change)])


def bulk_accept(workspace, who: str, site_code: str, above: float) -> int | None:
    """Accept the site's suggestions with at least ``above`` confidence (``map accept --above``, one site)."""
    keys = [rule_key(r) for r in load_rules(workspace.db, status="suggested")
            if r.site_code == site_code and (r.confidence or 0) >= above]
    if not keys:
        return None
    return change_rules(workspace, who, site_code, "bulk_accept", [(k, {"status": "accepted"}) for k in keys],
                        subject=f"置信度 ≥ {above:.2f} 的 {len(keys)} 条建议")


def change_rules(workspace, who: str, site_code: str | None, what: str, changes: list[tuple[tuple, dict]],
                 subject: str | None = None) -> int:
    """Change rules by key in one transaction with their log row; a missing column rule is added."""
    rules = load_rules(workspace.db)
    by_key: dict[tuple, Rule] = {}
    for rule in rules:
        by_key.setdefault(rule_key(rule), rule)
    before, after = [], []
    for key, change in changes:
        rule = by_key.get(key)
        if rule is None:
            if key[1] != "column" or not key[0]:
                raise ReviewError("这条规则已不存在（可能被重新建议或导入），请刷新页面")
            rule = Rule(match="column", pattern=key[2], action="map", site_code=key[0], reason="set in the review app")
            rules.insert(_deciding(rules, key), rule)
            by_key[key] = rule
            before.append(None)
        else:
            before.append(rule_state(rule))
        for name, value in change.items():
            setattr(rule, name, value)
        try:
            rule.validate()
        except RuleError as exc:
            raise ReviewError(f"规则无效：{exc}") from None
        after.append(rule_state(rule))
    entry = reviewlog.record(workspace.db, who, site_code, what, subject or _describe(key), before, after)
    save_rules(workspace.db, rules)  # commits the log row with the rules
    return entry


def _deciding(rules: list[Rule], key: tuple) -> int:
    """Where a new column rule goes: just before the rule that decides the column now (so it wins)."""
    found = RuleIndex(rules).matching(Item(0, key[0], "", "", "article", key[2]))
    return found[0] if found else len(rules)


def _describe(key: tuple) -> str:
    return f"{key[1]} {key[2]}"


def accept_placement(workspace, who: str, site_code: str) -> int:
    """Accept the site's home column as ``map suggest`` placed it (``mappings.placement``)."""
    placed = load_placements(workspace.db).get(site_code)
    if placed is None or not placed.column_id:
        raise ReviewError("这个站点还没有建议的归属栏目（先运行 govmigrate map suggest）")
    before = asdict(placed)
    placed.status = "accepted"
    entry = reviewlog.record(workspace.db, who, site_code, "placement", placed.target_path or placed.column_id,
                             before, asdict(placed))
    save_placements(workspace.db, [placed])  # commits the log row with it
    return entry


def apply_site(workspace, who: str, site_code: str) -> int:
    """``map apply --site CODE``: assign every page of the site from the accepted rules."""
    assignments = apply_rules(workspace, codes=[site_code])
    counts: dict[str, int] = {}
    for a in assignments:
        counts[a.action] = counts.get(a.action, 0) + 1
    with workspace.db.conn:
        return reviewlog.record(workspace.db, who, site_code, "apply", f"{len(assignments)} 个页面", None, counts)


def override(workspace, who: str, site_code: str, old_urls: list[str], status: int, target: str | None,
             note: str | None) -> int:
    """Planners' decision for one or many old URLs, stored through ``import_overrides`` (all or nothing)."""
    if not old_urls:
        raise ReviewError("没有选择任何旧网址")
    before = {url: _override_row(workspace.db, site_code, url) for url in old_urls}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "overrides.csv"
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["old_url", "status", "target", "note"])
            writer.writerows([url, status, target or "", note or ""] for url in old_urls)
        try:
            import_overrides(workspace, path)
        except RedirectError as exc:
            raise ReviewError(str(exc).replace(str(path), "表单")) from None
    after = {url: _override_row(workspace.db, site_code, url) for url in old_urls}
    with workspace.db.conn:
        subject = old_urls[0] if len(old_urls) == 1 else f"{len(old_urls)} 个旧网址"
        return reviewlog.record(workspace.db, who, site_code, "override", subject, before, after)


def replan(workspace, who: str, site_code: str) -> int:
    """``redirects plan CODE``: decide the site's old URLs again, overrides applied last."""
    try:
        result = plan(workspace, codes=[site_code])
    except RedirectError as exc:
        raise ReviewError(str(exc)) from None
    with workspace.db.conn:
        return reviewlog.record(workspace.db, who, site_code, "plan", f"{sum(s.urls for s in result)} 个旧网址",
                                None, {s.site_code: s.statuses for s in result})


def _override_row(db, site_code: str, url: str) -> dict | None:
    row = db.execute("SELECT status, target, note FROM redirect_overrides WHERE site_code = ? AND old_url = ?",
                     [site_code, url]).fetchone()
    return dict(zip(("status", "target", "note"), row)) if row else None


def undo(workspace, who: str) -> int | None:
    """Revert the newest change not yet undone; returns the undo's log id (None: nothing to undo)."""
    entry = reviewlog.last_undoable(workspace.db)
    if entry is None:
        return None
    if entry["what"] == "override":
        return _undo_override(workspace, who, entry)
    if entry["what"] == "placement":
        undo_id = reviewlog.record(workspace.db, who, entry["site_code"], "undo", f"#{entry['id']} {entry['label']}",
                                   entry["after"], entry["before"])
        reviewlog.mark_undone(workspace.db, entry["id"], undo_id)
        old = dict(entry["before"], alternatives=[tuple(a) for a in entry["before"]["alternatives"]])
        save_placements(workspace.db, [Placement(**old)])
        return undo_id
    rules = load_rules(workspace.db)
    by_key = {}
    for rule in rules:
        by_key.setdefault(rule_key(rule), rule)
    for old, new in zip(entry["before"], entry["after"]):
        rule = by_key.get(rule_key(new))
        if rule is None:
            raise ReviewError("无法撤销：这条规则已不存在（可能被重新建议或导入）")
        if old is None:
            rules.remove(rule)
        else:
            for name, value in old.items():
                setattr(rule, name, value)
    undo_id = reviewlog.record(workspace.db, who, entry["site_code"], "undo", f"#{entry['id']} {entry['label']}",
                               entry["after"], entry["before"])
    reviewlog.mark_undone(workspace.db, entry["id"], undo_id)
    save_rules(workspace.db, rules)
    return undo_id


def _undo_override(workspace, who: str, entry: dict) -> int:
    code, db = entry["site_code"], workspace.db
    with db.conn:
        for url, old in entry["before"].items():
            if old is None:
                db.conn.execute("DELETE FROM redirect_overrides WHERE site_code = ? AND old_url = ?", [code, url])
            else:
                db.conn.execute("INSERT OR REPLACE INTO redirect_overrides (site_code, old_url, status, target, note) "
                                "VALUES (?, ?, ?, ?, ?)", [code, url, old["status"], old["target"], old["note"]])
        undo_id = reviewlog.record(db, who, code, "undo", f"#{entry['id']} {entry['label']}", entry["after"],
                                   entry["before"])
        reviewlog.mark_undone(db, entry["id"], undo_id)
    return undo_id
