"""``govmigrate redirects plan``: one decision for every known old URL of the closing sites.

Known URLs: crawled pages and attachments, every URL the crawl queued (sitemap entries, links,
skipped and failed ones), links from any site pointing into the site, access-log URLs and the
site's own address, on all of its hosts and aliases (folded onto the main host). Decisions:

- 301 to the item's or attachment's new URL (from the id map; duplicates to what they duplicate),
- 301 to the target column page for list and column pages, to the site's page on the parent
  platform for its homepage,
- 410 with an archive link and a suggested link for what was not migrated or was already gone,
- the site's fallback (301 to its page on the parent, or 410) for URLs never crawled,
- or what planners set in ``redirect_overrides``.

Everything runs in temporary tables of the workspace connection and streams row by row, so
memory stays flat for millions of URLs; the plan replaces the sites' rows in one transaction.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Iterable

from site_inventory.config import site_config
from site_inventory.urls import URLError, canonicalize, site_scope

from ..export.idmap import now
from .matchkeys import match_key, query_names, usable_names
from ..export.newurls import URLBuilder, URLTemplateError, url_builder
from ..export.worklist import home_url

CLOSING_ACTIONS = ("migrate", "close")
SOURCE_ORDER = ("site", "crawl", "sitemap", "link", "log", "override")
PLAN_COLUMNS = ("site_code", "old_url", "match_key", "key_problem", "status", "target", "kind", "item_id", "reason",
                "archive_url", "suggested_url", "source", "hits", "planned_at")
BATCH = 5000


class RedirectError(Exception):
    """The plan cannot be made as asked (unknown or kept site, bad config, bad overrides file)."""


@dataclass
class SiteContext:
    """What deciding one site's URLs needs: its hosts, its page on the parent, its fallback."""

    code: str
    name: str
    url: str
    origin: str                      # scheme://host[:port] of the main URL: aliases fold onto it
    hosts: list[str]
    scope: object
    home_url: str
    fallback: int
    significant: list[str] | None
    case_insensitive: bool
    names: list[str] = field(default_factory=list)


@dataclass
class SitePlan:
    """The plan of one site, counted."""

    site_code: str
    name: str
    urls: int = 0
    statuses: dict = field(default_factory=dict)
    kinds: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)
    unmatchable: int = 0
    fallback: int = 410

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def closing_sites(workspace, codes: Iterable[str] = ()) -> list[dict]:
    """Inventory rows of the named closing sites (checked), else of every migrate/close site."""
    rows = {r["site_code"]: r for r in workspace.db.query("SELECT * FROM sites ORDER BY site_code")}
    codes = list(dict.fromkeys(codes))
    for code in codes:
        if code not in rows:
            raise RedirectError(f"site {code!r} is not in the inventory (govmigrate inventory list)")
        if rows[code]["action"] not in CLOSING_ACTIONS:
            raise RedirectError(f"site {code} has action {rows[code]['action']}: only migrate/close sites are redirected")
    return [rows[c] for c in codes] if codes else [r for r in rows.values() if r["action"] in CLOSING_ACTIONS]


def fallback_of(config: dict, code: str) -> int:
    """The site's fallback for unknown URLs: 301 (to its page on the parent) or 410."""
    value = site_config(config, code).get("fallback") or (config.get("redirects") or {}).get("fallback") or "410"
    if str(value).strip() not in ("301", "410"):
        raise RedirectError(f"fallback {value!r} for site {code}: must be 301 (to the site's page on the parent "
                            "platform) or 410")
    return int(str(value).strip())


def archive_template(config: dict) -> str | None:
    """redirects.archive_url_template, checked: an absolute http(s) template with {url}."""
    template = (config.get("redirects") or {}).get("archive_url_template")
    if not template:
        return None
    if "{url}" not in template or not template.startswith(("http://", "https://")):
        raise RedirectError(f"redirects.archive_url_template {template!r}: must be an absolute http(s) URL "
                            "containing {url} (and optionally {site_code}), e.g. https://archive.example.gov.cn/{site_code}/{url}")
    return template


