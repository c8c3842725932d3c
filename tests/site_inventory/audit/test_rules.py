"""The audit's rules and queries on planted rows: thresholds, boundaries, evidence, verdicts."""
from datetime import date

import pytest

from audit_builder import Builder
from site_inventory.audit import rules
from site_inventory.audit.run import AuditError, audit
from site_inventory.workspace import init_workspace

AS_OF = "2024-06-30"
CODE, OTHER = "3311270001", "3311270002"
HOME = "http://a.example.gov.cn/"


@pytest.fixture
def ws(tmp_path):
    workspace = init_workspace(tmp_path / "ws")
    yield workspace
    workspace.close()


def town(ws, code=CODE, host="a.example.gov.cn", level="township"):
    """A site with a homepage; returns the builder and the homepage URL."""
    b = Builder(ws.db)
    b.site(code, f"测试{code[-1]}镇", f"http://{host}/", level=level)
    b.page(code, f"http://{host}/", via="seed", page_type="homepage", title="首页")
    return b, f"http://{host}/"


def fresh(b, home, code=CODE):
    """A 要闻 column with an item of yesterday, linked from the homepage: a fresh, passing site."""
    url = f"{home}news/0.html"
    b.column(code, f"{home}news/", "要闻", [(url, day(1))])
    b.link(code, home, url)


def day(offset):
    """The date ``offset`` days before AS_OF."""
    return date.fromordinal(date.fromisoformat(AS_OF).toordinal() - offset).isoformat()


def only(result, code=CODE):
    return next(s for s in result.sites if s.site_code == code)


def finding(site, rule):
    return next(f for f in site.findings if f.rule == rule)


@pytest.mark.parametrize("name,kind", [
    ("工作动态", "dynamic"), ("政务要闻", "dynamic"), ("乡镇动态", "dynamic"), ("旅游资讯", "dynamic"),
    ("通知公告", "notice"), ("公示公告", "notice"), ("政策文件", "policy"), ("政策法规", "policy"),
    ("规范性文件", "policy"), ("政策解读", "policy"), ("办事指南", "other"), ("机构职能", "other"),
    ("政府信息公开年报", "other"), (None, "other"),
])
def test_kind_from_name(name, kind):
    assert rules.infer_kind(name) == kind


def test_months_before_clamps_to_month_end():
    assert rules.months_before(date(2024, 8, 31), 6) == date(2024, 2, 29)
    assert rules.months_before(date(2024, 3, 15), 6) == date(2023, 9, 15)


def test_bad_kind_override_names_the_key():
    with pytest.raises(rules.AuditConfigError, match="3311270001/消费维权.*weekly"):
        rules.kind_overrides({"audit": {"column_kinds": {"3311270001/消费维权": "weekly"}}})
    with pytest.raises(rules.AuditConfigError, match="must look like"):
        rules.kind_overrides({"audit": {"column_kinds": {"消费维权": "dynamic"}}})


def test_dynamic_column_stale_after_two_weeks_not_before(ws):
    b, home = town(ws)
    b.column(CODE, "http://a.example.gov.cn/gzdt/", "工作动态", [("http://a.example.gov.cn/gzdt/1.html", day(14))])
    b.column(CODE, "http://a.example.gov.cn/xzdt/", "镇村动态", [("http://a.example.gov.cn/xzdt/1.html", day(15))])
    b.commit()
    cols = {c.name: c for c in only(audit(ws, as_of=AS_OF)).columns}
    assert (cols["工作动态"].stale, cols["工作动态"].age_days) == (False, 14)
    assert (cols["镇村动态"].stale, cols["镇村动态"].age_days) == (True, 15)


def test_notice_column_stale_after_six_calendar_months(ws):
    b, home = town(ws)
    b.column(CODE, "http://a.example.gov.cn/tzgg/", "通知公告", [("http://a.example.gov.cn/tzgg/1.html", "2023-12-30")])
    b.column(CODE, "http://a.example.gov.cn/zcwj/", "政策文件", [("http://a.example.gov.cn/zcwj/1.html", "2023-12-29")])
    b.commit()
    site = only(audit(ws, as_of=AS_OF))
    cols = {c.name: c for c in site.columns}
    assert not cols["通知公告"].stale and cols["政策文件"].stale
    assert finding(site, "stale_notice_policy_columns").status == "fail"
    assert finding(site, "stale_notice_policy_columns").evidence == ["政策文件（最新 2023-12-29）"]


