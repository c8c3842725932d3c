"""Soft 404s: pages answered with HTTP 200 that only say the page does not exist.

Government CMSs often return 200 with "页面不存在" for deleted articles; counting those as
content would migrate error pages and hide broken links. A page is a soft 404 when it has
little text and that text (or its title) carries a not-found phrase.
"""
from __future__ import annotations

import re

import lxml.etree

PHRASES = (
    "页面不存在", "页面未找到", "找不到", "不存在或已删除", "已被删除", "信息不存在", "文章不存在",
    "您访问的页面", "无法找到", "404", "not found", "page not found", "does not exist",
)
MAX_TEXT = 600  # visible characters; real articles are longer than an error message
_WS = re.compile(r"\s+")


# every text node below the root in document order, except the insides of scripts and styles
# (comment contents are not text nodes); one XPath call, no Python object per element
_VISIBLE = lxml.etree.XPath("descendant::text()[not(parent::script or parent::style)]", smart_strings=False)


def visible_text(doc) -> str:
    """Text a reader sees: without scripts, styles and comments."""
    if doc is None:
        return ""
    body = doc.find("body")
    root = body if body is not None else doc
    return _WS.sub(" ", " ".join(_VISIBLE(root))).strip()


def is_soft_404(doc, status: int | None) -> bool:
    """True for a 200 page whose short text says the page is not there."""
    if status != 200 or doc is None:
        return False
    text = visible_text(doc)
    if len(text) > MAX_TEXT:
        return False
    title = " ".join("".join(t.itertext()) for t in doc.iter("title"))
    haystack = f"{title} {text}".lower()
    return any(p in haystack for p in PHRASES)
