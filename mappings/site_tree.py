"""The parent's own column tree, read from its crawl (``columns target --from-site CODE``).

The kept parent portal is crawled like any other site, so its columns are what source-column
discovery finds on it: breadcrumbs, the URL tree of its list pages, and its navigation to list and
section pages. Each becomes a target column with its name, parent, a kind guessed from its name
(against the default tree and its synonyms) and its ``url`` on the parent, in the format
``load_tree`` reads, for planners to edit and load as ``mapping.target_tree``.
"""
from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from urllib.parse import urlsplit

from . import source_columns as sc
from .synonyms import synonyms_for_workspace
from .target_tree import TargetColumn, TargetTree, load_tree, validate_tree

KIND_MIN = 0.6  # name similarity to a default column needed to take its kind
KIND_WORDS = (("notice", ("通知", "公告", "公示", "通告")), ("policy", ("政策", "文件", "法规", "解读", "规划", "预决算")),
              ("dynamic", ("动态", "要闻", "新闻", "资讯", "信息", "快讯")), ("service", ("办事", "服务", "指南", "便民")),
              ("interaction", ("信箱", "咨询", "互动", "征集", "调查", "留言", "问政")))
LEVEL_WORDS = (("township", ("乡镇", "镇街", "街道", "镇村")), ("department", ("部门", "单位", "局办")))
ONE_UNIT = re.compile(r"(?:办事处|人民政府|镇|乡|局|委员会|委|办公室|中心)$")  # a column of one unit, not of a level
NOT_COLUMN_TYPES = ("search_form", "error", "homepage", "redirect") + sc.MACHINE_KINDS
PAGINATED = re.compile(r"(?:_\d+\.\w+$|[?&](?:page|pagenum|pageno|p)=)", re.IGNORECASE)
ID_CHARS = re.compile(r"[^A-Za-z0-9_-]+")
DATE_FOLDER = re.compile(r"(?:\d{4}-\d{1,2}(?:-\d{1,2})?|\d{6}|\d{8}|\d{4}/\d{1,2}(?:/\d{1,2})?)/$")


class SiteTreeError(Exception):
    """The site is not in the inventory or has no columns (not crawled and extracted yet)."""


def site_tree(workspace, code: str, depth: int | None = None) -> TargetTree:
    """The columns of site ``code`` (normally the kept parent) as a target tree with URLs."""
    db = workspace.db
    site = next(iter(db.query("SELECT * FROM sites WHERE site_code = ?", [code])), None)
    if site is None:
        raise SiteTreeError(f"site {code} is not in the inventory (see 'govmigrate inventory list')")
    sc.discover(workspace, [code])
    rows = [row for row in sc.load_columns(db, code) if depth is None or row["depth"] <= depth]
    page_types = dict(db.execute(f"SELECT r.url, {sc.PAGE_TYPE_SQL} FROM records r LEFT JOIN pages p "
                                 "ON p.id = r.page_id WHERE r.site_code = ?", [code]).fetchall())
    rows = [row for row in rows if is_section(row, rows, page_types, site["url"])]
    fetched = {url for url, page_type in page_types.items() if page_type not in NOT_COLUMN_TYPES}
    moved = dict(db.execute("SELECT url, final_url FROM pages WHERE site_code = ? AND status BETWEEN 300 AND 399 "
                            "AND final_url IS NOT NULL", [code]).fetchall())
    for row in rows:  # a menu link that only redirected (http -> https, /x -> /x/) stands for where it led
        row["list_urls"] = json.dumps([moved.get(url, url) for url in json.loads(row["list_urls"] or "[]")])
    if not rows:
        raise SiteTreeError(f"site {code} has no columns yet: crawl and extract it first "
                            f"('govmigrate crawl {code}', 'govmigrate extract {code}')")
    folders = item_folders(db, code)
    for row in rows:  # a column known only from breadcrumbs lives in the folder its items share (URL tree)
        if not json.loads(row["list_urls"] or "[]") and row["path"] in folders:
            row["list_urls"] = json.dumps([folders[row["path"]]])
    tree = build_tree(rows, guess_kind_from(workspace), fetched)
    validate_tree(tree, f"columns of site {code}")
    return tree


def item_folders(db, code: str) -> dict[str, str]:
    """Column path -> the folder (as a URL) most of its items are in, date folders removed."""
    votes: dict[str, Counter] = defaultdict(Counter)
    for path, url in db.execute("SELECT i.column_path, r.url FROM item_source_columns i JOIN records r "
                                "USING (page_id) WHERE i.site_code = ? AND i.column_path IS NOT NULL AND "
                                "r.page_type IN ('article', 'attachment')", [code]):
        key = sc.url_key(url, is_list=False)
        if key and key.startswith("dir:"):
            folder = key[4:]
            while DATE_FOLDER.search(folder):
                folder = DATE_FOLDER.sub("", folder)
            parts = urlsplit(url)
            if folder != "/":
                votes[path][f"{parts.scheme}://{parts.netloc}{folder}"] += 1
    return {path: counter.most_common(1)[0][0] for path, counter in votes.items()
            if counter.most_common(1)[0][1] * 2 > sum(counter.values())}


