"""Publish dates on self-made Chinese pages: the date nearest the headline wins over page chrome."""
from __future__ import annotations

from extractors import extract_page
from extractors.dates import find_dates, is_chrome, only_in_chrome
from extractors.metadata import Zones

from gov_pages import NEWS_BODY, news_page

URL = "http://www.example-news.cn/shehui/a/8841.html"


def test_labelled_header_date_with_weekday_beats_the_today_clock():
    top = "<span>今天是：2024年6月3日 星期一 农历四月廿七 晴转多云</span>"
    r = extract_page(news_page(top, "发布时间：2024年05月06日 星期一　来源：城南日报"), URL)
    assert r.published == "2024-05-06"


def test_bare_header_date_beats_a_labelled_clock_above_the_title():
    top = "<span>日期：2024年6月3日</span>"
    r = extract_page(news_page(top, "2024-05-06 10:20　城南日报　记者 陈晓东"), URL)
    assert r.published == "2024-05-06T10:20"


def test_header_date_beats_time_elements_of_the_related_list():
    related = "".join(f'<li><a href="/shehui/a/{n}.html">相关新闻第{n}条</a><time>2024-06-0{n}</time></li>'
                      for n in range(1, 4))
    r = extract_page(news_page(header="2024-05-06 08:15 来源：城南日报", after=f"<ul>{related}</ul>"), URL)
    assert r.published == "2024-05-06T08:15"


def test_update_time_only_when_the_header_has_no_other_date():
    both = extract_page(news_page(header="<span>2024-05-06 08:15</span> <span>最后更新：2024-05-07 11:00</span>"), URL)
    assert both.published == "2024-05-06T08:15"
    only = extract_page(news_page(header="<span>来源：城南日报</span> <span>更新时间：2024-05-07 11:00</span>"), URL)
    assert only.published == "2024-05-07T11:00"
    assert any("更新时间" in w for w in only.warnings)


def test_written_date_is_not_the_publish_date():
    header = "<table><tr><td>成文日期：</td><td>2024年04月28日</td><td>发布日期：</td><td>2024年05月06日</td></tr></table>"
    r = extract_page(news_page(header=header), URL)
    assert (r.published, r.written_date) == ("2024-05-06", "2024-04-28")


def test_english_date_line_just_above_the_title_of_a_blog_post():
    page = news_page(above="<div class='date'>Saturday, September 10th, 2005 10:56 pm</div>")
    r = extract_page(page, "http://blog.example-bk.cn/?p=170")
    assert r.published == "2005-09-10T22:56"


def test_clock_above_the_title_is_not_the_date_line():
    page = news_page(above="<div class='date'>2024年6月3日 星期一 晴</div>")
    r = extract_page(page, "http://blog.example-bk.cn/?p=170")
    assert r.published != "2024-06-03"


def test_month_name_dates_parse_at_their_precision():
    assert find_dates("Posted on Sep 7, 2019 at 3:05 PM") == [(10, "2019-09-07T15:05")]
    assert find_dates("10 Sept. 2005") == [(0, "2005-09-10")]
    assert find_dates("in May 2005 we met") == []


def test_chrome_lines_clock_weather_lunar_and_weekday_outside_the_header():
    assert is_chrome("今天是2024年6月3日")
    assert is_chrome("2024年6月3日 农历四月廿七")
    assert is_chrome("北京 晴 天气 2024-06-03")
    assert is_chrome("2024年6月3日 星期一")
    assert not is_chrome("2024年6月3日 星期一 来源：新华社", in_header=True)
    assert is_chrome("今天是2024年6月3日 星期一", in_header=True)
    assert not is_chrome("来源：今日头条 2019-09-07")  # a source named 今日… is not a clock
    assert not is_chrome("二〇二四年六月十六日")  # a written-out signature date is not the lunar calendar


def test_header_stops_at_prose_when_the_body_was_found_above_the_title():
    lines = ["2024年6月3日", "春天里的一次远足", "早上七点我们从城南出发，沿着2019年修好的绿道一路向西走了很久很久。", "短行"]
    zones = Zones(title=1, body_start=0, body_end=3)
    zones.find_header_end(lines)
    assert zones.header_end == 2  # the prose line after the title is body, not a byline


def test_a_bare_time_label_above_the_headline_is_the_site_clock():
    top = "<span>日期：2024年6月3日</span>"
    r = extract_page(news_page(top, "来源：城南日报　编辑：刘洋"), "http://www.example-news.cn/2024/0506/8841.html")
    assert r.published == "2024-05-06"  # from the URL; the labelled clock above the title is not the article's
    labelled = extract_page(news_page("<span>发布时间：2024年5月6日</span>", "来源：城南日报"), URL)
    assert labelled.published == "2024-05-06"  # a specific publish label still counts wherever it sits


