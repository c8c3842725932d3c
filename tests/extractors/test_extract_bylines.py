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


def _page_with_head(head: str, **kwargs) -> bytes:
    """news_page with extra <head> markup (meta tags, JSON-LD)."""
    return news_page(**kwargs).replace(b"</title>", b"</title>" + head.encode("utf-8"), 1)


def test_reporter_credits_of_any_newsroom_opening_or_closing_the_body():
    opening = {"澎湃新闻记者 段彦超 廖艳": "段彦超 廖艳", "本报记者王建宏 发自北京": "王建宏",
               "城南晚报记者周敏/文": "周敏", "记者 胡晓蓉": "胡晓蓉", "（记者 李向东）": "李向东",
               "通讯员 赵小燕": "赵小燕", "本报记者 王建宏、张文攀": "王建宏 张文攀"}
    for line, names in opening.items():
        r = extract_page(news_page(header="2024-05-06", body_paragraphs=[line] + NEWS_BODY), URL)
        assert r.author == names, line
    spoken = ["外交部发言人 耿爽 主持例行记者会，回答了记者提问。"] + NEWS_BODY  # quoted, not the writer
    assert extract_page(news_page(header="2024-05-06", body_paragraphs=spoken), URL).author is None
    statement = ["中国载人航天工程新闻发言人 武平"] + NEWS_BODY  # the credit line of a statement
    assert extract_page(news_page(header="2024-05-06", body_paragraphs=statement), URL).author == "武平"
    for line, names in {"采写：南都见习记者 林子沛": "林子沛", "（职工通讯员 李琴雯 刘会）": "李琴雯 刘会"}.items():
        r = extract_page(news_page(header="2024-05-06", body_paragraphs=NEWS_BODY + [line]), URL)
        assert r.author == names, line


def test_slash_credits_in_brackets_and_pen_names():
    closing = NEWS_BODY[:-1] + [NEWS_BODY[-1] + "（文/图 刘玺东 易赛楠）"]
    assert extract_page(news_page(header="2024-05-06", body_paragraphs=closing), URL).author == "刘玺东 易赛楠"
    heading = ["【文/观察者网专栏作者 王文】"] + NEWS_BODY
    assert extract_page(news_page(header="2024-05-06", body_paragraphs=heading), URL).author == "王文"
    pens = ["执笔/叨叨姐、胡一刀&李小飞刀"] + NEWS_BODY
    assert extract_page(news_page(header="2024-05-06", body_paragraphs=pens), URL).author == "叨叨姐 胡一刀 李小飞刀"
    assert extract_page(news_page(header="<p>石佳/中国青年报</p><p>2024-05-06 09:10</p>"), URL).author == "石佳"
    for line, names in {"文/张三": "张三", "图/李四": "李四", "张三/文": "张三"}.items():
        assert extract_page(news_page(header="2024-05-06", body_paragraphs=[line] + NEWS_BODY), URL).author == names
    caption = ["图：会议现场"] + NEWS_BODY  # a caption, not a credit
    assert extract_page(news_page(header="2024-05-06", body_paragraphs=caption), URL).author is None


def test_a_name_alone_in_brackets_closing_the_body_reads_as_a_person():
    closing = NEWS_BODY[:-1] + [NEWS_BODY[-1] + "（张巨峰）"]
    assert extract_page(news_page(header="2024-05-06", body_paragraphs=closing), URL).author == "张巨峰"
    company = NEWS_BODY[:-1] + ["网友提问：老师，这只股票如何？谢谢！(朗进科技)"]
    assert extract_page(news_page(header="2024-05-06", body_paragraphs=company), URL).author is None


def test_the_byline_slot_between_title_and_date():
    account = "<p>加拿大必读</p><p>发布时间：10-08 12:00</p>"
    assert extract_page(news_page(header=account), URL).author == "加拿大必读"
    follow = "<p>去驴行</p><p>关注</p>"
    assert extract_page(news_page(header=follow), URL).author == "去驴行"
    paper = "<p>2019年09月07日 04:04</p><p>北京日报</p><p>缩小字体</p>"
    r = extract_page(news_page(header=paper), URL)
    assert (r.source, r.author) == ("北京日报", None)
    menu = "<p>查看商业部落</p><p>2024-05-06 09:10</p>"
    assert extract_page(news_page(header=menu), URL).author is None
    for column in ("本地要闻", "工作动态", "国内新闻"):  # a column's name in the slot is no account
        assert extract_page(news_page(header=f"<p>{column}</p><p>2024-05-06 09:10</p>"), URL).author is None, column


