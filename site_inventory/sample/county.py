"""The sample county: realistic small government sites, deterministic from a seed, with a manifest.

``generate(seed, as_of)`` builds 青溪县 (fictional): the county portal (the parent platform,
``keep``) and five sites to consolidate, each in the style of a real content system (see
``sample_sites`` and ``sample_pages``). The demo serves it and every test crawls it; the manifest
says exactly what was planted so tests assert exact numbers. ``CountyServer`` in
``server`` serves it on loopback.

Manifest schema (a JSON-serialisable dict, ``county.manifest``):

- ``schema`` (1), ``seed``, ``as_of`` (ISO date), ``counts`` (pages, items, attachments, ...).
- ``sites``: one row per site, the inventory fields ``site_code, name, url, aliases (list), level,
  parent_code (None for the portal), action, owner`` plus ``cms``, ``encoding`` (bytes of its HTML:
  utf-8 or gbk), ``hosts`` (main host first, then aliases), ``robots_url`` (None: robots.txt is
  404), ``robots_disallow`` (path prefixes), ``crawl_delay`` (seconds or None), ``sitemaps`` (URLs
  named in robots.txt), ``feed_url``, ``trap_prefix``, ``homepage_newest`` (ISO date),
  ``offsite_links`` (linked URLs on hosts outside the county, e.g. 中国政府网; never to be fetched).
- ``pages``: every URL the server answers on purpose, plus every linked URL that answers 404:
  ``url`` (absolute, as linked once resolved: path percent-encoded as UTF-8 with upper-case hex,
  query as written, no fragment), ``canonical_url`` (``site_inventory.urls.canonicalize`` of it,
  the project's one canonical form: e.g. query parameters sorted), ``site_code``, ``status``,
  ``page_type`` (homepage, column_index, list, article, attachment, search_or_form, error, soft_404,
  robots, sitemap, feed, trap, redirect), ``content_type`` (the header as sent), ``encoding``
  (of the bytes, None for binary), ``size`` and ``sha256`` (of the body, None for 404/redirect),
  ``last_modified`` (HTTP date), and where relevant ``column`` (path), ``page_number``, ``locs``
  (URLs in a sitemap or feed), ``location`` (redirect target), ``declared_charset`` (HTML: the
  meta charset as written, lower-cased), ``links`` (HTML pages: absolute
  canonical URLs of every <a href>, in order, deduplicated) and ``script_links`` (TRS lists: the
  pages its createPageHTML script links; they appear in no <a>). An alias host answers every path
  with a 301 to the same path on the main host; the trap answers every ``?month=YYYY-MM``; only
  their entry URLs are listed. Anything else is 404.
- ``items``: every article (an item is a page with its own content; a single-page column such as
  镇情简介 is one item whose URL is the column's URL): ``url, canonical_url, site_code, title`` (without the
  site-name suffix of <title>), ``published`` (ISO date, or date-time to the precision the page
  shows, or None when the page shows no date), ``modified`` (更新时间, same form), ``source``
  (来源/发布机构), ``author`` (作者), ``doc_number`` (文号: from the 信息公开 table, or the first body
  paragraph of policy documents), ``index_number, subject, written_date, validity`` (信息公开
  table; None elsewhere or when the cell is empty), ``breadcrumb`` (names as shown, 首页 first; the
  DedeCMS site ends with 正文), ``column_name``, ``source_column`` (path list), ``target_column`` (id
  in mappings/data/target_tree.yaml), ``attachments`` (url, title = link text, type, size,
  sha256, text: PDF lines / DOC paragraphs joined by "\\n", XLS rows as tab-separated cells with
  numbers in %g form), ``body_text`` ("\\n".join of the body paragraphs, each stripped; attachment and
  related-link blocks excluded), ``repost_of`` (portal URL or None), ``links`` (related links).
- ``columns``: leaf columns per site: ``site_code, path, name, kind`` (dynamic, notice, policy,
  static, service, interaction), ``target_column, url, single_page, list_urls, item_count,
  item_urls, newest`` (ISO date of the newest dated item), ``blank, stale``.
- ``defects``: ``blank_columns, stale_columns`` (with the cutoff), ``broken_links`` (source,
  target, scope: internal = same site, external = another inventory host; all answer 404),
  ``undated_items, reposts, soft_404s`` (200 saying 页面不存在), ``traps, robots_disallowed``
  (served pages under a disallowed prefix), ``stale_homepages``, ``charset_mismatches`` (HTML
  whose meta charset names another encoding than its bytes: url, declared, actual).
- ``verdicts``: per site_code, the 单项否决 reading below.

Rule reading (domain.md; unreachable sites and unanswered messages are not modelled):
a dated item is "new" when its publish date >= as_of - 14 days (dynamic, homepage) or >= as_of
minus 6 calendar months (notice, policy). The homepage is stale when no dated item it links is
new (undated items never count). A column is blank when it has no item (single-page columns
never are); a non-blank dynamic column is stale when none of its items is new within 14 days;
a notice or policy column when none is new within 6 months; other kinds are never stale. A site
fails when: homepage stale, or >= 5 blank columns, or >= 5 stale dynamic columns, or >= 1 stale
notice/policy column, or >= 10 stale columns in all.
"""
from __future__ import annotations