def test_a_bare_date_label_deep_in_the_body_is_a_table_column_not_the_publish_date():
    schedule = [f"日期：2024年3月{n}日　场次：第{n}场　地点：城南体育馆" for n in range(1, 4)]
    paragraphs = NEWS_BODY[:2] + schedule + NEWS_BODY[2:]
    r = extract_page(news_page(header="来源：城南日报", body_paragraphs=paragraphs),
                     "http://www.example-news.cn/2024/0506/8843.html")
    assert r.published == "2024-05-06"


def test_a_date_keeps_one_separator_and_no_field_runs_on_into_digits():
    assert find_dates("发表时间： 06/02/2022 - 13:48") == [(6, "2022-06-02")]  # not 2022-01-03 from "2022 - 13"
    assert find_dates("12/01/2004 - 01/01/2005") == [(0, "2004-12-01"), (13, "2005-01-01")]
    assert find_dates("Copyright © 1996 - 2005 SINA") == []
    assert find_dates("2005-07/06") == []
    assert find_dates("2005年03月31日03:18 北京娱乐信报") == [(0, "2005-03-31T03:18")]
    assert find_dates("2021年6月18开设") == [(0, "2021-06-18")]
    assert find_dates("——《北京之春》1998年3月号") == [(8, "1998-03")]
    assert find_dates("1998-3 期") == [(0, "1998-03")]


def test_a_future_header_date_is_refused_and_the_url_date_used():
    r = extract_page(news_page(header="发布时间：2099-05-06 08:15　来源：城南日报"),
                     "http://www.example-news.cn/2024/0506/8844.html")
    assert r.published == "2024-05-06"


RELATED = [f"城南第{n}届春季运动会开幕" for n in range(1, 4)]


def test_entries_of_related_and_archive_lists_are_chrome_outside_the_header():
    assert is_chrome("·富夫妻望子成龙假离婚 三月后丈夫另娶妻子傻眼（2005-04-03 17:19PM）")
    assert is_chrome("[2005-08-21] 为什么总要面对呢")
    assert is_chrome("少年时代(1)(2004/10/10 17:06)")
    assert is_chrome("·2005年7月 (114)")
    assert not is_chrome("·发布时间：2024-05-06")  # a labelled date, not a list entry
    assert not is_chrome("【2024-05-06】【打印】【关闭】")  # a gov page's print/close row carries the article's date
    assert not is_chrome("（2003年5月）") and not is_chrome("2026年6月7日")  # a closing date alone
    assert not is_chrome("城南日报（2024-05-06 08:15）", in_header=True)


def test_related_list_dates_never_win_not_even_through_htmldate():
    entries = "".join(f"<li>·{t}（2024-06-0{n} 10:00）</li>" for n, t in enumerate(RELATED, 1))
    r = extract_page(news_page(header="", after=f"<ul>{entries}</ul>"), URL)
    assert r.published is None and "no published found" in r.warnings
    closing = [f"[2024-06-0{n}] {t}" for n, t in enumerate(RELATED, 1)]
    r = extract_page(news_page(header="", body_paragraphs=NEWS_BODY + closing), URL)
    assert r.published is None  # a list at the end of the body is not a closing date either
    dated = extract_page(news_page(header="", after=f"<ul>{entries}</ul>"),
                         "http://www.example-news.cn/2024/0506/1.html")
    assert dated.published == "2024-05-06"


def blog_archive(tag_title: str) -> bytes:
    """A blog archive page: <title> names the blogger and the host; each post is a title cell, a date cell, a body."""
    posts = "".join(
        f'<table><tr><td class="post-title">{t}</td><td class="post-title"><nobr>2005-06-{d} 03:25:55</nobr></td></tr>'
        f'<tr><td class="post-body" colspan="2">{"".join(f"<p>{p}</p>" for p in NEWS_BODY)}</td></tr>'
        f'<tr><td class="post-footer">由海姑娘张贴 @ 2005-06-{d} 03:25:55 (370)</td></tr></table>'
        for t, d in (("湘菜粤菜 兵分两路 (图)", "14"), ("澳坛真的累了", "13")))
    return (f'<html><head><meta charset="utf-8"><title>{tag_title}</title></head><body>'
            f'<div class="nav"><a href="/">博客首页</a> <a href="/reg">注册新的博客</a></div>{posts}</body></html>').encode()


