"""extract_page on real pages of the shared corpus (skipped, with the reason, when it is absent)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from extractors import PAGE_TYPES, extract_page

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"shared corpus not found at {CORPUS}")
WRAPPER_RE = re.compile(rb'^\s*<text id="([^"]*)"[^>]*?encoding="([^"]*)"')


def zh_pages():
    return sorted((CORPUS / "zh-web-dev" / "original").glob("*.html")) if CORPUS.is_dir() else []


def test_every_zh_page_gives_a_record_with_text_or_reasons():
    pages = zh_pages()
    assert len(pages) == 35
    for path in pages:
        data = path.read_bytes()
        m = WRAPPER_RE.match(data)
        record = extract_page(data, m.group(1).decode() if m else path.as_uri())
        assert record.page_type in PAGE_TYPES
        assert record.body_text or record.warnings, path.name
        assert record.body_text.count("\ufffd") < 20, (path.name, record.warnings)  # GBK read as GBK


def test_gov_xxgk_page_fields():
    path = CORPUS / "zh-web-dev" / "original" / "e8847578-12f0-44cb-bdb7-4eec53c18ed1.html"
    r = extract_page(path.read_bytes(), path.as_uri())
    assert r.title == "吉林省人民政府关于禁止在吉林省嫩江干流补充治理工程建设征占地范围内新增建设项目和迁入人口的通告"
    assert (r.source, r.doc_number) == ("吉林省人民政府", "吉政明电〔2022〕1号")
    assert (r.written_date, r.published) == ("2022-01-27", "2022-01-28")
    assert r.index_number == "11220000013544357T/2022-00426"
    assert "特此通告" in r.body_text and "索 引 号" not in r.body_text


@pytest.mark.parametrize("rel, title, published, source, column", [
    ("tests/shanxi/1.html", "山西品牌丝路行（南美站）正式启动", "2019-09-18T06:23", "山西日报", "山西要闻"),
    ("tests/gzggw/1.html", "1-10月德清县固定资产投资结构趋稳趋优", "2016-11-22T09:53", "省发改委", "投资运行"),
])
def test_gov_cn_meta_tags(rel, title, published, source, column):
    path = CORPUS / "gne-tests" / rel
    r = extract_page(path.read_bytes(), path.as_uri())
    assert (r.title, r.published, r.source, r.column_name) == (title, published, source, column)
    assert r.page_type == "article" and len(r.body_text) > 200


def _publisher_article(data: bytes) -> str:
    """The text of the page's own article container (NetEase's ``div#endText``): the publisher's key."""
    import lxml.html

    node = lxml.html.fromstring(data.decode("utf-8")).get_element_by_id("endText")  # UTF-8, undeclared
    return re.sub(r"\s+", "", node.text_content())


@pytest.mark.parametrize("name", ["1.html", "2.html", "3.html", "7.html", "8.html"])
def test_a_body_favor_precision_misses_is_found_without_it(name):
    """On these news pages trafilatura's favor_precision takes a sidebar of headline links (2, 3, 8)
    or the readers' comments (1, 7: 网友评论 ...; 1 is not thin, its opening comment header decides)
    for the article; the second pass without favor_precision finds the article, and most of the
    publisher's own container text is in the body."""
    data = (CORPUS / "gne-tests" / "tests" / "163" / name).read_bytes()
    record = extract_page(data, f"https://www.163.com/news/article/{name}")
    want, got = _publisher_article(data), re.sub(r"\s+", "", record.body_text)
    sentences = [s for s in re.split(r"[。！？]", want) if len(s) >= 8]
    found = sum(s in got for s in sentences)
    assert record.page_type == "article" and found >= 0.8 * len(sentences) > 3, (found, len(sentences))
    assert any("without favor_precision" in w for w in record.warnings)