def site_contexts(workspace, codes: Iterable[str] = ()) -> list[SiteContext]:
    """Contexts of the closing sites to plan."""
    try:
        builder = url_builder(workspace)
    except URLTemplateError as exc:
        raise RedirectError(str(exc)) from None
    out = []
    for row in closing_sites(workspace, codes):
        code = row["site_code"]
        scope = site_scope(row)
        main = canonicalize(row["url"])
        origin = main[: main.index("/", main.index("//") + 2)]
        conf = site_config(workspace.config, code)
        significant = conf.get("significant_params")
        case = str(conf.get("path_case") or "sensitive").lower()
        if case not in ("sensitive", "insensitive"):
            raise RedirectError(f"sites.{code}.path_case {case!r}: must be sensitive or insensitive")
        out.append(SiteContext(code, row["name"], main, origin, scope.hosts, scope,
                               home_url(workspace.db, builder, row), fallback_of(workspace.config, code),
                               list(significant) if significant is not None else None, case == "insensitive"))
    return out


def _ranges(host: str) -> list[tuple[str, str]]:
    """URL string ranges holding every http(s) URL on ``host`` (any port)."""
    out = []
    for scheme in ("http", "https"):
        for sep in ("/", ":"):
            low = f"{scheme}://{host}{sep}"
            out.append((low, low[:-1] + chr(ord(sep) + 1)))
    return out


def _gather(db, sites: list[SiteContext]) -> None:
    """Every known URL of every site, as found (not yet folded), into temp.known_raw."""
    db.execute("DROP TABLE IF EXISTS temp.known_raw")
    db.execute("CREATE TEMP TABLE known_raw (site_code TEXT, url TEXT, source TEXT, hits INTEGER, note TEXT)")
    insert = "INSERT INTO temp.known_raw (site_code, url, source, hits, note) "
    for site in sites:
        db.execute(insert + "VALUES (?, ?, 'site', 0, NULL)", [site.code, site.url])
        for host in site.hosts:
            db.execute(insert + "SELECT ?, url, CASE discovered_via WHEN 'sitemap' THEN 'sitemap' WHEN 'seed' "
                       "THEN 'site' ELSE 'link' END, 0, CASE WHEN state != 'fetched' THEN state || "
                       "coalesce(': ' || coalesce(reason, last_error), '') END FROM crawl_urls WHERE host = ?",
                       [site.code, host])
            db.execute(insert + "SELECT ?, url, 'log', hits, NULL FROM access_log_urls WHERE host = ?",
                       [site.code, host])
            for low, high in _ranges(host):
                db.execute(insert + "SELECT ?, url, 'crawl', 0, NULL FROM pages WHERE url >= ? AND url < ?",
                           [site.code, low, high])
                db.execute(insert + "SELECT DISTINCT ?, target_url, 'link', 0, NULL FROM links "
                           "WHERE target_url >= ? AND target_url < ?", [site.code, low, high])


def _fold(db, sites: list[SiteContext]) -> None:
    """temp.known: one row per site and canonical URL on the main host, sources and hits merged."""
    db.execute("CREATE INDEX temp.known_raw_by_url ON known_raw (site_code, url)")
    db.execute("DROP TABLE IF EXISTS temp.known")
    db.execute("CREATE TEMP TABLE known (site_code TEXT, url TEXT, sources TEXT, hits INTEGER, note TEXT, "
               "PRIMARY KEY (site_code, url))")
    upsert = ("INSERT INTO temp.known (site_code, url, sources, hits, note) VALUES (?, ?, ?, ?, ?) "
              "ON CONFLICT (site_code, url) DO UPDATE SET sources = sources || ',' || excluded.sources, "
              "hits = hits + excluded.hits, note = coalesce(note, excluded.note)")
    for site in sites:
        plain = site.significant is None and site.scope.entries[0][2] == "/"
        if plain:
            db.execute("INSERT INTO temp.known SELECT site_code, url, group_concat(DISTINCT source), sum(hits), "
                       "max(note) FROM temp.known_raw WHERE site_code = ? AND url >= ? AND url < ? GROUP BY url",
                       [site.code, site.origin + "/", site.origin + "0"])
            rest = db.execute("SELECT url, source, hits, note FROM temp.known_raw WHERE site_code = ? "
                              "AND NOT (url >= ? AND url < ?)", [site.code, site.origin + "/", site.origin + "0"])
        else:
            rest = db.execute("SELECT url, source, hits, note FROM temp.known_raw WHERE site_code = ?", [site.code])
        batch = []
        for url, source, hits, note in rest:
            folded = fold_url(site, url)
            if folded:
                batch.append((site.code, folded, source, hits or 0, note))
            if len(batch) >= BATCH:
                db.conn.executemany(upsert, batch)
                batch = []
        db.conn.executemany(upsert, batch)
    db.execute("DROP TABLE temp.known_raw")


