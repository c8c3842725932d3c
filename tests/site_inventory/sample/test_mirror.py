"""A real county portal (柘城县, EmpireCMS, HTTrack mirror in ../shared/estates) served over https as the kept parent.

The mirror is served as a static server would serve it, over TLS with a test CA and an http twin,
crawled through resolve rules (capped, so the test stays quick) and extracted. It has no answer
key: each article's own labels (发布日期, 来源, 当前位置) are the reference. Skipped when the
folder is absent.
"""
from __future__ import annotations

import json
import re

import pytest
from lxml import html as lxml_html

from site_inventory.sample.mirror import MirrorSite
from site_inventory.sample.tls import HttpTwin
from site_inventory.workspace import open_workspace

from real_estate import ZHECHENG, estate_folder, zhecheng_workspace  # noqa: F401  (fixture)

ARTICLE = re.compile(r"/\d{4}-\d{2}-\d{2}/\d+\.html$")
LIST = re.compile(r"/index(?:_\d+)?\.html$|/$")
DATE_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def labels(body: bytes) -> dict:
    """What the article itself says: 发布日期, 来源 and the 当前位置 items."""
    doc = lxml_html.fromstring(body.decode("utf-8"))
    text = doc.text_content()
    date = re.search(r"发布日期：\s*(\d{4}-\d{2}-\d{2})", text)
    source = [b.text_content().strip() for b in doc.xpath('//span[starts-with(normalize-space(.), "来源：")]/b')]
    crumb = doc.xpath('//div[@class="curmb"]')
    items = [p.strip() for p in crumb[0].text_content().split("当前位置：", 1)[-1].split(">")] if crumb else []
    return {"published": date and date[1], "source": (source or [None])[0] or None, "breadcrumb": [i for i in items if i]}


def test_the_mirror_is_served_like_a_static_server():
    host, code, _ = ZHECHENG
    mirror = MirrorSite(estate_folder(host), host, code)
    home = mirror.respond(host, "/")
    assert home.status == 200 and home.content_type == "text/html" and b"4114240001" in home.body
    assert mirror.respond(host, "/index.html?link=ywdt").body == home.body   # the query is ignored
    folder = mirror.respond(host, "/ywdt/zcyw")
    assert (folder.status, folder.headers["Location"]) == (301, f"https://{host}/ywdt/zcyw/")
    assert mirror.respond(host, "/ywdt/zcyw/").body == mirror.respond(host, "/ywdt/zcyw/index.html").body
    assert mirror.respond(host, "/no/such/page.html") is None
    assert mirror.respond(host, "/../README.md") is None and mirror.respond(host, "/%2e%2e/README.md") is None
    assert mirror.respond("other.example.gov.cn", "/") is None
    twin = HttpTwin(mirror).respond(host, "/ywdt/index.html?x=1")
    assert (twin.status, twin.headers["Location"]) == (301, f"https://{host}/ywdt/index.html?x=1")


def test_real_portal_over_https_keeps_each_articles_date_source_and_breadcrumb(zhecheng_workspace):
    folder, _, mirror = zhecheng_workspace
    ws = open_workspace(folder)
    try:
        pages = {r["url"]: r for r in ws.db.query("SELECT url, status, final_url FROM pages")}
        records = {r["url"]: r for r in ws.db.query("SELECT url, page_type, published, source, breadcrumb FROM records")}
    finally:
        ws.close()
    https = [u for u, p in pages.items() if u.startswith(f"https://{mirror.host}/") and p["status"] == 200]
    articles = [u for u in https if ARTICLE.search(u)]
    assert len(articles) >= 100
    wrong, checked = [], 0
    for url in articles:
        page = mirror.respond(mirror.host, url.split(mirror.host, 1)[1])
        said = labels(page.body)
        got = records[url]
        crumb = json.loads(got["breadcrumb"] or "[]")
        if not said["published"]:
            continue   # a page that shows no date or source (领导 profiles): nothing to compare with
        if (said["published"], said["source"], said["breadcrumb"]) != ((got["published"] or "")[:10], got["source"],
                                                                      crumb):
            wrong.append((url, said, dict(got)))
        checked += 1
    assert wrong == [] and checked >= 100, (len(wrong), checked, wrong[:3])


def holds_articles(folder) -> bool:
    """A column folder whose articles sit in its own date folders (EmpireCMS /<column>/<YYYY-MM-DD>/<id>.html)."""
    return any(p.is_dir() and DATE_FOLDER.match(p.name) for p in folder.iterdir())


def test_real_portal_list_and_section_pages_are_found(zhecheng_workspace):
    folder, _, mirror = zhecheng_workspace
    ws = open_workspace(folder)
    try:
        types = {r["url"]: r["page_type"] for r in ws.db.query(
            "SELECT r.url, r.page_type FROM records r JOIN pages p ON p.id = r.page_id WHERE p.status = 200")}
    finally:
        ws.close()
    lists, sections = [], []
    for url in types:
        path = url.split(mirror.host, 1)[1]
        if LIST.search(path) and path.count("/") >= 2:   # a column's index pages, not the homepage
            (lists if holds_articles(mirror.file_for(path).parent) else sections).append(url)
    assert len(lists) >= 20 and sections
    assert [(u, types[u]) for u in lists if types[u] != "list"] == []
    assert [(u, types[u]) for u in sections if types[u] not in ("list", "column_index")] == []


def test_real_portal_tree_from_its_crawl_has_its_top_columns_with_their_urls(zhecheng_workspace):
    site_tree = pytest.importorskip("mappings.site_tree", reason="the from-site tree (issue 14 item 4)").site_tree
    folder, _, mirror = zhecheng_workspace
    ws = open_workspace(folder)
    try:
        tree = site_tree(ws, ZHECHENG[1])
    finally:
        ws.close()
    by_name = {c.name: c for c in tree.columns}
    folders = {"要闻动态": "/ywdt/", "柘城要闻": "/ywdt/zcyw/", "信息公开": "/xxgk/", "政府信息公开目录": "/xxgk/xxgkml/"}
    got = {name: by_name[name].url and by_name[name].url.split(mirror.host, 1)[1] for name in folders if name in by_name}
    assert {n: (u or "").replace("index.html", "") for n, u in got.items()} == folders
    assert by_name["柘城要闻"].parent == by_name["要闻动态"].id
    assert by_name["政府信息公开目录"].parent == by_name["信息公开"].id
