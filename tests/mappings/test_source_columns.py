"""Source-column discovery on the mini county: every clue, the reconciled tree, the CLI."""
import json

import pytest
from click.testing import CliRunner

import mini_county
from mappings.source_columns import clean_breadcrumb, discover, load_columns, url_key
from migrate.cli import cli


@pytest.mark.parametrize("url, is_list, key", [
    ("http://a/art/2023/1/5/art_1281_77.html", False, "col:1281"),
    ("http://a/col/col1281/index.html?uid=4&pageNum=2", True, "col:1281"),
    ("http://a/zwgk/tzgg/202301/t20230101_5.html", False, "dir:/zwgk/tzgg/"),
    ("http://a/zwgk/tzgg/index_2.html", True, "dir:/zwgk/tzgg/"),
    ("http://a/a/gzdt/list_2_2.html", True, "dir:/a/gzdt/"),
    ("http://a/xxgk/gsgg/12.jhtml", False, "dir:/xxgk/gsgg/"),
    ("http://a/news_list.asp?classid=3&page=2", True, "q:classid=3"),
    ("http://a/news_show.asp?id=3", False, None),
    ("http://a/", True, None),
])
def test_url_keys_of_hanweb_trs_and_query_sites(url, is_list, key):
    assert url_key(url, is_list) == key


def test_breadcrumb_cleaning():
    names = ("青溪县城关镇人民政府", "青溪县城关镇")
    assert clean_breadcrumb('["首页", "政务公开", "通知公告", "正文"]', names, "关于x的通知") == ["政务公开", "通知公告"]
    assert clean_breadcrumb(["青溪县城关镇", "通知公告", "关于x的通知"], names, "关于x的通知") == ["通知公告"]
    assert clean_breadcrumb(["首页", "镇情简介"], names, "镇情简介") == ["镇情简介"]  # a single-page column
    assert clean_breadcrumb("首页 > 政务公开 > 工作动态", names) == ["政务公开", "工作动态"]


def _placements(ws, code):
    rows = ws.db.query("SELECT r.url, i.column_path, i.evidence FROM item_source_columns i JOIN records r "
                       "USING (page_id) WHERE i.site_code = ?", [code])
    return {row["url"].split("/", 3)[-1]: (row["column_path"], row["evidence"]) for row in rows}


def test_every_clue_places_items(mini):
    discover(mini)
    town = _placements(mini, mini_county.TOWN)
    assert town["art/2023/5/2/art_1281_101.html"] == ("政务公开 > 工作动态", "breadcrumb")
    assert town["art/2023/5/1/art_1281_100.html"] == ("政务公开 > 工作动态", "url")  # no breadcrumb: Hanweb col id
    assert town["art/2023/4/1/art_1283_200.html"] == ("通知公告", "url")
    assert town["col/col1279/index.html"] == ("镇情简介", "breadcrumb")
    assert town[""] == (None, "homepage")
    dept = _placements(mini, mini_county.DEPT)
    assert dept["gzdt/202305/t20230501_300.html"] == ("工作动态", "url")  # TRS folder -> list page breadcrumb
    assert dept["njtg/202304/t20230401_400.html"] == ("农技推广", "url")  # list named by its navigation link
    old = _placements(mini, mini_county.OLD)
    assert old["news_show.asp?id=600"] == ("通知公告", "list")  # only a list page links to it
    assert old["search.asp?keyword="] == (None, "none")


def test_the_reconciled_tree_counts_items_and_dates(mini):
    discover(mini)
    columns = {c["path"]: c for c in load_columns(mini.db, mini_county.TOWN)}
    assert set(columns) == {"政务公开", "政务公开 > 工作动态", "通知公告", "镇情简介", "平安建设"}
    news = columns["政务公开 > 工作动态"]
    assert (news["item_count"], news["total_count"], news["newest_date"]) == (6, 6, "2023-05-06")
    assert set(json.loads(news["evidence"])) == {"breadcrumb", "url", "list_page", "nav"}
    assert json.loads(news["url_keys"]) == ["col:1281"]
    parent = columns["政务公开"]
    assert (parent["item_count"], parent["total_count"], parent["parent_path"]) == (0, 6, None)
    blank = columns["平安建设"]  # known only from the navigation menu: a blank column
    assert blank["item_count"] == 0 and json.loads(blank["evidence"]) == ["nav"]


def test_rediscovery_only_when_records_change_and_replaces_the_previous_result(mini):
    assert set(discover(mini)) == {code for code, *_ in mini_county.SITES}
    assert discover(mini) == []  # nothing changed: nothing to do
    mini.db.execute("UPDATE records SET breadcrumb = '[\"首页\", \"镇村动态\"]' WHERE url LIKE '%art_1281_101%'")
    mini.db.conn.commit()
    assert discover(mini) == [mini_county.TOWN]
    paths = {c["path"]: c["item_count"] for c in load_columns(mini.db, mini_county.TOWN)}
    assert paths["镇村动态"] == 1 and paths["政务公开 > 工作动态"] == 5


