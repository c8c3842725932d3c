"""The parent's tree from its own crawl (columns target --from-site), {column_url}, site placement
and whole-site rules, on the sample county crawled on loopback and on the mini county."""
import json

import pytest
import yaml
from click.testing import CliRunner

import mini_county
from mappings.apply import apply, assign
from mappings.check import check
from mappings.placement import load_placements
from mappings.rules import Rule, RuleError, load_rules, read_rules_file, save_rules
from mappings.site_tree import site_tree
from mappings.suggest import suggest
from mappings.target_tree import TargetColumn, TargetTree, TreeError, load_tree, tree_for_workspace, write_tree
from migrate.cli import cli
from migrate.export.newurls import url_builder
from site_inventory.urls import canonicalize

PORTAL = "3311270000"
LEVEL_COLUMN = {"township": "xzdt", "department": "bmdt"}  # the default tree's columns made for a level


@pytest.fixture
def county(county_ws):
    """A copy of the crawled sample county (tests/mappings/conftest.py)."""
    return county_ws


def use_from_site_tree(ws):
    """What a planner does: write the parent's tree from its crawl and load it as the target tree."""
    write_tree(site_tree(ws, PORTAL), ws.path / "tree.yaml")
    ws.config["mapping"]["target_tree"] = "tree.yaml"
    ws.save_config()
    return tree_for_workspace(ws)


def section_pages(manifest) -> dict[str, str]:
    """Canonical URL -> column name of every section page of the portal: its group and list pages
    (first page) and its single-page columns."""
    pages = {p["canonical_url"]: p["column"][-1] for p in manifest["pages"]
             if p["site_code"] == PORTAL and p["page_type"] in ("column_index", "list")
             and p.get("page_number", 1) == 1}
    for column in manifest["columns"]:
        if column["site_code"] == PORTAL and column["single_page"]:
            pages[canonicalize(column["url"])] = column["name"]
    return pages


def test_from_site_tree_holds_every_section_page_of_the_parent_with_its_url(county, sample_county):
    tree = site_tree(county, PORTAL)
    by_url = {canonicalize(c.url): c for c in tree.columns if c.url}
    expected = section_pages(sample_county.manifest)
    assert len(expected) >= 13
    assert {url: by_url[url].name for url in expected if url in by_url} == expected
    for column in tree.columns:  # parents from breadcrumbs, a kind for each
        assert column.kind in ("dynamic", "notice", "policy", "static", "service", "interaction")
    names = {"/".join(tree.names_path(c.id)): c for c in tree.columns}
    assert names["新闻中心/乡镇动态"].levels == ["township"] and names["政务公开/通知公告"].kind == "notice"
    assert "站内搜索" not in {c.name for c in tree.columns}  # the search page the menu links is no column


def test_from_site_cli_writes_a_tree_the_loader_reads(county, tmp_path):
    runner = CliRunner()
    out = tmp_path / "tree.yaml"
    result = runner.invoke(cli, ["-w", str(county.path), "columns", "target", "--from-site", PORTAL, "-o", str(out)])
    assert result.exit_code == 0, result.output
    loaded = load_tree(out)
    assert [(c.id, c.name, c.parent, c.url) for c in loaded.columns] == [
        (c.id, c.name, c.parent, c.url) for c in site_tree(county, PORTAL).columns]
    top = runner.invoke(cli, ["-w", str(county.path), "columns", "target", "--from-site", PORTAL, "--depth", "1",
                              "--json"])
    columns = json.loads(top.output)["columns"]
    assert {c["name"] for c in columns} == {"新闻中心", "政务公开", "解读回应", "办事服务", "走进青溪"}
    assert all(c["parent"] is None and c["url"].endswith("/index.html") for c in columns)
    missing = runner.invoke(cli, ["-w", str(county.path), "columns", "target", "--from-site", "3311279999"])
    assert missing.exit_code != 0 and "not in the inventory" in missing.output


