"""A small hand-built county in a real workspace: sites, records and links as the crawler and the
extractor store them, with the clues source-column discovery reads (breadcrumbs, ColumnName,
Hanweb/TRS/ASP URLs, list pages and navigation links)."""
from __future__ import annotations

import json

from site_inventory.workspace import init_workspace

STAMP = "2024-01-01T00:00:00+00:00"
PORTAL, TOWN, DEPT, OLD = "3311270000", "3311270001", "3311270003", "3311270005"
SITES = [
    (PORTAL, "青溪县人民政府", "http://www.qx.example.gov.cn/", "county", None, "keep"),
    (TOWN, "青溪县城关镇人民政府", "http://cgz.qx.example.gov.cn/", "township", PORTAL, "migrate"),
    (DEPT, "青溪县农业农村局", "http://nyj.qx.example.gov.cn/", "department", PORTAL, "migrate"),
    (OLD, "青溪县旅游局", "http://lyj.qx.example.gov.cn/", "department", PORTAL, "close"),
]
NEWS = ["召开安全生产工作会议", "开展人居环境整治督查", "举行防汛防台应急演练", "部署秸秆禁烧工作",
        "调研美丽乡村建设推进情况", "召开垃圾分类工作推进会"]
NOTICES = ["关于开展2023年森林防火检查的通知", "关于公布低保核查结果的公示", "关于春节期间值班安排的通知"]
POLICIES = ["关于印发《农村宅基地管理办法》的通知", "关于印发高标准农田建设实施方案的通知"]
TECH = ["春耕生产技术指导活动在各乡镇开展", "农技人员深入田间开展病虫害防治指导", "召开粮食生产技术培训会"]
BODY = {"news": "会议强调，要进一步提高认识，压实责任，扎实推进各项工作落地见效。镇党委书记出席会议并讲话。",
        "notice": "各村、各单位：现将有关事项通知如下，请认真贯彻执行。联系人及电话见附件。特此通知。",
        "policy": "第一条 为规范管理，根据有关法律法规，结合本县实际，制定本办法。第二条 本办法适用于全县范围。",
        "static": "城关镇位于青溪县中部，总面积120平方公里，辖12个行政村、3个社区，总人口4.2万人，历史悠久。"}


class Builder:
    """Adds records and links to a workspace with increasing page ids."""

    def __init__(self, ws):
        self.ws = ws
        self.next_id = 1

    def record(self, code, url, page_type="article", title="", body="", breadcrumb=None, column_name=None,
               published="2023-05-01"):
        page_id = self.next_id
        self.next_id += 1
        self.ws.db["records"].insert({
            "page_id": page_id, "site_code": code, "url": url, "page_type": page_type, "title": title,
            "body_text": body, "published": published, "breadcrumb": json.dumps(breadcrumb or [], ensure_ascii=False),
            "column_name": column_name, "extractor_version": "test", "extracted_at": STAMP})
        return page_id

    def link(self, code, source, target, text=""):
        self.ws.db["links"].insert({"site_code": code, "source_url": source, "target_url": target,
                                    "anchor_text": text, "tag": "a", "in_scope": 1})


