"""htmldate as the date source of pages not in Chinese (extensive search), reading the page's parsed tree."""
from lxml import etree

from extractors import extract_page
from extractors.metadata import htmldate_guess
from extractors.parse import parse_html

FREE_TEXT_DATE = ("<html><head><title>Notes from the field</title></head><body><div><h1>Notes from the field</h1>"
                  "<p>Some words of prose about the trip, long enough to be a body paragraph of its own.</p>"
                  "<p>Posted on 3 March 2019 by a visitor</p></div></body></html>")
MARKUP_DATE = ("<html><head><title>Council news</title><meta property='article:published_time' "
               "content='2021-05-04T10:00:00'></head><body><p>Posted on 3 March 2019.</p></body></html>")


def test_pages_not_in_chinese_get_the_extensive_search():
    assert htmldate_guess(FREE_TEXT_DATE, "https://example.org/notes") is None  # the quick search alone
    assert htmldate_guess(FREE_TEXT_DATE, "https://example.org/notes", extensive=True) == "2019-03-03"
    record = extract_page(FREE_TEXT_DATE.encode(), "https://example.org/notes")
    assert record.published == "2019-03-03"


def test_markup_dates_come_before_free_text_dates():
    assert htmldate_guess(MARKUP_DATE, "https://example.org/news", extensive=True) == "2021-05-04"


def test_the_parsed_tree_gives_the_same_date_and_is_left_unchanged():
    for html in (FREE_TEXT_DATE, MARKUP_DATE):
        tree = parse_html(html)
        before = etree.tostring(tree)
        from_tree = htmldate_guess(html, "https://example.org/a", extensive=True, tree=tree)
        assert from_tree == htmldate_guess(html, "https://example.org/a", extensive=True)
        assert from_tree is not None
        assert etree.tostring(tree) == before