import csv
import hashlib
import json
import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from lxml import html as lxml_html

from .build import Page, SiteBuilder, canonical_target
from .render import SiteRenderer, calendar
from .sites import SITES
from ..urls import canonicalize

INVENTORY_FIELDS = ["site_code", "name", "url", "aliases", "level", "parent_code", "action", "owner"]
CHINESE_HEADERS = ["网站标识码", "网站名称", "网址", "别名", "级别", "上级标识码", "处置方式", "主办单位"]


@dataclass
class SampleCounty:
    """The generated county: pages by host and target, dynamic handlers, and the manifest."""

    seed: int
    as_of: date
    manifest: dict = field(default_factory=dict)
    builders: list[SiteBuilder] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)

    @property
    def hosts(self) -> list[str]:
        return [b.spec.host for b in self.builders] + list(self.aliases)

    def respond(self, host: str, target: str) -> Page | None:
        """The page for ``host`` + ``target`` (path and query), or None (the server answers 404)."""
        host = host.lower().split(":")[0].rstrip(".")
        if host in self.aliases:
            main = self.aliases[host]
            return Page(f"http://{host}{target}", self._builder(main).spec.code, 301, "redirect",
                        "text/html; charset=utf-8", b"", "utf-8", self._builder(main).pages["/"].last_modified,
                        {"Location": f"http://{main}{canonical_target(target)}"})
        b = self._builder(host)
        if b is None:
            return None
        key = canonical_target(target.partition("#")[0])
        page = b.pages.get(key)
        if page is None and b.spec.trap:
            page = calendar(b, key)
        return page

    def page(self, url: str) -> Page | None:
        """The page an absolute URL of the county answers with."""
        parts = urlsplit(url)
        return self.respond(parts.netloc, (parts.path or "/") + (f"?{parts.query}" if parts.query else ""))

    def _builder(self, host: str) -> SiteBuilder | None:
        return next((b for b in self.builders if b.spec.host == host), None)


# What a planner writes in govmigrate.yaml (audit.column_kinds) for the county's columns whose names
# do not say their kind; every other column's kind is inferred from its name. The demo sets it too.
PLANNER_COLUMN_KINDS = {
    "3311270001/专题专栏 > 平安建设": "dynamic",
    "3311270002/政务公开 > 财政信息": "policy",
    "3311270002/政务公开 > 人事信息": "notice",
    "3311270002/政务公开 > 规划计划": "policy",
    "3311270003/农技推广": "dynamic",
    "3311270004/信息公开 > 财政预决算": "policy",
    "3311270004/信息公开 > 信息公开年报": "notice",
    "3311270004/消费维权": "dynamic",
    "3311270005/节庆活动": "dynamic",
    "3311270005/乡村旅游": "dynamic",
}


def generate(seed: int = 2026, as_of: date = date(2026, 6, 30)) -> SampleCounty:
    """Build the county deterministically from ``seed``; dates are laid out backwards from ``as_of``."""
    county = SampleCounty(seed, as_of)
    renderers, portal = [], None
    for spec in SITES:
        b = SiteBuilder(spec, random.Random(f"{seed}:{spec.key}"), as_of, portal)
        b.siblings = [s for s in SITES if s is not spec]
        b.build_items()
        r = SiteRenderer(b)
        r.render()
        county.builders.append(b)
        renderers.append(r)
        county.aliases.update({alias: spec.host for alias in spec.aliases})
        portal = portal or b
    county.manifest = _manifest(county, renderers)
    return county


def _six_months_before(d: date) -> date:
    month = d.month - 6 + (12 if d.month <= 6 else 0)
    year = d.year - (1 if d.month <= 6 else 0)
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError(d)


def _page_row(p: Page, **extra) -> dict:
    row = {"url": p.url, "canonical_url": canonicalize(p.url), "site_code": p.site_code, "status": p.status,
           "page_type": p.page_type, "content_type": p.content_type, "encoding": p.encoding,
           "size": len(p.body) if p.status == 200 else None,
           "sha256": hashlib.sha256(p.body).hexdigest() if p.status == 200 else None,
           "last_modified": format_datetime(p.last_modified, usegmt=True)}
    if p.status == 200 and p.content_type.startswith("text/html"):
        row["links"] = page_links(p)
        declared = re.search(rb'<meta[^>]*charset="?(?:text/html; charset=)?([\w-]+)', p.body, re.I)
        row["declared_charset"] = declared[1].decode().lower() if declared else None
    if p.status == 200 and b"createPageHTML(" in p.body:
        row["script_links"] = _script_pages(p)
    row.update(p.extra)
    row.update(extra)
    return row