def test_forum_and_blog_posters():
    cases = {"本贴由 老张头 于 2005-1-1 10:20 发表": "老张头", "Posted by John Smith": "John Smith",
             "by bob_smith on May 5, 2005": "bob_smith"}
    for line, name in cases.items():
        r = extract_page(news_page(header="", after=f"<p>{line}</p>"), URL)
        assert r.author == name, line
    r = extract_page(news_page(header="", after="<p>by Taboola</p>"), URL)
    assert r.author is None  # "by X" closing a line is a widget's credit, not a poster


def test_blog_owner_in_a_copyright_line_but_not_a_site():
    from extractors.bylines import copyright_owner

    assert copyright_owner(["Copyright © 2005 张三"]) == "张三"
    assert copyright_owner(["© 2005-2007 by bob_smith"]) == "bob_smith"
    assert copyright_owner(["Copyright © 2019 观察者 All rights reserved。"]) is None
    assert copyright_owner(["Copyright © 2003-2024 城南新闻网 版权所有"]) is None
    assert copyright_owner(["Copyright © 1997-2019 CCTV"]) is None  # a company in capitals, not a blogger


def test_gov_sources_from_labels_and_meta():
    r = extract_page(news_page(header="发文机关：青溪县人民政府办公室　发布日期：2024-05-06"), URL)
    assert r.source == "青溪县人民政府办公室"
    r = extract_page(_page_with_head('<meta name="ContentSource" content="青溪县应急管理局">', header="2024-05-06"), URL)
    assert r.source == "青溪县应急管理局"
    ld = '<script type="application/ld+json">{"@type": "NewsArticle", "author": {"name": "Li Ming"}}</script>'
    assert extract_page(_page_with_head(ld, header="2024-05-06"), URL).author == "Li Ming"


def test_a_meta_author_naming_the_site_is_no_writer():
    head = '<meta name="author" content="城南网"><meta name="copyright" content="城南网版权所有">'
    assert extract_page(_page_with_head(head, header="2024-05-06"), URL).author is None
    head = '<meta name="author" content="陈晓东"><meta name="copyright" content="城南网版权所有">'
    assert extract_page(_page_with_head(head, header="2024-05-06"), URL).author == "陈晓东"


def test_phrases_from_the_text_are_never_authors():
    from extractors.bylines import credible, reads_as_org, reads_as_person

    for phrase in ("透露了", "表示", "网络整理", "本站原创", "查看商业部落"):
        assert not credible(phrase, labelled=True), phrase
    for name in ("胡晓蓉", "刘会", "李小飞刀", "kingname", "GameForce", "王刚 李强"):
        assert credible(name), name
    assert reads_as_org("省发改委") and reads_as_org("证券时报网") and reads_as_org("医技药剂党支部")
    assert not reads_as_person("朗进科技") and not reads_as_person("新华社")
    r = extract_page(news_page(header="2024-05-06", body_paragraphs=["他向记者透露了，这样的安排是合理的。"] + NEWS_BODY), URL)
    assert r.author is None
    r = extract_page(news_page(header="2024-05-06　作者：网络整理"), URL)
    assert r.author is None


def test_labels_run_on_after_a_value_or_a_digit():
    r = extract_page(news_page(header="2019-09-26 12:11来源：证券时报网作者：李在山"), URL)
    assert (r.source, r.author) == ("证券时报网", "李在山")
    r = extract_page(news_page(header="2024-05-06　来源于：东区办事处"), URL)
    assert r.source == "东区办事处"
    r = extract_page(news_page(header="2024-05-06", body_paragraphs=["《棱镜》作者 周纯"] + NEWS_BODY), URL)
    assert r.author == "周纯"


def test_a_name_on_the_header_date_line_and_its_role_mark():
    assert extract_page(news_page(header="原创 GameForce 2019-09-04 22:18:34"), URL).author == "GameForce"
    r = extract_page(news_page(header="2019-09-05 11:10 游民星空[整理]"), URL)
    assert r.author == "游民星空"
    r = extract_page(news_page(header="2019-09-09 16:01:46 南方都市报"), URL)
    assert (r.source, r.author) == ("南方都市报", None)
    assert extract_page(news_page(header="发布于 2019-09-26 07:19:52"), URL).author is None