def test_tree_files_without_urls_still_load_and_bad_urls_are_named(tmp_path):
    assert not load_tree().has_urls  # the default tree (no url fields) loads as before
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"columns": [{"id": "a", "name": "甲", "kind": "static", "url": "ftp://x/"}]}),
                   encoding="utf-8")
    with pytest.raises(TreeError, match="'url' must be an http"):
        load_tree(bad)


def home_columns(ws, sites, tree) -> dict[str, str]:
    return {code: p.column_id for code, p in load_placements(ws.db).items() if code in sites}


def test_each_satellite_is_placed_in_its_right_home_column(county, sample_county):
    manifest = sample_county.manifest
    satellites = {s["site_code"]: s["level"] for s in manifest["sites"] if s["action"] != "keep"}
    suggest(county)
    placements = load_placements(county.db)
    assert {code: placements[code].column_id for code in satellites} == {
        code: LEVEL_COLUMN[level] for code, level in satellites.items()}
    assert all(placements[code].reasons and placements[code].confidence > 0.5 for code in satellites)

    tree = use_from_site_tree(county)  # the parent's own tree: the right home is the portal's page for the level
    page_of = {c["target_column"]: canonicalize(c["list_urls"][0]) for c in manifest["columns"]
               if c["site_code"] == PORTAL and c["list_urls"]}
    right = {code: next(c.id for c in tree.columns if c.url and canonicalize(c.url) == page_of[LEVEL_COLUMN[level]])
             for code, level in satellites.items()}
    suggest(county, accept_above=0.0)
    assert home_columns(county, satellites, tree) == right

    apply(county)  # each homepage (so each closed site's fallback) goes to the home column's page on the parent
    builder = url_builder(county)
    homepages = county.db.execute("SELECT m.site_code, m.action, m.target_path FROM item_mappings m "
                                  "JOIN records r USING (page_id) WHERE r.page_type = 'homepage'").fetchall()
    assert {code for code, _, _ in homepages} == set(satellites)
    for code, action, target_path in homepages:
        assert action == "homepage" and builder.column_url(target_path) == canonicalize(tree[right[code]].url)


def test_column_url_gives_the_parents_real_paths(county):
    tree = use_from_site_tree(county)
    builder = url_builder(county)
    base = "http://www.qingxi.example.gov.cn"
    for column in tree.columns:
        path = "/".join(tree.names_path(column.id))
        assert builder.column_url(path) == canonicalize(column.url)
        folder = canonicalize(column.url).removeprefix(base).removesuffix("/index.html")
        assert builder.item_url("3311270003-ab12", "3311270003", column.id, path, "2026-05-04") == \
            f"{base}{folder}/202605/t20260504_3311270003-ab12.html"
    news = "新闻中心/部门动态"
    assert builder.column_url(news + "/青溪县农业农村局") == \
        canonicalize(f"{base}/xwzx/bmdt/青溪县农业农村局/")  # a per-site child lives under its column's folder
    county.config["export"]["url_template"] = "{base}{column_url}/{item_id}.html"
    assert url_builder(county).item_url("x1", "3311270003", "xwzx-bmdt", news, None) == f"{base}/xwzx/bmdt/x1.html"
    county.config["mapping"]["target_tree"] = None  # a tree without URLs: today's names path
    assert url_builder(county).column_url("信息发布/通知公告") == canonicalize(f"{base}/信息发布/通知公告/")


def test_a_parent_page_linking_to_a_site_is_the_strongest_clue(mini):
    suggest(mini)
    assert load_placements(mini.db)[mini_county.OLD].column_id == "bmdt"  # by its level, with no link
    portal = "http://www.qx.example.gov.cn"
    b = mini_county.Builder(mini)
    b.next_id = 900
    b.record(mini_county.PORTAL, f"{portal}/zwgk/tzgg/content_90.html", title="关于旅游局网站整合迁移的公告",
             body=mini_county.BODY["notice"], breadcrumb=["首页", "政务公开", "通知公告"])
    mini.db["links"].insert({"site_code": mini_county.PORTAL, "source_url": f"{portal}/zwgk/tzgg/content_90.html",
                             "target_url": "http://lyj.qx.example.gov.cn/", "anchor_text": "青溪县旅游局",
                             "tag": "a", "in_scope": 0})
    mini.db.conn.commit()
    suggest(mini)
    placement = load_placements(mini.db)[mini_county.OLD]
    assert placement.column_id == "tzgg" and "linked from 1 parent page(s)" in placement.reasons[0]


