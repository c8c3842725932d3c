"""Mapping rules: the model, matching, storage in the workspace, and the planners' files.

Rules are matched in order (``position``); the first rule that matches an item decides it. A rule
matches by source column path (exact or prefix), URL regex, title keyword or page type, or takes
a whole site (``match: site``, for a small site that moves into one column), and either maps the item to a target column, drops it (410 with an archive link), sends it to the
parent's page for the site (homepage) or keeps it as a single static page under a target column.
Planners edit rules as YAML, CSV (UTF-8 with BOM, opens in Excel) or XLSX and import them back.
"""
from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone
from pathlib import Path

import yaml

from site_inventory.tabular import Sheet, unescape_cell, write_csv, write_xlsx

MATCHES = ("column", "column_prefix", "url_regex", "title_keyword", "page_type", "site")
ACTIONS = ("map", "drop", "homepage", "static")
STATUSES = ("suggested", "accepted")
NEEDS_TARGET = ("map", "static")
PATH_SEPARATOR = " > "
FILE_FIELDS = ("position", "site_code", "match", "pattern", "action", "target_id", "status", "confidence", "reason")
INFO_FIELDS = ("target_path",)


class RuleError(Exception):
    """A rule or a rules file is invalid; the message names the file, the row and the field."""


@dataclass
class Rule:
    """One mapping rule (a row of ``mapping_rules``)."""

    match: str
    pattern: str
    action: str
    target_id: str | None = None
    site_code: str | None = None
    position: int = 0
    status: str = "accepted"
    confidence: float | None = None
    reason: str | None = None
    id: int | None = None

    def validate(self) -> None:
        """Raise RuleError naming the field that is wrong."""
        if self.match not in MATCHES:
            raise RuleError(f"match {self.match!r} is not one of {', '.join(MATCHES)}")
        if self.action not in ACTIONS:
            raise RuleError(f"action {self.action!r} is not one of {', '.join(ACTIONS)}")
        if self.status not in STATUSES:
            raise RuleError(f"status {self.status!r} is not one of {', '.join(STATUSES)}")
        if self.match == "site" and not self.site_code:
            raise RuleError("match 'site' needs the site_code of the site it takes whole")
        if not self.pattern:
            raise RuleError("pattern is empty")
        if self.action in NEEDS_TARGET and not self.target_id:
            raise RuleError(f"action {self.action!r} needs a target_id")
        if self.match == "url_regex":
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise RuleError(f"url_regex {self.pattern!r} does not compile: {exc}") from None
        if self.confidence is not None and not 0 <= self.confidence <= 1:
            raise RuleError(f"confidence {self.confidence!r} is not between 0 and 1")

    def applies_to_site(self, site_code: str) -> bool:
        return self.site_code is None or self.site_code == site_code

    def matches(self, item: "Item") -> bool:
        """Whether this rule selects the item (the site is checked separately)."""
        if self.match == "column":
            return item.column_path == self.pattern
        if self.match == "column_prefix":
            path = item.column_path or ""
            return path == self.pattern or path.startswith(self.pattern + PATH_SEPARATOR)
        if self.match == "url_regex":
            return re.search(self.pattern, item.url) is not None
        if self.match == "title_keyword":
            return any(word and word in (item.title or "") for word in self.pattern.split("|"))
        if self.match == "site":
            return True
        return item.page_type == self.pattern

    def outcome(self) -> tuple[str, str | None]:
        """What the rule decides: (action, target) — two rules agree when these are equal."""
        return self.action, self.target_id if self.action in NEEDS_TARGET else None

    def describe(self) -> str:
        where = f"site {self.site_code}" if self.site_code else "all sites"
        then = f"{self.action} {self.target_id}" if self.target_id else self.action
        return f"rule #{self.position} ({where}: {self.match} '{self.pattern}' -> {then})"


@dataclass
class Item:
    """What rules look at for one record: its site, URL, title, page type and source column."""

    page_id: int
    site_code: str
    url: str
    title: str | None
    page_type: str
    column_path: str | None


def first_match(rules: list[Rule], item: Item) -> Rule | None:
    """The first rule (in position order) for the item's site that matches it."""
    for rule in rules:
        if rule.applies_to_site(item.site_code) and rule.matches(item):
            return rule
    return None


