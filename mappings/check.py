"""Check a mapping before applying it: every problem named with its rule, site and column.

Errors: rules that are invalid or point at unknown target ids or sites, a site's rules that match
nothing, rules that can never decide anything because earlier rules take all their items with a
different outcome, and items (alone or in source columns) that no accepted rule covers. Warnings:
rules for all sites that match nothing, partial overlaps where an earlier rule carves out items
with another outcome, suggestions not yet accepted, structure pages without a rule. ``strict`` turns warnings into failures (CI of a migration).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field

from . import source_columns as sc
from .apply import migrating_sites
from .rules import PATH_SEPARATOR, Rule, RuleError, RuleIndex, load_rules
from .suggest import as_item, load_records
from .target_tree import tree_for_workspace


@dataclass
class Problem:
    """One finding of the check."""

    level: str  # error / warning
    code: str
    message: str
    site_code: str | None = None
    rule_position: int | None = None
    column: str | None = None


@dataclass
class CheckResult:
    problems: list[Problem] = field(default_factory=list)
    strict: bool = False

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors and not (self.strict and self.warnings)

    def as_dict(self) -> dict:
        return {"ok": self.ok, "strict": self.strict, "errors": len(self.errors), "warnings": len(self.warnings),
                "problems": [asdict(p) for p in self.problems]}


def check(workspace, strict: bool = False) -> CheckResult:
    """Check the accepted rules against the tree, the inventory and every record of migrating sites."""
    sc.discover(workspace)
    tree = tree_for_workspace(workspace)
    all_rules = load_rules(workspace.db)
    rules = [r for r in all_rules if r.status == "accepted"]
    sites = migrating_sites(workspace)
    known_sites = {row["site_code"] for row in workspace.db["sites"].rows}
    records = [r for r in load_records(workspace.db) if r["site_code"] in sites]
    result = CheckResult(strict=strict)
    problems = result.problems
    valid = []
    for rule in rules:
        problem = rule_problem(rule, tree, known_sites, sites)
        if problem:
            problems.append(problem)
        else:
            valid.append(rule)
    problems += overlap_problems(valid, records)
    problems += coverage_problems(valid, records, all_rules)
    pending = [r for r in all_rules if r.status == "suggested"]
    if pending:
        problems.append(Problem("warning", "pending_suggestions",
                                f"{len(pending)} suggested rule(s) not accepted yet "
                                f"(govmigrate map accept --above X, or edit and import the mapping file)"))
    return result


def rule_problem(rule: Rule, tree, known_sites: set, migrating: dict) -> Problem | None:
    """What is wrong with one rule on its own, if anything."""
    try:
        rule.validate()
    except RuleError as exc:
        return Problem("error", "invalid_rule", f"{rule.describe()}: {exc}", rule.site_code, rule.position)
    if rule.target_id and rule.target_id not in tree:
        return Problem("error", "unknown_target",
                       f"{rule.describe()}: target id {rule.target_id!r} is not in the target tree "
                       f"({tree.source}); see 'govmigrate columns target'", rule.site_code, rule.position)
    if rule.site_code and rule.site_code not in known_sites:
        return Problem("error", "unknown_site", f"{rule.describe()}: site {rule.site_code} is not in the inventory",
                       rule.site_code, rule.position)
    if rule.site_code and rule.site_code not in migrating:
        return Problem("warning", "kept_site", f"{rule.describe()}: site {rule.site_code} is kept (action keep), "
                       "its pages are not migrated", rule.site_code, rule.position)
    return None


def overlap_problems(rules: list[Rule], records: list[dict]) -> list[Problem]:
    """Rules that match nothing, and rules whose items earlier rules take with another outcome."""
    matched: dict[int, list[int]] = defaultdict(list)   # rule index -> page ids it matches
    winner: dict[int, int] = {}                           # page id -> index of the first matching rule
    rule_index = RuleIndex(rules)
    for record in records:
        item = as_item(record)
        for index in rule_index.matching(item):
            matched[index].append(item.page_id)
            winner.setdefault(item.page_id, index)
    problems = []
    for index, rule in enumerate(rules):
        pages = matched.get(index, [])
        if not pages:
            # a site's own rule that matches nothing is a mistake (a mistyped column path); a rule for
            # all sites is a policy that may simply have nothing to do in this workspace
            problems.append(Problem("error" if rule.site_code else "warning", "never_matches",
                                    f"{rule.describe()} matches no page of "
                                    + (f"site {rule.site_code}" if rule.site_code else "the migrating sites"),
                                    rule.site_code, rule.position, _column(rule)))
            continue
        taken = Counter(winner[p] for p in pages if winner[p] != index)
        all_taken = sum(taken.values()) == len(pages)
        disagree = {i: n for i, n in taken.items()
                    if rules[i].outcome() != rule.outcome() and not carves_out(rules[i], rule)}
        if not disagree:
            if all_taken:
                problems.append(Problem("warning", "redundant", f"{rule.describe()} never decides anything: "
                                        "earlier rules decide all its pages", rule.site_code, rule.position,
                                        _column(rule)))
            continue
        others = ", ".join(f"{rules[i].describe()} takes {n}" for i, n in sorted(disagree.items()))
        if all_taken:
            problems.append(Problem("error", "overlap_disagrees",
                                    f"{rule.describe()} never applies: earlier rules decide all its {len(pages)} "
                                    f"page(s) differently ({others})", rule.site_code, rule.position, _column(rule)))
        else:
            problems.append(Problem("warning", "overlap_disagrees",
                                    f"{rule.describe()}: of its {len(pages)} page(s), earlier rules decide some "
                                    f"differently ({others})", rule.site_code, rule.position, _column(rule)))
    return problems


def carves_out(earlier: Rule, later: Rule) -> bool:
    """An earlier column rule inside a later prefix rule's columns, or any earlier rule for the
    site of a later whole-site rule: the usual 'specific first' pattern."""
    if later.match == "site":
        return earlier.site_code in (None, later.site_code)
    if later.match != "column_prefix" or earlier.match not in ("column", "column_prefix"):
        return False
    if later.site_code is not None and earlier.site_code != later.site_code:
        return False
    return earlier.pattern.startswith(later.pattern + PATH_SEPARATOR) or (
        earlier.match == "column" and earlier.pattern == later.pattern)


def _column(rule: Rule) -> str | None:
    return rule.pattern if rule.match in ("column", "column_prefix") else None


def coverage_problems(rules: list[Rule], records: list[dict], all_rules: list[Rule]) -> list[Problem]:
    """Source columns with items no rule covers, unplaced items, structure pages without a rule."""
    uncovered: dict[tuple, int] = Counter()
    unplaced: Counter = Counter()
    pages: Counter = Counter()
    rule_index = RuleIndex(rules)
    for record in records:
        if record["page_type"] == "redirect" or rule_index.first(as_item(record)):
            continue  # a redirect takes the decision of where it leads: no rule needed
        if record["page_type"] not in sc.ITEM_TYPES:
            pages[record["site_code"]] += 1
        elif record["column_path"]:
            uncovered[(record["site_code"], record["column_path"])] += 1
        else:
            unplaced[record["site_code"]] += 1
    pending = {(r.site_code, r.pattern): r for r in all_rules if r.status == "suggested" and r.match == "column"}
    problems = []
    for (code, path), count in sorted(uncovered.items()):
        hint = pending.get((code, path))
        note = (f"; pending suggestion: {hint.action} {hint.target_id or ''} (confidence {hint.confidence})"
                if hint else "")
        problems.append(Problem("error", "unmapped_column", f"site {code}: source column '{path}' has {count} "
                                f"item(s) that no accepted rule covers{note}", code, None, path))
    for code, count in sorted(unplaced.items()):
        problems.append(Problem("error", "unplaced_items", f"site {code}: {count} item(s) in no source column "
                                "and matched by no rule (add a url_regex or title_keyword rule)", code))
    for code, count in sorted(pages.items()):
        problems.append(Problem("warning", "unmapped_pages", f"site {code}: {count} list/structure page(s) matched "
                                "by no rule (their old URLs will get the redirect fallback)", code))
    return problems


def format_check(result: CheckResult) -> list[str]:
    lines = [f"{p.level.upper():<7} [{p.code}] {p.message}" for p in result.problems]
    verdict = "OK" if result.ok else "FAILED"
    lines.append(f"{verdict}: {len(result.errors)} error(s), {len(result.warnings)} warning(s)"
                 + (" (strict: warnings fail)" if result.strict else ""))
    return lines