def test_a_host_name_in_title_is_the_site_and_a_date_cell_is_not_a_heading():
    r = extract_page(blog_archive("海姑娘 | blog.example-bk.com"), "http://blog.example-bk.com/archives.php?date=200506")
    assert r.title == "湘菜粤菜 兵分两路 (图)"
    assert r.published == "2005-06-14T03:25:55"  # the date cell under the post title, to the second


def test_ambiguous_slash_dates_follow_the_order_the_page_uses_elsewhere():
    def page(related_days):
        entries = "".join(f"<li><a href='/a/{n}.html'>{t}</a> <span>{d}/02/2022</span></li>"
                          for n, (t, d) in enumerate(zip(RELATED, related_days)))
        return news_page(header="发表时间： 06/02/2022 - 13:48", after=f"<ul>{entries}</ul>")
    assert extract_page(page(["13", "12", "10"]), URL).published == "2022-02-06"  # 13/02: day first
    assert extract_page(page(["05", "04", "03"]), URL).published == "2022-06-02"  # no evidence: month first
    us = news_page(header="发表时间： 06/02/2022 - 13:48", after="<p>更新于 9/17/2004 5:54:13 AM</p>")
    assert extract_page(us, URL).published == "2022-06-02"


def test_full_width_digits_are_dates_too():
    assert find_dates("２０２２－０２－１３ １０：３０") == [(0, "2022-02-13T10:30")]
    r = extract_page(news_page(header="发布日期：２０２２年２月１３日　来源：城南日报"), URL)
    assert r.published == "2022-02-13"


def test_a_guess_is_refused_only_when_every_line_showing_its_day_is_chrome():
    assert only_in_chrome("2024-06-01", ["·城南第1届春季运动会开幕（2024-06-01 10:00）", "今天是2024年6月1日"])
    assert not only_in_chrome("2024-06-01", ["·城南第1届春季运动会开幕（2024-06-01 10:00）", "2024-06-01 城南日报"])
    assert not only_in_chrome("2024-05-06", ["2024年5月6日 星期一 来源：城南日报"])  # a byline with its weekday
    assert not only_in_chrome("2024-05-06", ["正文里没有这个日期"])  # not on the page: nothing to judge


def info_table(*cells: tuple[str, str]) -> str:
    """A 信息公开 table row: label cell, value cell, label cell, value cell ..."""
    return "<table><tr>" + "".join(f"<td>{label}</td><td>{value}</td>" for label, value in cells) + "</tr></table>"


def test_generated_and_disclosure_dates_are_publish_labels_and_issuing_or_effective_dates_are_not():
    cases = [((("成文日期：", "2024年04月28日"), ("生成日期：", "2024年05月06日")), "2024-04-28"),
             ((("发文日期：", "2024年04月28日"), ("公开日期：", "2024年05月06日")), "2024-04-28"),
             ((("实施日期：", "2024年07月01日"), ("公布日期：", "2024年05月06日")), None)]
    for cells, written in cases:
        r = extract_page(news_page(header=info_table(*cells)), URL)
        assert (r.published, r.written_date) == ("2024-05-06", written)
    r = extract_page(news_page(header="出版日期：2024年05月06日　第03版"), URL)
    assert r.published == "2024-05-06"


def test_url_dates_of_common_chinese_cms_and_portals():
    from extractors.dates import date_from_url
    for url in ("http://www.example.gov.cn/art/2022/2/13/art_1_2.html",
                "http://www.example.gov.cn/zwgk/202202/t20220213_1.html",
                "http://www.example.cn/n1/2022/0213/c1001-3235.html",
                "https://www.example.com.cn/gn/2022/02-13/9675.shtml",
                "https://www.example.cn/2022-02/13/c_1128.htm", "https://news.example.com/rain/a/20220213A03XYZ00"):
        assert date_from_url(url) == "2022-02-13", url
    assert date_from_url("https://news.example.com/a/20221399A1") is None  # not a real day
    assert date_from_url("http://cn.news.example.com/050404/346/2al02.html") is None  # two-digit years are not read


def test_written_date_is_the_last_labelled_resort_for_published_and_its_table_cell_never_a_bare_date():
    both = extract_page(news_page(header=info_table(("成文日期：", "2024年04月28日"), ("", "2024年05月06日"))), URL)
    assert (both.published, both.written_date) == ("2024-05-06", "2024-04-28")  # the 成文 cell is not a bare date
    only = extract_page(news_page(header=info_table(("发布机构：", "城南区政府"), ("成文日期：", "2024年04月28日"))), URL)
    assert (only.published, only.written_date) == ("2024-04-28", "2024-04-28")
    assert any("成文日期" in w for w in only.warnings)
    trs = extract_page(news_page(header=info_table(("发布机构：", "城南区政府"), ("成文日期：", "2024年04月28日"))),
                       "http://www.example.gov.cn/zwgk/202405/t20240506_1.html")
    assert trs.published == "2024-05-06"  # the CMS's URL date is the publish date; 成文日期 only when nothing else


