"""Breadcrumbs from every common markup, one synthetic page per rule, and the order of preference."""
import json

import pytest

from extractors import extract_page
from extractors.breadcrumbs import column_from, is_home, section_names, split_items

BODY = "<h1>关于开展安全生产检查的通知</h1><p>" + "各乡镇人民政府，县直各单位：现将有关事项通知如下。" * 6 + "</p>"


def page(head: str = "", top: str = "", body: str = BODY) -> bytes:
    return (f"<html><head><meta charset='utf-8'><title>关于开展安全生产检查的通知</title>{head}</head>"
            f"<body><div class='header'><a href='/'>首页</a> <a href='/news/'>新闻</a></div>{top}"
            f"<div class='content'>{body}</div></body></html>").encode("utf-8")


def crumbs(html: bytes, url: str = "https://www.example.gov.cn/zwgk/tzgg/202301/t20230105_1.html") -> list[str]:
    return extract_page(html, url).breadcrumb


def ld(items, kind="BreadcrumbList", wrap=None) -> str:
    data = {"@context": "https://schema.org", "@type": kind, "itemListElement": items}
    if wrap:
        data = {"@context": "https://schema.org", "@graph": [{"@type": "WebPage", "name": "x"}, data]}
    return f"<script type='application/ld+json'>{json.dumps(data, ensure_ascii=False)}</script>"


def test_json_ld_breadcrumb_list_in_position_order():
    items = [{"@type": "ListItem", "position": 3, "name": "Skolor", "item": "https://k.example.se/skola/skolor/"},
             {"@type": "ListItem", "position": 1, "item": {"@id": "https://k.example.se/", "name": "Startsida"}},
             {"@type": "ListItem", "position": 2, "name": "Förskola och skola", "item": "https://k.example.se/skola/"}]
    html = page(head=ld(items))
    assert crumbs(html) == ["Startsida", "Förskola och skola", "Skolor"]
    assert crumbs(page(head=ld(items, wrap=True))) == ["Startsida", "Förskola och skola", "Skolor"]
    assert crumbs(page(head=ld(items, kind="ItemList"))) == []  # only a BreadcrumbList is a breadcrumb


def test_microdata_breadcrumb_list():
    top = ('<ol itemscope itemtype="https://schema.org/BreadcrumbList">'
           '<li itemprop="itemListElement" itemscope itemtype="https://schema.org/ListItem">'
           '<a itemprop="item" href="/"><span itemprop="name">首页</span></a><meta itemprop="position" content="1"></li>'
           '<li itemprop="itemListElement" itemscope itemtype="https://schema.org/ListItem">'
           '<a itemprop="item" href="/zwgk/"><span itemprop="name">政务公开</span></a></li>'
           '<li itemprop="itemListElement" itemscope itemtype="https://schema.org/ListItem">'
           '<span itemprop="name">通知公告</span></li></ol>')
    assert crumbs(page(top=top)) == ["首页", "政务公开", "通知公告"]


def test_rdfa_breadcrumb_list():
    top = ('<ol vocab="https://schema.org/" typeof="BreadcrumbList">'
           '<li property="itemListElement" typeof="ListItem"><a property="item" typeof="WebPage" href="/">'
           '<span property="name">Home</span></a><meta property="position" content="1"></li>'
           '<li property="itemListElement" typeof="ListItem"><a property="item" typeof="WebPage" href="/news/">'
           '<span property="name">News</span></a></li>'
           '<li property="itemListElement" typeof="ListItem"><span property="name">Council</span></li></ol>')
    assert crumbs(page(top=top)) == ["Home", "News", "Council"]


@pytest.mark.parametrize("label", ["当前位置：", "您的位置:", "您现在的位置：", "所在位置："])
@pytest.mark.parametrize("sep", [">", "»", "›", "/", "→", "＞", " - "])
def test_chinese_position_line(label, sep):
    top = f"<div>{label}首页{sep}政务公开{sep}通知公告</div>"
    assert crumbs(page(top=top)) == ["首页", "政务公开", "通知公告"]


def test_dash_inside_a_name_is_not_a_separator():
    assert split_items("当前位置：首页 > 新冠肺炎疫情防控-专题 > 通知") == ["首页", "新冠肺炎疫情防控-专题", "通知"]


@pytest.mark.parametrize("attribute", ['aria-label="Breadcrumb"', 'aria-label="面包屑导航"', 'class="breadcrumb"',
                                       'id="crumbs"', 'class="position"', 'class="location"', 'id="weizhi"',
                                       'class="dqwz"'])
@pytest.mark.parametrize("tag", ["nav", "div", "ul"])
def test_marked_container_with_items(attribute, tag):
    inner = "<li><a href='/'>首页</a></li><li><a href='/zwgk/'>政务公开</a></li><li>通知公告</li>"
    if tag == "nav":
        inner = f"<ol>{inner}</ol>"
    elif tag == "div":
        inner = "<a href='/'>首页</a> &gt; <a href='/zwgk/'>政务公开</a> &gt; <span>通知公告</span>"
    assert crumbs(page(top=f"<{tag} {attribute}>{inner}</{tag}>")) == ["首页", "政务公开", "通知公告"]


def test_marked_container_of_links_without_separators():
    top = "<div class='breadcrumbs'><a href='/'>Hem</a><a href='/kommun/'>Kommun och politik</a>Nyheter</div>"
    assert crumbs(page(top=top)) == ["Hem", "Kommun och politik", "Nyheter"]


def test_unmarked_list_is_not_a_breadcrumb():
    top = "<ul class='menu'><li><a href='/'>首页</a></li><li><a href='/zwgk/'>政务公开</a></li></ul>"
    assert crumbs(page(top=top)) == []


