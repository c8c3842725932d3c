"""The crawler's fast paths give the answers of the general code they stand in front of."""
from __future__ import annotations

import random

from site_inventory.crawl import analysis
from site_inventory.sample.synthetic import SyntheticSite

_PIECES = ["页面", "不存在", "找", "到", "已被删除", "您访问的页面", "存在", "N", "o", "T", "not", "NOT FOUND",
           "Not Found", "page", "does", " ", "exist", "EXİST", "K", "İ", "&#", "&#39;", "4", "40", "404", "<p>",
           "中文", "无法", "信息", "文章", "删除", "\u00a0", "ﬁ"]


def test_not_found_prefilter_agrees_with_the_full_test():
    """_may_say_not_found is True exactly when the full phrase test is (random mixes of phrase pieces)."""
    rng = random.Random(7)
    texts = [SyntheticSite("h.example.gov.cn", 50, 1).html(i) for i in range(20)]
    texts += ["".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 12))) for _ in range(20000)]
    texts += list(analysis._CJK_NOT_FOUND) + list(analysis._LATIN_NOT_FOUND)
    texts += [p.upper() for p in analysis._LATIN_NOT_FOUND] + ["nO\u4e2dT", "Page Not Found", "DOES NOT EXIST"]
    hits = 0
    for text in texts:
        full = analysis._says_not_found(text)
        assert analysis._may_say_not_found(text) == full, text
        hits += full
    assert 0 < hits < len(texts)


def test_page_row_json_is_json_dumps():
    """The page row's headers and redirect chain are written as json.dumps(..., ensure_ascii=False) writes them."""
    import json

    from site_inventory.crawl import store

    for value in ([("Content-Type", "text/html; charset=utf-8"), ("X-站点", "青溪县\u2028\"q\"\\"), ("Empty", "")],
                  [["http://a.example.gov.cn/", 301], ["http://a.example.gov.cn/新", None]], [], [1.5, float("nan")]):
        assert store._to_json(value) == json.dumps(value, ensure_ascii=False)


def test_xml_declaration_test_is_lstrip_test():
    """_XML_DECL.match(body) answers body.lstrip()[:5] == b"<?xml" (ASCII whitespace only) for mixes of pieces."""
    rng = random.Random(3)
    pieces = [b" ", b"\t", b"\n", b"\r", b"\x0b", b"\x0c", b"\x1c", b"\xa0", b"\x00", b"<?xml", b"<?XML", b"<",
              b"?xml", b"x"]
    answers = set()
    for _ in range(20000):
        body = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))
        expected = body.lstrip()[:5] == b"<?xml"
        assert bool(analysis._XML_DECL.match(body)) == expected, body
        answers.add(expected)
    assert answers == {True, False}