def fold_url(site: SiteContext, url: str) -> str | None:
    """``url`` canonical with the site's significant parameters, on the site's main host (None: not the site's)."""
    try:
        url = canonicalize(url, significant_params=site.significant)
    except URLError:
        return None
    if not site.scope.contains(url):
        return None
    start = url.index("/", url.index("//") + 2)
    return site.origin + url[start:]


def _names(db, site: SiteContext) -> list[str]:
    seen: set[str] = set()
    for (url,) in db.execute("SELECT url FROM temp.known WHERE site_code = ? AND instr(url, '?') > 0", [site.code]):
        seen.update(query_names(url))
    return usable_names(seen)


# a known URL is looked up on both schemes (http:// and https:// of a host are one site: an https
# site's pages and id map rows are under https:// while its old URLs fold onto the main URL's
# scheme); on a tie, the row on the main URL's origin (the known URL's own) comes first
_TWIN_SQL = "CASE WHEN substr(k.url, 1, 7) = 'http://' THEN 'https://' || substr(k.url, 8) " \
            "ELSE 'http://' || substr(k.url, 9) END"
_DECIDE_SQL = f"""
SELECT k.url, k.sources, k.hits, k.note,
       m.item_id, m.kind, m.action, m.status, m.new_url, m.target_path, m.duplicate_of,
       p.status, p.kind, p.final_url, p.warc_file IS NOT NULL, p.soft_404,
       (SELECT l.target_url FROM records r JOIN links l ON l.source_url = p.url AND l.tag IN ('meta-refresh', 'script')
        WHERE r.page_id = p.id AND r.page_type = 'redirect' ORDER BY l.tag = 'meta-refresh' DESC, l.id LIMIT 1)
FROM temp.known k
LEFT JOIN id_map m ON m.rowid = (SELECT rowid FROM id_map WHERE source_url IN (k.url, {_TWIN_SQL})
                                 ORDER BY (new_url IS NOT NULL AND status != 'failed') DESC, site_code = :code DESC,
                                          kind = 'attachment' DESC,
                                          substr(source_url, 1, length(:origin)) = :origin DESC LIMIT 1)
LEFT JOIN pages p ON p.id = (SELECT id FROM pages WHERE url IN (k.url, {_TWIN_SQL})
                             ORDER BY (status BETWEEN 200 AND 299) DESC,
                                      substr(url, 1, length(:origin)) = :origin DESC, id LIMIT 1)
WHERE k.site_code = :code ORDER BY k.url
"""


