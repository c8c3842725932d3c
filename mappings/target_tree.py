"""The parent platform's column tree (目标栏目树): loading, validation and display.

A province or county ships its own YAML tree; without one the tool uses the default tree in
``mappings/data/target_tree.yaml``. Ids are stable ASCII keys that rules point at; names and
aliases are what suggestions compare source column names against.
"""
from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

KINDS = ("dynamic", "notice", "policy", "static", "service", "interaction")
LEVELS = ("province", "city", "county", "township", "department")
PLACEHOLDERS = ("site_name", "short_name", "site_code")
ID_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
URL_PATTERN = re.compile(r"^(?:https?://[^/\s]+)?/\S*$", re.IGNORECASE)
FILE_FIELDS = ("id", "name", "parent", "kind", "url", "aliases", "keywords", "template", "levels")
SITE_NAME_SUFFIXES = ("人民政府门户网站", "人民政府网站", "政府门户网站", "门户网站", "人民政府", "政府网站", "网站", "政府")


class TreeError(Exception):
    """The target tree file is missing, not YAML, or describes an invalid tree."""


@dataclass
class TargetColumn:
    """One column of the parent platform."""

    id: str
    name: str
    kind: str
    parent: str | None = None
    aliases: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    template: str | None = None
    levels: list[str] = field(default_factory=list)
    url: str | None = None  # the column's page on the parent (a tree made from the parent's crawl)


@dataclass
class TargetTree:
    """The whole tree, in file order, with lookups by id."""

    columns: list[TargetColumn]
    source: str = "default"

    def __post_init__(self):
        self.by_id = {column.id: column for column in self.columns}

    def __contains__(self, column_id) -> bool:
        return column_id in self.by_id

    def __getitem__(self, column_id: str) -> TargetColumn:
        return self.by_id[column_id]

    @property
    def has_urls(self) -> bool:
        """Whether any column says where its page is on the parent (trees from ``--from-site``)."""
        return any(column.url for column in self.columns)

    def subtree(self, column_id: str) -> set[str]:
        """The column's id and the ids of every column below it."""
        kids = self.__dict__.get("_kids")
        if kids is None:
            kids = self.__dict__["_kids"] = {}
            for column in self.columns:
                kids.setdefault(column.parent, []).append(column.id)
        found, todo = {column_id}, [column_id]
        while todo:
            for child in kids.get(todo.pop(), ()):
                if child not in found:
                    found.add(child)
                    todo.append(child)
        return found

    def children(self, column_id: str | None) -> list[TargetColumn]:
        return [column for column in self.columns if column.parent == column_id]

    def ancestors(self, column_id: str) -> list[TargetColumn]:
        """The column's ancestors, root first (not including the column)."""
        chain = []
        parent = self.by_id[column_id].parent
        while parent:
            chain.append(self.by_id[parent])
            parent = self.by_id[parent].parent
        return list(reversed(chain))

    def names_path(self, column_id: str) -> list[str]:
        return [column.name for column in self.ancestors(column_id)] + [self.by_id[column_id].name]

    def target_path(self, column_id: str, site: dict | None = None) -> str:
        """The column's path of names joined with '/', plus its per-site child when it has a template."""
        names = self.names_path(column_id)
        template = self.by_id[column_id].template
        if template and site:
            names.append(render_template(template, site))
        return "/".join(names)


def short_site_name(name: str) -> str:
    """The site's name without the 人民政府/网站 suffixes: 青溪镇人民政府 -> 青溪镇."""
    for suffix in SITE_NAME_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def render_template(template: str, site: dict) -> str:
    """Fill a per-site template ({site_name}, {short_name}, {site_code}) from a sites row."""
    name = site.get("name") or site.get("site_code") or ""
    return template.format(site_name=name, short_name=short_site_name(name), site_code=site.get("site_code", ""))


def default_tree_path() -> Path:
    return Path(str(resources.files("mappings") / "data" / "target_tree.yaml"))


