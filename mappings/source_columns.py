"""Discover each site's own columns (源栏目) and file every record under one of them.

Clues, strongest first: the page's breadcrumb (当前位置：首页 > 政务公开 > 通知公告), the column its
URL belongs to (Hanweb ``art_COL_ID``/``/col/colN/``, TRS folders ``/zwgk/tzgg/202301/t..``), the
list pages that link to it, and the ``ColumnName`` meta. List pages and navigation menus name the
columns their URLs stand for. The result is one tree per site with item counts and newest dates,
stored in ``source_columns`` and ``item_source_columns``.

A column is a section of the site, never the text of a control: a link text that recurs with a
different target each time, each target the linking page itself or its own column (打印,
返回顶部, 上一篇, Read more, Skip to content, 下一页), is page chrome and names no column
(``chrome_texts``); a short word list is the second guard.
"""
from __future__ import annotations

import json
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from tqdm import tqdm

from extractors.breadcrumbs import is_home, normalise
from site_inventory.campaign import run_per_site
from site_inventory.workspace import open_workspace

from .rules import PATH_SEPARATOR
from .target_tree import short_site_name

DISCOVERY_VERSION = 3  # raise when discovery changes, so stored results are recomputed
ITEM_TYPES = ("article",)
# what the crawler knows wins: a soft 404 (200 saying 页面不存在) is an error page whatever it looks
# like, and robots.txt, sitemaps and feeds are machine files, not items
MACHINE_KINDS = ("robots", "sitemap", "feed")
PAGE_TYPE_SQL = ("CASE WHEN p.soft_404 = 1 THEN 'error' WHEN p.kind IN ('robots', 'sitemap', 'feed') THEN p.kind "
                 "ELSE r.page_type END")
LIST_TYPES = ("list", "column_index")
HOME_WORDS = {"首页", "网站首页", "主页", "返回首页", "home", "Home", "HOME", "当前位置", "您的位置", "您现在的位置"}
TAIL_WORDS = {"正文", "详情", "内容", "正文内容", "文章", "浏览文章", "详细内容", "信息详情"}
NOT_COLUMN_ANCHORS = re.compile(r"^(更多|more|MORE|More|下一页|上一页|首页|尾页|末页|上个月|下个月|上一月|下一月|上一年|下一年|"
                                r"上一篇|下一篇|返回|返回顶部|打印|关闭|关闭窗口|\d+|>>|»|\.\.\.|…+|\[?更多\]?.*|"
                                r"打印本页|打印此页|关闭本页|【打印】|【关闭】|收藏|分享|"
                                r"(?i:print|read more|skip to (?:main )?content|back to top|close|share))$")
