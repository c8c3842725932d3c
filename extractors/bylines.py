"""Bylines Chinese articles write in the text rather than behind a label.

Covers the newsroom conventions (本报记者 王建宏 张文攀, （记者 胡晓蓉）, （姚峰 上海报道）, 文/张三,
张三/文) and blog footers (张三 发表于 2005-9-15, 由张三张贴 @ ...). Each rule returns the names
only; the caller decides which rule wins.
"""
from __future__ import annotations

import re

NAME = r"[\u4e00-\u9fff·]{2,4}"
NAMES = NAME + r"(?:[ 、，,]+" + NAME + r")*"
REPORTER_RE = re.compile(
    r"(?:^|[\s（(【\[□■●▲·，,])(?:本报|本台|本刊|本网|[\u4e00-\u9fff]{1,8}(?:日报|晚报|晨报|报|社|网|台|频道))?"
    r"(?:特约|见习|实习|首席|驻[\u4e00-\u9fff]{1,4})?(?:记者|通讯员|实习生)\s*[:：]?\s*(?P<names>" + NAMES + r")(?![\u4e00-\u9fff\d])"
)
TAIL_PAREN_RE = re.compile(
    r"[（(]\s*(?:[\u4e00-\u9fff]{0,6}记者\s*)?(?P<names>" + NAMES + r")(?:\s+[\u4e00-\u9fff]{2,4}报道)?\s*[）)]\s*$"
)
REPORT_PAREN_RE = re.compile(
    r"[（(]\s*(?:[\u4e00-\u9fff]{0,6}记者\s*(?P<a>" + NAMES + r")|(?P<b>" + NAMES + r")\s+[\u4e00-\u9fff]{2,4}报道)\s*[）)]\s*$"
)
SLASH_RE = re.compile(r"^(?:文|撰文|文字|图文)\s*[/／]\s*(?P<a>" + NAMES + r")|^(?P<b>" + NAME + r")\s*[/／]\s*文\b")
BLOG_RE = re.compile(
    r"(?:由\s*(?P<a>[^\s@]{2,20})\s*(?:张贴|发表|发布)\s*[@于])|"
    r"(?<![A-Za-z0-9_.\-])(?P<b>[A-Za-z0-9_.\-]{2,20}|[\u4e00-\u9fff]{2,4})\s*(?:发表于|发布于|posted\s+(?:at|on|@))\s*\d",
    re.IGNORECASE,
)
PROFILE_RE = re.compile(r"^[\[【]?\s*(?:作者|博主|个人)简介")  # a blog profile box: owner's name, then 作者简介
OWNER_RE = re.compile(r"^(?:[\u4e00-\u9fff·]{2,6}|[A-Za-z][\w.\-]{1,20})$")
BRACKET_RE = re.compile(r"[\[【]\s*(?P<name>" + NAME + r")\s*[\]】]")
NOT_NAMES = {"记者", "报道", "编辑", "来源", "通讯员", "实习生", "摄影", "摄", "图", "文", "本报", "责任", "综合",
             "整理", "新华社", "新华网", "人民网", "央视网", "中新网", "中国", "北京", "上海", "电", "讯"}


def _names(text: str) -> str | None:
    """Split a run of names, dropping words that are roles or places rather than people."""
    names = [n for n in re.split(r"[ 、，,]+", text.strip()) if n and n not in NOT_NAMES]
    names = [n for n in names if not n.endswith(("报道", "摄影", "编辑", "记者", "电"))]
    return " ".join(names) if names else None


def reporters(lines: list[str]) -> str | None:
    """Names after 记者/通讯员 in the given lines (the article's first or last lines)."""
    found: list[str] = []
    for line in lines:
        for m in REPORTER_RE.finditer(line[:300]):
            names = _names(m.group("names"))
            if names:
                found.extend(n for n in names.split() if n not in found)
    return " ".join(found) if found else None


def bracketed_name(lines: list[str]) -> str | None:
    """A lone bracketed name on a header line that also carries a date or a 来源 label: [ 黄宇 ]."""
    for line in lines:
        m = BRACKET_RE.search(line)
        if m and (re.search(r"\d{4}", line) or "来源" in line) and m.group("name") not in NOT_NAMES:
            return m.group("name")
    return None


def closing_parenthesis(lines: list[str]) -> str | None:
    """Names in a parenthesis that closes the article: （记者 胡晓蓉）, （常书香 马丹阳）."""
    for line in reversed(lines):
        m = TAIL_PAREN_RE.search(line)
        if m:
            return _names(m.group("names"))
    return None


def report_parenthesis(lines: list[str]) -> str | None:
    """A paragraph anywhere in the body that closes on （姚峰 上海报道） or （记者 王建宏）: the
    reporter of that story (long articles carry it mid-page, before a second section)."""
    for line in lines:
        if line.endswith(("）", ")")):
            m = REPORT_PAREN_RE.search(line)
            if m:
                names = _names(m.group("a") or m.group("b"))
                if names:
                    return names
    return None


def slash_byline(lines: list[str]) -> str | None:
    """文/张三 or 张三/文 at the start of a line."""
    for line in lines:
        m = SLASH_RE.search(line)
        if m:
            return _names(m.group("a") or m.group("b"))
    return None


def _may_name_poster(line: str) -> bool:
    """A cheap test that the line holds a word BLOG_RE needs (由 / 发表于 / 发布于 / posted), before the regex."""
    return "由" in line or "发表于" in line or "发布于" in line or "posted" in line.lower()


def blog_poster(lines: list[str]) -> str | None:
    """The poster of a blog entry: 张三 发表于 2005-9-15, 由张三张贴 @ ..., else the blog's owner named
    in its profile box (a name line, then [作者简介])."""
    for line in lines:
        if not _may_name_poster(line):
            continue
        m = BLOG_RE.search(line)
        if m:
            return (m.group("a") or m.group("b")).strip()
    for above, line in zip(lines, lines[1:]):
        if PROFILE_RE.match(line) and OWNER_RE.match(above) and above not in NOT_NAMES:
            return above
    return None