class Decider:
    """Turns one known URL with its id map and crawl rows into a decision (a dict of PLAN_COLUMNS)."""

    def __init__(self, site: SiteContext, builder: URLBuilder, archive: str | None, at: str):
        self.site, self.builder, self.archive, self.at = site, builder, archive, at

    def archive_url(self, url: str, stored: bool) -> str | None:
        if not (self.archive and stored):
            return None
        return self.archive.replace("{url}", url).replace("{site_code}", self.site.code)

    def suggestion(self, target_path: str | None) -> str:
        if target_path:
            try:
                return self.builder.column_url(target_path)
            except URLTemplateError:
                pass
        return self.site.home_url

    def decide(self, row) -> dict:
        (url, sources, hits, note, item_id, m_kind, action, m_status, new_url, target_path, duplicate_of,
         p_status, p_kind, final_url, stored, soft_404, sent_to) = row
        key = match_key(url, self.site.names)
        out = {"site_code": self.site.code, "old_url": url, "match_key": key.key, "key_problem": key.problem,
               "source": ordered_sources(sources), "hits": hits or 0, "planned_at": self.at, "item_id": item_id,
               "target": None, "archive_url": None, "suggested_url": None}
        if item_id is not None and new_url and m_status != "failed":
            kind = {"item": "item", "attachment": "attachment"}.get(m_kind) or (
                "homepage" if action == "homepage" else "column")
            why = f"duplicate of {duplicate_of}" if duplicate_of else {
                "item": "migrated item", "attachment": "migrated file", "homepage": "the site's homepage: its page "
                "on the parent platform", "column": "list or column page: its column on the parent platform"}[kind]
            return out | {"status": 301, "target": new_url, "kind": kind, "reason": why}
        if url == self.site.url:
            return out | {"status": 301, "target": self.site.home_url, "kind": "homepage",
                          "reason": "the site's homepage: its page on the parent platform"}
        if p_status is not None and (p_status >= 400 or soft_404):
            why = "soft 404" if soft_404 else f"HTTP {p_status}"
            return out | self._gone(url, "gone", f"already gone when crawled ({why})", False, None)
        if p_status is not None and 300 <= p_status < 400 and final_url and final_url != url:
            # resolved after every URL is decided: it takes the decision of where it led
            return out | {"status": 410, "kind": "redirect", "reason": f"HTTP {p_status} to {final_url}",
                          "target": final_url}
        if sent_to and sent_to != url and item_id is None and p_status is not None and 200 <= p_status < 300:
            # a page of nothing but a meta refresh or a location script: a redirect written in HTML
            return out | {"status": 410, "kind": "redirect", "reason": f"client-side redirect to {sent_to}",
                          "target": sent_to}
        if item_id is not None:
            if m_status == "failed":
                why, kind = "its export failed (govmigrate status)", "unmigrated"
            elif action == "drop":
                why, kind = "dropped by the mapping", "dropped"
            else:
                why, kind = f"not migrated (mapping: {action})", "unmigrated"
            return out | self._gone(url, kind, why, stored and p_status and 200 <= p_status < 300, target_path)
        if p_status is not None and 200 <= p_status < 300:
            return out | self._gone(url, "unmigrated", f"crawled ({p_kind}) but not migrated", stored, None)
        return out | self.fallback(f"not crawled{f' ({note})' if note else ''}: the site's fallback")

    def _gone(self, url, kind, why, stored, target_path) -> dict:
        return {"status": 410, "kind": kind, "reason": why, "archive_url": self.archive_url(url, bool(stored)),
                "suggested_url": self.suggestion(target_path)}

    def fallback(self, why: str) -> dict:
        if self.site.fallback == 301:
            return {"status": 301, "target": self.site.home_url, "kind": "unknown", "reason": why}
        return {"status": 410, "kind": "unknown", "reason": why, "suggested_url": self.site.home_url}


@functools.lru_cache(maxsize=256)
def ordered_sources(sources: str | None) -> str:
    parts = set((sources or "").split(","))
    return ",".join(s for s in SOURCE_ORDER if s in parts)


def _progress(rows, enabled: bool, code: str, total: int):
    if not enabled:
        return rows
    from tqdm import tqdm

    return tqdm(rows, desc=f"plan {code}", unit="url", total=total, leave=False)


def plan(workspace, codes: Iterable[str] = (), progress: bool = False) -> list[SitePlan]:
    """Plan the redirects of the named closing sites (default: all of them); returns per-site counts."""
    db = workspace.db
    sites = site_contexts(workspace, codes)
    builder = url_builder(workspace)
    archive = archive_template(workspace.config)
    at = now()
    _gather(db, sites)
    _fold(db, sites)
    db.execute("DROP TABLE IF EXISTS temp.planned")
    db.execute(f"CREATE TEMP TABLE planned AS SELECT {', '.join(PLAN_COLUMNS)} FROM main.redirects WHERE 0")
    db.execute("CREATE UNIQUE INDEX temp.planned_by_url ON planned (site_code, old_url)")
    insert = f"INSERT INTO temp.planned ({', '.join(PLAN_COLUMNS)}) VALUES ({', '.join('?' for _ in PLAN_COLUMNS)})"
    for site in sites:
        site.names = _names(db, site)
        decider = Decider(site, builder, archive, at)
        total = db.execute("SELECT count(*) FROM temp.known WHERE site_code = ?", [site.code]).fetchone()[0]
        batch = []
        known = db.execute(_DECIDE_SQL, {"code": site.code, "origin": site.origin})
        for row in _progress(known, progress, site.code, total):
            decision = decider.decide(row)
            batch.append([decision[c] for c in PLAN_COLUMNS])
            if len(batch) >= BATCH:
                db.conn.executemany(insert, batch)
                batch = []
        db.conn.executemany(insert, batch)
    _resolve_redirects(workspace, sites, builder)
    _fold_case(db, sites)
    _apply_overrides(db, sites, at)
    _commit(db, sites)
    return summaries(workspace, [s.code for s in sites])