def page_links(p: Page) -> list[str]:
    """Absolute canonical URLs of a page's <a href> links, in order, without duplicates or fragments."""
    doc = lxml_html.fromstring(p.body.decode("gb18030" if p.encoding == "gbk" else "utf-8"))
    out: dict[str, None] = {}
    for a in doc.iter("a"):
        href = (a.get("href") or "").strip()
        if href and not href.startswith(("javascript:", "mailto:", "#")):
            parts = urlsplit(urljoin(p.url, href))
            target = canonical_target((parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
            out[f"{parts.scheme}://{parts.netloc.lower()}{target}"] = None
    return list(out)


def _script_pages(p: Page) -> list[str]:
    """The list pages a TRS createPageHTML(count, current, prefix, suffix) call writes links to."""
    m = re.search(rb'createPageHTML\((\d+),\s*(\d+),\s*"(\w+)",\s*"(\w+)"\)', p.body)
    count, current, prefix, suffix = int(m[1]), int(m[2]), m[3].decode(), m[4].decode()
    names = [f"{prefix}.{suffix}" if i == 0 else f"{prefix}_{i}.{suffix}" for i in range(count) if i != current]
    return [urljoin(p.url, name) for name in names]


def _manifest(county: SampleCounty, renderers: list[SiteRenderer]) -> dict:
    as_of = county.as_of
    cut_2w, cut_6m = as_of - timedelta(days=14), _six_months_before(as_of)
    code_of = {b.spec.host: b.spec.code for b in county.builders}
    pages = [_page_row(p) for b in county.builders for p in b.pages.values()]
    defects = {k: [] for k in ("blank_columns", "stale_columns", "broken_links", "undated_items", "reposts",
                               "soft_404s", "traps", "robots_disallowed", "stale_homepages", "charset_mismatches")}
    items, columns, sites, verdicts = [], [], [], {}
    for b, r in zip(county.builders, renderers):
        spec = b.spec
        items += [dict(rec, canonical_url=canonicalize(rec["url"])) for rec in r.records]
        for col in r.columns:
            newest = date.fromisoformat(col["newest"]) if col["newest"] else None
            cutoff = cut_2w if col["kind"] == "dynamic" else cut_6m if col["kind"] in ("notice", "policy") else None
            col["stale"] = bool(not col["blank"] and cutoff and (newest is None or newest < cutoff))
            columns.append(col)
            if col["blank"]:
                defects["blank_columns"].append({"site_code": spec.code, "path": col["path"], "url": col["url"]})
            if col["stale"]:
                defects["stale_columns"].append({"site_code": spec.code, "path": col["path"], "kind": col["kind"],
                                                 "newest": col["newest"], "cutoff": cutoff.isoformat()})
        for rec in r.records:
            if rec["published"] is None:
                defects["undated_items"].append(rec["url"])
            if rec["repost_of"]:
                defects["reposts"].append({"url": rec["url"], "repost_of": rec["repost_of"]})
        links = [(rec["url"], t) for rec in r.records for t in rec["links"]]
        links += [(b.url(src), b.url(t, h)) for src, t, _, h in r.extra_links]
        for source, target in links:
            page = county.page(target)
            if page is None or page.status == 404:
                host = urlsplit(target).netloc
                defects["broken_links"].append({"source": source, "target": target, "status": 404,
                                                "scope": "internal" if host == spec.host else "external"})
                pages.append({"url": target, "canonical_url": canonicalize(target), "site_code": code_of[host], "status": 404,
                              "page_type": "error", "content_type": "text/html; charset=utf-8", "encoding": "utf-8",
                              "size": None, "sha256": None, "last_modified": None})
        defects["soft_404s"] += [p.url for p in b.pages.values() if p.page_type == "soft_404"]
        defects["charset_mismatches"] += [
            {"url": row["url"], "declared": row["declared_charset"], "actual": row["encoding"]}
            for row in pages if row["site_code"] == spec.code and row.get("declared_charset")
            and ("gbk" if row["declared_charset"] in ("gb2312", "gbk", "gb18030") else row["declared_charset"])
            != row["encoding"]]
        disallow = [line.split(":", 1)[1].strip() for line in (spec.robots or "").splitlines()
                    if line.lower().startswith("disallow:") and line.split(":", 1)[1].strip()]
        delay = next((float(line.split(":", 1)[1]) for line in (spec.robots or "").splitlines()
                      if line.lower().startswith("crawl-delay:")), None)
        for prefix in disallow:
            defects["robots_disallowed"].append({"site_code": spec.code, "prefix": prefix, "urls": [
                p.url for key, p in b.pages.items() if key.startswith(prefix)]})
        trap = None
        if spec.trap:
            trap = "/calendar/"
            entry = calendar(b, f"/calendar/?month={as_of:%Y-%m}")
            pages.append(_page_row(entry))
            defects["traps"].append({"site_code": spec.code, "prefix": trap, "entry_url": entry.url})
        for alias in spec.aliases:
            redirect = county.respond(alias, "/")
            pages.append(_page_row(redirect, location=redirect.headers["Location"], last_modified=None))
        dated_home = [it.day.date() for it in b.homepage_items if it.dated]
        home_newest = max(dated_home) if dated_home else None
        home_stale = home_newest is None or home_newest < cut_2w
        if home_stale:
            defects["stale_homepages"].append(spec.code)
        verdicts[spec.code] = _verdict(r.columns, home_newest, home_stale)
        sites.append({
            "site_code": spec.code, "name": spec.name, "url": spec.url, "aliases": list(spec.aliases),
            "level": spec.level, "parent_code": None if spec.key == "portal" else SITES[0].code,
            "action": spec.action, "owner": spec.owner, "cms": spec.cms, "encoding": spec.encoding,
            "hosts": [spec.host, *spec.aliases], "robots_url": b.url("/robots.txt") if spec.robots else None,
            "robots_disallow": disallow, "crawl_delay": delay,
            "sitemaps": [line.split(":", 1)[1].strip() for line in (spec.robots or "").splitlines()
                         if line.lower().startswith("sitemap:")],
            "feed_url": b.url("/rss.xml") if spec.feed else None, "trap_prefix": trap,
            "offsite_links": sorted({u for row in pages if row["site_code"] == spec.code for u in row.get("links", ())
                                     if urlsplit(u).netloc not in county.hosts}),
            "homepage_newest": home_newest.isoformat() if home_newest else None})
    counts = {"sites": len(sites), "pages": len(pages), "items": len(items),
              "attachments": sum(len(i["attachments"]) for i in items), "columns": len(columns)}
    counts.update({k: len(v) for k, v in defects.items()})
    return {"schema": 1, "seed": county.seed, "as_of": as_of.isoformat(), "counts": counts, "sites": sites,
            "pages": pages, "items": items, "columns": columns, "defects": defects, "verdicts": verdicts}


def _verdict(columns: list[dict], home_newest: date | None, home_stale: bool) -> dict:
    blank = sum(c["blank"] for c in columns)
    stale_dynamic = sum(c["stale"] and c["kind"] == "dynamic" for c in columns)
    stale_np = sum(c["stale"] and c["kind"] in ("notice", "policy") for c in columns)
    reasons = []
    if home_stale:
        reasons.append("homepage not updated for 2 weeks")
    if blank >= 5:
        reasons.append(f"{blank} blank columns (>= 5)")
    if stale_dynamic >= 5:
        reasons.append(f"{stale_dynamic} dynamic columns not updated for 2 weeks (>= 5)")
    if stale_np:
        reasons.append(f"{stale_np} notice/policy columns not updated for 6 months")
    if stale_dynamic + stale_np >= 10:
        reasons.append(f"{stale_dynamic + stale_np} columns not updated (>= 10)")
    return {"passed": not reasons, "reasons": reasons, "homepage_newest": home_newest and home_newest.isoformat(),
            "homepage_stale": home_stale, "blank_columns": blank, "stale_dynamic_columns": stale_dynamic,
            "stale_notice_policy_columns": stale_np, "stale_columns": stale_dynamic + stale_np}


def inventory_rows(county: SampleCounty) -> list[dict]:
    """The county's inventory, one dict per site with the inventory CSV's columns."""
    return [{"site_code": s["site_code"], "name": s["name"], "url": s["url"], "aliases": " ".join(s["aliases"]),
             "level": s["level"], "parent_code": s["parent_code"] or "", "action": s["action"], "owner": s["owner"]}
            for s in county.manifest["sites"]]


def write_inventory_csv(county: SampleCounty, path, chinese: bool = False) -> Path:
    """Write the inventory CSV: UTF-8 with BOM and English headers, or GBK with Chinese headers."""
    path = Path(path)
    encoding = "gbk" if chinese else "utf-8-sig"
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CHINESE_HEADERS if chinese else INVENTORY_FIELDS)
        for row in inventory_rows(county):
            writer.writerow([row[f] for f in INVENTORY_FIELDS])
    return path


def write_manifest(county: SampleCounty, path) -> Path:
    """Write the manifest as indented UTF-8 JSON (Chinese kept readable)."""
    path = Path(path)
    path.write_text(json.dumps(county.manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return path
