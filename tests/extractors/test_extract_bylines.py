"""Authors on self-made Chinese pages: labelled names as typeset, forum handles, reporters mid-body."""
from __future__ import annotations

from extractors import extract_page
from extractors.bylines import report_parenthesis
from extractors.govmeta import clean_value

from gov_pages import NEWS_BODY, news_page

URL = "http://www.example-news.cn/shehui/a/8842.html"


def test_spaced_two_character_name_before_its_affiliation():
    assert clean_value("author", "赵 培：城南师范学院，南京") == "赵培"
    assert clean_value("author", "王　刚 李 强") == "王刚 李强"
    r = extract_page(news_page(header="2024-05-06　作者：孙 宁：市农科院，城南"), URL)
    assert r.author == "孙宁"


def test_forum_handle_with_symbols_is_a_name():
    assert clean_value("author", "风&雨同行") == "风&雨同行"
    assert clean_value("author", "小_橘子 2005-08-28") == "小_橘子"
    assert clean_value("author", "2005-08-28&12") is None
    r = extract_page(news_page(header="作者： 风&雨同行　发表于 2005-08-28 20:56"), URL)
    assert r.author == "风&雨同行"


def test_reporter_parenthesis_closing_a_paragraph_mid_body():
    assert report_parenthesis(["第一段。", "他说，这样的安排是合理的。（李向东 杭州报道）", "■相关链接"]) == "李向东"
    assert report_parenthesis(["会议强调了三点意见。（记者 周敏 王涛）"]) == "周敏 王涛"
    assert report_parenthesis(["会后大家合影留念（图）", "（本报 北京报道）"]) is None
    paragraphs = NEWS_BODY[:2] + ["业内人士认为，此次调整有利于理顺价格关系，市场反应总体平稳。（李向东 杭州报道）",
                                  "■延伸阅读：去年以来，全省已先后出台多项配套措施，涉及用地、用电和融资等多个方面。"] \
        + NEWS_BODY[2:] + [f"{n}月份，全省规模以上工业增加值同比增长{n + 3}%，其中高技术制造业增长较快，拉动作用明显。"
                           for n in range(1, 9)]
    r = extract_page(news_page(header="2024-05-06 来源：城南日报", body_paragraphs=paragraphs), URL)
    assert r.author == "李向东"


def test_name_line_under_a_repeated_title():
    above_body = "<h2>我的乡村教书生涯</h2><p>陈默</p>"
    r = extract_page(news_page(title="陈默：我的乡村教书生涯", header=above_body), URL)
    assert r.author == "陈默"


def test_icon_font_glyphs_and_zero_width_marks_leave_labelled_values():
    assert clean_value("source", "城南日报\ue5c2") == "城南日报"
    assert clean_value("author", "\u200b陈晓东") == "陈晓东"


def test_a_blog_owner_named_in_the_profile_box_of_the_sidebar():
    sidebar = ("<div class='side'><h3>慢半拍</h3><p>[作者简介] (个人情况保密)</p><h3>[慢半拍]个人类别</h3>"
               "<ul><li>未归类 (88)</li><li>历史 (25)</li></ul></div>")
    r = extract_page(news_page(header="Saturday, September 10th, 2005 10:56 am", after=sidebar), URL)
    assert r.author == "慢半拍"
    essay = NEWS_BODY + ["作者简介：城南师范学院教授，长期研究农业经济。"]
    r = extract_page(news_page(header="2024-05-06", body_paragraphs=essay), URL)
    assert r.author is None  # an essay's closing 作者简介 line names no owner above it


def test_poster_prefilter_never_hides_a_poster_line():
    """Every line the poster regex matches passes the cheap word test that runs before it."""
    import random

    from extractors.bylines import BLOG_RE, _may_name_poster

    rng = random.Random(3)
    pieces = ["由", "张三", "张贴", "发表", "发布", "于", "@", " ", "2005-9-15", "posted", "POSTED", "Posted on",
              "at", "bob_smith", "发表于", "发布于", "记者", "x"]
    for _ in range(20000):
        line = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 8)))
        if BLOG_RE.search(line):
            assert _may_name_poster(line), line