def _resolve_redirects(workspace, sites: list[SiteContext], builder: URLBuilder) -> None:
    """Old URLs that redirected when crawled take the decision of where they led (never a chain):
    a URL of a site in this plan, of another closing site's stored plan, of a kept site or of the
    parent platform (301 there, since it stays)."""
    db = workspace.db
    by_code = {s.code: s for s in sites}
    rows = db.execute("SELECT site_code, old_url, target FROM temp.planned WHERE kind = 'redirect'").fetchall()
    others = [s for s in site_contexts(workspace) if s.code not in by_code] if rows else []
    kept = [site_scope(r) for r in workspace.db.query("SELECT * FROM sites WHERE action = 'keep'")] if rows else []
    for code, url, final in rows:
        update = _led_to(db, by_code[code], url, final, [*sites, *others], by_code, kept, builder)
        db.execute(f"UPDATE temp.planned SET {', '.join(f'{k} = ?' for k in update)} WHERE site_code = ? AND old_url = ?",
                   [*update.values(), code, url])


def _led_to(db, site: SiteContext, url: str, final: str, contexts: list[SiteContext], planned: dict,
            kept: list, builder: URLBuilder) -> dict:
    """The decision columns for ``url``, which redirected to ``final`` when crawled."""
    owner = next((s for s in contexts if s.scope.contains(final)), None)
    folded = fold_url(owner, final) if owner else None
    if folded and folded != url:
        table = "temp.planned" if owner.code in planned else "main.redirects"
        hit = db.execute(f"SELECT status, target, kind, item_id, archive_url, suggested_url FROM {table} "
                         f"WHERE site_code = ? AND old_url = ? AND kind != 'redirect'", [owner.code, folded]).fetchone()
        if hit:
            status, target, kind, item_id, archive, suggested = hit
            return {"status": status, "target": target, "item_id": item_id, "archive_url": archive,
                    "suggested_url": suggested, "reason": f"redirected to {final} when crawled: {kind} there"}
    if owner is None and (builder.local_path(final) is not None or any(scope.contains(final) for scope in kept)):
        return {"status": 301, "target": final, "suggested_url": None,
                "reason": f"redirected to {final} when crawled, which stays (the parent platform or a kept site)"}
    why = "itself on the other scheme, never crawled" if folded == url else "which has no decision"
    return {"status": 410, "target": None, "suggested_url": site.home_url,
            "reason": f"redirected to {final} when crawled, {why}; not followed"}


def _fold_case(db, sites: list[SiteContext]) -> None:
    """On sites with case-insensitive paths, an unknown URL takes the decision of a known one equal ignoring case."""
    for site in sites:
        if not site.case_insensitive:
            continue
        db.execute("CREATE INDEX IF NOT EXISTS temp.planned_by_lower ON planned (site_code, lower(old_url))")
        db.execute(
            "UPDATE temp.planned AS p SET (status, target, kind, item_id, archive_url, suggested_url, reason) = "
            "(SELECT o.status, o.target, o.kind, o.item_id, o.archive_url, o.suggested_url, "
            "        'same as ' || o.old_url || ' ignoring case (the site''s paths are case-insensitive)' "
            " FROM temp.planned o WHERE o.site_code = p.site_code AND lower(o.old_url) = lower(p.old_url) "
            " AND o.kind NOT IN ('unknown', 'gone') ORDER BY o.old_url LIMIT 1) "
            "WHERE p.site_code = ? AND p.kind IN ('unknown', 'gone') AND EXISTS (SELECT 1 FROM temp.planned o "
            "WHERE o.site_code = p.site_code AND lower(o.old_url) = lower(p.old_url) AND o.kind NOT IN ('unknown', 'gone'))",
            [site.code])