def test_a_self_media_account_named_with_its_platform():
    r = extract_page(news_page(above="<p>澎湃号 &gt; 中国广州发布</p>", header="2019-08-13 14:07"), URL)
    assert r.author == "中国广州发布"
    r = extract_page(news_page(header="<p>2019 09/07 19:02</p><p>扬眼 企鹅号</p>"), URL)
    assert r.author == "扬眼"


def test_the_issuing_body_heading_a_government_document():
    paragraphs = ["全国人民代表大会常务委员会", "关于批准财政部发行特别国债的决议"] + NEWS_BODY
    r = extract_page(news_page(header="", body_paragraphs=paragraphs), URL)
    assert r.source == "全国人民代表大会常务委员会"
    paragraphs = ["全国人民代表大会常务委员会", "第十届全国人民代表大会常务委员会第二十八次会议通过"] + NEWS_BODY
    assert extract_page(news_page(header="", body_paragraphs=paragraphs), URL).source is None


def test_editor_credits_closing_the_body_have_a_field_of_their_own():
    for line, editor in {"（责任编辑：赵六）": "赵六", "编辑：刘晓阳": "刘晓阳", "审核：李铭": "李铭", "校对：姚立伟": "姚立伟"}.items():
        alone = extract_page(news_page(header="2024-05-06", body_paragraphs=NEWS_BODY + [line]), URL)
        assert (alone.author, alone.editor) == (editor, editor), line  # no writer named: the editor is all there is
        written = extract_page(news_page(header="2024-05-06　记者 陈晓东", body_paragraphs=NEWS_BODY + [line]), URL)
        assert (written.author, written.editor) == ("陈晓东", editor), line
    staff = extract_page(news_page(header="2024-05-06", body_paragraphs=NEWS_BODY + ["责任编辑：杨倩_NF4425"]), URL)
    assert staff.editor == "杨倩"  # the CMS's staff number after the name is no part of it
    far = extract_page(news_page(header="2024-05-06", after="<p>网友评论</p>" * 30 + "<p>责任编辑：杜硕</p>"), URL)
    assert far.editor == "杜硕"  # far below the body, but the only editor the page names
    placeholder = extract_page(news_page(header="2024-05-06", body_paragraphs=NEWS_BODY + ["（责任编辑：系统管理员）"]), URL)
    assert (placeholder.author, placeholder.editor) == (None, None)


def test_co_authors_on_the_line_under_a_papers_title():
    for line in ("张三 李四 王五", "张三，李四，王五", "张三1，李四2*"):
        r = extract_page(news_page(header=f"<p>{line}</p><p>（城南大学 经济学院）</p>"), URL)
        assert r.author in ("张三 李四 王五", "张三 李四"), line
    keywords = extract_page(news_page(header="<p>春耕 生产 农业</p>"), URL)
    assert keywords.author is None  # words that are not names starting with a surname


def test_json_ld_publisher_is_the_source_when_no_label_names_one():
    ld = ('<script type="application/ld+json">{"@type": "NewsArticle", "publisher": {"@type": "Organization",'
          ' "name": "城南日报"}}</script>')
    assert extract_page(_page_with_head(ld, header="2024-05-06"), URL).source == "城南日报"
    assert extract_page(_page_with_head(ld, header="2024-05-06　来源：城南晚报"), URL).source == "城南晚报"


def test_by_lines_and_slot_words_of_pages_in_other_languages():
    from extractors.bylines import blog_poster, credible, reads_as_handle

    assert blog_poster(["Designed by Elegant Themes | Powered by WordPress"]) is None
    assert blog_poster(["The decision was criticised by government pressure groups on Monday, the paper said."]) is None
    assert blog_poster(["by Jake Goulding on January 20, 2020"]) == "Jake Goulding"
    assert not reads_as_handle("Kommentar") and not reads_as_handle("STAND")
    assert reads_as_handle("kingname") and reads_as_handle("GameForce") and reads_as_handle("HN666")
    for name in ("Nuño Domínguez", "Jona Göbelbecker", "Gavin O'Callaghan", "Emily Co"):
        assert credible(name), name
