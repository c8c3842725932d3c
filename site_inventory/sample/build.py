"""Build one sample site: its items (with dates, text, attachments, planted defects) and its pages.

``SiteBuilder`` turns a ``SiteSpec`` into ``Page`` objects (bytes as served) and the item and
column records the manifest is made of. Sites are built in order, the portal first, because a
township reposts one of the portal's notices.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import quote, unquote

from . import files as sample_files, pages as sample_pages, text as sample_text
from .sites import SCENIC, ColumnSpec, SiteSpec, article_path, attachment_path, column_pages

CST = timezone(timedelta(hours=8))
STATIC_TITLES = {"jgzn": ["主要职责", "内设机构"], "xxgkzd": ["政府信息公开保密审查制度", "政府信息主动公开制度"],
                 "gkxx": list(SCENIC)}
SUBJECTS = {"tzgg": "综合政务/通知公告", "zcwj": "市场监管/规范性文件", "fdzdgk": "财政/预算决算",
            "xxgknb": "综合政务/政务公开", "xxgkzd": "综合政务/政务公开"}
MIME = {"pdf": "application/pdf", "doc": "application/msword", "xls": "application/vnd.ms-excel"}
NOT_FOUND = b"<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1></body></html>\n"


def canonical_target(target: str) -> str:
    """Path and query as the server files them: path percent-encoded (UTF-8, upper hex), query kept."""
    path, sep, query = target.partition("?")
    return quote(unquote(path), safe="/:@!$&'()*+,;=-._~") + sep + query


@dataclass
class Page:
    """One response the sample server gives: status, headers and the exact body bytes."""

    url: str
    site_code: str
    status: int
    page_type: str
    content_type: str
    body: bytes
    encoding: str | None
    last_modified: datetime
    headers: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)


@dataclass
class Attachment:
    path: str
    title: str
    type: str
    data: bytes
    text: str


@dataclass
class Item:
    col: ColumnSpec
    title: str
    day: datetime  # creation time (also for undated items, whose page shows no date)
    dated: bool
    paragraphs: list[str]
    source: str | None = None
    author: str | None = None
    modified: datetime | None = None
    doc_number: str | None = None
    xxgk: dict | None = None
    attachments: list[Attachment] = field(default_factory=list)
    links: list[tuple[str, str, str | None]] = field(default_factory=list)
    repost_of: str | None = None
    path: str = ""
    topic: str = ""


def show(cms: str, dt: datetime, xxgk: bool = False) -> tuple[str, str]:
    """(text the page shows, ISO form for the manifest) of a publish time, per site."""
    if cms in ("portal", "trs"):
        return f"{dt:%Y-%m-%d %H:%M}", f"{dt:%Y-%m-%dT%H:%M}"
    if cms == "dede":
        return f"{dt:%Y-%m-%d %H:%M:%S}", f"{dt:%Y-%m-%dT%H:%M:%S}"
    if cms == "jeecms" and not xxgk:
        return f"{dt.year}年{dt.month:02d}月{dt.day:02d}日", f"{dt:%Y-%m-%d}"
    if cms == "asp":
        return f"{dt.year}-{dt.month}-{dt.day}", f"{dt:%Y-%m-%d}"
    return f"{dt:%Y-%m-%d}", f"{dt:%Y-%m-%d}"


def list_date(cms: str, dt: datetime) -> str:
    """How a list page shows an item's date."""
    if cms == "asp":
        return f"{dt.year}-{dt.month}-{dt.day}"
    return f"{dt:%Y/%m/%d}" if cms == "jeecms" else f"{dt:%Y-%m-%d}"


