"""The inventory: the sites being consolidated, imported from a planner's CSV/XLSX sheet.

A :class:`Site` is the record every later stage reads. Import is all-or-nothing: every row is
checked first, every problem is reported with its Excel row, its column as written in the
file and the bad value, and nothing is written unless the whole file is good.
"""
from __future__ import annotations

import datetime
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .tabular import Table, TableError, read_table, write_table
from .workspace import Workspace

LEVELS = ("province", "city", "county", "township", "department")
ACTIONS = ("migrate", "close", "keep")
FIELDS = ("site_code", "name", "url", "aliases", "level", "parent_code", "action", "owner")
REQUIRED = ("site_code", "name", "url", "level", "action")
CHINESE_HEADERS = {
    "site_code": "网站标识码", "name": "网站名称", "url": "网址", "aliases": "别名",
    "level": "级别", "parent_code": "上级标识码", "action": "处置方式", "owner": "主办单位",
}
LEVEL_ZH = {"province": "省级", "city": "市级", "county": "县级", "township": "乡镇", "department": "部门"}
ACTION_ZH = {"migrate": "迁移", "close": "关停", "keep": "保留"}
LEVEL_WORDS = {
    **{zh: en for en, zh in LEVEL_ZH.items()},
    "省": "province", "地市": "city", "地市级": "city", "市": "city", "县": "county", "区县": "county",
    "县区": "county", "乡镇街道": "township", "街道": "township", "乡镇级": "township", "部门级": "department",
}
ACTION_WORDS = {
    **{zh: en for en, zh in ACTION_ZH.items()},
    "迁移整合": "migrate", "关停上移": "migrate", "关闭": "close", "下线": "close",
}
CODE_RE = re.compile(r"^(\d{10}|bm\d{8})$")
HOST_RE = re.compile(r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$")
ALIAS_SPLIT = re.compile(r"[\s;；,，、]+")
_SPACE = re.compile(r"\s")  # what str.isspace() calls a space, 8x faster than testing each character
HEADER_SEARCH_ROWS = 10


@dataclass
class Site:
    """One site of the inventory, as every later stage sees it."""

    site_code: str
    name: str
    url: str
    aliases: list[str] = field(default_factory=list)
    level: str = "township"
    parent_code: str | None = None
    action: str = "migrate"
    owner: str | None = None

    @property
    def host(self) -> str:
        """The host (with a non-default port) of the site's URL."""
        return url_host(self.url)

    @property
    def hosts(self) -> list[str]:
        """Every host the site answers on: its URL's host, then its aliases."""
        return [self.host] + list(self.aliases)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class RowError:
    """One problem in the file: Excel row, column as written in the header, the bad value."""

    row: int
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}, column {self.column}" if self.column else f"row {self.row}"
        return f"{where}: {self.message} (value: {self.value!r})" if self.value else f"{where}: {self.message}"


class InventoryError(Exception):
    """The file cannot be imported; ``errors`` holds every problem found."""

    def __init__(self, path, errors: list[RowError]):
        self.path = str(path)
        self.errors = errors
        lines = "\n".join(f"  {e}" for e in errors)
        super().__init__(f"{path}: {len(errors)} error(s), nothing imported:\n{lines}")


class UnknownSite(LookupError):
    """No site with that code in the inventory."""