def test_undated_items_never_count_as_updates(ws):
    b, home = town(ws)
    url = b.column(CODE, "http://a.example.gov.cn/tzgg/", "通知公告", [("http://a.example.gov.cn/tzgg/1.html", None)])
    b.link(CODE, home, url)
    b.link(CODE, home, "http://a.example.gov.cn/tzgg/1.html")
    b.commit()
    site = only(audit(ws, as_of=AS_OF))
    assert site.columns[0].stale and site.columns[0].undated_items == 1
    assert [u.url for u in site.undated_items] == ["http://a.example.gov.cn/tzgg/1.html"]
    assert finding(site, "homepage_stale").status == "fail"
    assert site.homepage_newest is None


def test_paginated_list_pages_are_one_column(ws):
    b, home = town(ws)
    items = [(f"http://a.example.gov.cn/gzdt/{n}.html", day(n)) for n in range(1, 8)]
    b.column(CODE, "http://a.example.gov.cn/gzdt/", "工作动态", items, crumbs=["政务公开", "工作动态"], pages=3)
    b.commit()
    [col] = only(audit(ws, as_of=AS_OF)).columns
    assert (col.path, col.list_pages, col.items, col.newest) == ("政务公开 > 工作动态", 3, 7, day(1))


def test_blank_columns_and_parent_columns(ws):
    b, home = town(ws)
    parent = b.column(CODE, "http://a.example.gov.cn/zwgk/", "政务公开", [])
    b.column(CODE, "http://a.example.gov.cn/zwgk/czxx/", "财政信息", [], crumbs=["政务公开", "财政信息"])
    b.column(CODE, "http://a.example.gov.cn/zwgk/rsxx/", "人事信息", [], crumbs=["政务公开", "人事信息"])
    b.commit()
    site = only(audit(ws, as_of=AS_OF))
    blank = {c.path: c.blank for c in site.columns}
    assert blank == {"政务公开": False, "政务公开 > 财政信息": True, "政务公开 > 人事信息": True}
    assert site.blank_columns == 2
    assert finding(site, "blank_columns").status == "pass"
    assert parent.endswith("/zwgk/index.html")


@pytest.mark.parametrize("blank,status", [(2, "pass"), (4, "warn"), (5, "fail")])
def test_blank_column_threshold(ws, blank, status):
    b, home = town(ws)
    fresh(b, home)
    for n in range(blank):
        b.column(CODE, f"http://a.example.gov.cn/c{n}/", f"栏目{n}", [])
    b.commit()
    site = only(audit(ws, as_of=AS_OF))
    assert finding(site, "blank_columns").status == status
    assert (site.verdict == "fail") == (status == "fail")


@pytest.mark.parametrize("stale,verdict", [(4, "pass"), (5, "fail")])
def test_five_stale_dynamic_columns_fail(ws, stale, verdict):
    b, home = town(ws)
    fresh(b, home)
    for n in range(stale):
        b.column(CODE, f"http://a.example.gov.cn/d{n}/", f"动态{n}", [(f"http://a.example.gov.cn/d{n}/1.html", day(30))])
    b.commit()
    site = only(audit(ws, as_of=AS_OF))
    assert finding(site, "stale_dynamic_columns").value == stale
    assert site.verdict == verdict


def test_kind_override_from_config_and_unused_override_warned(ws):
    b, home = town(ws)
    b.column(CODE, "http://a.example.gov.cn/xfwq/", "消费维权", [("http://a.example.gov.cn/xfwq/1.html", day(20))])
    b.commit()
    assert not only(audit(ws, as_of=AS_OF)).columns[0].stale  # "other" by name: never stale
    ws.config["audit"]["column_kinds"] = {f"{CODE}/消费维权": "dynamic", f"{CODE}/不存在": "notice"}
    result = audit(ws, as_of=AS_OF)
    col = only(result).columns[0]
    assert (col.kind, col.kind_source, col.stale) == ("dynamic", f"config:{CODE}/消费维权", True)
    assert result.warnings == [f"audit.column_kinds['{CODE}/不存在'] matches no column of the audited sites"]