def test_a_whole_site_rule_places_every_item_of_the_site_in_one_column(mini, tmp_path):
    save_rules(mini.db, [Rule("page_type", "search_form", "drop"),
                         Rule("site", mini_county.DEPT, "map", "bmdt", site_code=mini_county.DEPT)])
    decided = [a for a in assign(mini) if a.site_code == mini_county.DEPT]
    assert len(decided) == 13 and {(a.action, a.target_id) for a in decided} == {("map", "bmdt")}
    problems = [p for p in check(mini).problems if p.site_code == mini_county.DEPT or p.rule_position == 2]
    assert not problems, problems
    suggest(mini)  # the planner's whole-site rule is the site's placement
    assert load_placements(mini.db)[mini_county.DEPT].column_id == "bmdt"
    assert load_placements(mini.db)[mini_county.DEPT].status == "accepted"
    path = tmp_path / "mapping.yaml"
    path.write_text(f"rules:\n  - {{site: '{mini_county.OLD}', match: site, action: map, target: bmdt}}\n",
                    encoding="utf-8")
    (rule,) = read_rules_file(path)
    assert (rule.match, rule.pattern, rule.site_code) == ("site", mini_county.OLD, mini_county.OLD)
    with pytest.raises(RuleError, match="needs the site_code"):
        Rule("site", "x", "map", "bmdt").validate()