def build(path):
    """The mini county workspace at ``path``: 4 sites, about 40 records."""
    ws = init_workspace(path, "青溪县人民政府", "http://www.qx.example.gov.cn")
    for code, name, url, level, parent, action in SITES:
        ws.db["sites"].insert({"site_code": code, "name": name, "url": url, "level": level, "parent_code": parent,
                               "action": action, "created_at": STAMP, "updated_at": STAMP})
    b = Builder(ws)
    portal = "http://www.qx.example.gov.cn"
    for i, title in enumerate(["城关镇" + NEWS[0], "白沙乡" + NEWS[1], "石门镇" + NEWS[2]]):
        b.record(PORTAL, f"{portal}/xwzx/xzdt/content_{i}.html", title=title, body=BODY["news"],
                 breadcrumb=["首页", "新闻中心", "乡镇动态"])
    for i, title in enumerate(NOTICES[:2]):
        b.record(PORTAL, f"{portal}/zwgk/tzgg/content_{10 + i}.html", title=title, body=BODY["notice"],
                 breadcrumb=["首页", "政务公开", "通知公告"])
    town = "http://cgz.qx.example.gov.cn"
    b.record(TOWN, f"{town}/", "homepage", "青溪县城关镇人民政府")
    b.link(TOWN, f"{town}/", f"{town}/col/col1281/index.html", "工作动态")
    b.link(TOWN, f"{town}/", f"{town}/col/col1283/index.html", "通知公告")
    b.link(TOWN, f"{town}/", f"{town}/col/col1299/index.html", "平安建设")
    b.record(TOWN, f"{town}/col/col1281/index.html", "list", "工作动态", breadcrumb=["首页", "政务公开", "工作动态"])
    for i, title in enumerate(NEWS):
        crumbs = ["首页", "政务公开", "工作动态", "正文"] if i % 2 else None
        b.record(TOWN, f"{town}/art/2023/5/{i + 1}/art_1281_{100 + i}.html", title="城关镇" + title,
                 body=BODY["news"], breadcrumb=crumbs, published=f"2023-05-{i + 1:02d}")
    b.record(TOWN, f"{town}/col/col1283/index.html", "list", "通知公告", column_name="通知公告")
    for i, title in enumerate(NOTICES):
        b.record(TOWN, f"{town}/art/2023/4/{i + 1}/art_1283_{200 + i}.html", title=title, body=BODY["notice"],
                 column_name="通知公告", published=f"2023-04-{i + 1:02d}")
    b.record(TOWN, f"{town}/col/col1279/index.html", "article", "镇情简介", BODY["static"],
             breadcrumb=["首页", "镇情简介"])
    b.record(TOWN, f"{town}/zt/pajs.html", title="城关镇召开平安建设宣传月活动动员会", body=BODY["news"])
    dept = "http://nyj.qx.example.gov.cn"
    b.record(DEPT, f"{dept}/", "homepage", "青溪县农业农村局")
    b.link(DEPT, f"{dept}/", f"{dept}/njtg/index.html", "农技推广")
    b.record(DEPT, f"{dept}/gzdt/index.html", "list", "工作动态_青溪县农业农村局", breadcrumb=["首页", "工作动态"])
    for i, title in enumerate(NEWS[:4]):
        b.record(DEPT, f"{dept}/gzdt/202305/t2023050{i + 1}_{300 + i}.html", title="县农业农村局" + title,
                 body=BODY["news"].replace("镇党委书记", "局党组书记"))
    b.record(DEPT, f"{dept}/njtg/index.html", "list", "农技推广")
    for i, title in enumerate(TECH):
        b.record(DEPT, f"{dept}/njtg/202304/t2023040{i + 1}_{400 + i}.html", title=title, body=BODY["news"])
    b.record(DEPT, f"{dept}/zcfg/index.html", "list", "政策法规", breadcrumb=["首页", "政策法规"])
    for i, title in enumerate(POLICIES):
        b.record(DEPT, f"{dept}/zcfg/202303/t2023030{i + 1}_{500 + i}.html", title=title, body=BODY["policy"],
                 breadcrumb=["首页", "政策法规", title])
    old = "http://lyj.qx.example.gov.cn"
    b.record(OLD, f"{old}/news_list.asp?classid=6", "list", "通知公告-青溪县旅游局", column_name="通知公告")
    for i, title in enumerate(NOTICES[:2]):
        url = f"{old}/news_show.asp?id={600 + i}"
        b.link(OLD, f"{old}/news_list.asp?classid=6", url, title)
        b.record(OLD, url, title=title, body=BODY["notice"])
    b.record(OLD, f"{old}/search.asp?keyword=", "search_form", "站内搜索")
    return ws


# The true target of every item, as a planner would decide (used by tests only).
TRUTH = {
    "art_1281_": "xzdt", "art_1283_": "tzgg", "col1279": "gkxx", "/gzdt/": "bmdt", "/njtg/": "bmdt",
    "/zcfg/": "zcwj", "news_show.asp": "tzgg", "/zt/pajs": "xzdt",
}


def true_target(url: str) -> str:
    return next(target for key, target in TRUTH.items() if key in url)