def _apply_overrides(db, sites: list[SiteContext], at: str) -> None:
    """What planners decided replaces the computed decision (and adds URLs the plan did not know)."""
    by_code = {s.code: s for s in sites}
    marks = ",".join("?" for _ in sites)
    rows = db.execute(f"SELECT site_code, old_url, status, target, note FROM redirect_overrides "
                      f"WHERE site_code IN ({marks})", list(by_code)).fetchall()
    for code, url, status, target, note in rows:
        site = by_code[code]
        reason = "set by planners" + (f": {note}" if note else "")
        suggested = site.home_url if status == 410 else None
        exists = db.execute("SELECT 1 FROM temp.planned WHERE site_code = ? AND old_url = ?", [code, url]).fetchone()
        if exists:
            db.execute("UPDATE temp.planned SET status = ?, target = ?, kind = 'override', reason = ?, "
                       "suggested_url = coalesce(?, suggested_url) WHERE site_code = ? AND old_url = ?",
                       [status, target if status == 301 else None, reason, suggested, code, url])
        else:
            key = match_key(url, site.names)
            db.execute(f"INSERT INTO temp.planned ({', '.join(PLAN_COLUMNS)}) VALUES "
                       f"({', '.join('?' for _ in PLAN_COLUMNS)})",
                       [code, url, key.key, key.problem, status, target if status == 301 else None, "override", None,
                        reason, None, suggested, "override", 0, at])


def _commit(db, sites: list[SiteContext]) -> None:
    codes = [s.code for s in sites]
    marks = ",".join("?" for _ in codes)
    with db.conn:
        db.execute(f"DELETE FROM redirects WHERE site_code IN ({marks})", codes)
        db.execute(f"INSERT INTO redirects ({', '.join(PLAN_COLUMNS)}) SELECT {', '.join(PLAN_COLUMNS)} "
                   f"FROM temp.planned ORDER BY site_code, old_url")
        db.execute(f"DELETE FROM redirect_params WHERE site_code IN ({marks})", codes)
        db.conn.executemany("INSERT INTO redirect_params (site_code, name) VALUES (?, ?)",
                            [(s.code, n) for s in sites for n in s.names])
    db.execute("DROP TABLE temp.planned")
    db.execute("DROP TABLE temp.known")


def summaries(workspace, codes: Iterable[str]) -> list[SitePlan]:
    """Per-site counts of the stored plan."""
    out = []
    for code in codes:
        name = workspace.db.execute("SELECT name FROM sites WHERE site_code = ?", [code]).fetchone()
        result = SitePlan(code, name[0] if name else "", fallback=fallback_of(workspace.config, code))
        for column, attr in (("status", "statuses"), ("kind", "kinds")):
            for value, count in workspace.db.execute(
                    f"SELECT {column}, count(*) FROM redirects WHERE site_code = ? GROUP BY 1 ORDER BY 1", [code]):
                getattr(result, attr)[str(value)] = count
        for sources, count in workspace.db.execute("SELECT source, count(*) FROM redirects WHERE site_code = ? "
                                                   "GROUP BY source", [code]):
            for source in (sources or "").split(","):
                if source:
                    result.sources[source] = result.sources.get(source, 0) + count
        result.urls = sum(result.statuses.values())
        result.unmatchable = workspace.db.execute("SELECT count(*) FROM redirects WHERE site_code = ? AND "
                                                  "key_problem IS NOT NULL", [code]).fetchone()[0]
        out.append(result)
    return out


def canonical_or_none(url: str) -> str | None:
    try:
        return canonicalize(url)
    except (URLError, ValueError):
        return None


def plan_rows(db, codes: Iterable[str], columns: Iterable[str] = PLAN_COLUMNS):
    """Stream the stored plan of the sites, ordered by site and old URL."""
    codes = list(codes)
    marks = ",".join("?" for _ in codes)
    return db.execute(f"SELECT {', '.join(columns)} FROM redirects WHERE site_code IN ({marks}) "
                      f"ORDER BY site_code, old_url", codes)


def as_json_row(names, row) -> str:
    return json.dumps(dict(zip(names, row)), ensure_ascii=False)