class RuleIndex:
    """Rules indexed by site and column path, so matching many items against many rules stays
    fast: column rules are looked up, only URL/title/page-type rules are tried one by one."""

    def __init__(self, rules: list[Rule]):
        self.rules = rules
        self._by_column: dict[tuple, list[int]] = {}
        self._others: list[int] = []
        for index, rule in enumerate(rules):
            if rule.match in ("column", "column_prefix"):
                self._by_column.setdefault((rule.match, rule.site_code, rule.pattern), []).append(index)
            else:
                self._others.append(index)

    def matching(self, item: Item) -> list[int]:
        """Indexes (in order) of every rule that selects the item."""
        found = [i for i in self._others if self.rules[i].applies_to_site(item.site_code) and self.rules[i].matches(item)]
        if item.column_path:
            names = item.column_path.split(PATH_SEPARATOR)
            for site in (None, item.site_code):
                found += self._by_column.get(("column", site, item.column_path), [])
                for depth in range(1, len(names) + 1):
                    found += self._by_column.get(("column_prefix", site, PATH_SEPARATOR.join(names[:depth])), [])
        return sorted(found)

    def first(self, item: Item) -> Rule | None:
        found = self.matching(item)
        return self.rules[found[0]] if found else None


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def load_rules(db, status: str | None = None) -> list[Rule]:
    """The workspace's rules in position order, optionally only those with one status."""
    sql = "SELECT * FROM mapping_rules" + (" WHERE status = ?" if status else "") + " ORDER BY position, id"
    cursor = db.execute(sql, [status] if status else [])
    names = [d[0] for d in cursor.description]
    wanted = {f.name for f in fields(Rule)}
    return [Rule(**{k: v for k, v in zip(names, row) if k in wanted}) for row in cursor.fetchall()]


def save_rules(db, rules: list[Rule]) -> list[Rule]:
    """Replace every stored rule with ``rules`` (renumbering positions 1..n); returns them with ids."""
    stamp = now()
    with db.conn:
        db.execute("DELETE FROM mapping_rules")
        for position, rule in enumerate(rules, 1):
            rule.position = position
            row = asdict(rule)
            row.pop("id")
            row["created_at"] = stamp
            cursor = db.conn.execute(
                f"INSERT INTO mapping_rules ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                list(row.values()),
            )
            rule.id = cursor.lastrowid
    return rules


def rule_to_row(rule: Rule, tree=None) -> dict:
    """The rule as a flat row of the planners' files (plus the readable target path)."""
    row = {name: getattr(rule, name) for name in FILE_FIELDS}
    row["target_path"] = "/".join(tree.names_path(rule.target_id)) if tree and rule.target_id in (tree or ()) else ""
    return row


def row_to_rule(row: dict, where: str) -> Rule:
    """A rule from a file row; every problem names ``where`` (file and row) and the field."""
    def text(name):
        value = row.get(name)
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        value = str(value).strip()
        return value or None

    whole_site = text("match") == "site"
    missing = [name for name in ("match", "pattern", "action") if not text(name) and not (whole_site and name == "pattern")]
    if missing:
        raise RuleError(f"{where}: missing {', '.join(missing)}")
    confidence = text("confidence")
    try:
        confidence = float(confidence) if confidence is not None else None
    except ValueError:
        raise RuleError(f"{where}: confidence {confidence!r} is not a number") from None
    position = text("position")
    try:
        position = float(position) if position is not None else 0
    except ValueError:
        raise RuleError(f"{where}: position {position!r} is not a number") from None
    pattern = str(row["pattern"]).strip() if row.get("pattern") is not None else ""
    rule = Rule(match=text("match"), pattern=pattern or (text("site_code") or "" if whole_site else ""),
                action=text("action"), target_id=text("target_id"), site_code=text("site_code"),
                position=position, status=text("status") or "accepted", confidence=confidence,
                reason=text("reason"))
    try:
        rule.validate()
    except RuleError as exc:
        raise RuleError(f"{where}: {exc}") from None
    return rule


def write_rules_file(rules: list[Rule], path: str | Path, tree=None) -> Path:
    """Write the rules to a .yaml/.yml, .csv or .xlsx file chosen by extension."""
    path = Path(path)
    suffix = path.suffix.lower()
    rows = [rule_to_row(rule, tree) for rule in rules]
    if suffix in (".yaml", ".yml"):
        data = {"rules": [{k: v for k, v in row.items() if v not in (None, "")} for row in rows]}
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    elif suffix in (".csv", ".xlsx"):
        header = list(FILE_FIELDS + INFO_FIELDS)
        cells = [[_xlsx_value(name, row.get(name)) for name in header] for row in rows]
        if suffix == ".csv":
            write_csv(path, header, cells)
        else:
            write_xlsx(path, [Sheet("mapping_rules", header, cells)])
    else:
        raise RuleError(f"{path}: unknown rules file type {suffix or '(none)'}; use .yaml, .csv or .xlsx")
    return path