def test_a_date_after_a_font_size_or_view_count_label_belongs_to_no_label():
    for header in ("【字体：大 中 小】 2022-02-13 浏览次数：12", "浏览次数：12 2022-02-13"):
        assert extract_page(news_page(header=header), URL).published == "2022-02-13", header
    effective = extract_page(news_page(header="生效日期：2022-03-01　来源：城南日报"), URL)
    assert effective.published != "2022-03-01"  # a labelled effective date is still not the publish date


ESSAY = ["记得那年秋天，我第一次走进这所乡村小学，教室的窗户没有玻璃，孩子们却读得很认真。",
         "后来的许多年里，我常常想起那些孩子，想起他们在寒风里朗读课文的声音，想起那一排排破旧的课桌。"] + NEWS_BODY


def test_a_full_header_date_beats_the_url_date():
    url = "http://www.example-news.cn/news/2005-09/13/content_3481.htm"
    for header in ("2005年09月07日 10:20 来源：城南日报", "<p>城南日报</p><p>2005年09月07日</p>"):
        r = extract_page(news_page(header=header), url)
        assert r.published.startswith("2005-09-07"), header
    above = extract_page(news_page(above="<p>2005年09月07日</p>", header="来源：城南日报"), url)
    assert above.published == "2005-09-07"


def test_a_date_under_byline_labels_below_the_title_is_the_header_date():
    url = "http://www.example-news.cn/wenhua/2005-09/13/content_3481.htm"
    header = "<p>作者：约翰·史密斯（美国哥伦比亚大学历史系教授，长期研究东亚社会）　译：李明：</p><p>2005年09月07日</p>"
    r = extract_page(news_page(header=header, body_paragraphs=ESSAY), url)
    assert r.published == "2005-09-07"
    header = "<p>来源：《城南文史》第三期，作者根据演讲稿整理补充而成：</p><p>译者：王芳</p><p>2005-09-07</p>"
    r = extract_page(news_page(header=header, body_paragraphs=ESSAY), url)
    assert r.published == "2005-09-07"
    inside = ["作者：约翰·史密斯（美国哥伦比亚大学历史系教授，长期研究东亚社会） 译：李明", "2005年09月07日"]
    r = extract_page(news_page(header="", body_paragraphs=inside + ESSAY), url)
    assert (r.published, r.author) == ("2005-09-07", "约翰·史密斯")
    r = extract_page(news_page(header="", body_paragraphs=["【作者】约翰·史密斯 【译者】李明", "2005年9月7日"] + ESSAY), url)
    assert (r.published, r.author) == ("2005-09-07", "约翰·史密斯")


def test_modified_from_json_ld_meta_and_update_labels():
    ld = ('<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2024-05-06T08:00:00+08:00",'
          ' "dateModified": "2024-05-08T09:30:00+08:00"}</script>')
    page = news_page(header="2024-05-06 08:00").replace(b"</title>", b"</title>" + ld.encode(), 1)
    assert extract_page(page, URL).modified.startswith("2024-05-08T09:30")
    meta = '<meta property="article:modified_time" content="2024-05-09T10:00:00+08:00">'
    page = news_page(header="2024-05-06 08:00").replace(b"</title>", b"</title>" + meta.encode(), 1)
    assert extract_page(page, URL).modified.startswith("2024-05-09T10:00")
    for label in ("更新时间", "最后更新", "更新于"):
        r = extract_page(news_page(header=f"2024-05-06 08:00　{label}：2024-05-10 11:00"), URL)
        assert (r.published, r.modified) == ("2024-05-06T08:00", "2024-05-10T11:00"), label


def test_a_two_digit_year_behind_a_publish_label():
    header = "<p>体育教科书</p><p>发布时间：18-03-0823:16</p>"
    r = extract_page(news_page(header=header), "http://www.example-news.cn/s?id=9b1e")
    assert (r.published, r.author) == ("2018-03-08T23:16", "体育教科书")
    from extractors.govmeta import clean_value

    assert clean_value("published", "18-03-08 23:16") == "2018-03-08T23:16"
    assert clean_value("published", "12-13-01") is None  # no month 13: not a date
    r = extract_page(news_page(header="<p>编号：18-03-08</p>"), "http://www.example-news.cn/s?id=9b1e")
    assert r.published != "2018-03-08"  # only behind a publish label
