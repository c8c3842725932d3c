"""What the sample county is made of: its six sites, their columns and their URL schemes.

The specs are declarative; ``county`` turns them into pages. Column ages are days
between the column's newest item and ``as_of``; they sit well away from the inspection
thresholds (14 days, 6 months) so the expected verdicts do not hinge on a boundary.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import quote

DOMAIN = "qingxi.example.gov.cn"
COUNTY = "青溪县"
TOWNS = ("城关镇", "白沙乡", "石门镇", "龙潭乡", "东岭镇")
DEPTS = ("县农业农村局", "县市场监管局", "县文化和广电旅游体育局", "县自然资源和规划局", "县卫生健康局")


@dataclass(frozen=True)
class ColumnSpec:
    """One leaf column: where it sits, what it holds and how fresh its newest item is."""

    path: tuple[str, ...]
    kind: str  # dynamic | notice | policy | static | service | interaction
    target: str  # id in mappings/data/target_tree.yaml
    count: int
    slug: str
    text: str = ""  # text style for sample_text (defaults to kind)
    age: int = 0
    spacing: int = 7
    single: bool = False
    attachments: tuple[str, ...] = ()
    undated: int = 0
    units: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.path[-1]

    @property
    def style(self) -> str:
        return self.text or {"service": "service", "interaction": "letter"}.get(self.kind, self.kind)


@dataclass(frozen=True)
class SiteSpec:
    """One site of the county: inventory row, content system, encoding and its columns."""

    key: str
    code: str
    name: str
    host: str
    level: str
    action: str
    owner: str
    cms: str
    encoding: str
    unit: str
    place_term: str
    topics: tuple[str, ...]
    leader: tuple[str, str]
    page_size: int
    columns: tuple[ColumnSpec, ...]
    groups: dict = field(default_factory=dict)  # group name -> slug of its index page
    aliases: tuple[str, ...] = ()
    robots: str | None = None
    sitemap: str | None = None  # None | "plain" | "index"
    feed: bool = False
    trap: bool = False
    doc_prefix: str = ""

    @property
    def url(self) -> str:
        return f"http://{self.host}/"


def C(path, kind, target, count, slug, **kw) -> ColumnSpec:
    """Shorthand for a column spec; ``path`` is a slash-separated column path."""
    return ColumnSpec(tuple(path.split("/")), kind, target, count, slug, **kw)


PORTAL = SiteSpec(
    "portal", "3311270000", "青溪县人民政府", f"www.{DOMAIN}", "county", "keep", "青溪县人民政府办公室",
    "portal", "utf-8", "青溪县", "县", ("防汛防台", "安全生产", "乡村振兴", "文明城市创建", "营商环境优化",
                                        "森林防火", "河长制", "耕地保护"), ("陈建国", "县长"), 15,
    (C("新闻中心/政务要闻", "dynamic", "zwdt", 14, "xwzx/zwyw", age=1, spacing=3),
     C("新闻中心/乡镇动态", "dynamic", "xzdt", 8, "xwzx/xzdt", age=2, spacing=5, units=TOWNS),
     C("新闻中心/部门动态", "dynamic", "bmdt", 8, "xwzx/bmdt", age=3, spacing=5, units=DEPTS),
     C("政务公开/通知公告", "notice", "tzgg", 12, "zwgk/tzgg", age=4, spacing=9, attachments=("doc",)),
     C("政务公开/政策文件", "policy", "zcwj", 8, "zwgk/zcwj", age=20, spacing=25, attachments=("pdf",)),
     C("解读回应/政策解读", "policy", "zcjd", 5, "jdhy/zcjd", text="interpretation", age=25, spacing=30),
     C("办事服务/办事指南", "service", "bszn", 5, "bsfw/bszn", age=60, spacing=40),
     C("走进青溪/县情概况", "static", "gkxx", 1, "zjqx/xqgk", age=200, single=True)),
    groups={"新闻中心": "xwzx", "政务公开": "zwgk", "解读回应": "jdhy", "办事服务": "bsfw", "走进青溪": "zjqx"},
    robots="User-agent: *\nDisallow:\n\nSitemap: http://www.qingxi.example.gov.cn/sitemap_index.xml\n",
    sitemap="index", doc_prefix="青政发",
)

CGZ = SiteSpec(
    "cgz", "3311270001", "青溪县城关镇人民政府", f"cgz.{DOMAIN}", "township", "migrate", "青溪县城关镇人民政府",
    "hanweb", "utf-8", "城关镇", "镇", ("垃圾分类", "人居环境整治", "安全生产", "消防安全", "秸秆禁烧",
                                     "医保参保", "美丽乡村建设", "五水共治"), ("林志强", "镇长"), 15,
    (C("镇情简介", "static", "gkxx", 1, "1279", age=300, single=True),
     C("政务公开/工作动态", "dynamic", "xzdt", 20, "1281", age=1, spacing=3),
     C("政务公开/镇村动态", "dynamic", "xzdt", 9, "1282", age=40, spacing=12),
     C("政务公开/通知公告", "notice", "tzgg", 12, "1283", age=3, spacing=10, attachments=("pdf", "doc")),
     C("政务公开/政策法规", "policy", "zcwj", 6, "1284", age=45, spacing=40, attachments=("xls",)),
     C("政务公开/领导分工", "static", "fzrxx", 1, "1285", age=160, single=True),
     C("办事服务/办事指南", "service", "bszn", 5, "1291", age=30, spacing=45),
     C("互动交流/镇长信箱", "interaction", "ldxx", 4, "1296", age=10, spacing=20),
     C("专题专栏/平安建设", "dynamic", "xzdt", 0, "1299")),
    groups={"政务公开": "1280", "办事服务": "1290", "互动交流": "1295", "专题专栏": "1298"},
    robots="User-agent: *\nDisallow: /admin/\nCrawl-delay: 0.02\n",
    feed=True, trap=True, doc_prefix="城政发",
)

BSX = SiteSpec(
    "bsx", "3311270002", "青溪县白沙乡人民政府", f"bsx.{DOMAIN}", "township", "migrate", "青溪县白沙乡人民政府",
    "dede", "gbk", "白沙乡", "乡", ("森林防火", "茶叶产业发展", "防汛防台", "农村饮用水安全", "移风易俗",
                                  "低保核查"), ("吴海涛", "乡长"), 10,
    (C("乡情概况", "static", "gkxx", 1, "xqgk", age=400, single=True),
     C("工作动态", "dynamic", "xzdt", 14, "gzdt", age=2, spacing=4),
     C("通知公告", "notice", "tzgg", 9, "tzgg", age=12, spacing=18, attachments=("doc", "xls"), undated=1),
     C("政务公开/财政信息", "policy", "fdzdgk", 0, "zwgk/czxx"),
     C("政务公开/人事信息", "notice", "fdzdgk", 0, "zwgk/rsxx"),
     C("政务公开/规划计划", "policy", "fdzdgk", 0, "zwgk/ghjh"),
     C("办事服务/便民服务", "service", "bszn", 0, "bsfw/bmfw"),
     C("互动交流/意见征集", "interaction", "zjdc", 0, "hdjl/yjzj")),
)

NYJ = SiteSpec(
    "nyj", "3311270003", "青溪县农业农村局", f"nyj.{DOMAIN}", "department", "migrate", "青溪县农业农村局",
    "trs", "utf-8", "县农业农村局", "县", ("春耕生产", "高标准农田建设", "农产品质量安全", "动物防疫",
                                        "农机安全", "农村宅基地管理", "粮食生产"), ("郑立新", "局长"), 10,
    (C("机构职能", "static", "jgzn", 2, "jgzn", age=400, spacing=200),
     C("工作动态", "dynamic", "bmdt", 18, "gzdt", age=1, spacing=3),
     C("农技推广", "dynamic", "bmdt", 8, "njtg", age=5, spacing=10),
     C("通知公告", "notice", "tzgg", 8, "tzgg", age=215, spacing=20, attachments=("pdf",)),
     C("政策法规", "policy", "zcwj", 6, "zcfg", age=50, spacing=35, attachments=("pdf",)),
     C("政策解读", "policy", "zcjd", 4, "zcjd", text="interpretation", age=55, spacing=40),
     C("办事指南", "service", "bszn", 4, "bszn", age=90, spacing=30, attachments=("doc",)),
     C("局长信箱", "interaction", "ldxx", 0, "jzxx")),
    aliases=(f"nync.{DOMAIN}",),
    robots="User-agent: *\nAllow: /\n\nSitemap: http://nyj.qingxi.example.gov.cn/sitemap.xml\n",
    sitemap="plain", doc_prefix="青农发",
)

SCJGJ = SiteSpec(
    "scjgj", "3311270004", "青溪县市场监督管理局", f"scjgj.{DOMAIN}", "department", "migrate", "青溪县市场监督管理局",
    "jeecms", "utf-8", "县市场监管局", "县", ("食品安全", "特种设备安全", "价格监督检查", "市场主体登记",
                                          "知识产权保护", "计量监督", "药品安全"), ("何伟东", "局长"), 10,
    (C("信息公开/信息公开指南", "static", "xxgkzn", 1, "xxgk/xxgkzn", age=180, single=True),
     C("信息公开/信息公开制度", "static", "xxgkzd", 2, "xxgk/xxgkzd", age=300, spacing=100),
     C("信息公开/公示公告", "notice", "tzgg", 14, "xxgk/gsgg", age=5, spacing=8),
     C("信息公开/规范性文件", "policy", "zcwj", 6, "xxgk/gfxwj", age=60, spacing=45, attachments=("pdf",)),
     C("信息公开/财政预决算", "policy", "fdzdgk", 4, "xxgk/czyjs", text="budget", age=70, spacing=120,
       attachments=("xls", "xls")),
     C("信息公开/信息公开年报", "notice", "xxgknb", 3, "xxgk/ndbg", text="report", age=150, spacing=365,
       attachments=("pdf",)),
     C("监管动态", "dynamic", "bmdt", 16, "jgdt", age=2, spacing=4),
     C("消费维权", "dynamic", "bmdt", 6, "xfwq", age=20, spacing=15),
     C("办事服务", "service", "bszn", 4, "bsfw", age=100, spacing=60, attachments=("doc",))),
    doc_prefix="青市监",
)

LYJ = SiteSpec(
    "lyj", "3311270005", "青溪县旅游局", f"lyj.{DOMAIN}", "department", "close", "青溪县文化和广电旅游体育局",
    "asp", "gbk", "县旅游局", "县", ("旅游市场秩序", "景区安全", "乡村旅游", "旅游宣传推介", "导游管理"),
    ("马振华", "局长"), 8,
    (C("旅游资讯", "dynamic", "bmdt", 13, "1", age=1000, spacing=20, undated=1),
     C("行业动态", "dynamic", "bmdt", 6, "2", age=1020, spacing=30),
     C("景区动态", "dynamic", "bmdt", 5, "3", age=1050, spacing=30),
     C("节庆活动", "dynamic", "bmdt", 4, "4", age=1100, spacing=60),
     C("乡村旅游", "dynamic", "bmdt", 4, "5", age=1010, spacing=40),
     C("通知公告", "notice", "tzgg", 6, "6", age=990, spacing=40, attachments=("doc",)),
     C("政策法规", "policy", "zcwj", 4, "7", age=1200, spacing=90),
     C("景区介绍", "static", "gkxx", 3, "景区介绍", age=1300, spacing=100)),
    doc_prefix="青旅",
)

SITES = (PORTAL, CGZ, BSX, NYJ, SCJGJ, LYJ)
SCENIC = ("青溪湖景区", "白云山国家森林公园", "石门古村落")


def column_pages(site: SiteSpec, col: ColumnSpec, n_pages: int) -> list[str]:
    """The list-page paths of a column, first page first (a single-page column has one)."""
    s, cms = col.slug, site.cms
    if cms == "portal":
        return [f"/{s}/index.html"] + [f"/{s}/index_{k}.html" for k in range(2, n_pages + 1)]
    if cms == "hanweb":
        uid = 4000 + int(s) * 7 % 1000
        return [f"/col/col{s}/index.html"] + [f"/col/col{s}/index.html?uid={uid}&pageNum={k}" for k in range(2, n_pages + 1)]
    if cms == "dede":
        typeid = 1 + [c.slug for c in site.columns].index(s)
        return [f"/a/{s}/"] + [f"/a/{s}/list_{typeid}_{k}.html" for k in range(2, n_pages + 1)]
    if cms == "trs":
        return [f"/{s}/index.html"] + [f"/{s}/index_{k}.html" for k in range(1, n_pages)]
    if cms == "jeecms":
        return [f"/{s}/index.jhtml"] + [f"/{s}/index_{k}.jhtml" for k in range(2, n_pages + 1)]
    if not s.isdigit():
        return [f"/{quote(s)}/index.html"]
    return [f"/news_list.asp?classid={s}"] + [f"/news_list.asp?classid={s}&page={k}" for k in range(2, n_pages + 1)]


def group_page(site: SiteSpec, group: str) -> str | None:
    """The index page of a column group (政务公开 ...), where the site has one."""
    slug = site.groups.get(group)
    if slug is None:
        return None
    return f"/col/col{slug}/index.html" if site.cms == "hanweb" else f"/{slug}/index.html"


def article_path(site: SiteSpec, col: ColumnSpec, item_id: int, day: date, title: str) -> str:
    """Where an article lives, in the site's URL scheme."""
    s, cms = col.slug, site.cms
    if cms == "portal":
        return f"/{s}/content_{item_id}.html"
    if cms == "hanweb":
        return f"/art/{day.year}/{day.month}/{day.day}/art_{s}_{item_id}.html"
    if cms == "dede":
        return f"/a/{s}/{item_id}.html"
    if cms == "trs":
        return f"/{s}/{day:%Y%m}/t{day:%Y%m%d}_{item_id}.html"
    if cms == "jeecms":
        return f"/{s}/{item_id}.jhtml"
    if not s.isdigit():
        return f"/{quote(s)}/{quote(title)}.html"
    return f"/news_show.asp?id={item_id}"


def attachment_path(site: SiteSpec, col: ColumnSpec, day: date, serial: int, ext: str, name: str) -> str:
    """Where an attachment lives; the 市场监管局 budget tables keep their Chinese file names."""
    cms = site.cms
    if cms == "portal":
        return f"/uploadfiles/{day:%Y%m}/{day:%Y%m%d}{serial:04d}.{ext}"
    if cms == "hanweb":
        return f"/module/download/downfile.jsp?classid=0&filename={day:%y%m%d}{serial:07d}.{ext}"
    if cms == "dede":
        return f"/uploads/soft/{day:%y%m%d}/1-{day:%y%m%d}1{serial:03d}.{ext}"
    if cms == "trs":
        return f"/{col.slug}/{day:%Y%m}/P0{day:%Y%m%d}{serial:09d}.{ext}"
    if cms == "jeecms":
        return f"/u/cms/www/{day:%Y%m}/{quote(name)}.{ext}" if col.target == "fdzdgk" else \
            f"/u/cms/www/{day:%Y%m}/{day:%d}{serial:06d}.{ext}"
    return f"/upfile/{day:%Y}/{serial}.{ext}"