def read_rules_file(path: str | Path) -> list[Rule]:
    """Read every rule of a .yaml, .csv or .xlsx file, in file order; all-or-nothing on errors."""
    path = Path(path)
    if not path.exists():
        raise RuleError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        rows = _yaml_rows(path)
    elif suffix == ".csv":
        rows = _csv_rows(path)
    elif suffix == ".xlsx":
        rows = _xlsx_rows(path)
    else:
        raise RuleError(f"{path}: unknown rules file type {suffix or '(none)'}; use .yaml, .csv or .xlsx")
    rules = [row_to_rule(row, f"{path}: {label}") for label, row in rows]
    return in_position_order(rules)


def in_position_order(rules: list[Rule]) -> list[Rule]:
    """Sort by the position column (planners may sort the sheet, or insert 2.5 between 2 and 3);
    a row without a position stays right after the row above it. Positions become 1..n."""
    keys, last = [], float("-inf")
    for rule in rules:
        last = rule.position if rule.position else last
        keys.append(last)
    ordered = [rule for _, _, rule in sorted(zip(keys, range(len(rules)), rules), key=lambda t: (t[0], t[1]))]
    for position, rule in enumerate(ordered, 1):
        rule.position = position
    return ordered


def _yaml_rows(path: Path) -> list[tuple[str, dict]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise RuleError(f"{path}: not valid YAML: {exc}") from None
    entries = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise RuleError(f"{path}: expected a mapping with a 'rules' list")
    rows = []
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise RuleError(f"{path}: rule #{number}: expected a mapping, got {entry!r}")
        entry = dict(entry)
        if "target" in entry and "target_id" not in entry:
            entry["target_id"] = entry.pop("target")
        if "site" in entry and "site_code" not in entry:
            entry["site_code"] = entry.pop("site")
        unknown = set(entry) - set(FILE_FIELDS + INFO_FIELDS)
        if unknown:
            raise RuleError(f"{path}: rule #{number}: unknown field(s) {', '.join(sorted(unknown))}")
        rows.append((f"rule #{number}", entry))
    return rows


def _csv_rows(path: Path) -> list[tuple[str, dict]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")  # saved by Excel in the local code page
    reader = csv.DictReader(io.StringIO(text, newline=""))
    _check_header(path, reader.fieldnames or [])
    return [(f"row {number}", {k: unescape_cell(v) if isinstance(v, str) else v for k, v in row.items()})
            for number, row in enumerate(reader, 2) if any((v or "").strip() for v in row.values())]


def _check_header(path: Path, header: list) -> None:
    names = [str(name).strip() for name in header if name is not None]
    missing = [name for name in ("match", "pattern", "action") if name not in names]
    if missing:
        raise RuleError(f"{path}: header row lacks column(s) {', '.join(missing)} (found: {', '.join(names)})")
    unknown = [name for name in names if name and name not in FILE_FIELDS + INFO_FIELDS]
    if unknown:
        raise RuleError(f"{path}: unknown column(s) {', '.join(unknown)} in the header row")


def _xlsx_value(name: str, value):
    """Text stays text (site codes must not turn into numbers in Excel); position and confidence are numbers."""
    if value is None:
        return None
    if name in ("position", "confidence"):
        return value
    return str(value)


def _xlsx_rows(path: Path) -> list[tuple[str, dict]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise RuleError(f"{path}: not a readable XLSX workbook: {exc}") from None
    sheet = workbook["mapping_rules"] if "mapping_rules" in workbook.sheetnames else workbook.worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    workbook.close()
    if not values:
        raise RuleError(f"{path}: the sheet is empty")
    header = [str(name).strip() if name is not None else "" for name in values[0]]
    _check_header(path, header)
    rows = []
    for number, cells in enumerate(values[1:], 2):
        if all(cell is None or str(cell).strip() == "" for cell in cells):
            continue
        rows.append((f"row {number}", {name: cell for name, cell in zip(header, cells) if name}))
    return rows


def export_rules(workspace, path: str | Path) -> list[Rule]:
    """Write the workspace's rules (accepted and suggested, in order) to a planners' file."""
    from .target_tree import tree_for_workspace

    rules = load_rules(workspace.db)
    write_rules_file(rules, path, tree_for_workspace(workspace))
    return rules


def import_rules(workspace, path: str | Path) -> dict:
    """Replace the workspace's rules with those of a planners' file (all-or-nothing); returns
    the number of rules and how many were added, removed or kept compared with before."""
    incoming = read_rules_file(path)

    def key(rule):
        return (rule.site_code, rule.match, rule.pattern, rule.action, rule.target_id, rule.status)

    before = Counter(key(rule) for rule in load_rules(workspace.db))
    after = Counter(key(rule) for rule in incoming)
    save_rules(workspace.db, incoming)
    return {"rules": len(incoming), "added": sum((after - before).values()),
            "removed": sum((before - after).values()), "unchanged": sum((after & before).values())}