@pytest.mark.parametrize("label", ["Kategori:", "Arkiv:", "栏目：", "当前位置：", "Du är här:", "You are here:"])
def test_labels_are_removed(label):
    top = f"<nav aria-label='breadcrumb'><ol><li>{label} Start</li><li><a href='/a/'>Nyheter</a></li></ol></nav>"
    assert crumbs(page(top=top)) == ["Start", "Nyheter"]
    assert split_items(f"{label} 首页 > 通知公告") == ["首页", "通知公告"]


def test_order_of_preference_json_ld_first_then_line_then_container():
    line = "<div>当前位置：首页 > 新闻中心 > 部门动态</div>"
    box = "<div class='crumb'><a href='/'>首页</a> / <a href='/x/'>其他</a> / 栏目</div>"
    json_ld = ld([{"@type": "ListItem", "position": 1, "name": "首页"},
                  {"@type": "ListItem", "position": 2, "name": "政务公开"}])
    assert crumbs(page(head=json_ld, top=line + box)) == ["首页", "政务公开"]
    assert crumbs(page(top=box + line)) == ["首页", "新闻中心", "部门动态"]
    assert crumbs(page(top=box)) == ["首页", "其他", "栏目"]


@pytest.mark.parametrize("home", ["首页", "网站首页", "Home", "主页", "Startsida", "HOME"])
def test_home_item_normalised_away_in_sections(home):
    assert is_home(home)
    assert section_names([home, "政务公开", "通知公告", "正文"]) == ["政务公开", "通知公告"]
    assert column_from([home], None) is None
    assert column_from([home, "Nyheter"], None) == "Nyheter"


def test_section_names_strip_a_label_on_the_first_item():
    assert section_names(["栏目：通知公告"]) == ["通知公告"]
    assert section_names(["Arkiv: 2019", "Mars"]) == ["2019", "Mars"]


def test_a_hidden_location_box_is_no_trail_the_visible_one_is():
    """Hanweb pages carry a display:none ``hiddenLocation`` of column names and URLs before the
    visible position table; only what a reader sees is the breadcrumb."""
    hidden = ("<div id='hiddenLocation' style='display:none;'><span id='col2_name'>发展改革工作</span>"
              "<span id='col2_url'>/col/col1599522/index.html</span><span id='col1_name'>投资运行</span>"
              "<span id='col1_url'>/col/col1621004/index.html</span></div>")
    visible = ("<div class='position'><table><tr><td><a href='/index.html'>首页</a></td>"
               "<td><table><tr><td> &gt;<a href='/col/col1599522/index.html'>发展改革工作</a></td>"
               "<td> &gt;<a href='/col/col1621004/index.html'>投资运行</a></td></tr></table></td></tr></table></div>")
    assert crumbs(page(top=hidden + visible)) == ["首页", "发展改革工作", "投资运行"]


def test_the_page_tools_printed_on_the_trail_line_are_no_item():
    top = ("<div class='BreadcrumbNav'><a href='/'>首页</a>&nbsp;&gt;&nbsp;<a href='/gongbao/'>国务院公报</a>"
           "&nbsp;&gt;&nbsp;<a href='/gongbao/2007/23/'>2007年第23号</a><div class='pages_print'>"
           "<span>字号：<span>默认</span> <span>大</span> <span>超大</span></span> <span>|</span> <span>打印</span></div></div>")
    assert crumbs(page(top=top)) == ["首页", "国务院公报", "2007年第23号"]


def test_a_trail_printed_with_spaces_alone_is_split_when_it_starts_at_home():
    top = ("<div class='where'><span>您所在的位置&nbsp;</span><a href='../../../'>首页</a>&nbsp;"
           "<a href='../../'>专题频道</a>&nbsp;<a href='../'>国内专题</a></div>")
    assert crumbs(page(top=top)) == ["首页", "专题频道", "国内专题"]
    assert split_items("当前位置：政务公开 通知公告") == ["政务公开 通知公告"]  # no home item: one name with a space


def test_a_search_box_in_the_trail_container_is_no_item():
    top = ("<div class='path-search'><div class='channel-path'><a href='/china/'>国内新闻</a><span>&gt;</span>"
           "<span>正文</span></div><form action='/search'><select name='c'><option>新闻</option><option>图片</option>"
           "</select><input name='q'><div class='ds_list'><p>新闻</p><p>图片</p></div></form></div>")
    assert crumbs(page(top=top)) == ["国内新闻", "正文"]


def test_json_ld_names_keep_no_html_entities():
    items = [{"@type": "ListItem", "position": 1, "name": "Home", "item": "https://f.example.co.uk/"},
             {"@type": "ListItem", "position": 2, "name": "Olive &#038; Herb Focaccia", "item": "https://f.example.co.uk/x/"}]
    assert crumbs(page(head=ld(items))) == ["Home", "Olive & Herb Focaccia"]


def test_a_menu_in_a_box_named_like_a_trail_is_no_breadcrumb():
    """More than ten items is a menu (div.breadcrumb-wrap of a news site's sections); a class saying
    an element is positioned (layout--header -positioned-) names no position trail."""
    menu = "".join(f"<a href='/s{i}/'>Section {i}</a> | " for i in range(13))
    assert crumbs(page(top=f"<div class='breadcrumb-wrap'>{menu}</div>")) == []
    header = "<div class='layout--header -positioned-'><a href='/a/'>Räume</a> / <a href='/b/'>Magazin</a></div>"
    assert crumbs(page(top=header)) == []