def is_section(row: dict, rows: list[dict], page_types: dict, home: str) -> bool:
    """A real column: it holds items or sub-columns, or its page is a list (not a search form,
    an error or the homepage, which menus also link to)."""
    if row["total_count"] or any(other["parent_path"] == row["path"] for other in rows):
        return True
    urls = json.loads(row["list_urls"] or "[]")
    return any(url != home and page_types.get(url) not in NOT_COLUMN_TYPES for url in urls)


def build_tree(rows: list[dict], guess_kind, fetched: set[str] = frozenset()) -> TargetTree:
    """Target columns from stored source-column rows (parents before children)."""
    ids: dict[str, str] = {}
    urls = {row["path"]: column_page(json.loads(row["list_urls"] or "[]"), fetched) for row in rows}
    for row in sorted(rows, key=lambda r: -r["depth"]):  # a parent without a page lives where its children do
        if not urls.get(row["path"]):
            urls[row["path"]] = common_folder([urls[r["path"]] for r in rows
                                               if r["parent_path"] == row["path"] and urls.get(r["path"])])
    columns = []
    for row in sorted(rows, key=lambda r: (r["depth"], r["path"])):
        column_id = unique_id(column_id_for(urls[row["path"]], row), ids.values())
        ids[row["path"]] = column_id
        levels = [] if ONE_UNIT.search(row["name"]) else [
            level for level, words in LEVEL_WORDS if any(word in row["name"] for word in words)]
        columns.append(TargetColumn(column_id, row["name"], guess_kind(row), parent=ids.get(row["parent_path"]),
                                    levels=levels, url=urls[row["path"]]))
    return TargetTree(_in_tree_order(columns), source="from-site")


def _in_tree_order(columns: list[TargetColumn]) -> list[TargetColumn]:
    """Depth-first, each column followed by its children (how planners read the file)."""
    out: list[TargetColumn] = []

    def walk(parent):
        for column in columns:
            if column.parent == parent:
                out.append(column)
                walk(column.id)

    walk(None)
    return out


def column_page(list_urls: list[str], fetched: set[str] = frozenset()) -> str | None:
    """The column's own page among its list pages: one the crawl read (not a link that only
    redirected), https before http, the first page before page 2, 3 ..."""
    if not list_urls:
        return None
    return min(list_urls, key=lambda url: (url not in fetched, bool(PAGINATED.search(url)),
                                           not url.startswith("https:"), len(url), url))


def common_folder(urls: list[str]) -> str | None:
    """The deepest folder all the URLs share (not the site root), as a URL ending in '/'."""
    if not urls:
        return None
    parts = [urlsplit(url) for url in urls]
    origins = {f"{p.scheme}://{p.netloc}" for p in parts}
    if len(origins) != 1:
        return None
    folders = [p.path.rsplit("/", 1)[0].strip("/").split("/") for p in parts]
    shared = []
    for names in zip(*folders):
        if len(set(names)) != 1:
            break
        shared.append(names[0])
    if shared and all(len(f) == len(shared) for f in folders):
        shared = shared[:-1]  # the children's pages are index files of their own folders
    return f"{origins.pop()}/{'/'.join(shared)}/" if shared and shared != [""] else None


def column_id_for(url: str | None, row: dict) -> str:
    """An ASCII id from the column's URL (folder path, Hanweb column, category parameter)."""
    key = sc.url_key(url, is_list=True) if url else None
    text = ""
    if key:
        text = key.split(":", 1)[1].replace("=", "")
    text = ID_CHARS.sub("-", text.strip("/")).strip("-_")
    if not text:
        text = f"c{abs(hash_text(row['path'])) % 100000}"
    return text if text[0].isalpha() else f"c{text}"


def hash_text(text: str) -> int:
    """A stable number for a text (Python's hash() changes between runs)."""
    value = 0
    for char in text:
        value = (value * 131 + ord(char)) % 2_147_483_647
    return value


def unique_id(candidate: str, taken) -> str:
    taken = set(taken)
    if candidate not in taken:
        return candidate
    number = 2
    while f"{candidate}-{number}" in taken:
        number += 1
    return f"{candidate}-{number}"


def guess_kind_from(workspace):
    """A function naming a column's kind: the kind of the default column its name matches, else
    from words of the name, else dynamic for a column of many items and static otherwise."""
    default, synonyms = load_tree(), synonyms_for_workspace(workspace)

    def guess(row: dict) -> str:
        best, kind = 0.0, None
        for column in default.columns:
            for alias in [column.name] + column.aliases:
                score, _ = synonyms.similarity(row["name"], alias)
                if score > best:
                    best, kind = score, column.kind
        if kind and best >= KIND_MIN:
            return kind
        for word_kind, words in KIND_WORDS:
            if any(word in row["name"] for word in words):
                return word_kind
        return "dynamic" if row["total_count"] >= 5 else "static"

    return guess