def test_homepage_pure_navigation_uses_second_level_pages(ws):
    b, home = town(ws)
    col = b.column(CODE, "http://a.example.gov.cn/gzdt/", "工作动态", [("http://a.example.gov.cn/gzdt/1.html", day(3))])
    b.link(CODE, home, col)
    b.commit()
    site = only(audit(ws, as_of=AS_OF))
    assert (site.homepage_basis, site.homepage_newest, site.homepage_age_days) == ("second_level", day(3), 3)
    assert finding(site, "homepage_stale").status == "pass"


@pytest.mark.parametrize("age,status", [(10, "pass"), (11, "warn"), (14, "warn"), (15, "fail")])
def test_homepage_freshness_threshold(ws, age, status):
    b, home = town(ws)
    b.column(CODE, "http://a.example.gov.cn/gzdt/", "工作动态", [("http://a.example.gov.cn/gzdt/1.html", day(age))])
    b.link(CODE, home, "http://a.example.gov.cn/gzdt/1.html")
    b.commit()
    site = only(audit(ws, as_of=AS_OF))
    assert site.homepage_basis == "homepage"
    assert finding(site, "homepage_stale").status == status


def test_items_after_as_of_do_not_make_a_column_fresh(ws):
    b, home = town(ws)
    b.column(CODE, "http://a.example.gov.cn/gzdt/", "工作动态",
             [("http://a.example.gov.cn/gzdt/1.html", day(40)), ("http://a.example.gov.cn/gzdt/2.html", day(-5))])
    b.commit()
    [col] = only(audit(ws, as_of=AS_OF)).columns
    assert (col.items, col.newest, col.stale) == (2, day(40), True)


def test_broken_links_internal_external_and_failed_with_sources(ws):
    b, home = town(ws)
    b2, home2 = town(ws, OTHER, "b.example.gov.cn")
    col = b.column(CODE, "http://a.example.gov.cn/gzdt/", "工作动态", [("http://a.example.gov.cn/gzdt/1.html", day(1))])
    art = "http://a.example.gov.cn/gzdt/1.html"
    b.page(CODE, "http://a.example.gov.cn/gone.html", status=404)
    b.link(CODE, col, "http://a.example.gov.cn/gone.html")
    b.link(CODE, art, "http://a.example.gov.cn/gone.html")
    b.failed(CODE, "http://a.example.gov.cn/reset.html", "connection reset")
    b.link(CODE, art, "http://a.example.gov.cn/reset.html")
    b2.page(OTHER, "http://b.example.gov.cn/old.html", status=410)
    b.link(CODE, art, "http://b.example.gov.cn/old.html", in_scope=0)
    b.link(CODE, art, "http://b.example.gov.cn/", in_scope=0)       # fetched by the other site: fine
    b.link(CODE, art, "http://www.gov.cn/", in_scope=0)              # never fetched: unchecked
    b.commit()
    site = only(audit(ws, as_of=AS_OF))
    got = {(x.target_url, x.scope, x.status, x.problem, x.link_count, tuple(x.source_urls)) for x in site.broken_links}
    assert got == {
        ("http://a.example.gov.cn/gone.html", "internal", 404, "HTTP 404", 2, (art, col)),
        ("http://a.example.gov.cn/reset.html", "internal", None, "connection reset", 1, (art,)),
        ("http://b.example.gov.cn/old.html", "external", 410, "HTTP 410", 1, (art,)),
    }
    assert site.external_links_unchecked == 1
    assert finding(site, "broken_links").status == "deduct"
    assert only(audit(ws, as_of=AS_OF), OTHER).broken_links == []