def load_tree(path: str | Path | None = None) -> TargetTree:
    """Read and validate a tree file (the default tree when ``path`` is None)."""
    file = Path(path) if path else default_tree_path()
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TreeError(f"target tree file not found: {file}") from None
    except yaml.YAMLError as exc:
        raise TreeError(f"{file}: not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("columns"), list):
        raise TreeError(f"{file}: expected a mapping with a 'columns' list")
    columns = [_column(file, number, entry) for number, entry in enumerate(data["columns"], 1)]
    tree = TargetTree(columns, source=str(file) if path else "default")
    validate_tree(tree, file)
    return tree


def tree_for_workspace(workspace) -> TargetTree:
    """The workspace's tree: ``mapping.target_tree`` of its config (relative to the workspace) or the default."""
    configured = (workspace.config.get("mapping") or {}).get("target_tree")
    if not configured:
        return load_tree()
    path = Path(configured)
    return load_tree(path if path.is_absolute() else workspace.path / path)


def _column(file: Path, number: int, entry) -> TargetColumn:
    """One column entry of the file, with its fields type-checked."""
    where = f"{file}: column #{number}"
    if not isinstance(entry, dict):
        raise TreeError(f"{where}: expected a mapping, got {entry!r}")
    unknown = set(entry) - {"id", "name", "kind", "parent", "aliases", "keywords", "template", "levels", "url"}
    if unknown:
        raise TreeError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    for key in ("id", "name", "kind"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise TreeError(f"{where}: '{key}' is required and must be text")
    for key in ("aliases", "keywords", "levels"):
        value = entry.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise TreeError(f"{where} ({entry['id']}): '{key}' must be a list of text")
    url = entry.get("url")
    if url is not None and (not isinstance(url, str) or not URL_PATTERN.match(url.strip())):
        raise TreeError(f"{where} ({entry['id']}): 'url' must be an http(s) URL or a path starting with /, "
                        f"got {url!r}")
    return TargetColumn(
        id=entry["id"].strip(), name=entry["name"].strip(), kind=entry["kind"].strip(),
        parent=entry.get("parent"), aliases=list(entry.get("aliases", [])),
        keywords=list(entry.get("keywords", [])), template=entry.get("template"),
        levels=list(entry.get("levels", [])), url=url.strip() if url else None,
    )


def validate_tree(tree: TargetTree, file: Path | str = "tree") -> None:
    """Unique ASCII ids, known kinds and levels, existing parents, no cycles, valid templates."""
    seen: set[str] = set()
    for column in tree.columns:
        where = f"{file}: column {column.id!r} ({column.name})"
        if not ID_PATTERN.match(column.id):
            raise TreeError(f"{where}: id must be ASCII letters, digits, '_' or '-', starting with a letter")
        if column.id in seen:
            raise TreeError(f"{where}: duplicate id")
        seen.add(column.id)
        if column.kind not in KINDS:
            raise TreeError(f"{where}: kind {column.kind!r} is not one of {', '.join(KINDS)}")
        bad_levels = [level for level in column.levels if level not in LEVELS]
        if bad_levels:
            raise TreeError(f"{where}: levels {bad_levels} not among {', '.join(LEVELS)}")
        if column.template is not None:
            _check_template(where, column.template)
    for column in tree.columns:
        if column.parent is not None and column.parent not in tree.by_id:
            raise TreeError(f"{file}: column {column.id!r} has unknown parent {column.parent!r}")
    for column in tree.columns:
        _check_no_cycle(tree, column, file)


def _check_template(where: str, template: str) -> None:
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise TreeError(f"{where}: template {template!r} is malformed: {exc}") from None
    unknown = [name for name in fields if name not in PLACEHOLDERS]
    if unknown:
        raise TreeError(f"{where}: template {template!r} uses unknown placeholder(s) {unknown}; "
                        f"known: {', '.join(PLACEHOLDERS)}")


def _check_no_cycle(tree: TargetTree, column: TargetColumn, file) -> None:
    seen = {column.id}
    parent = column.parent
    while parent:
        if parent in seen:
            raise TreeError(f"{file}: column {column.id!r} is its own ancestor (cycle through {parent!r})")
        seen.add(parent)
        parent = tree.by_id[parent].parent


def format_tree(tree: TargetTree) -> list[str]:
    """The tree as indented lines with box-drawing branches: name, id, kind, aliases, template."""
    lines = [f"目标栏目树 ({tree.source}, {len(tree.columns)} columns)"]

    def walk(parent: str | None, prefix: str) -> None:
        children = tree.children(parent)
        for index, column in enumerate(children):
            last = index == len(children) - 1
            label = f"{column.name} [{column.id}] ({column.kind})"
            if column.template:
                label += f" per site: {column.template}"
            if column.levels:
                label += f" for: {', '.join(column.levels)}"
            if column.aliases:
                label += f"  aka {'、'.join(column.aliases)}"
            if column.url:
                label += f"  {column.url}"
            lines.append(prefix + ("└── " if last else "├── ") + label)
            walk(column.id, prefix + ("    " if last else "│   "))

    walk(None, "")
    return lines


def tree_as_json(tree: TargetTree) -> list[dict]:
    """Every column as a plain dict, with its path of names."""
    return [
        {"id": c.id, "name": c.name, "parent": c.parent, "kind": c.kind, "aliases": c.aliases,
         "keywords": c.keywords, "template": c.template, "levels": c.levels, "url": c.url,
         "path": "/".join(tree.names_path(c.id))}
        for c in tree.columns
    ]


def dump_tree(tree: TargetTree, header: str = "") -> str:
    """The tree as the YAML ``load_tree`` reads (empty fields left out), after ``header`` comment lines."""
    columns = []
    for column in tree.columns:
        entry = {}
        for name in FILE_FIELDS:
            value = getattr(column, name)
            if value not in (None, "", []):
                entry[name] = list(value) if isinstance(value, list) else value
        columns.append(entry)
    comments = "".join(f"# {line}\n".replace("# \n", "#\n") for line in header.splitlines())
    return comments + yaml.safe_dump({"columns": columns}, allow_unicode=True, sort_keys=False, width=120)


def write_tree(tree: TargetTree, path: str | Path, header: str = "") -> Path:
    """Write the tree to a YAML file planners edit and load with ``mapping: {target_tree: FILE}``."""
    path = Path(path)
    validate_tree(tree, path)
    path.write_text(dump_tree(tree, header), encoding="utf-8")
    return path