def test_columns_source_cli(mini):
    runner = CliRunner()
    result = runner.invoke(cli, ["-w", str(mini.path), "columns", "source", mini_county.TOWN])
    assert result.exit_code == 0, result.output
    assert "└── 工作动态  6 items, newest 2023-05-06" in result.output
    result = runner.invoke(cli, ["-w", str(mini.path), "columns", "source", "--json"])
    data = json.loads(result.output)
    assert set(data) == {c for c, *_ in mini_county.SITES}
    assert data[mini_county.OLD]["unplaced_items"] == 0
    result = runner.invoke(cli, ["-w", str(mini.path), "columns", "source", "9999999999"])
    assert result.exit_code == 2 and "not in the inventory" in result.output


KOMMUN = "2180000001"
SE = "http://www.kommun.example.se"


def _kommun_site(ws):
    """A site whose pages carry controls no word list knows (Swedish): skip link, print, read more, next."""
    ws.db["sites"].insert({"site_code": KOMMUN, "name": "Exempel kommun", "url": SE + "/", "level": "county",
                           "parent_code": None, "action": "migrate", "created_at": mini_county.STAMP,
                           "updated_at": mini_county.STAMP})
    b = mini_county.Builder(ws)
    b.next_id = 10_000
    news = [f"{SE}/nyheter/202305/a{i}.html" for i in range(6)]
    events = [f"{SE}/evenemang/202306/e{i}.html" for i in range(4)]
    lists = [f"{SE}/nyheter/index.html", f"{SE}/evenemang/index.html", f"{SE}/skola/index.html"]
    b.record(KOMMUN, SE + "/", "homepage", "Exempel kommun")
    for url, title in zip(lists, ["Nyheter - Exempel kommun", "Evenemang - Exempel kommun", "Skola - Exempel kommun"]):
        b.record(KOMMUN, url, "list", title)
    # the print version of a list page, crawled and typed list: named after its anchor without the rule
    b.record(KOMMUN, f"{SE}/evenemang/index.html?print=1", "list", "Evenemang - Exempel kommun")
    for i, url in enumerate(news + events):
        b.record(KOMMUN, url, title=f"Artikel {i}", body=mini_county.BODY["news"])
    pages = [SE + "/", *lists, *news, *events]
    for page in pages:
        b.link(KOMMUN, page, page, "Gå till innehåll")  # #content: the canonical target is the page itself
        if page != lists[0]:
            b.link(KOMMUN, page, lists[0], "Nyheter")  # the menu: one target everywhere
    for url in lists + news + events:
        b.link(KOMMUN, url, url + "?print=1", "Skriv ut")
    for items, listing in ((news, lists[0]), (events, lists[1])):
        for item in items:
            b.link(KOMMUN, listing, item, "Läs mer")
        for item, following in zip(items, items[1:]):
            b.link(KOMMUN, item, following, "Nästa")
    for listing in lists:  # a section's own sub-section: recurs with other targets, but is a real place
        b.link(KOMMUN, listing, listing.replace("index.html", "kontakt/index.html"), "Kontakt")
    ws.db.conn.commit()


def test_controls_found_statistically_are_not_columns(mini):
    from mappings.source_columns import chrome_texts

    _kommun_site(mini)
    links = list(mini.db.query("SELECT * FROM links WHERE site_code = ?", [KOMMUN]))
    assert chrome_texts(links) == {"Gå till innehåll", "Skriv ut", "Läs mer", "Nästa"}
    discover(mini, [KOMMUN])
    names = {c["name"] for c in load_columns(mini.db, KOMMUN)}
    assert {"Nyheter", "Evenemang", "Kontakt"} <= names
    assert not names & {"Gå till innehåll", "Skriv ut", "Läs mer", "Nästa"}


def test_word_list_is_the_second_guard_for_controls_seen_once(mini):
    from mappings.source_columns import NOT_COLUMN_ANCHORS

    for text in ("打印", "关闭", "返回顶部", "上一篇", "下一篇", "Print", "Read more", "Skip to content", "更多", "more"):
        assert NOT_COLUMN_ANCHORS.match(text), text
    assert not NOT_COLUMN_ANCHORS.match("通知公告")


def test_breadcrumb_cleaning_drops_labels_and_home_items_of_any_language():
    assert clean_breadcrumb(["Startsida", "Omsorg och stöd", "Äldreomsorg"], ()) == ["Omsorg och stöd", "Äldreomsorg"]
    assert clean_breadcrumb(["Kategori: Home", "News"], ()) == ["News"]
    assert clean_breadcrumb(["当前位置：首页", "要闻动态", "乡镇动态"], ()) == ["要闻动态", "乡镇动态"]
    assert clean_breadcrumb(["栏目：通知公告"], ()) == ["通知公告"]