def test_reachability_from_crawl_failures(ws):
    b, home = town(ws)
    for n in range(18):
        b.page(CODE, f"http://a.example.gov.cn/p{n}.html")
    b.failed(CODE, "http://a.example.gov.cn/timeout.html", "timed out")
    b.commit()
    site = only(audit(ws, as_of=AS_OF))
    assert (site.requests, site.request_failures_count) == (20, 1)
    assert finding(site, "unreachable").status == "fail"  # 1 of 20 = 5%
    b.page(CODE, "http://a.example.gov.cn/p18.html")
    b.commit()
    assert finding(only(audit(ws, as_of=AS_OF)), "unreachable").status == "pass"


def test_unreachable_homepage_fails(ws):
    b = Builder(ws.db)
    b.site(CODE, "测试镇", HOME)
    b.failed(CODE, HOME, "connection refused")
    b.commit()
    site = only(audit(ws, as_of=AS_OF))
    unreachable = finding(site, "unreachable")
    assert unreachable.status == "fail" and unreachable.evidence[0].startswith(f"首页 {HOME}")
    assert site.verdict == "fail"


def test_site_never_crawled_is_not_evaluated(ws):
    Builder(ws.db).site(CODE, "测试镇", HOME).commit()
    site = only(audit(ws, as_of=AS_OF))
    assert site.verdict == "not_evaluated" and site.recommendation == ""
    assert finding(site, "unreachable").status == "not_evaluated"


def test_volumes_attachment_types_and_years(ws):
    b, home = town(ws)
    b.column(CODE, "http://a.example.gov.cn/gzdt/", "工作动态",
             [("http://a.example.gov.cn/gzdt/1.html", "2023-03-01"), ("http://a.example.gov.cn/gzdt/2.html", "2024-05")])
    b.page(CODE, "http://a.example.gov.cn/f/a.pdf", kind="attachment", size=300)
    b.page(CODE, "http://a.example.gov.cn/module/download/downfile.jsp?filename=b.doc", kind="attachment", size=200,
           content_type="application/octet-stream")
    b.page(CODE, "http://a.example.gov.cn/f/c", kind="attachment", size=100, content_type="application/pdf")
    b.commit()
    site = only(audit(ws, as_of=AS_OF))
    assert {(a.type, a.count, a.bytes) for a in site.attachment_types} == {("PDF", 2, 400), ("DOC", 1, 200)}
    assert site.items_by_year == {"2023": 1, "2024": 1}
    assert (site.items, site.attachments, site.attachment_bytes) == (2, 3, 600)
    assert site.migrate_bytes == 2 * 1000 + 600
    assert site.pages == 4  # homepage, list page, two articles


def test_soft_404_pages_reported(ws):
    b, home = town(ws)
    b.page(CODE, "http://a.example.gov.cn/nothing.html", soft_404=1)
    b.commit()
    site = only(audit(ws, as_of=AS_OF))
    assert site.soft_404_urls == ["http://a.example.gov.cn/nothing.html"]
    assert finding(site, "soft_404").status == "deduct"


def test_unknown_code_and_bad_date_are_errors(ws):
    Builder(ws.db).site(CODE, "测试镇", HOME).commit()
    with pytest.raises(AuditError, match="9999999999"):
        audit(ws, ["9999999999"])
    with pytest.raises(AuditError, match="2024-13"):
        audit(ws, as_of="2024-13-01")


def test_recommendations(ws):
    b, home = town(ws, level="department")
    b.column(CODE, "http://a.example.gov.cn/gzdt/", "工作动态", [("http://a.example.gov.cn/gzdt/1.html", day(1))])
    b.link(CODE, home, "http://a.example.gov.cn/gzdt/1.html")
    b.commit()
    site = only(audit(ws, as_of=AS_OF))
    assert (site.verdict, site.recommendation) == ("pass", "keep")
    stale = only(audit(ws, as_of="2025-01-01"))
    assert (stale.verdict, stale.recommendation) == ("fail", "migrate")
    assert "首页不更新" in stale.recommendation_reason


