"""Render a built sample site into pages, and describe each item and column for the manifest.

Works on a ``SiteBuilder`` whose items are drawn: lists, articles, attachments, column-group
pages, the homepage, robots.txt, sitemaps, the RSS feed, forms and soft 404s. Each page is
stored with the exact bytes the server sends; each item gets its manifest record.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, time, timezone
from email.utils import format_datetime
from html import escape
from urllib.parse import quote

from . import pages as sample_pages
from .build import CST, MIME, Item, Page, SiteBuilder, canonical_target, list_date, show
from .sites import ColumnSpec, column_pages, group_page


def utc(dt: datetime) -> datetime:
    """A China-time naive datetime as an aware UTC one (for Last-Modified)."""
    return dt.replace(tzinfo=CST).astimezone(timezone.utc)


class SiteRenderer:
    """Fills ``builder.pages`` and produces the item and column records of one site."""

    def __init__(self, b: SiteBuilder):
        self.b, self.spec, self.style = b, b.spec, b.style
        self.as_of_dt = datetime.combine(b.as_of, time(0, 0))
        self.records: list[dict] = []
        self.columns: list[dict] = []
        self.extra_links: list[tuple[str, str, str, str | None]] = []  # (source target, target, text, host)

    # ---- helpers -----------------------------------------------------------------------------
    def html_type(self, page_type: str) -> str:
        if self.spec.encoding == "utf-8":
            return "text/html; charset=utf-8"
        return "text/html; charset=gb2312" if self.spec.cms == "dede" and page_type == "article" else "text/html"

    def add_html(self, target: str, page_type: str, html: str, when: datetime, status: int = 200,
                 encoding: str | None = None, **extra) -> Page:
        encoding = encoding or self.spec.encoding
        return self.add(target, page_type, html.encode(encoding), self.html_type(page_type), when, status=status,
                        encoding=encoding, extra=extra)

    def add(self, target: str, page_type: str, body: bytes, content_type: str, when: datetime, status: int = 200,
            encoding: str | None = None, headers: dict | None = None, extra: dict | None = None) -> Page:
        key = canonical_target(target)
        if key in self.b.pages:
            raise ValueError(f"sample county: {self.spec.host}{key} generated twice")
        page = Page(self.b.url(key), self.spec.code, status, page_type, content_type, body, encoding, utc(when),
                    headers or {}, extra or {})
        self.b.pages[key] = page
        return page

    def trail(self, col: ColumnSpec) -> list[tuple[str, str | None]]:
        out: list[tuple[str, str | None]] = [("首页", "/")]
        for group in col.path[:-1]:
            out.append((group, group_page(self.spec, group)))
        out.append((col.name, self.first_page(col)))
        return out

    def first_page(self, col: ColumnSpec) -> str:
        return column_pages(self.spec, col, 1)[0]

    def metas(self, **values) -> dict[str, str]:
        base = {"SiteName": self.spec.name, "SiteDomain": self.spec.host, "SiteIDCode": self.spec.code}
        base.update(values)
        return {k: base[k] for k in self.style.meta if base.get(k)}

    def ordered(self, col: ColumnSpec) -> list[Item]:
        return sorted(self.b.items[col], key=lambda it: it.day, reverse=True)

    def entry(self, it: Item) -> tuple[str, str, str | None, None]:
        return it.path, it.title, list_date(self.spec.cms, it.day) if it.dated else None, None

    # ---- pages -------------------------------------------------------------------------------
    def render(self) -> None:
        """Every page of the site."""
        s = self.spec
        self.style.nav = self.nav()
        if s.cms == "hanweb":
            self.style.footer_links = [("管理登录", "/admin/login.html"), ("RSS订阅", "/rss.xml")]
        if s.key != "portal":
            self.style.footer_links.append(("青溪县人民政府", "http://www.qingxi.example.gov.cn/"))
        for col in s.columns:
            self.column(col)
        for group in s.groups:
            self.group(group)
        self.homepage()
        self.extras()

    def nav(self) -> list[tuple[str, str]]:
        nav, seen = [("首页", "/")], set()
        for col in self.spec.columns:
            group = col.path[0] if len(col.path) > 1 else None
            if group and group not in seen:
                seen.add(group)
                nav.append((group, group_page(self.spec, group) or self.first_page(col)))
            nav.append((col.name, self.first_page(col)))
        if self.spec.cms == "jeecms":
            nav.append(("依申请公开", "/xxgk/ysqgk.jhtml"))
        if self.spec.cms == "portal":
            nav.append(("站内搜索", "/search/index.html"))
        return nav

    def column(self, col: ColumnSpec) -> None:
        items = self.ordered(col)
        for it in items:
            self.article(col, it)
        if col.single:
            self.columns.append(self.column_record(col, [], items))
            return
        size = self.spec.page_size
        chunks = [items[i:i + size] for i in range(0, len(items), size)] or [[]]
        pages = column_pages(self.spec, col, len(chunks))
        for index, (target, chunk) in enumerate(zip(pages, chunks)):
            pager = sample_pages.pager(self.style, target, pages, index, len(items))
            html = sample_pages.list_page(self.style, target, col.name, self.trail(col),
                                          [self.entry(it)[:3] for it in chunk], pager, self.metas(ColumnName=col.name))
            newest = max((it.day for it in chunk if it.dated), default=self.as_of_dt)
            self.add_html(target, "list", html, newest, column=list(col.path), page_number=index + 1)
        self.columns.append(self.column_record(col, pages, items))

    def article(self, col: ColumnSpec, it: Item) -> None:
        cms = self.spec.cms
        pub_show, pub_iso = show(cms, it.day, bool(it.xxgk)) if it.dated else (None, None)
        mod_show, mod_iso = show(cms, it.modified) if it.modified else (None, None)
        info = {"published": pub_show, "modified": mod_show, "source": it.source, "author": it.author}
        if it.xxgk:
            info = dict(it.xxgk, source=it.source, published=pub_show, doc_number=it.doc_number)
        a = {"title": it.title, "trail": self.trail(col), "info": info, "paragraphs": it.paragraphs,
             "attachments": [(f.path, f.title) for f in it.attachments], "links": it.links, "xxgk": bool(it.xxgk),
             "metas": self.metas(ColumnName=col.name, ArticleTitle=it.title, PubDate=pub_show,
                                 ContentSource=it.source, keywords=it.title, description=it.paragraphs[0][:40])}
        # the old ASP site's 景区介绍 pages were added later by another editor: UTF-8 bytes under a gb2312 meta
        encoding = "utf-8" if cms == "asp" and not col.slug.isdigit() else None
        self.add_html(it.path, "article", sample_pages.article(self.style, it.path, a), it.day, encoding=encoding,
                      column=list(col.path))
        files = []
        for f in it.attachments:
            headers, ctype = {}, MIME[f.type]
            if cms == "hanweb":
                ctype = "application/octet-stream"
                headers["Content-Disposition"] = "attachment; filename*=UTF-8''" + quote(f.title.split("：", 1)[1])
            page = self.add(f.path, "attachment", f.data, ctype, it.day, headers=headers)
            files.append({"url": page.url, "title": f.title, "type": f.type, "size": len(f.data),
                          "sha256": hashlib.sha256(f.data).hexdigest(), "text": f.text})
        crumb = [n for n, _ in self.trail(col)] + ([self.style.crumb_tail] if self.style.crumb_tail else [])
        x = it.xxgk or {}
        self.records.append({
            "url": self.b.url(it.path), "site_code": self.spec.code, "title": it.title, "published": pub_iso,
            "modified": mod_iso, "source": it.source, "author": it.author, "doc_number": it.doc_number,
            "index_number": x.get("index_number"), "subject": x.get("subject"), "written_date": x.get("written_date"),
            "validity": x.get("validity"), "breadcrumb": crumb, "column_name": col.name, "source_column": list(col.path),
            "target_column": col.target, "attachments": files, "body_text": "\n".join(p.strip() for p in it.paragraphs),
            "repost_of": it.repost_of and self.b.portal.url(it.repost_of),
            "links": [self.b.url(t, h) for t, _, h in it.links]})

    def column_record(self, col: ColumnSpec, pages: list[str], items: list[Item]) -> dict:
        dated = [it.day.date() for it in items if it.dated]
        return {"site_code": self.spec.code, "path": list(col.path), "name": col.name, "kind": col.kind,
                "target_column": col.target, "url": self.b.url(pages[0] if pages else items[0].path),
                "single_page": col.single, "list_urls": [self.b.url(p) for p in pages],
                "item_count": len(items), "item_urls": [self.b.url(it.path) for it in items],
                "newest": max(dated).isoformat() if dated else None, "blank": not items}

    def group(self, group: str) -> None:
        target = group_page(self.spec, group)
        cols = [c for c in self.spec.columns if c.path[0] == group and len(c.path) > 1]
        sections = [(c.name, self.first_page(c), [self.entry(it) for it in self.ordered(c)[:5]]) for c in cols]
        newest = max((it.day for c in cols for it in self.ordered(c)[:5] if it.dated), default=self.as_of_dt)
        html = sample_pages.sections_page(self.style, target, f"{group}{self.style.title_sep}{self.spec.name}",
                                          [("首页", "/"), (group, target)], sections, [], self.metas(ColumnName=group))
        self.add_html(target, "column_index", html, newest, column=[group])

    def homepage(self) -> None:
        s = self.spec
        shown = [c for c in s.columns if c.kind in ("dynamic", "notice") and self.b.items[c]][:3]
        sections, linked = [], []
        for c in shown:
            latest = [it for it in self.ordered(c) if it.dated][:6]
            linked += latest
            sections.append((c.name, self.first_page(c), [self.entry(it) for it in latest]))
        links = self.home_links()
        html = sample_pages.sections_page(self.style, "/", s.name, [], sections, links, self.metas())
        self.b.homepage_items = linked
        newest = max((it.day for it in linked), default=self.as_of_dt)
        self.add_html("/", "homepage", html, newest)
        self.extra_links += [("/", t, text, h) for t, text, h in links]

    def home_links(self) -> list[tuple[str, str, str | None]]:
        key = self.spec.key
        if key == "portal":
            return [("/", s.name, s.host) for s in self.b.siblings]
        if key == "cgz":
            return [("/calendar/?month=" + f"{self.b.as_of:%Y-%m}", "活动日历", None)]
        if key == "bsx":
            return [("/a/zt/xczx/", "乡村振兴专题", None), ("/old/index.htm", "访问旧版网站", None)]
        if key == "lyj":
            return [("/news_show.asp?id=9088", "热点推荐：青溪湖游船开航", None)]
        return []

    # ---- robots, sitemaps, feed, forms, soft 404s ---------------------------------------------
    def extras(self) -> None:
        s, when = self.spec, self.as_of_dt
        if s.robots:
            self.add("/robots.txt", "robots", s.robots.encode(), "text/plain; charset=utf-8", when, encoding="utf-8")
        if s.sitemap == "plain":
            skip = self.ordered(s.columns[1])[-1].path
            locs = [p.url for p in self.b.pages.values() if p.page_type == "article" and not p.url.endswith(skip)]
            self.sitemap("/sitemap.xml", locs, "text/xml; charset=utf-8")
        elif s.sitemap == "index":
            lists = [p.url for p in self.b.pages.values() if p.page_type in ("homepage", "list", "column_index")]
            arts = [p.url for p in self.b.pages.values() if p.page_type == "article"]
            self.sitemap("/sitemap/sitemap_1.xml", lists, "application/xml")
            self.sitemap("/sitemap/sitemap_2.xml", arts, "application/xml")
            self.sitemap("/sitemap_index.xml", [self.b.url("/sitemap/sitemap_1.xml"), self.b.url("/sitemap/sitemap_2.xml")],
                         "application/xml", index=True)
        if s.feed:
            self.feed()
        forms = {"hanweb": [("/admin/login.html", "管理登录", "请输入用户名和密码。",
                             '<form action="/admin/index.html" method="post"><input name="user"><input name="pwd" '
                             'type="password"><button>登录</button></form><a href="/admin/index.html">进入后台</a>'),
                            ("/admin/index.html", "后台管理", "内容管理系统后台首页，仅限管理员使用。", "")],
                 "portal": [("/search/index.html", "站内搜索", "请输入关键词。",
                             '<form action="/search/index.html" method="get"><input name="q"><button>搜索</button></form>')],
                 "jeecms": [("/xxgk/ysqgk.jhtml", "依申请公开", "请填写政府信息公开申请表。",
                             '<form action="/xxgk/ysqgk.jhtml" method="post"><input name="name"><textarea name="content">'
                             '</textarea><button>提交</button></form>')]}
        for target, title, message, form in forms.get(s.cms, []):
            self.add_html(target, "search_or_form", sample_pages.message_page(self.style, target, title, message, form), when)
        soft = {"bsx": "/a/zt/xczx/", "lyj": "/news_show.asp?id=9088"}.get(s.key)
        if soft:
            html = sample_pages.message_page(self.style, soft, "页面不存在", "对不起，您访问的页面不存在或已被删除！")
            self.add_html(soft, "soft_404", html, when)

    def sitemap(self, target: str, locs: list[str], ctype: str, index: bool = False) -> None:
        tag, root = ("sitemap", "sitemapindex") if index else ("url", "urlset")
        lastmod = {p.url: p.last_modified for p in self.b.pages.values()}
        rows = "".join(f"<{tag}><loc>{escape(u)}</loc><lastmod>{(lastmod.get(u) or utc(self.as_of_dt)):%Y-%m-%d}"
                       f"</lastmod></{tag}>\n" for u in locs)
        xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
               f"{rows}</{root}>\n")
        self.add(target, "sitemap", xml.encode(), ctype, self.as_of_dt, encoding="utf-8", extra={"locs": locs})

    def feed(self) -> None:
        cols = [c for c in self.spec.columns if c.name in ("工作动态", "通知公告")]
        items = sorted((it for c in cols for it in self.b.items[c] if it.dated), key=lambda it: it.day, reverse=True)[:15]
        rows = "".join(f"<item><title>{escape(it.title)}</title><link>{escape(self.b.url(it.path))}</link>"
                       f"<pubDate>{format_datetime(it.day.replace(tzinfo=CST))}</pubDate></item>\n" for it in items)
        xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>{escape(self.spec.name)}</title>'
               f"<link>{self.spec.url}</link><description>最新信息</description>\n{rows}</channel></rss>\n")
        self.add("/rss.xml", "feed", xml.encode(), "application/rss+xml; charset=utf-8", items[0].day, encoding="utf-8",
                 extra={"locs": [self.b.url(it.path) for it in items]})


def calendar(b: SiteBuilder, target: str) -> Page | None:
    """The 活动日历 trap: ``/calendar/?month=YYYY-MM`` for any month, each linking the next and previous."""
    path, _, query = target.partition("?")
    if path != "/calendar/" or not query.startswith("month="):
        return None
    value = query[len("month="):]
    if len(value) != 7 or value[4] != "-" or not (value[:4].isdigit() and value[5:].isdigit()):
        return None
    year, month = int(value[:4]), int(value[5:])
    if not (1 <= year <= 9999 and 1 <= month <= 12):
        return None
    prev = f"{year - (month == 1)}-{12 if month == 1 else month - 1:02d}"
    nxt = f"{year + (month == 12)}-{1 if month == 12 else month + 1:02d}"
    html = sample_pages.calendar_page(b.style, target, year, month, f"/calendar/?month={prev}", f"/calendar/?month={nxt}")
    return Page(b.url(target), b.spec.code, 200, "trap", "text/html; charset=utf-8", html.encode(), "utf-8",
                utc(datetime.combine(b.as_of, time(0, 0))))