class SiteBuilder:
    """Items and pages of one site, deterministic from ``rng``."""

    def __init__(self, spec: SiteSpec, rng: random.Random, as_of: date, portal: "SiteBuilder | None" = None):
        self.spec, self.rng, self.as_of, self.portal = spec, rng, as_of, portal
        self.pages: dict[str, Page] = {}
        self.items: dict[ColumnSpec, list[Item]] = {}
        self.lists: dict[ColumnSpec, list[str]] = {}
        self.homepage_items: list[Item] = []
        self.titles: set[str] = set()
        self.siblings: list[SiteSpec] = []
        self.serial = 0
        self.style = self._style()
        self.ctx = {"unit": spec.unit, "topics": spec.topics, "leader": spec.leader[0], "leader_role": spec.leader[1],
                    "place_term": spec.place_term, "year": as_of.year, "prefix": "青溪县" if spec.place_term == "县" else spec.unit}

    def url(self, target: str, host: str | None = None) -> str:
        return f"http://{host or self.spec.host}{canonical_target(target)}"

    def _style(self) -> sample_pages.Style:
        s = self.spec
        wording = {"portal": ("_", "当前位置：", "position", " &gt; ", "path"),
                   "hanweb": (" - ", "您现在的位置：", "bt_link", " &gt;&gt; ", "path"),
                   "dede": ("_", "您的位置：", "place", " &gt; ", "path"),
                   "trs": ("-", "当前位置：", "position", " &gt; ", "relative"),
                   "jeecms": (" | ", "您的位置：", "position", " &gt; ", "absolute"),
                   "asp": ("--", "当前位置：", "dqwz", " &gt;&gt; ", "relative")}[s.cms]
        meta = {"portal": ("SiteName", "SiteDomain", "SiteIDCode", "ColumnName", "ArticleTitle", "PubDate", "ContentSource"),
                "hanweb": ("SiteName", "SiteDomain", "SiteIDCode", "ColumnName", "ArticleTitle", "PubDate", "ContentSource"),
                "trs": ("SiteName", "SiteIDCode", "ColumnName", "ArticleTitle", "PubDate", "ContentSource"),
                "dede": ("keywords", "description")}.get(s.cms, ())
        return sample_pages.Style(s.cms, s.name, s.code, s.host, s.encoding, wording[0], wording[1], wording[2],
                                  wording[3], wording[4], meta, crumb_tail="正文" if s.cms == "dede" else None)

    # ---- items -------------------------------------------------------------------------------
    def build_items(self) -> None:
        """Draw every column's items, plant the site's defects, then number items in time order."""
        for col in self.spec.columns:
            self.items[col] = [self._item(col, i) for i in range(col.count)]
        self._plant()
        everything = sorted((it for items in self.items.values() for it in items), key=lambda it: it.day)
        next_id = {"portal": 5000, "hanweb": 7412000, "dede": 120, "trs": 3125000, "jeecms": 20100, "asp": 11}[self.spec.cms]
        for it in everything:
            next_id += self.rng.randint(1, 9)
            it.path = article_path(self.spec, it.col, next_id, it.day.date(), it.title)
            if it.col.single:
                it.path = column_pages(self.spec, it.col, 1)[0]
        self._attach()

    def _item(self, col: ColumnSpec, index: int) -> Item:
        rng, spec = self.rng, self.spec
        newest = self.as_of - timedelta(days=col.age)
        offset = sum(max(1, col.spacing + rng.randint(-col.spacing // 3, col.spacing // 3)) for _ in range(index))
        day = datetime.combine(newest - timedelta(days=offset), time(rng.randint(8, 17), rng.randint(0, 59), rng.randint(0, 59)))
        ctx = dict(self.ctx, unit=rng.choice(col.units) if col.units else spec.unit,
                   year=day.year - (col.style == "report"))
        if col.kind == "static":
            titles = STATIC_TITLES.get(col.target, [])
            title = col.name if col.single or index >= len(titles) else titles[index]
            paragraphs = sample_text.static_body(rng, col.target, ctx)
            topic = rng.choice(spec.topics)
        else:
            title, topic = sample_text.make_title(rng, col.style, ctx, self.titles)
            signer = spec.name if col.style == "notice" else None
            paragraphs = sample_text.make_body(rng, col.style, ctx, topic, day.date(), title, signer)
        item = Item(col, title, day, dated=index != 2 or col.undated == 0, paragraphs=paragraphs, topic=topic)
        item.source = self._source(col)
        if spec.cms == "dede" or (spec.cms == "portal" and col.kind == "dynamic"):
            item.author = sample_text.person(rng)
        elif spec.cms == "asp":
            item.author = "admin"
        if spec.cms == "portal" and col.kind == "notice" and index % 3 == 1:
            item.modified = day + timedelta(days=2)
        if col.style == "policy":
            item.doc_number = f"{spec.doc_prefix}〔{day.year}〕{rng.randint(1, 40)}号"
            if spec.cms != "jeecms":
                item.paragraphs.insert(0, item.doc_number)
        if spec.cms == "jeecms" and col.path[0] == "信息公开":
            item.xxgk = self._xxgk(col, item, index)
        return item

    def _source(self, col: ColumnSpec) -> str | None:
        s = self.spec
        if s.cms == "asp":
            return "本站"
        if s.cms == "portal":
            return self.rng.choice(("青溪日报", "县融媒体中心", "县政府办公室")) if col.kind == "dynamic" else "青溪县人民政府办公室"
        return s.unit if s.cms == "jeecms" and col.path[0] != "信息公开" else s.name

    def _xxgk(self, col: ColumnSpec, item: Item, index: int) -> dict:
        written = item.day.date() - timedelta(days=self.rng.randint(0, 6))
        validity = None
        if col.target == "zcwj":
            validity = "已废止" if index == col.count - 1 else "有效"
        return {"index_number": f"002581234/{item.day.year}-{self.rng.randint(100, 999):05d}",
                "written_date": written.isoformat(), "subject": SUBJECTS.get(col.target, "综合政务/其他"),
                "validity": validity}

    def _attach(self) -> None:
        """Attach a column's files (``ColumnSpec.attachments``) to its newest dated own item."""
        for col, items in self.items.items():
            if not col.attachments:
                continue
            newest = max((it for it in items if it.dated and not it.repost_of), key=lambda it: it.day)
            for ext in col.attachments:
                self.serial += 1
                newest.attachments.append(self._file(col, newest, ext, len(newest.attachments) + 1))

    def _file(self, col: ColumnSpec, it: Item, ext: str, n: int) -> Attachment:
        spec, day, topic = self.spec, it.day.date(), it.topic
        if col.target == "fdzdgk":
            name = f"{spec.name}{day.year - (n - 1)}年部门{'预算' if n == 1 else '决算'}表"
        elif col.target == "xxgknb":
            name = it.title
        else:
            name = {"pdf": f"{topic}工作方案", "doc": f"{topic}申报表", "xls": f"{topic}情况统计表"}[ext]
        title = f"附件{n}：{name}.{ext}"
        if ext == "pdf":
            lines = [f"Qingxi County sample attachment {self.serial}", f"Site {spec.code} {spec.host}",
                     f"Date {day.isoformat()}", "Page 1 of 1"]
            data, text = sample_files.pdf_bytes(name, lines), "\n".join(lines)
        elif ext == "doc":
            paragraphs = [name] + it.paragraphs[:4]
            data, text = sample_files.doc_bytes(paragraphs), "\n".join(paragraphs)
        else:
            rows: list[list] = [["序号", "项目", "数量", "金额（万元）"]]
            rows += [[float(i), f"{self.rng.choice(spec.topics)}", float(self.rng.randint(1, 90)),
                      round(self.rng.uniform(1, 500), 2)] for i in range(1, 6)]
            data = sample_files.xls_bytes("Sheet1", rows)
            text = "\n".join("\t".join(c if isinstance(c, str) else f"{c:g}" for c in row) for row in rows)
        return Attachment(attachment_path(spec, col, day, self.serial, ext, name), title, ext, data, text)

    def _plant(self) -> None:
        """The site's planted defects beyond blank/stale columns and undated items."""
        key, cols = self.spec.key, {c.name: c for c in self.spec.columns}
        if key == "cgz":
            source = [it for it in self.portal.items_of("通知公告") if it.dated][1]
            repost = Item(cols["通知公告"], source.title, source.day + timedelta(days=1), True,
                          list(source.paragraphs), source="青溪县人民政府", repost_of=source.path)
            self.items[cols["通知公告"]].insert(1, repost)
            news = self.items[cols["工作动态"]][4]
            news.links += [("/art/2025/3/4/art_1281_3999.html", "2025年春季爱国卫生运动回顾", None),
                           ("/xwzx/xzdt/content_999.html", "县政府网报道", self.portal.spec.host)]
            self.items[cols["通知公告"]][3].links.append(
                ("/module/download/downfile.jsp?classid=0&filename=1503101234567.doc", "附件：报名表.doc", None))
        elif key == "nyj":
            news = self.items[cols["工作动态"]][3]
            news.links += [("/gzdt/201905/t20190510_1111.html", "往期回顾：春耕备耕工作", None),
                           ("/xxgk/gsgg/1.jhtml", "县市场监管局相关公告", "scjgj.qingxi.example.gov.cn")]
        elif key == "scjgj":
            self.items[cols["监管动态"]][2].links.append(("/jgdt/999.jhtml", "相关报道", None))
        elif key == "lyj":
            self.items[cols["旅游资讯"]][4].links.append(("/news_show.asp?id=5", "青溪湖旅游节回顾", None))

    def items_of(self, name: str) -> list[Item]:
        return next(items for col, items in self.items.items() if col.name == name)