@dataclass
class ImportReport:
    """What an import did (or, with dry_run, would do), site codes per outcome."""

    path: str
    encoding: str
    dry_run: bool
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    changes: dict[str, dict[str, list]] = field(default_factory=dict)  # code -> field -> [old, new]
    not_in_file: list[str] = field(default_factory=list)  # workspace sites the file leaves out (kept)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def url_host(url: str) -> str:
    """Lower-case host of a URL, keeping the port only when it is not the scheme's default."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    try:
        port = parts.port
    except ValueError:
        port = None
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return f"{host}:{port}" if port and port != default else host


def _header_key(text: str) -> str | None:
    """The field a header cell names (English name, any case/spacing, or its Chinese synonym)."""
    key = text.strip().lstrip("\ufeff").lower().replace(" ", "_").replace("-", "_")
    if key in FIELDS:
        return key
    return next((f for f, zh in CHINESE_HEADERS.items() if zh == text.strip()), None)


def _find_header(table: Table) -> int:
    """Index in table.rows of the header: the first row naming two known columns (a title row may come first)."""
    for index, (_, cells) in enumerate(table.rows[:HEADER_SEARCH_ROWS]):
        if sum(1 for c in cells if _header_key(c)) >= 2:
            return index
    return next((i for i, (_, cells) in enumerate(table.rows) if any(cells)), 0)


@dataclass
class _Parsed:
    """The file read into candidate sites, with the header texts and everything wrong so far."""

    sites: list[tuple[int, Site]]
    headers: dict[str, str]
    errors: list[RowError]
    warnings: list[str]


def _read_columns(table: Table, header_index: int, errors: list[RowError], warnings: list[str]):
    """Map column positions to fields; report missing, repeated and unknown columns."""
    header_row, header = table.rows[header_index] if table.rows else (1, [])
    columns: dict[int, str] = {}
    headers: dict[str, str] = {}
    for position, text in enumerate(header):
        key = _header_key(text)
        if key is None:
            if text:
                warnings.append(f"column {text!r} is not an inventory column; its values were not read")
            continue
        if key in headers:
            errors.append(RowError(header_row, text, text, f"column repeats {headers[key]!r} (both mean {key})"))
            continue
        columns[position] = key
        headers[key] = text
    for key in REQUIRED:
        if key not in headers:
            errors.append(RowError(header_row, "", "",
                                   f"required column missing: write {key!r} or {CHINESE_HEADERS[key]!r} in the header"))
    unnamed = sorted({p for _, cells in table.rows[header_index + 1:] for p, c in enumerate(cells)
                      if c and (p >= len(header) or not header[p])})
    if unnamed:
        warnings.append(f"{len(unnamed)} column(s) with values but no header were not read (positions {unnamed})")
    if header_index:
        warnings.append(f"rows 1-{header_row - 1} above the header were not read (title rows)")
    return columns, headers


def _parse(table: Table) -> _Parsed:
    """Turn rows into candidate sites, checking each cell on its own."""
    errors: list[RowError] = []
    warnings = list(table.warnings)
    header_index = _find_header(table)
    columns, headers = _read_columns(table, header_index, errors, warnings)
    sites = []
    for row, cells in table.rows[header_index + 1:]:
        values = {key: (cells[p] if p < len(cells) else "") for p, key in columns.items()}
        if not any(cells):
            continue
        sites.append((row, _parse_row(row, values, headers, errors)))
    if not sites and not errors:
        errors.append(RowError(table.rows[header_index][0] if table.rows else 1, "", "", "the file lists no sites"))
    return _Parsed(sites, headers, errors, warnings)


def _parse_row(row: int, values: dict, headers: dict, errors: list[RowError]) -> Site:
    """Check one row's cells. Bad cells become None in the returned site, so the checks
    across rows still run on the good ones and every error of the file is found in one pass."""

    def bad(key, message):
        errors.append(RowError(row, headers.get(key, key), values.get(key, ""), message))
        return None

    for key in REQUIRED:
        if key in headers and not values.get(key):
            bad(key, f"{key} is required")
    code = _code(values.get("site_code", "")) or None
    if code and not CODE_RE.match(code):
        code = bad("site_code", "site code must be 10 characters: a 6-digit division code + 4 digits, "
                                "or 'bm' + 8 digits")
    url = values.get("url") or None
    if url and _url_problem(url):
        url = bad("url", _url_problem(url))
    aliases = []
    for alias in ALIAS_SPLIT.split(values.get("aliases", "")):
        if alias and _host_problem(alias):
            errors.append(RowError(row, headers["aliases"], alias, _host_problem(alias)))
        elif alias:
            aliases.append(alias.lower().rstrip("."))
    level = _enum(values.get("level", ""), LEVELS, LEVEL_WORDS)
    if values.get("level") and not level:
        bad("level", f"level must be one of {', '.join(LEVELS)} (or {', '.join(LEVEL_ZH.values())})")
    action = _enum(values.get("action", ""), ACTIONS, ACTION_WORDS)
    if values.get("action") and not action:
        bad("action", f"action must be one of {', '.join(ACTIONS)} (or {', '.join(ACTION_ZH.values())})")
    parent = _code(values.get("parent_code", "")) or None
    if parent and not CODE_RE.match(parent):
        parent = bad("parent_code", "parent code is not a site code (6-digit division code + 4 digits, "
                                    "or 'bm' + 8 digits)")
    return Site(code, values.get("name", ""), url, aliases, level, parent, action, values.get("owner") or None)


def _code(text: str) -> str:
    text = text.strip()
    return "bm" + text[2:] if text[:2].lower() == "bm" else text


def _enum(text: str, allowed: tuple, words: dict) -> str | None:
    key = text.strip()
    return key.lower() if key.lower() in allowed else words.get(key)


def _url_problem(url: str) -> str | None:
    """Why a URL is not a usable http(s) site address (None when it is)."""
    if _SPACE.search(url):
        return "URL contains spaces"
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        return "URL must start with http:// or https://"
    try:
        parts.port
    except ValueError:
        return "URL has a bad port number"
    if not parts.hostname or _host_problem(parts.hostname):
        return "URL has no valid host name"
    return None


def _host_problem(alias: str) -> str | None:
    """Why an alias is not a bare host name, optionally with :port (None when it is)."""
    if "/" in alias or "://" in alias:
        return "an alias is a host name such as 'old.example.gov.cn', not a URL"
    host, _, port = alias.lower().rstrip(".").partition(":")
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        return "alias has a bad port number"
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return "not a valid host name"
    return None if HOST_RE.match(ascii_host) else "not a valid host name"


def _check_across(parsed: _Parsed, existing: dict[str, Site]) -> None:
    """Checks between rows and against the workspace: duplicates, parents, cycles, shared hosts."""
    errors, headers = parsed.errors, parsed.headers
    col = lambda key: headers.get(key, key)  # noqa: E731
    first_row: dict[str, int] = {}
    unique = []
    for row, site in parsed.sites:
        if site.site_code is None:
            continue
        if site.site_code in first_row:
            errors.append(RowError(row, col("site_code"), site.site_code,
                                   f"duplicate site code: also on row {first_row[site.site_code]}"))
        else:
            first_row[site.site_code] = row
            unique.append((row, site))
    merged = {**existing, **{s.site_code: s for _, s in unique}}
    checked = unique + [(row, s) for row, s in parsed.sites if s.site_code is None]
    for row, site in checked:
        if site.parent_code and site.parent_code == site.site_code:
            errors.append(RowError(row, col("parent_code"), site.parent_code, "a site cannot be its own parent"))
        elif site.parent_code and site.parent_code not in merged:
            errors.append(RowError(row, col("parent_code"), site.parent_code,
                                   "parent code is neither in this file nor in the workspace inventory"))
        elif site.parent_code and site.site_code and _in_cycle(site.site_code, merged):
            errors.append(RowError(row, col("parent_code"), site.parent_code, "parent codes form a loop"))
    _check_hosts(checked, existing, first_row, errors, headers)


def _in_cycle(code: str, sites: dict[str, Site]) -> bool:
    seen, current = set(), sites[code].parent_code
    while current and current in sites and current not in seen:
        if current == code:
            return True
        seen.add(current)
        current = sites[current].parent_code
    return False


def _check_hosts(checked, existing, first_row, errors, headers) -> None:
    """A host (URL host or alias) may belong to one site only (a row with a bad code counts as its own site)."""
    owners: dict[str, str] = {}
    for code, site in existing.items():
        if code not in first_row:
            for host in site.hosts:
                owners.setdefault(host, code)
    for row, site in checked:
        me = site.site_code or f"on row {row}"
        hosts = [("url", site.url, site.host)] if site.url else []
        for key, value, host in hosts + [("aliases", alias, alias) for alias in site.aliases]:
            other = owners.get(host)
            if other == me:
                errors.append(RowError(row, headers.get(key, key), value, f"host {host} is listed twice for this site"))
            elif other:
                where = f"row {first_row[other]}" if other in first_row else "the workspace inventory"
                where = "" if other.startswith("on row") else f" ({where})"
                errors.append(RowError(row, headers.get(key, key), value,
                                       f"host {host} already belongs to the site {other}{where}"))
            else:
                owners[host] = me


def _site_from_db(row: dict) -> Site:
    return Site(row["site_code"], row["name"], row["url"], json.loads(row["aliases"] or "[]"),
                row["level"], row["parent_code"], row["action"], row["owner"])


def list_sites(workspace: Workspace) -> list[Site]:
    """Every site of the inventory, ordered by site code."""
    return [_site_from_db(r) for r in workspace.db.query("SELECT * FROM sites ORDER BY site_code")]


def get_site(workspace: Workspace, code: str) -> Site:
    """The site with that code, or :class:`UnknownSite` naming the code."""
    rows = list(workspace.db.query("SELECT * FROM sites WHERE site_code = ?", [_code(code)]))
    if not rows:
        raise UnknownSite(f"no site with code {code!r} in the inventory (see 'govmigrate inventory list')")
    return _site_from_db(rows[0])


def _changes(old: Site, new: Site) -> dict[str, list]:
    return {k: [getattr(old, k), getattr(new, k)] for k in FIELDS if getattr(old, k) != getattr(new, k)}


def import_inventory(workspace: Workspace, path: str | Path, dry_run: bool = False) -> ImportReport:
    """Check the whole file, then add/update sites by site_code in one transaction (nothing if dry_run)."""
    try:
        table = read_table(path)
    except TableError as exc:
        raise InventoryError(path, [RowError(1, "", "", str(exc))]) from None
    parsed = _parse(table)
    existing = {s.site_code: s for s in list_sites(workspace)}
    _check_across(parsed, existing)
    if parsed.errors:
        raise InventoryError(path, sorted(parsed.errors, key=lambda e: e.row))
    report = ImportReport(str(path), table.encoding, dry_run, warnings=parsed.warnings)
    for _, site in parsed.sites:
        old = existing.get(site.site_code)
        if old is None:
            report.added.append(site.site_code)
        elif old == site:
            report.unchanged.append(site.site_code)
        else:
            report.updated.append(site.site_code)
            report.changes[site.site_code] = _changes(old, site)
    in_file = {s.site_code for _, s in parsed.sites}
    report.not_in_file = sorted(set(existing) - in_file)
    if not dry_run:
        unchanged = set(report.unchanged)  # (a list: 100,000 rows took 10^10 comparisons)
        _write(workspace, [s for _, s in parsed.sites if s.site_code not in unchanged], existing)
    return report


def _write(workspace: Workspace, sites: list[Site], existing: dict[str, Site]) -> None:
    """Insert new and update changed sites in a single transaction."""
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    conn = workspace.db.conn
    with conn:
        conn.execute("BEGIN IMMEDIATE")
        for s in sites:
            values = [s.name, s.url, json.dumps(s.aliases, ensure_ascii=False), s.level, s.parent_code,
                      s.action, s.owner, now, s.site_code]
            if s.site_code in existing:
                conn.execute("UPDATE sites SET name=?, url=?, aliases=?, level=?, parent_code=?, action=?, owner=?, "
                             "updated_at=? WHERE site_code=?", values)
            else:
                conn.execute("INSERT INTO sites (name, url, aliases, level, parent_code, action, owner, updated_at, "
                             "site_code, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values + [now])


def export_inventory(workspace: Workspace, path: str | Path, chinese: bool = False) -> int:
    """Write the inventory as CSV (UTF-8 with BOM) or XLSX by extension; importable again as is.

    ``chinese`` writes Chinese headers and level/action words for planners. Returns the site count.
    """
    sites = list_sites(workspace)
    header = [CHINESE_HEADERS[k] if chinese else k for k in FIELDS]
    rows = []
    for s in sites:
        level = LEVEL_ZH[s.level] if chinese else s.level
        action = ACTION_ZH[s.action] if chinese else s.action
        rows.append([s.site_code, s.name, s.url, " ".join(s.aliases), level, s.parent_code or "", action,
                     s.owner or ""])
    try:
        write_table(path, header, rows)
    except TableError as exc:
        raise InventoryError(path, [RowError(1, "", "", str(exc))]) from None
    return len(sites)
