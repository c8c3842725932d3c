"""What the sample city is made of: its two sites on one cloud platform, their columns and URL schemes.

The specs are declarative; ``build`` turns them into pages and ``manifest`` into the answer key.
The satellite (市住房公积金管理中心) moves whole into the parent's column ``home_column``.
"""
from __future__ import annotations

from dataclasses import dataclass

DOMAIN = "yunzhou.example.gov.cn"
PARENT_HOST, SATELLITE_HOST = f"www.{DOMAIN}", f"gjj.{DOMAIN}"
ROBOTS = "User-agent: *\nDisallow: /print/\n"
PAGE_SIZE = 6
HTML = "text/html; charset=UTF-8"
THEME = b".breadcrumb ol{list-style:none}.breadcrumb li+li::before{content:\" / \"}.skip-link{position:absolute;left:-999px}\n"


@dataclass(frozen=True)
class CityColumn:
    """One column of a city site: its path of names, its URL path and what kind of page it is."""

    path: tuple[str, ...]
    url: str
    kind: str  # section (landing page of links) | list (dated posts, paginated) | page (one text)
    style: str = ""
    count: int = 0
    age: int = 1
    spacing: int = 7
    source: str = ""
    attachment: bool = False

    @property
    def name(self) -> str:
        return self.path[-1]


def K(path: str, url: str, kind: str, **kw) -> CityColumn:
    """Shorthand for a column; ``path`` is slash-separated names."""
    return CityColumn(tuple(path.split("/")), url, kind, **kw)


@dataclass(frozen=True)
class CitySite:
    """One site on the city's platform: inventory row, writing context and columns."""

    key: str
    code: str
    name: str
    host: str
    inventory_url: str
    level: str
    action: str
    parent_code: str | None
    owner: str
    unit: str
    topics: tuple[tuple[str, str], ...]   # (topic, URL slug)
    services: tuple[str, ...]
    leader: tuple[str, str]
    columns: tuple[CityColumn, ...]
    old_column: int                       # column id in the previous system's URLs
    home_column: tuple[str, ...] | None = None

    def column(self, name: str) -> CityColumn:
        return next(c for c in self.columns if c.name == name)


PARENT = CitySite(
    "portal", "3325000000", "云州市人民政府", PARENT_HOST, f"https://{PARENT_HOST}/", "city", "keep", None,
    "云州市人民政府办公室", "云州市", (("防汛防台", "flood-control"), ("营商环境优化", "business-environment"),
                              ("城市更新", "urban-renewal"), ("数字化改革", "digital-reform"),
                              ("安全生产", "work-safety"), ("垃圾分类", "waste-sorting"),
                              ("文明城市创建", "civilised-city"), ("共同富裕示范区建设", "common-prosperity")),
    ("城乡居民养老保险参保登记", "失业保险金申领", "社会保障卡申领", "工伤认定申请", "退休人员待遇资格认证"),
    ("周明远", "市长"),
    (K("新闻中心", "/news/", "section"),
     K("新闻中心/政务要闻", "/news/yaowen/", "list", style="dynamic", count=14, age=1, spacing=3, source="云州日报"),
     K("新闻中心/部门动态", "/news/bumen/", "list", style="dynamic", count=8, age=2, spacing=6, source="市政府办公室"),
     K("政务公开", "/gov/", "section"),
     K("政务公开/通知公告", "/gov/notices/", "list", style="notice", count=8, age=4, spacing=10,
       source="云州市人民政府办公室"),
     K("政务公开/政策文件", "/gov/policies/", "list", style="policy", count=6, age=15, spacing=25,
       source="云州市人民政府", attachment=True),
     K("办事服务", "/services/", "section"),
     K("办事服务/社会保障", "/services/social-security/", "list", style="service", count=5, age=30, spacing=30,
       source="市人力社保局"),
     K("办事服务/住房公积金", "/services/housing-fund/", "section"),
     K("办事服务/住房公积金/缴存指南", "/services/housing-fund/deposit/", "page"),
     K("办事服务/住房公积金/贷款指南", "/services/housing-fund/loans/", "page"),
     K("走进云州", "/about/", "section"),
     K("走进云州/城市概况", "/about/overview/", "page"),
     K("走进云州/历史沿革", "/about/history/", "page")),
    old_column=1229,
)

SATELLITE = CitySite(
    "gjj", "3325000001", "云州市住房公积金管理中心", SATELLITE_HOST, f"http://{SATELLITE_HOST}/", "department", "close",
    PARENT.code, "云州市住房公积金管理中心", "市住房公积金管理中心",
    (("住房公积金缴存", "deposit"), ("住房公积金提取", "withdrawal"), ("住房公积金贷款", "loans"),
     ("公积金异地转移接续", "transfer"), ("灵活就业人员缴存公积金", "flexible-employment"),
     ("租房提取公积金", "rent-withdrawal")),
    ("住房公积金缴存登记", "住房公积金租房提取", "住房公积金个人住房贷款", "住房公积金异地转移接续"),
    ("沈立群", "主任"),
    (K("中心动态", "/news/", "list", style="dynamic", count=10, age=3, spacing=8, source="市住房公积金管理中心"),
     K("通知公告", "/notices/", "list", style="notice", count=6, age=10, spacing=20, source="市住房公积金管理中心"),
     K("政策法规", "/policies/", "list", style="policy", count=4, age=40, spacing=45, source="市住房公积金管理中心",
       attachment=True),
     K("办事指南", "/guide/", "list", style="service", count=4, age=60, spacing=40, source="市住房公积金管理中心"),
     K("中心简介", "/about/", "page")),
    old_column=3371, home_column=("办事服务", "住房公积金"),
)
CITY_SITES = (PARENT, SATELLITE)

PAGE_TEXT = {
    "缴存指南": ["在本市行政区域内的国家机关、企业、事业单位及其在职职工，应当按规定缴存住房公积金。",
             "单位应当自设立之日起30日内到市住房公积金管理中心办理住房公积金缴存登记。",
             "住房公积金缴存比例为5%至12%，由单位根据自身情况在规定范围内确定。",
             "灵活就业人员可以自愿缴存住房公积金，具体办法见市住房公积金管理中心网站。"],
    "贷款指南": ["连续足额缴存住房公积金6个月以上的职工，购买、建造、翻建、大修自住住房时可申请住房公积金贷款。",
             "住房公积金贷款最高额度以市住房公积金管理委员会公布的标准为准，贷款期限最长不超过30年。",
             "申请人需提交身份证明、婚姻状况证明、购房合同及首付款凭证等材料。"],
    "城市概况": ["云州市位于浙江省西南部，辖3个区、5个县，总面积9800平方公里，常住人口约260万人。",
             "云州山水秀美，森林覆盖率超过80%，是全国生态文明建设示范市。"],
    "历史沿革": ["云州古称处州，隋开皇九年置州，历代为州、府、路治所。",
             "1949年后设专区，2000年撤地设市，成立地级云州市。"],
    "中心简介": ["云州市住房公积金管理中心是市政府直属的不以营利为目的的事业单位，负责全市住房公积金的归集、管理、使用和会计核算。",
             "中心内设综合科、归集科、信贷科、财务科等科室，下设8个县（区）管理部。"],
}