def test_list_pages_without_breadcrumbs_sit_in_the_url_tree(mini):
    """Two departments each keep a 工作动态 list with no breadcrumb: each lands under its own department."""
    b = mini_county.Builder(mini)
    b.next_id = 20_000
    dept = "http://nyj.qx.example.gov.cn"
    b.record(mini_county.DEPT, f"{dept}/bm/index.html", "column_index", "部门", breadcrumb=["首页", "部门"])
    b.record(mini_county.DEPT, f"{dept}/bm/a/index.html", "list", "甲局", breadcrumb=["首页", "部门", "甲局"])
    b.record(mini_county.DEPT, f"{dept}/bm/b/index.html", "list", "乙局")  # no breadcrumb: under 部门 by its folder
    for unit in ("a", "b"):
        b.record(mini_county.DEPT, f"{dept}/bm/{unit}/gzdt/index.html", "list", "工作动态")
        b.record(mini_county.DEPT, f"{dept}/bm/{unit}/gzdt/202305/t20230501_9{ord(unit)}.html", title=f"{unit} 新闻",
                 body=mini_county.BODY["news"])
    mini.db.conn.commit()
    discover(mini, [mini_county.DEPT])
    paths = {c["path"]: c["item_count"] for c in load_columns(mini.db, mini_county.DEPT)}
    assert paths["部门 > 甲局 > 工作动态"] == 1 and paths["部门 > 乙局 > 工作动态"] == 1
    assert "工作动态" in paths  # the department's own top-level 工作动态 (/gzdt/) is untouched
    placed = _placements(mini, mini_county.DEPT)
    assert placed["bm/b/gzdt/202305/t20230501_998.html"] == ("部门 > 乙局 > 工作动态", "url")


def test_posts_at_folder_urls_and_search_pages_name_no_column(mini):
    """WordPress-like permalinks end with a slash: a dated post there is an item, its title no column;
    an undated page there (历史沿革) is a page column; a search page is filed nowhere."""
    code, site = mini_county.DEPT, "https://nyj.qx.example.gov.cn"
    b = mini_county.Builder(mini)
    b.next_id = 30_000
    b.record(code, f"{site}/news/", "list", "新闻", breadcrumb=["首页", "新闻"])
    posts = [f"{site}/news/2026/05/post-{i}/" for i in range(3)]
    for i, url in enumerate(posts):
        b.record(code, url, title=f"新闻标题{i}", body=mini_county.BODY["news"], breadcrumb=["首页", "新闻", f"新闻标题{i}"])
        b.link(code, f"{site}/news/", url, f"新闻标题{i}")
        b.link(code, f"{site}/", url.replace("https:", "http:"), f"新闻标题{i}")  # the http twin, on the homepage
    b.record(code, f"{site}/about/history/", title="历史沿革", body=mini_county.BODY["static"],
             breadcrumb=["首页", "历史沿革"], published=None)
    b.record(code, f"{site}/search/", "search_form", "站内搜索", breadcrumb=["首页", "站内搜索"], published=None)
    b.link(code, f"{site}/", f"{site}/search/", "站内搜索")
    mini.db.conn.commit()
    discover(mini, [code])
    names = {c["name"] for c in load_columns(mini.db, code)}
    assert {"新闻", "历史沿革"} <= names
    assert not names & {"新闻标题0", "新闻标题1", "新闻标题2", "站内搜索"}
    placed = _placements(mini, code)
    assert placed["news/2026/05/post-1/"] == ("新闻", "breadcrumb")
    assert placed["about/history/"] == ("历史沿革", "breadcrumb")
    assert placed["search/"] == (None, "none")


def _discovered(ws) -> tuple[list, list]:
    columns = ws.db.execute("SELECT site_code, path, parent_path, name, item_count, total_count, newest_date, "
                            "list_urls, url_keys, evidence FROM source_columns ORDER BY site_code, path").fetchall()
    placed = ws.db.execute("SELECT page_id, site_code, column_path FROM item_source_columns ORDER BY page_id").fetchall()
    return columns, placed


def test_columns_source_on_a_local_cluster_finds_what_one_process_finds(county_ws):
    """``columns source --workers 2``: one Dask task per site on a real LocalCluster, the same
    columns and placements as in-process (the tables are emptied between the two runs)."""
    codes = discover(county_ws, force=True)
    in_process = _discovered(county_ws)
    assert len(codes) >= 6 and len(in_process[0]) > 30
    with county_ws.db.conn:
        for table in ("source_columns", "item_source_columns", "source_column_runs"):
            county_ws.db.execute(f"DELETE FROM {table}")
    result = CliRunner().invoke(cli, ["-w", str(county_ws.path), "columns", "source", "--workers", "2", "--json"])
    assert result.exit_code == 0, result.output
    assert _discovered(county_ws) == in_process
    assert sorted(json.loads(result.output)) == sorted(codes)