def test_reposts_across_sites_with_extractions_fingerprints(ws):
    from extractors.fingerprint import fingerprint, similarity

    from site_inventory.audit.reposts import similarity as audit_similarity

    text = ("为进一步做好今年防汛防台工作，确保人民群众生命财产安全，经县政府同意，现将有关事项通知如下。"
            "一、提高思想认识。各乡镇、各部门要充分认识做好防汛防台工作的重要性和紧迫性，克服麻痹思想。"
            "二、落实防御责任。严格落实以行政首长负责制为核心的各项责任制，明确责任人并向社会公布。"
            "三、加强隐患排查。对水库山塘、地质灾害点、在建工地等重点部位开展拉网式排查，建立整改台账。"
            "四、强化应急值守。汛期实行二十四小时值班和领导带班制度，遇有重大险情及时报告县防指。")
    other = ("关于开展森林防火专项检查的通知。各村、各单位要高度重视，认真组织开展自查自纠工作，"
             "重点检查野外用火管理、防火物资储备、扑火队伍建设和宣传教育等情况，发现问题立即整改。")
    b, home = town(ws)
    b2, home2 = town(ws, OTHER, "b.example.gov.cn")
    fps = {"orig": fingerprint(text), "copy": fingerprint(text + "（转载自县政府门户网站）"), "other": fingerprint(other)}
    assert abs(audit_similarity(fps["orig"], fps["copy"]) - similarity(fps["orig"], fps["copy"])) < 1e-9
    b.page(CODE, f"{home}a/1.html", page_type="article", published=day(3), title="通知", fingerprint=fps["orig"])
    b.page(CODE, f"{home}a/2.html", page_type="article", published=day(3), title="检查", fingerprint=fps["other"])
    b2.page(OTHER, f"{home2}z/9.html", page_type="article", published=day(2), title="通知", fingerprint=fps["copy"])
    b2.page(OTHER, f"{home2}z/10.html", page_type="article", published=day(2), title="另一条", fingerprint="sha1:abc")
    b.commit()
    result = audit(ws, as_of=AS_OF)
    mine, theirs = only(result).reposts, only(result, OTHER).reposts
    assert [(r.url, r.other_site_code, r.other_url) for r in mine] == [(f"{home}a/1.html", OTHER, f"{home2}z/9.html")]
    assert [(r.url, r.other_url) for r in theirs] == [(f"{home2}z/9.html", f"{home}a/1.html")]
    assert mine[0].similarity >= 0.9
    assert result.warnings == ["1 items have a fingerprint in an unknown format: not compared for reposts"]
    assert only(audit(ws, [CODE], as_of=AS_OF)).reposts == mine  # other sites are compared even when not audited


def test_placeholder_crumbs_trap_pages_and_single_page_children(ws):
    b, home = town(ws)
    fresh(b, home)
    b.column(CODE, f"{home}tzgg/", "通知公告", [(f"{home}tzgg/1.html", day(2))], crumbs=["通知公告", "正文"])
    b.page(CODE, f"{home}zjqx/", page_type="column_index", title="走进", column_name="走进", breadcrumb=["首页", "走进"])
    b.page(CODE, f"{home}zjqx/gk.html", page_type="article", published=day(300), breadcrumb=["首页", "走进", "概况"])
    for month in ("2024-05", "2024-06"):
        b.page(CODE, f"{home}calendar/?month={month}", page_type="list", title="日历", breadcrumb=[])
    b.skipped(CODE, f"{home}calendar/?month=2024-07", "calendar-trap")
    b.commit()
    site = only(audit(ws, as_of=AS_OF))
    cols = {c.path: c for c in site.columns}
    assert set(cols) == {"要闻", "通知公告", "走进"}  # no "通知公告 > 正文", no calendar column
    assert cols["通知公告"].items == 1
    assert not cols["走进"].blank and cols["走进"].has_subcolumns


def test_column_above_other_columns_by_url_is_a_parent(ws):
    b, home = town(ws)
    fresh(b, home)
    b.page(CODE, f"{home}xxgk/", page_type="column_index", title="信息公开", breadcrumb=[])
    b.column(CODE, f"{home}xxgk/gsgg/", "公示公告", [(f"{home}xxgk/gsgg/1.html", day(3))])
    b.commit()
    cols = {c.path: c for c in only(audit(ws, as_of=AS_OF)).columns}
    assert cols[f"{home}xxgk/"].has_subcolumns and not cols[f"{home}xxgk/"].blank
    assert not cols["公示公告"].has_subcolumns