CHROME_MIN_USES = 3        # a control recurs: at least this many links carry its text
CHROME_TARGET_SHARE = 0.5  # ... with a different target on at least half of them
CHROME_RELATIVE_SHARE = 0.6  # ... most targets being the page itself or its own column
HANWEB_ARTICLE = re.compile(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_(\d+)_\d+\.html?$")
HANWEB_COLUMN = re.compile(r"/col/col(\d+)(?:/|$)")
LIST_FILE = re.compile(r"^(.*/)(?:(?:index|list|default)[_\d]*\.\w+)?$")
DATE_FOLDER = re.compile(r"(?:\d{6}|\d{8}|\d{4}/\d{1,2}(?:/\d{1,2})?)/$")
LIST_PATH = re.compile(r"/(?:index|list|default)[_\d]*\.\w+$")
CATEGORY_PARAMS = ("classid", "catid", "columnid", "channelid", "typeid", "colid", "lmid", "cid")


@dataclass
class SiteColumn:
    """One discovered column of a site (a row of ``source_columns``)."""

    path: tuple[str, ...]
    list_urls: set[str] = field(default_factory=set)
    url_keys: set[str] = field(default_factory=set)
    evidence: set[str] = field(default_factory=set)
    item_count: int = 0
    total_count: int = 0
    newest_date: str | None = None


def url_key(url: str, is_list: bool) -> str | None:
    """The column a URL belongs to: ``col:123`` (Hanweb), ``dir:/a/b/`` (a folder, date folders
    removed, as TRS/Dede/JEECMS lay them out) or ``q:classid=7`` (a category query parameter)."""
    parts = urlsplit(url)
    match = (HANWEB_COLUMN if is_list else HANWEB_ARTICLE).search(parts.path)
    if match:
        return f"col:{match.group(1)}"
    query = dict(parse_qsl(parts.query.lower()))
    for name in CATEGORY_PARAMS:
        if query.get(name):
            return f"q:{name}={query[name]}"
    if is_list:
        match = LIST_FILE.match(parts.path)
        folder = match.group(1) if match else None
    else:
        folder = parts.path.rsplit("/", 1)[0] + "/"
        while DATE_FOLDER.search(folder):
            folder = DATE_FOLDER.sub("", folder)
    return f"dir:{folder}" if folder and folder != "/" else None


def clean_breadcrumb(crumbs, site_names: tuple[str, ...], title: str | None = None) -> list[str]:
    """Breadcrumb names without labels, the home link, the site's name and, for items, the item itself."""
    if isinstance(crumbs, str):
        try:
            crumbs = json.loads(crumbs)
        except ValueError:
            crumbs = [part for part in re.split(r"\s*(?:>|＞|»|›|/|→)\s*", crumbs)]
    names = normalise(crumbs if isinstance(crumbs, list) else [])
    while names and (names[0] in HOME_WORDS or is_home(names[0]) or names[0] in site_names):
        names.pop(0)
    if names and names[-1] in TAIL_WORDS:
        names.pop()
    if title is not None and len(names) > 1:
        last, title = names[-1], title.strip()
        if last == title or (len(last) > 8 and title.startswith(last.rstrip("…. "))):
            names.pop()
    return names


def discover(workspace, codes=(), force: bool = False, progress: bool = False, workers: int | None = None,
             scheduler: str | None = None) -> list[str]:
    """Discover and store the columns of the given sites (default: every site with records or in
    the inventory); sites whose records, links and name are unchanged since the last run are
    skipped unless ``force``. Returns the codes discovered again. With ``workers`` or
    ``scheduler``, one Dask task per site (site_inventory.campaign)."""
    db = workspace.db
    sites = {row["site_code"]: row for row in db["sites"].rows}
    wanted = list(codes) or sorted(set(sites) | _codes_with_records(db))
    if workers or scheduler:
        parts = run_per_site("columns source", discover_sites, workspace, [[c] for c in wanted], {"force": force},
                             workers=workers, scheduler=scheduler, progress=progress)
        again = {code for part in parts for code in part}
        return [code for code in wanted if code in again]
    done = []
    for code in tqdm(wanted, desc="source columns", unit="site", disable=not progress, file=sys.stderr):
        signature = _signature(db, code, sites.get(code, {}))
        stored = db.execute("SELECT signature FROM source_column_runs WHERE site_code = ?", [code]).fetchone()
        if not force and stored and stored[0] == signature:
            continue
        columns, placements = discover_site(db, code, sites.get(code, {}))
        _store(db, code, columns, placements, signature)
        done.append(code)
    return done


def discover_sites(workspace_path: str, codes: list[str], options: dict) -> list[str]:
    """A campaign task: discover the columns of the sites ``codes`` of the workspace at ``workspace_path``."""
    with open_workspace(workspace_path) as ws:
        return discover(ws, codes, force=options["force"])


def _signature(db, code: str, site: dict) -> str:
    """What discovery reads for a site, summed up: when it is unchanged, so is the result."""
    records = db.execute(
        "SELECT COUNT(*), MAX(extracted_at), TOTAL(page_id), TOTAL(LENGTH(url)), TOTAL(LENGTH(breadcrumb)), "
        "TOTAL(LENGTH(column_name)), TOTAL(LENGTH(title)), group_concat(DISTINCT page_type) "
        "FROM records WHERE site_code = ?", [code]).fetchone()
    links = db.execute("SELECT COUNT(*), TOTAL(LENGTH(anchor_text)), TOTAL(in_scope) FROM links WHERE site_code = ?",
                       [code]).fetchone()
    soft = db.execute("SELECT COUNT(*) FROM pages WHERE site_code = ? AND soft_404 = 1", [code]).fetchone()
    return json.dumps([DISCOVERY_VERSION, site.get("name"), list(records), list(links), soft[0]], ensure_ascii=False)


def _codes_with_records(db) -> set[str]:
    return {row[0] for row in db.execute("SELECT DISTINCT site_code FROM records")}


def site_names(site: dict) -> tuple[str, ...]:
    name = site.get("name") or ""
    return tuple(n for n in {name, short_site_name(name)} if n)


def discover_site(db, code: str, site: dict) -> tuple[dict[tuple, SiteColumn], dict[int, tuple]]:
    """Columns of one site and, for each record, (column path or None, evidence)."""
    names = site_names(site)
    records = list(db.query(
        f"SELECT page_id, r.url, {PAGE_TYPE_SQL} AS page_type, title, breadcrumb, column_name, published "
        "FROM records r LEFT JOIN pages p ON p.id = r.page_id WHERE r.site_code = ? ORDER BY page_id", [code]))
    links = list(db.query(
        "SELECT source_url, target_url, anchor_text, target_status FROM links WHERE site_code = ? AND in_scope = 1",
        [code]))
    columns: dict[tuple, SiteColumn] = {}
    anchors = _anchor_names(links)
    key_paths = _list_page_columns(records, anchors, names, columns)
    not_columns = {_schemeless(r["url"]) for r in records if r["page_type"] not in LIST_TYPES
                   and not (r["page_type"] == "article" and _is_page_column(r))}
    _nav_columns(anchors, key_paths, columns, not_columns)
    placements = _place_records(records, links, names, key_paths, columns)
    _merge_nav_only(columns, placements)
    _count(records, placements, columns)
    return columns, placements


def _column(columns: dict, path: tuple, evidence: str) -> SiteColumn:
    """The column for ``path`` (created with its parents), noting the clue that showed it."""
    for depth in range(1, len(path) + 1):
        columns.setdefault(path[:depth], SiteColumn(path[:depth]))
    column = columns[path]
    column.evidence.add(evidence)
    return column


def _anchor_names(links) -> dict[str, Counter]:
    """Link texts pointing at each URL, without chrome (controls, 更多/下一页/page numbers) and
    without links that ended in an HTTP error (a dead link names no section)."""
    chrome = chrome_texts(links)
    texts: dict[str, Counter] = defaultdict(Counter)
    for link in links:
        if (link["target_status"] or 0) >= 400:
            continue
        text = (link["anchor_text"] or "").strip()
        if text and len(text) <= 20 and text not in chrome and not NOT_COLUMN_ANCHORS.match(text):
            texts[link["target_url"]][text] += 1
    return texts


def chrome_texts(links) -> set[str]:
    """Link texts that are page controls, found statistically: the text recurs (on at least
    CHROME_MIN_USES links), its target differs from use to use, and the target is, most of the
    time, the linking page itself or a page of that page's own column (prev/next, print, read
    more, skip to content, pagination). Section menus recur too, but lead to one place each
    time or to other sections."""
    targets: dict[str, set] = defaultdict(set)
    relative: Counter = Counter()
    uses: Counter = Counter()
    for link in links:
        text = " ".join((link["anchor_text"] or "").split())
        source, target = link["source_url"], link["target_url"]
        if not text or not source or not target:
            continue
        targets[text].add(target)
        uses[text] += 1
        if _relative(source, target):
            relative[text] += 1
    return {text for text, n in uses.items()
            if n >= CHROME_MIN_USES and len(targets[text]) >= CHROME_TARGET_SHARE * n
            and relative[text] >= CHROME_RELATIVE_SHARE * n}


def _relative(source: str, target: str) -> bool:
    """The target is the source page itself or a page of the source's own column."""
    if source.split("#", 1)[0] == target.split("#", 1)[0]:
        return True
    key = url_key(source, _looks_like_list(source))
    return key is not None and key == url_key(target, _looks_like_list(target))


def _list_page_columns(records, anchors, names, columns) -> dict[str, tuple]:
    """Name the column of every list page; returns URL key -> column path. Pages with a breadcrumb
    come first; a list page without one is placed in the URL tree, under the column of the nearest
    folder above its own."""
    votes: dict[str, Counter] = defaultdict(Counter)
    lists = [record for record in records if record["page_type"] in LIST_TYPES or (
        record["page_type"] == "article" and _is_page_column(record)
        and clean_breadcrumb(record["breadcrumb"], names))]
    crumbed = [record for record in lists if clean_breadcrumb(record["breadcrumb"], names)]
    others = sorted((record for record in lists if not clean_breadcrumb(record["breadcrumb"], names)),
                    key=lambda record: record["url"].count("/"))
    for batch in (crumbed, others):
        known = {key: counter.most_common(1)[0][0] for key, counter in votes.items()}
        for record in batch:
            path, evidence = _list_path(record, anchors, names)
            if not path:
                continue
            key = url_key(record["url"], is_list=True)
            if evidence != "breadcrumb" and key and key not in known:
                parent = _folder_parent(key, known)
                if parent:
                    path = parent if path[-1] == parent[-1] else parent + path
                known[key] = path
            column = _column(columns, path, evidence)
            column.list_urls.add(record["url"])
            if key:
                column.url_keys.add(key)
                votes[key][path] += 1
    return {key: counter.most_common(1)[0][0] for key, counter in votes.items()}


def _list_path(record, anchors, names) -> tuple[tuple, str]:
    crumbs = clean_breadcrumb(record["breadcrumb"], names)
    if crumbs:
        return tuple(crumbs), "breadcrumb"
    if record["column_name"]:
        return (record["column_name"].strip(),), "column_name"
    texts = anchors.get(record["url"])
    if texts:
        return (texts.most_common(1)[0][0],), "nav"
    title = (record["title"] or "").strip()
    for name in names:
        title = re.sub(rf"\s*[-_|－—]+\s*{re.escape(name)}.*$", "", title)
    return ((title,), "title") if title and title not in names else ((), "")


def _nav_columns(anchors, key_paths, columns, not_columns=frozenset()) -> None:
    """Columns named only by navigation links to column-list URLs (e.g. never crawled), placed in
    the URL tree: under the column of the nearest folder above theirs, when one is known. A link
    to a crawled page that is no column (a post at a folder URL, a search page) names none."""
    for url, texts in sorted(anchors.items(), key=lambda pair: (pair[0].count("/"), pair[0])):
        key = url_key(url, is_list=True)
        if not key or _schemeless(url) in not_columns or not (key.startswith("col:") or _looks_like_list(url)):
            continue
        if key in key_paths:
            columns[key_paths[key]].evidence.add("nav")
            continue
        name = texts.most_common(1)[0][0]
        parent = _folder_parent(key, key_paths)
        path = parent + (name,) if parent and name not in parent else (name,)
        column = _column(columns, path, "nav")
        column.list_urls.add(url)
        column.url_keys.add(key)
        key_paths[key] = path


def _schemeless(url: str) -> str:
    """The URL without its scheme: a site's http and https URLs are one page."""
    return url.split("://", 1)[-1]


def _folder_parent(key: str, key_paths) -> tuple | None:
    """The column of the nearest known folder above a ``dir:`` key (the URL tree), or None."""
    if not key.startswith("dir:"):
        return None
    folder = key[4:].rstrip("/")
    while "/" in folder.strip("/"):
        folder = folder.rsplit("/", 1)[0]
        path = key_paths.get(f"dir:{folder}/")
        if path:
            return path
    return None


def _merge_nav_only(columns, placements) -> None:
    """A top-level column known only from a menu link whose name is the last name of exactly one
    deeper column is that column (menus show 通知公告 for 政务公开 > 通知公告)."""
    by_last_name = defaultdict(list)
    for path in columns:
        if len(path) > 1:
            by_last_name[path[-1]].append(path)
    for path, column in list(columns.items()):
        matches = by_last_name.get(path[0], [])
        if len(path) != 1 or column.evidence != {"nav"} or len(matches) != 1 or _has_children(columns, path):
            continue
        target = columns[matches[0]]
        target.list_urls |= column.list_urls
        target.url_keys |= column.url_keys
        target.evidence.add("nav")
        del columns[path]
        for page_id, (placed, evidence) in placements.items():
            if placed == path:
                placements[page_id] = (matches[0], evidence)


def _has_children(columns, path) -> bool:
    return any(len(other) > len(path) and other[: len(path)] == path for other in columns)


def _is_page_column(record) -> bool:
    """A page that is a column of its own (镇情简介 at /col/col1279/, 历史沿革 at /about/history/):
    at a column URL, and at a bare folder URL only when undated (a dated page at a folder URL is a
    post, as WordPress permalinks /news/2026/05/title/ are)."""
    url = record["url"]
    if not _is_column_url(url):
        return False
    path = urlsplit(url).path
    return "/col/col" in path or bool(LIST_PATH.search(path)) or not record["published"]


def _is_column_url(url: str) -> bool:
    """A column's own URL (Hanweb /col/colN/, a folder, an index/list file), not an article's."""
    path = url.split("#", 1)[0].split("?", 1)[0]
    return "/col/col" in path or path.endswith("/") or bool(LIST_PATH.search(path))


def _looks_like_list(url: str) -> bool:
    path = urlsplit(url).path
    return path.endswith("/") or bool(LIST_PATH.search(path))


def _place_records(records, links, names, key_paths, columns) -> dict[int, tuple]:
    """Each record's (column path, evidence); structure pages keep their list column."""
    by_url = {record["url"]: record for record in records}
    list_of_url = {url: path for column in columns.values() for url in column.list_urls
                   for path in [column.path]}
    listed_in: dict[str, Counter] = defaultdict(Counter)
    for link in links:
        source_path = list_of_url.get(link["source_url"]) or key_paths.get(url_key(link["source_url"], True) or "")
        source = by_url.get(link["source_url"])
        if source_path and source is not None and source["page_type"] in LIST_TYPES:
            listed_in[link["target_url"]][source_path] += 1
    by_last_name = defaultdict(set)
    for path in columns:
        by_last_name[path[-1]].add(path)
    placements: dict[int, tuple] = {}
    for record in records:
        if record["page_type"] in LIST_TYPES:
            path = list_of_url.get(record["url"])
            placements[record["page_id"]] = (path, "list_page") if path else (None, "none")
        elif record["page_type"] in ("homepage", "error", "redirect") + MACHINE_KINDS:
            placements[record["page_id"]] = (None, record["page_type"])
        elif record["page_type"] == "search_form":  # a search or a form: in no column, names none
            placements[record["page_id"]] = (None, "none")
        else:
            placements[record["page_id"]] = _item_path(record, names, key_paths, listed_in, by_last_name)
    _place_attachments(records, links, placements)
    return placements


def _item_path(record, names, key_paths, listed_in, by_last_name) -> tuple:
    # a single-page column (镇情简介 at /col/col1279/) is titled like its last breadcrumb name: keep it
    title = None if _is_page_column(record) else record["title"] or ""
    crumbs = clean_breadcrumb(record["breadcrumb"], names, title)
    if crumbs:
        return _widen(tuple(crumbs), by_last_name), "breadcrumb"
    key = url_key(record["url"], is_list=False)
    if key and key in key_paths:
        return key_paths[key], "url"
    if record["url"] in listed_in:
        return listed_in[record["url"]].most_common(1)[0][0], "list"
    if record["column_name"]:
        return _widen((record["column_name"].strip(),), by_last_name), "column_name"
    return None, "none"


def _widen(path: tuple, by_last_name) -> tuple:
    """A one-name path becomes the full path of the only known column with that name."""
    if len(path) == 1 and len(by_last_name.get(path[0], ())) == 1:
        return next(iter(by_last_name[path[0]]))
    return path


def _place_attachments(records, links, placements) -> None:
    """Attachment records follow the item that links to them."""
    by_url = {record["url"]: record for record in records}
    parent_of = {}
    for link in links:
        source = by_url.get(link["source_url"])
        if source is not None and source["page_type"] not in LIST_TYPES:
            parent_of.setdefault(link["target_url"], source["page_id"])
    for record in records:
        if record["page_type"] == "attachment" and record["url"] in parent_of:
            path, _ = placements.get(parent_of[record["url"]], (None, "none"))
            if path:
                placements[record["page_id"]] = (path, "attachment_of")


def _count(records, placements, columns) -> None:
    """Item counts per column (direct and with sub-columns) and the newest publish date."""
    for record in records:
        path, evidence = placements[record["page_id"]]
        if not path:
            continue
        column = _column(columns, path, evidence)
        if record["page_type"] not in ITEM_TYPES:
            continue
        column.item_count += 1
        for depth in range(1, len(path) + 1):
            ancestor = columns[path[:depth]]
            ancestor.total_count += 1
            published = (record["published"] or "")[:10] or None
            if published and (ancestor.newest_date is None or published > ancestor.newest_date):
                ancestor.newest_date = published


def _store(db, code: str, columns: dict[tuple, SiteColumn], placements: dict[int, tuple], signature: str) -> None:
    with db.conn:
        db.conn.execute("INSERT OR REPLACE INTO source_column_runs (site_code, signature, discovered_at) "
                        "VALUES (?, ?, datetime('now'))", [code, signature])
        db.execute("DELETE FROM source_columns WHERE site_code = ?", [code])
        db.execute("DELETE FROM item_source_columns WHERE site_code = ?", [code])
        db.conn.executemany(
            "INSERT INTO source_columns (site_code, path, name, parent_path, depth, list_urls, url_keys, "
            "item_count, total_count, newest_date, evidence) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [(code, join(c.path), c.path[-1], join(c.path[:-1]) or None, len(c.path),
              json.dumps(sorted(c.list_urls), ensure_ascii=False), json.dumps(sorted(c.url_keys)),
              c.item_count, c.total_count, c.newest_date, json.dumps(sorted(c.evidence)))
             for c in sorted(columns.values(), key=lambda c: c.path)],
        )
        db.conn.executemany(
            "INSERT INTO item_source_columns (page_id, site_code, column_path, evidence) VALUES (?,?,?,?)",
            [(page_id, code, join(path) if path else None, evidence)
             for page_id, (path, evidence) in sorted(placements.items())],
        )