def test_suggest_shows_placements_first_in_text_and_json(mini):
    runner = CliRunner()
    result = runner.invoke(cli, ["-w", str(mini.path), "map", "suggest"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(mini_county.TOWN) and "belongs under 信息发布/政务动态/乡镇动态/青溪县城关镇" in lines[0]
    data = json.loads(runner.invoke(cli, ["-w", str(mini.path), "map", "suggest", "--json"]).output)
    placements = [d for d in data if d["type"] == "placement"]
    assert [d["site_code"] for d in placements] == [mini_county.TOWN, mini_county.DEPT, mini_county.OLD]
    assert data[:3] == placements and all(d["reasons"] for d in placements)
    rules = load_rules(mini.db)
    homepage = [r for r in rules if r.match == "page_type" and r.pattern == "homepage" and r.site_code]
    assert {(r.site_code, r.target_id) for r in homepage} == {(mini_county.TOWN, "xzdt"), (mini_county.DEPT, "bmdt")}


def test_a_site_with_a_section_of_its_own_on_the_parent_moves_whole_into_it(mini):
    portal = "http://www.qx.example.gov.cn"
    page = f"{portal}/zwgk/tzgg/content_91.html"
    b = mini_county.Builder(mini)
    b.next_id = 900
    b.record(mini_county.PORTAL, page, title="青溪县农业农村局", body=mini_county.BODY["notice"],
             breadcrumb=["首页", "政务公开", "通知公告"])
    mini.db["links"].insert({"site_code": mini_county.PORTAL, "source_url": page, "tag": "a", "in_scope": 0,
                             "target_url": "http://nyj.qx.example.gov.cn/", "anchor_text": "青溪县农业农村局"})
    mini.db.conn.commit()
    suggestions = [s for s in suggest(mini) if s.site_code == mini_county.DEPT]
    placement = load_placements(mini.db)[mini_county.DEPT]
    assert placement.column_id == "tzgg" and "a section of the site's own" in placement.reasons[-1]
    assert {s.rule.target_id for s in suggestions} == {"tzgg"}  # 政策法规 too, which alone would go to 政策文件
    assert any(s.column_path == "政策法规" for s in suggestions)


def test_a_homepage_rule_without_a_target_sends_the_homepage_to_the_home_column(mini):
    portal = "http://www.qx.example.gov.cn"
    page = f"{portal}/zwgk/tzgg/content_92.html"
    b = mini_county.Builder(mini)
    b.next_id = 900
    b.record(mini_county.PORTAL, page, title="部门网站", body=mini_county.BODY["notice"],
             breadcrumb=["首页", "政务公开", "通知公告"])
    mini.db["links"].insert({"site_code": mini_county.PORTAL, "source_url": page, "tag": "a", "in_scope": 0,
                             "target_url": "http://nyj.qx.example.gov.cn/", "anchor_text": "青溪县农业农村局"})
    mini.db.conn.commit()
    save_rules(mini.db, [Rule("page_type", "homepage", "homepage")])  # accepted before sites were placed
    suggest(mini)
    homes = {a.site_code: a.target_id for a in assign(mini) if a.page_type == "homepage"}
    assert homes == {mini_county.TOWN: "xzdt", mini_county.DEPT: "tzgg"}  # the level column would say bmdt


def test_from_site_urls_follow_redirects_and_breadcrumb_only_columns_take_their_items_folder(mini):
    portal = "http://www.qx.example.gov.cn"
    b = mini_county.Builder(mini)
    b.next_id = 900
    for day, number in (("2018-07-26", 1), ("2018-07-27", 2)):  # EmpireCMS: /<column>/<YYYY-MM-DD>/<id>.html
        b.record(mini_county.PORTAL, f"{portal}/xxgk/aqsc/{day}/{number}.html", title=f"安全生产检查{number}",
                 body=mini_county.BODY["notice"], breadcrumb=["首页", "信息公开", "安全生产"])
    https = "https://www.qx.example.gov.cn"
    b.record(mini_county.PORTAL, f"{https}/gzjg/xzjd/cgz/index.html", "list", "城关街道办事处",
             breadcrumb=["首页", "工作机构", "乡镇（街道）", "城关街道办事处"])
    b.link(mini_county.PORTAL, f"{portal}/", f"{portal}/gzjg/xzjd/", "乡镇（街道）")  # the menu's link only redirects
    mini.db["pages"].insert({"id": 5000, "site_code": mini_county.PORTAL, "url": f"{portal}/gzjg/xzjd/", "status": 301,
                             "final_url": f"{https}/gzjg/xzjd/"})
    mini.db.conn.commit()
    tree = site_tree(mini, mini_county.PORTAL)
    urls = {"/".join(tree.names_path(c.id)): c.url for c in tree.columns}
    assert urls["信息公开/安全生产"] == f"{portal}/xxgk/aqsc/"
    assert urls["工作机构/乡镇（街道）"] == "https://www.qx.example.gov.cn/gzjg/xzjd/"
    levels = {c.name: c.levels for c in tree.columns}
    assert levels["乡镇（街道）"] == levels["乡镇动态"] == ["township"] and levels["城关街道办事处"] == []  # one unit is no level


def test_a_single_page_about_the_unit_is_its_home_but_its_columns_keep_their_own_targets(mini):
    tree = load_tree()
    tree.columns.append(TargetColumn("nyj", "县农业农村局", "static", parent="jgzn"))  # the parent's page on the unit
    write_tree(TargetTree(tree.columns), mini.path / "tree.yaml")
    mini.config["mapping"]["target_tree"] = "tree.yaml"
    mini.save_config()
    suggestions = {s.column_path: s.rule.target_id for s in suggest(mini) if s.site_code == mini_county.DEPT}
    placement = load_placements(mini.db)[mini_county.DEPT]
    assert placement.column_id == "nyj" and "column 县农业农村局 is named for the site" in placement.reasons
    assert not any("section of the site's own" in reason for reason in placement.reasons)
    assert suggestions["政策法规"] == "zcwj"  # one page about the unit is no section to move the site into


def test_a_site_with_no_clue_is_not_placed(mini):
    mini.db["sites"].insert({"site_code": "3311270009", "name": "青溪县某某网", "url": "http://x9.example/",
                             "level": "province", "action": "close", "created_at": "x", "updated_at": "x"})
    mini.db.conn.commit()
    suggest(mini)
    placement = load_placements(mini.db)["3311270009"]
    assert placement.column_id is None and placement.reasons[0].startswith("no clue")
