"""extract_page on self-made pages in the shapes of real government CMSs."""
from __future__ import annotations

import json

from extractors import FIELDS, extract_page
from extractors.fingerprint import is_near_duplicate, similarity

from gov_pages import HANWEB_BODY, TRS_BODY, hanweb_gbk, trs_utf8, xxgk_page

HANWEB_URL = "http://cgz.qingxi.example.gov.cn/art/2026/6/7/art_1283_7412224.html"


def test_hanweb_gbk_article_every_field():
    r = extract_page(hanweb_gbk(), HANWEB_URL, content_type="text/html")
    assert r.page_type == "article"
    assert r.title == "关于做好防汛抗旱工作的通知"
    assert r.published == "2026-06-07T09:30"
    assert (r.source, r.author) == ("青溪县城关镇人民政府", "王红梅")
    assert r.breadcrumb == ["首页", "政务公开", "通知公告"]
    assert r.column_name == "通知公告"
    assert r.body_text == "\n".join(HANWEB_BODY)  # 附件 and 相关链接 blocks are not body
    assert r.images == [{"url": "http://cgz.qingxi.example.gov.cn/picture/0/flood.jpg", "alt": "防汛演练"}]
    assert 'src="http://cgz.qingxi.example.gov.cn/picture/0/flood.jpg"' in r.body_html
    assert [(a["title"], a["type"], a["size"]) for a in r.attachments] == [
        ("附件1：防汛预案.pdf", "pdf", 12 * 1024), ("附件2：值班表.doc", "doc", None)]
    assert r.attachments[0]["url"] == ("http://cgz.qingxi.example.gov.cn/module/download/downfile.jsp"
                                       "?classid=0&filename=2606070000001.pdf")
    assert r.language == "zh"
    assert not any("charset" in w for w in r.warnings), r.warnings


def test_hanweb_body_comes_from_the_zjeg_markers_not_the_page():
    r = extract_page(hanweb_gbk(), HANWEB_URL)
    assert "大汉版通发布系统" not in r.body_text and "当前位置" not in r.body_text
    assert "<script" not in r.body_html and "style=" not in r.body_html


def test_trs_article_meta_wins_and_chrome_dates_are_ignored():
    r = extract_page(trs_utf8(), "http://www.qingxi.example.gov.cn/bmdt/202606/t20260620_5301.html")
    assert r.title == "李明督查安全生产工作"
    assert r.published == "2026-06-20T16:05"
    assert r.source == "青溪县应急管理局"
    assert r.author == "赵六"  # 责任编辑, the only person named
    assert "author guessed from the editor" in r.warnings
    assert r.body_text.split("\n")[:3] == TRS_BODY
    assert r.breadcrumb == ["首页", "新闻中心", "部门动态"]
    assert r.attachments[0]["url"] == "http://www.qingxi.example.gov.cn/bmdt/202606/P020260620512345678901.xlsx"
    assert r.attachments[0]["type"] == "xlsx"


def test_trs_without_meta_uses_labels_not_the_today_clock():
    r = extract_page(trs_utf8(pub_meta=False), "http://www.qingxi.example.gov.cn/bmdt/202606/t20260620_5301.html")
    assert r.published == "2026-06-20"  # 发布时间 label; the footer's 今天是 2026年6月30日 is chrome
    assert r.source == "县应急管理局"


def test_xxgk_table_fields():
    r = extract_page(xxgk_page(), "http://www.qingxi.example.gov.cn/zwgk/zcwj/202603/t20260305_5057.html")
    assert r.title == "青溪县人民政府关于印发森林防火办法的通知"
    assert r.index_number == "002581234/2026-00570"
    assert r.subject == "农业、林业、水利/林业"
    assert r.source == "青溪县人民政府办公室"
    assert r.written_date == "2026-03-02"
    assert r.published == "2026-03-05"
    assert r.doc_number == "青政发〔2026〕5号"
    assert r.validity == "有效"
    assert r.breadcrumb == ["首页", "政府信息公开", "政策文件"]
    assert r.body_text.startswith("青政发〔2026〕5号\n各乡镇人民政府，县政府各部门：")
    assert "索引号" not in r.body_text and "发布机构" not in r.body_text  # the table is metadata


def test_dates_never_from_the_future_or_the_copyright_line():
    html = ("<html><head><meta charset='utf-8'><title>通知</title></head><body><h1>关于开展春季植树活动的通知</h1>"
            "<p>各单位：定于三月开展植树活动，请做好准备，按时参加，共同绿化家园，建设美丽乡村。</p>"
            "<p>活动将持续到2099年12月31日。</p>"
            "<div>Copyright © 2019 县政府 版权所有</div></body></html>").encode()
    r = extract_page(html, "http://x.example.gov.cn/news/1.html")
    assert r.published is None or not r.published.startswith(("2099", "2019"))


def test_record_json_keys_are_exactly_the_fields():
    r = extract_page(xxgk_page(), "http://www.qingxi.example.gov.cn/zwgk/a.html")
    data = json.loads(json.dumps(r.to_dict(), ensure_ascii=False))
    assert tuple(data) == FIELDS
    assert set(FIELDS) >= {"url", "page_type", "title", "body_html", "body_text", "published", "modified",
                           "source", "author", "doc_number", "index_number", "subject", "written_date",
                           "validity", "breadcrumb", "column_name", "attachments", "images", "language",
                           "fingerprint", "warnings"}


def test_per_site_overrides_body_and_noise_xpath():
    html = ("<html><head><meta charset='utf-8'><title>乡镇简介</title></head><body>"
            "<div id='menu'>首页 工作动态 通知公告 政务公开 办事服务 互动交流</div>"
            "<div class='weird'><p>白沙乡位于县境东部，辖8个行政村，总面积60平方公里，人口1.2万。</p>"
            "<p class='ad'>扫一扫关注公众号</p></div><div class='side'>热门文章 排行榜</div></body></html>").encode()
    r = extract_page(html, "http://bsx.example.gov.cn/a/xqgk/",
                     overrides={"body_xpath": "//div[@class='weird']", "noise_xpath": ["//p[@class='ad']"]})
    assert r.body_text == "白沙乡位于县境东部，辖8个行政村，总面积60平方公里，人口1.2万。"
    bad = extract_page(html, "http://bsx.example.gov.cn/a/xqgk/", overrides={"body_xpath": "//div[@id='nope']"})
    assert any("matched nothing" in w for w in bad.warnings)
    assert "白沙乡位于县境东部" in bad.body_text


def test_fingerprint_finds_chinese_near_duplicates():
    base = "".join(HANWEB_BODY) * 3
    a = extract_page(hanweb_gbk(), HANWEB_URL).fingerprint
    assert a.startswith("mh2:")
    from extractors.fingerprint import fingerprint

    edited = fingerprint(base.replace("明确专人负责", "明确专人具体负责"))
    other = fingerprint("".join(TRS_BODY) * 3)
    assert similarity(fingerprint(base), edited) > 0.8
    assert similarity(fingerprint(base), other) < 0.2
    assert is_near_duplicate(fingerprint(base), edited) and not is_near_duplicate(fingerprint(base), other)
