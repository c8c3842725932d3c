"""The article title, reconciled between ArticleTitle meta, on-page headings and <title>.

<title> usually reads "文章标题_栏目_网站名" (or with -, |, —): its first part, minus the site
name, is the candidate; a heading on the page that matches it is preferred because <title>
is often truncated; ArticleTitle meta, when present, is the publisher's own answer.
"""
from __future__ import annotations

import re

from .parse import clean_text

SEPARATOR_RE = re.compile(r"\s*(?:_{1,2}|\|{1,2}|｜|--+|——|—|–|\s-\s|(?<=[\u4e00-\u9fff）)])-(?=[\u4e00-\u9fff])|\s»\s|::|：：)\s*")
HEADING_XPATH = "//h1|//h2|//h3|//*[contains(@class,'title') or contains(@class,'Title') or contains(@id,'title')]"
HOST_RE = re.compile(r"^(?:https?://)?(?:[\w-]+\.)+[a-z]{2,6}/?$", re.I)  # blog.example.com: the site, not the article
DATE_ONLY_RE = re.compile(r"^[\d\s\-/.:：年月日时分APMapm()（）\[\]]+$")  # a heading cell holding only a date
GENERIC = {"正文", "详情", "内容", "首页", "显示", "index", "无标题文档", "untitled", "新闻详情", "文章详情"}


def title_tag(tree) -> str | None:
    """The text of the first <title>."""
    for el in tree.iter("title"):
        text = clean_text(el.text_content())
        if text:
            return text
    return None


def split_title(text: str, site_name: str | None = None) -> str:
    """The article part of a <title>: drop the site name and the column/site suffixes."""
    if site_name and text.endswith(site_name) and len(text) > len(site_name) + 2:
        text = text[: -len(site_name)].rstrip(" _-|｜—–")
    parts = [p for p in SEPARATOR_RE.split(text) if p.strip()]
    named = [p for p in parts if not HOST_RE.match(p.strip())]
    parts = named if named else parts
    if not parts:
        return text
    first = parts[0].strip()
    if len(first) < 4 and len(parts) > 1:
        return max(parts, key=len).strip()
    return first


def _strip_suffix(title: str, site_name: str | None, tag_title: str | None) -> str:
    """og:title minus a trailing site name (the site_name meta, or the last part of <title>)."""
    suffixes = {s for s in (site_name, _last_part(tag_title)) if s}
    parts = SEPARATOR_RE.split(title)
    if len(parts) > 1 and parts[-1].strip() in suffixes:
        return title[: title.rfind(parts[-1])].rstrip(" _-|｜—–»:")
    return title


def _last_part(text: str | None) -> str | None:
    parts = [p for p in SEPARATOR_RE.split(text or "") if p.strip()]
    return parts[-1].strip() if len(parts) > 1 else None


def _similar(a: str, b: str) -> float:
    """Share of characters of the shorter string found, in order-insensitive bag terms, in the longer."""
    if not a or not b:
        return 0.0
    short, long_ = sorted((a, b), key=len)
    pool = list(long_)
    hits = 0
    for ch in short:
        if ch in pool:
            pool.remove(ch)
            hits += 1
    return hits / len(long_)


def headings(tree, index: list | None = None) -> list[str]:
    """Texts of h1-h3 and title-classed elements (in page order), short enough to be titles.

    ``index`` is the page's (element, "class id") list; without it an XPath scans the tree.
    """
    out = []
    if index is None:
        found = tree.xpath(HEADING_XPATH)
    else:
        found = list(tree.iter("h1", "h2", "h3")) + [el for el, names in index if "title" in names or "Title" in names]
        found.sort(key=lambda el: el.sourceline or 0)
    for el in found:
        text = clean_text(el.text_content())
        if 4 <= len(text) <= 150 and text not in out and not DATE_ONLY_RE.match(text):
            out.append(text)
    return out


def find_title(lines: list[str], tag_title: str | None, meta_title: str | None,
               heads: list[str], site_name: str | None = None,
               meta_weak: bool = False) -> tuple[str | None, int | None, str | None]:
    """(title, index of its line in ``lines`` or None, warning or None).

    ``meta_title`` is the publisher's ArticleTitle (trusted) or, when ``meta_weak``, an og:title-like
    value that may carry a site suffix and is used when the page and <title> do not contradict it.
    """
    candidate = split_title(tag_title, site_name) if tag_title else None
    if meta_title and site_name and meta_title == site_name:
        meta_title = None
    if meta_title:
        meta_title = _strip_suffix(meta_title, site_name, tag_title) if meta_weak else meta_title
        idx = _line_of(lines, meta_title)
        if idx is not None and len(lines[idx]) > len(meta_title) and lines[idx].startswith(meta_title):
            return lines[idx], idx, None
        if not meta_weak or idx is not None or not candidate or _similar(meta_title, candidate) > 0.5 \
                or (site_name and candidate == site_name) or candidate.lower() in GENERIC:
            return meta_title, idx, None
    for target in (t for t in (candidate, tag_title) if t and t.lower() not in GENERIC):
        idx = _line_of(lines, target)
        if idx is not None:
            return (lines[idx] if len(lines[idx]) >= len(target) else target), idx, None
    for head in heads:
        if candidate and (_similar(head, candidate) > 0.7 or head in tag_title and len(head) >= len(candidate) * 0.6):
            return head, _line_of(lines, head), None
    if candidate and len(candidate) >= 4 and candidate.lower() not in GENERIC:
        return candidate, None, "title taken from <title>; no matching heading on the page"
    for head in heads:
        if head.lower() not in GENERIC:
            return head, _line_of(lines, head), "title guessed from the first heading; <title> does not name the article"
    if tag_title:
        return tag_title, None, "title is the bare <title>; it may be the site or column name"
    return None, None, "no title found"


def _line_of(lines: list[str], target: str) -> int | None:
    """Index of the line that is the title: equal, or containing it with little else, or contained in it."""
    target = clean_text(target)
    if not target:
        return None
    best = None
    for i, line in enumerate(lines[:800]):
        if line == target:
            return i
        if best is None and len(target) >= 6 and (
            (target in line and len(line) <= len(target) * 1.3 + 4)
            or (line in target and len(line) >= max(6, len(target) * 0.6))
        ):
            best = i
    return best
