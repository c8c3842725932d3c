"""Draw the sample city's posts and render every page of its two sites (``generate``); see the package docstring."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit

from . import pages as cp
from .. import files as sample_files, text as sample_text
from .manifest import manifest
from .sites import (CITY_SITES, DOMAIN, HTML, PAGE_SIZE, PAGE_TEXT, PARENT_HOST, ROBOTS, SATELLITE, SATELLITE_HOST,
                         THEME, CityColumn, CitySite)
from ..build import Page, canonical_target
from ..render import utc
from ..tls import HttpTwin

@dataclass
class Post:
    """One dated post of a list column."""

    col: CityColumn
    title: str
    day: datetime
    modified: datetime
    paragraphs: list[str]
    source: str
    topic_slug: str
    views: int
    id: int = 0
    path: str = ""
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)
    related: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class SampleCity:
    """The generated city: pages by (host, target), redirects, and the manifest."""

    seed: int
    as_of: date
    pages: dict[tuple[str, str], Page] = field(default_factory=dict)
    moved: dict[tuple[str, str], tuple[int, str, str]] = field(default_factory=dict)  # -> (status, location, reason)
    manifest: dict = field(default_factory=dict)

    @property
    def hosts(self) -> list[str]:
        return [s.host for s in CITY_SITES]

    def respond(self, host: str, target: str) -> Page | None:
        """What the https server answers for ``host`` + ``target`` (path and query), or None (404)."""
        host = host.lower().split(":")[0].rstrip(".")
        key = canonical_target(target.partition("#")[0])
        page = self.pages.get((host, key))
        if page is not None:
            return page
        code = next((s.code for s in CITY_SITES if s.host == host), None)
        path, _, query = key.partition("?")
        moved = self.moved.get((host, key))
        if moved is None and not query and path.endswith("/index.html") and (host, path[:-10]) in self.pages:
            moved = (301, f"https://{host}{path[:-10]}", "index_html")
        if moved is None and not query and not path.endswith("/") and (host, path + "/") in self.pages:
            moved = (301, f"https://{host}{path}/", "trailing_slash")
        if moved:
            return _redirect(f"https://{host}{key}", code, moved[0], moved[1], self.as_of, reason=moved[2])
        original = self.pages.get((host, path[len("/print"):])) if path.startswith("/print/") else None
        if original is not None and original.content_type == HTML:
            body = cp.print_page(_site(code).name, key, original.url).encode()
            return Page(f"https://{host}{key}", code, 200, "print", HTML, body, "utf-8", original.last_modified)
        return None

    def page(self, url: str) -> Page | None:
        """The answer to an absolute URL of the city, either scheme (http answers 301 to https)."""
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if parts.scheme == "http":
            return HttpTwin(self).respond(parts.netloc, target)
        return self.respond(parts.netloc, target)


def _site(code: str) -> CitySite:
    return next(s for s in CITY_SITES if s.code == code)


def _redirect(url: str, code: str, status: int, location: str, as_of: date, reason: str) -> Page:
    return Page(url, code, status, "redirect", HTML, b"", "utf-8", utc(datetime.combine(as_of, time(0, 0))),
                {"Location": location}, {"reason": reason})


def generate(seed: int = 2026, as_of: date = date(2026, 6, 30)) -> SampleCity:
    """Build the city deterministically from ``seed``; dates are laid out backwards from ``as_of``."""
    city = SampleCity(seed, as_of)
    builders = [SiteWriter(city, spec, random.Random(f"{seed}:city:{spec.key}")) for spec in CITY_SITES]
    for b in builders:
        b.draw()
    parent, satellite = builders
    parent.old_links(satellite)
    satellite.old_links(parent)
    for b in builders:
        b.render()
    city.manifest = manifest(city, builders)
    return city


class SiteWriter:
    """Draws one site's posts and renders its pages into ``city.pages``."""

    def __init__(self, city: SampleCity, spec: CitySite, rng: random.Random):
        self.city, self.spec, self.rng = city, spec, rng
        self.posts: dict[CityColumn, list[Post]] = {}
        self.list_pages: dict[CityColumn, list[str]] = {}
        self.titles: set[str] = set()
        self.now = datetime.combine(city.as_of, time(0, 0))
        self.chrome = cp.Chrome(spec.name, spec.code, spec.host, [("首页", "/")] + [
            (c.name, c.url) for c in spec.columns if len(c.path) == 1], search=spec.key == "portal")
        if spec.key == "portal":
            self.chrome.footer_links = [("站内搜索", "/search/"), ("关于云州", "/about/")]
            self.chrome.department_sites = [("市住房公积金管理中心", f"https://{SATELLITE_HOST}/"),
                                            ("市教育局", f"https://jyj.{DOMAIN}/"), ("市卫生健康委", f"https://wjw.{DOMAIN}/")]
        else:
            self.chrome.footer_links = [("云州市人民政府", f"http://{PARENT_HOST}/index.html")]

    def url(self, path: str) -> str:
        return f"https://{self.spec.host}{canonical_target(path)}"

    # ---- posts -------------------------------------------------------------------------------
    def draw(self) -> None:
        """Every list column's posts, numbered in time order, with their URLs and attachments."""
        for col in self.spec.columns:
            if col.kind == "list":
                self.posts[col] = [self._post(col, i) for i in range(col.count)]
        everything = sorted((p for posts in self.posts.values() for p in posts), key=lambda p: p.day)
        next_id = {"portal": 1200, "gjj": 300}[self.spec.key]
        for post in everything:
            next_id += self.rng.randint(1, 9)
            post.id = next_id
            top = post.col.url.split("/")[1]
            post.path = f"/{top}/{post.day:%Y/%m}/{post.topic_slug}-{post.id}/"
        for col, posts in self.posts.items():
            if col.attachment:
                newest = max(posts, key=lambda p: p.day)
                name = f"{newest.title}.pdf"
                lines = [f"Yunzhou sample attachment {newest.id}", f"Site {self.spec.code}", f"Date {newest.day:%Y-%m-%d}"]
                newest.attachments.append((f"/wp-content/uploads/{newest.day:%Y/%m}/{newest.topic_slug}-{newest.id}.pdf",
                                           f"附件：{name}", sample_files.pdf_bytes(name, lines)))

    def _post(self, col: CityColumn, index: int) -> Post:
        rng, spec = self.rng, self.spec
        newest = self.now - timedelta(days=col.age)
        offset = sum(max(1, col.spacing + rng.randint(-col.spacing // 3, col.spacing // 3)) for _ in range(index))
        day = (newest - timedelta(days=offset)).replace(hour=rng.randint(8, 17), minute=rng.randint(0, 59),
                                                        second=rng.randint(0, 59))
        topic, slug = rng.choice(spec.topics)
        ctx = {"unit": spec.unit, "topics": [topic], "leader": spec.leader[0], "leader_role": spec.leader[1],
               "place_term": "市", "year": day.year, "prefix": "云州市", "service": spec.services[index % len(spec.services)]}
        title, _ = sample_text.make_title(rng, col.style, ctx, self.titles)
        paragraphs = sample_text.make_body(rng, col.style, ctx, topic, day.date(), title,
                                           spec.name if col.style == "notice" else None)
        modified = day + timedelta(days=2, hours=3) if index % 3 == 1 else day
        return Post(col, title, day, modified, paragraphs, col.source, slug, rng.randint(80, 5000))

    def ordered(self, col: CityColumn) -> list[Post]:
        return sorted(self.posts[col], key=lambda p: p.day, reverse=True)

    def old_links(self, other: "SiteWriter") -> None:
        """Old URLs of the previous system and short links that 301 to posts, linked from newer posts."""
        host, moved = self.spec.host, self.city.moved
        if self.spec.key == "portal":
            news, notices = self.ordered(self.spec.column("政务要闻")), self.ordered(self.spec.column("通知公告"))
            old = [news[-1], notices[-2]]
            for post in old:
                d = post.day
                target = f"/art/{d.year}/{d.month}/{d.day}/art_{self.spec.old_column}_{post.id + 88000}.html"
                moved[(host, target)] = (301, self.url(post.path), "old_url")
                news[0].related.append((target, f"往期回顾：{post.title}"))
            short = news[5]
            moved[(host, f"/?p={short.id}")] = (301, self.url(short.path.rstrip("/")), "short_link")
            news[1].related.append((f"/?p={short.id}", short.title))
            news[2].related.append((f"http://{host}{news[3].path}", news[3].title))
        else:
            news = self.ordered(self.spec.column("中心动态"))
            post = news[-1]
            d = post.day
            target = f"/art/{d.year}/{d.month}/{d.day}/art_{self.spec.old_column}_{post.id + 52000}.html"
            moved[(host, target)] = (301, self.url(post.path), "old_url")
            news[0].related.append((target, f"往期回顾：{post.title}"))
            parent_news = other.ordered(other.spec.column("政务要闻"))[4]
            news[1].related.append((f"http://{other.spec.host}{parent_news.path}", parent_news.title))

    # ---- pages -------------------------------------------------------------------------------
    def add(self, target: str, page_type: str, body: bytes | str, when: datetime, content_type: str = HTML,
            **extra) -> Page:
        key = canonical_target(target)
        if (self.spec.host, key) in self.city.pages:
            raise ValueError(f"sample city: {self.spec.host}{key} generated twice")
        data = body.encode("utf-8") if isinstance(body, str) else body
        page = Page(self.url(key), self.spec.code, 200, page_type, content_type, data,
                    "utf-8" if content_type.startswith("text/") else None, utc(when), {}, extra)
        self.city.pages[(self.spec.host, key)] = page
        return page

    def trail(self, col: CityColumn, current: bool = True) -> list[tuple[str, str | None]]:
        """首页 and each column down to ``col``; ``col`` itself unlinked when it is the current page."""
        out: list[tuple[str, str | None]] = [("首页", "/")]
        for depth in range(1, len(col.path) + 1):
            here = next(c for c in self.spec.columns if c.path == col.path[:depth])
            out.append((here.name, None if current and here is col else here.url))
        return out

    def render(self) -> None:
        """Every page of the site."""
        for col in self.spec.columns:
            {"list": self.column_list, "section": self.section, "page": self.single}[col.kind](col)
        self.homepage()
        self.add("/robots.txt", "robots", ROBOTS, self.now, "text/plain; charset=utf-8")
        self.add("/static/theme.css", "asset", THEME, self.now, "text/css")
        if self.spec.key == "portal":
            self.add("/search/", "search_or_form", cp.search_page(self.chrome, "/search/", [("首页", "/"), ("站内搜索", None)]),
                     self.now)

    def column_list(self, col: CityColumn) -> None:
        posts = self.ordered(col)
        chunks = [posts[i:i + PAGE_SIZE] for i in range(0, len(posts), PAGE_SIZE)]
        pages = [col.url] + [f"{col.url}page/{i + 1}/" for i in range(1, len(chunks))]
        self.list_pages[col] = pages
        for index, (target, chunk) in enumerate(zip(pages, chunks)):
            entries = [(p.path, p.title, f"{p.day:%Y-%m-%d}", p.paragraphs[0][:48]) for p in chunk]
            html = cp.listing(self.chrome, target, col.name, self.trail(col), entries, pages, index, len(posts))
            self.add(target, "list", html, max(p.day for p in chunk), column=list(col.path), page_number=index + 1)
        for i, post in enumerate(posts):
            newer, older = (posts[i - 1] if i else None), (posts[i + 1] if i + 1 < len(posts) else None)
            self.article(post, newer, older)

    def article(self, post: Post, newer: Post | None, older: Post | None) -> None:
        for path, _, data in post.attachments:
            self.add(path, "attachment", data, post.day, "application/pdf")
        ld = "%Y-%m-%dT%H:%M:%S+08:00"
        data = {"title": post.title, "published_ld": f"{post.day:{ld}}", "modified_ld": f"{post.modified:{ld}}",
                "published_shown": f"{post.day.year}年{post.day.month:02d}月{post.day.day:02d}日",
                "source": post.source, "views": post.views, "paragraphs": post.paragraphs,
                "attachments": [(path, title) for path, title, _ in post.attachments], "related": post.related,
                "prev": newer and (newer.path, newer.title), "next": older and (older.path, older.title),
                "trail": self.trail(post.col, current=False) + [(post.title, None)]}
        self.add(post.path, "article", cp.article(self.chrome, post.path, data), post.modified, column=list(post.col.path))

    def children(self, col: CityColumn) -> list[CityColumn]:
        return [c for c in self.spec.columns if c.path[:-1] == col.path]

    def section(self, col: CityColumn) -> None:
        blocks = []
        for child in self.children(col):
            if child.kind == "list":
                links = [(p.path, p.title) for p in self.ordered(child)[:5]]
            else:
                links = [(c.url, c.name) for c in self.children(child)]
            blocks.append((child.name, child.url, links, child.url if child.kind != "page" else ""))
        intro = ""
        if col.path == SATELLITE.home_column:
            intro = "住房公积金缴存、提取、贷款等业务由市住房公积金管理中心办理。"
            blocks.append(("市住房公积金管理中心", f"https://{SATELLITE_HOST}/",
                           [(f"https://{SATELLITE_HOST}/notices/", "公积金通知公告"),
                            (f"https://{SATELLITE_HOST}/guide/", "公积金办事指南")], ""))
        html = cp.landing(self.chrome, col.url, col.name, self.trail(col), blocks, intro)
        newest = max((p.day for c in self.children(col) if c in self.posts for p in self.posts[c]), default=self.now)
        self.add(col.url, "column_index", html, newest, column=list(col.path))

    def single(self, col: CityColumn) -> None:
        links = []
        if len(col.path) > 1 and col.path[:-1] == SATELLITE.home_column:
            links = [(f"https://{SATELLITE_HOST}/guide/", "更多办事指南请访问市住房公积金管理中心网站")]
        html = cp.single(self.chrome, col.url, col.name, self.trail(col), PAGE_TEXT[col.name], links)
        self.add(col.url, "article", html, self.now - timedelta(days=200), column=list(col.path))

    def homepage(self) -> None:
        spec = self.spec
        if spec.key == "portal":
            shown = [(spec.column("政务要闻"), "/news/yaowen/index.html", 6), (spec.column("通知公告"), "/gov/notices/index.html", 6),
                     (spec.column("部门动态"), "/news/bumen/", 5)]
            links = [("/services/housing-fund/index.html", "住房公积金"), (f"https://{SATELLITE_HOST}/", "市住房公积金管理中心"),
                     (f"http://{PARENT_HOST}/gov/policies/", "政策文件库")]
        else:
            shown = [(spec.column("中心动态"), "/news/index.html", 6), (spec.column("通知公告"), "/notices/", 5)]
            links = [("/guide/", "办事指南"), ("/about/", "中心简介")]
        blocks = [(c.name, c.url, [(p.path, p.title, f"{p.day:%m-%d}") for p in self.ordered(c)[:n]], more)
                  for c, more, n in shown]
        newest = max(p.day for c, _, n in shown for p in self.ordered(c)[:n])
        self.add("/", "homepage", cp.homepage(self.chrome, blocks, links), newest)
