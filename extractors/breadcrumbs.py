"""Breadcrumbs as Chinese government pages print them: 当前位置：首页 > 政务公开 > 通知公告.

Found in an element whose class/id says position/location/breadcrumb (div.position, .dqwz ...)
or in a text line that starts with 当前位置/您的位置/您现在的位置. Items keep the page's own names.
"""
from __future__ import annotations

import re
from itertools import islice

from .parse import clean_text

LABEL_RE = re.compile(
    r"^\s*(?:您现在的位置|你现在的位置|您当前的位置|您当前位置|你当前的位置|当前位置|您的位置|你的位置|所在位置|"
    r"现在位置|当前页面|当前页|位置)\s*[:：]?\s*"
)
SEP_RE = re.compile(r"\s*(?:-{1,2}>|>>|＞＞|>|＞|»|›|→|/|\\)\s*")
CONTAINER_RE = re.compile(r"position|location|breadcrumb|crumb|curmb|dqwz|weizhi|lujing|path|dangqian")
TAIL_WORDS = {"正文", "详情", "内容", "文章内容", "详细内容", "查看内容", "浏览文章", "阅读文章", "信息详情", "新闻详情", "文章详情"}


def split_items(text: str) -> list[str]:
    """Names from a breadcrumb text, label and separators removed."""
    text = LABEL_RE.sub("", clean_text(text))
    items = [clean_text(p) for p in SEP_RE.split(text)]
    return [p for p in items if p and len(p) <= 40]


def _from_element(el) -> list[str]:
    """Items of a breadcrumb container: its text split on separators."""
    if sum(1 for _ in islice(el.iter(), 41)) > 40:
        return []  # a page wrapper that happens to be called "path", not a breadcrumb
    text = clean_text(el.text_content())
    if not text or len(text) > 200 or not (SEP_RE.search(text) or LABEL_RE.match(text)):
        return []
    return split_items(text)


def find_breadcrumb(page, lines: list[str]) -> list[str]:
    """The page's breadcrumb items (first 首页 kept as printed), or [] if none."""
    for line in lines:
        if LABEL_RE.match(line) and len(line) <= 200:
            items = split_items(line)
            if items:
                return _trim(items)
    for el, names in page.class_index:
        if not CONTAINER_RE.search(names.lower()):
            continue
        if el.tag in ("html", "body", "script", "style", "link", "meta", "input"):
            continue
        items = _from_element(el)
        if len(items) >= 2:
            return _trim(items)
    return []


def _trim(items: list[str]) -> list[str]:
    """Items as printed (a trailing 正文 is kept: it is part of what the page shows)."""
    return items


def column_from(breadcrumb: list[str], title: str | None) -> str | None:
    """The column an article sits in: the last breadcrumb item that is not the article itself."""
    for item in reversed(breadcrumb):
        if item in TAIL_WORDS:
            continue
        if title and len(item) > 12 and (item == title or item in title):
            continue
        if item in ("首页", "网站首页", "主页"):
            return None
        return item
    return None