def join(path) -> str:
    return PATH_SEPARATOR.join(path)


def load_columns(db, code: str) -> list[dict]:
    """The stored columns of one site, in path order."""
    return list(db.query("SELECT * FROM source_columns WHERE site_code = ? ORDER BY path", [code]))


def source_columns(workspace, code: str | None = None, force: bool = False, progress: bool = False,
                   workers: int | None = None, scheduler: str | None = None) -> dict[str, list[dict]]:
    """Discover (when records changed, or ``force``) and return the columns of one site or of
    every site, per site code; ``workers``/``scheduler`` as for :func:`discover`."""
    discover(workspace, [code] if code else (), force=force, progress=progress, workers=workers, scheduler=scheduler)
    codes = [code] if code else [row[0] for row in workspace.db.execute(
        "SELECT DISTINCT site_code FROM source_columns ORDER BY site_code")]
    return {c: [_plain(row) for row in load_columns(workspace.db, c)] for c in codes}


def _plain(row: dict) -> dict:
    out = dict(row)
    out.pop("id", None)
    for key in ("list_urls", "url_keys", "evidence"):
        out[key] = json.loads(out[key] or "[]")
    return out


def unplaced_count(db, code: str) -> int:
    """Items of a site that no clue placed in any column."""
    marks = ",".join("?" for _ in ITEM_TYPES)
    return db.execute(
        f"SELECT COUNT(*) FROM item_source_columns i JOIN records r USING (page_id) "
        f"WHERE i.site_code = ? AND i.column_path IS NULL AND r.page_type IN ({marks})",
        [code, *ITEM_TYPES]).fetchone()[0]
