"""Choose each metadata field from the evidence, preferring the article header over page chrome.

Evidence comes from meta tags, JSON-LD, labelled text and bylines. Labelled text is ranked by
where its line sits: between the title and the body first, then just around the body, then the
rest of the page; lines of page chrome (copyright, ICP, a clock) never give a date.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from . import bylines
from .dates import date_from_url, find_dates, is_chrome, only_in_chrome, parse_date
from .govmeta import LABEL_RE, Labelled, clean_value

PROSE_END_RE = re.compile(r"^.{15,}[。！？；：:!?;]$")
NOT_A_NAME = {"昨天", "今天", "前天", "刚刚", "今日", "昨日", "本周", "上周", "未知", "不详", "匿名", "正文", "原文", "全文",
              "打印", "关闭", "返回", "分享", "收藏", "评论", "首页", "简介", "概况", "导读", "摘要", "编者按"}
CJK_RE = re.compile(r"[\u4e00-\u9fff]")
UPDATE_ONLY = "the page shows only an update time (更新时间); taken as the publish date"
DOC_NUMBER_RE = re.compile(r"[\u4e00-\u9fff]{1,12}\s*[〔\[【(（［]\s*(?:19|20)\d{2}\s*[〕\]】)）］]\s*\d{1,5}\s*号")
NAME_LINE_RE = re.compile(r"^[\u4e00-\u9fff·]{2,4}$")
BYLINE_LABEL_RE = re.compile(r"^\s*[【\[（(]?\s*(?:原?作者|译者|译|翻译|编译|来源|出处|记者|撰文|文|编辑|责任编辑|通讯员)\s*[:：】\]/／]")
GENERIC_DATE_LABELS = {"时间", "日期"}  # above the headline: the site's clock; deep in the page: a table column


@dataclass
class Zones:
    """Line indices of the title and the body within the page's lines."""

    title: int | None
    body_start: int | None
    body_end: int | None
    header_end: int | None = None  # first line of prose after the title (bylines may sit inside the body)

    def find_header_end(self, lines: list[str]) -> None:
        """The header runs from the title to the first prose line, at most 5 lines into the body
        (a body found above the title does not make its prose part of the header)."""
        if self.title is None:
            return
        first = self.body_start if self.body_start is not None and self.body_start > self.title else self.title + 1
        for i in range(self.title + 1, min(len(lines), first + 6)):
            line = lines[i]
            if i >= first and (len(line) >= 40 or PROSE_END_RE.search(line)) and not BYLINE_LABEL_RE.match(line):
                self.header_end = i
                return
        self.header_end = min(len(lines), first + 5)

    def rank(self, i: int) -> int:
        """0: article header; 1: just before the title or just after the body; 2: in the body; 3: elsewhere."""
        if self.title is not None and self.header_end is not None and self.title <= i < self.header_end:
            return 0
        start = self.body_start
        anchor = self.title if self.title is not None else (start - 6 if start is not None else None)
        if anchor is None:
            return 3
        if start is not None and start < anchor:
            start = None
        if anchor <= i and (start is None and i <= anchor + 6 or start is not None and i < start):
            return 0
        if anchor - 25 <= i < anchor:
            return 1
        if self.body_end is not None and self.body_end < i <= self.body_end + 8:
            return 1
        if start is not None and self.body_end is not None and start <= i <= self.body_end:
            return 2
        return 3


def locate_body(lines: list[str], body_lines: list[str]) -> tuple[int | None, int | None]:
    """Where the body's first and last lines sit in the page's lines."""
    if not body_lines:
        return None, None
    start = _find(lines, body_lines[0], 0)
    end_from = start if start is not None else 0
    end = _find(lines, body_lines[-1], end_from, last=True)
    if start is not None and end is None:
        end = start + len(body_lines) - 1
    return start, end


def _find(lines: list[str], target: str, begin: int, last: bool = False) -> int | None:
    key = target[:40]
    if not key:
        return None
    enough = max(8, min(len(target), 40) * 0.8)
    hits = [i for i in range(begin, len(lines)) if key in lines[i] or len(lines[i]) >= enough and lines[i] in target]
    if not hits:
        return None
    return hits[-1] if last else hits[0]


def best_labelled(found: list[Labelled], fld: str, zones: Zones, max_rank: int = 3) -> tuple[str | None, int | None]:
    """The cleaned value of the best-placed label of a field: (value, line)."""
    candidates = ranked_labelled(found, fld, zones, max_rank)
    return (candidates[0][3], candidates[0][2]) if candidates else (None, None)


def ranked_labelled(found: list[Labelled], fld: str, zones: Zones, max_rank: int = 3) -> list[tuple]:
    """(rank, distance from the title, line, cleaned value) of each label of a field, best placed first."""
    candidates = []
    for item in found:
        if item.field != fld:
            continue
        rank = zones.rank(item.line)
        if rank > max_rank:
            continue
        value = clean_value(fld, item.value)
        if value:
            anchor = zones.title if zones.title is not None else (zones.body_start or 0)
            candidates.append((rank, abs(item.line - anchor), item.line, value))
    return sorted(candidates)


def published_date(lines, zones: Zones, found: list[Labelled], meta: dict, ld: dict, url: str,
                   body_lines: list[str], time_values: list[str], html: str = "",
                   tree=None) -> tuple[str | None, str | None]:
    """(publish date, warning), strongest evidence first; nearer the headline beats further away.

    Meta, then 发布时间-like labels in the article header, a bare date there, labels just around it,
    <time>, labels elsewhere, 更新时间, the URL, 成文日期, the body's closing date, htmldate. Pages not in
    Chinese go to htmldate first: it knows their conventions better than these rules. htmldate
    reads ``tree`` (the parsed page, left unchanged) when given, else parses ``html`` again.
    """
    foreign = not CJK_RE.search(" ".join(body_lines[:5])[:2000] or " ".join(lines[:40]))
    if foreign:
        iso = htmldate_guess(html, url, extensive=True, tree=tree)
        if iso:
            return iso, None
    for value in (meta.get("published"), ld.get("published")):
        iso = parse_date(value)
        if iso:
            return iso, None
    chrome_free = [f for f in found if not is_chrome(lines[f.line], in_header=zones.rank(f.line) == 0)
                   and not (f.label in GENERIC_DATE_LABELS and (_above_headline(f.line, zones) or zones.rank(f.line) > 1))]
    iso, _ = best_labelled(chrome_free, "published", zones, max_rank=0)
    if iso:
        return iso, None
    iso = _header_date(lines, zones, found)
    if iso:
        return iso, None
    iso, _ = best_labelled(chrome_free, "published", zones, max_rank=1)
    if iso:
        return iso, None
    for value in time_values:
        iso = parse_date(value)
        if iso:
            return iso, None
    iso, _ = best_labelled(chrome_free, "published", zones)
    if iso:
        return iso, None
    iso, _ = best_labelled(chrome_free, "modified", zones, max_rank=0)
    if iso:
        return iso, UPDATE_ONLY
    iso = _full_date_by_title(lines, zones)
    if iso:
        return iso, None
    iso = date_from_url(url)
    if iso:
        return iso, "published date taken from the URL"
    iso, _ = best_labelled(chrome_free, "written_date", zones)
    if iso:
        return iso, "published date taken from 成文日期; the page shows no publish date"
    iso = _date_above_title(lines, zones)
    if iso:
        return iso, "published date taken from the date line just above the title"
    if any(f.field in ("source", "author", "editor", "other") and zones.rank(f.line) == 0 for f in found):
        return None, "the article header shows no publish date"
    for line in body_lines[-3:]:
        if len(line) <= 40 and not is_chrome(line):
            dates = find_dates(line)
            if dates:
                return dates[-1][1], "published date guessed from the date closing the body"
    iso = None if foreign else htmldate_guess(html, url, tree=tree)
    if iso and not only_in_chrome(iso, lines):
        return iso, "published date guessed by htmldate"
    start = zones.title if zones.title is not None else (zones.body_start or 0)
    for line in lines[start:start + 150]:
        if len(line) <= 200 and not is_chrome(line):
            dates = find_dates(line)
            if dates:
                return dates[0][1], "published date guessed from the first date after the title"
    return None, None


def _full_date_by_title(lines: list[str], zones: Zones) -> str | None:
    """A full date (with its day) alone on a short line just above the title: the header's own date,
    which beats the date a URL holds."""
    if zones.title is None:
        return None
    for i in range(zones.title - 1, max(-1, zones.title - 3), -1):
        line = lines[i]
        if len(line) <= 40 and not is_chrome(line):
            days = [iso for _, iso in find_dates(line) if len(iso) >= 10]
            if days:
                return days[0]
    return None


def _above_headline(i: int, zones: Zones) -> bool:
    """The line sits above the title (or, with no title found, above the lines just before the body)."""
    anchor = zones.title if zones.title is not None else (zones.body_start - 6 if zones.body_start is not None else None)
    return anchor is not None and i < anchor


def _date_above_title(lines: list[str], zones: Zones) -> str | None:
    """A short date line directly above the title (blogs print the post date there), nearest first;
    clocks and other chrome excluded."""
    if zones.title is None:
        return None
    for i in range(zones.title - 1, max(-1, zones.title - 3), -1):
        line = lines[i]
        if len(line) <= 60 and not is_chrome(line):
            dates = find_dates(line)
            if dates:
                return dates[0][1]
    return None


def _header_date(lines: list[str], zones: Zones, found: list[Labelled]) -> str | None:
    """The first bare date in the article header: dates that belong to another label on the line
    (更新时间, 成文日期 ...) and chrome lines are skipped; a weekday beside the date is allowed there."""
    span = _header_range(zones)
    labelled_days = {(f.line if f.value_line is None else f.value_line, parse_date(f.value)) for f in found
                     if f.field in ("modified", "written_date", "other") and f.line in span}
    for i in span:
        if i >= len(lines) or is_chrome(lines[i], in_header=True):
            continue
        for _, iso in find_dates(lines[i]):
            if (i, iso) not in labelled_days:
                return iso
    return None


def htmldate_guess(html: str, url: str, extensive: bool = False, tree=None) -> str | None:
    """htmldate's best guess (original date), refused when it is only a copyright year.

    ``extensive`` lets htmldate scan the whole text when its markup rules find nothing (as trafilatura
    does); it is kept for pages not in Chinese, where our own rules know less. ``tree`` (the page
    already parsed; htmldate copies it before pruning and leaves it unchanged) spares a second parse
    of ``html``. Running the quick search first would save a further tenth but changes the date of
    a few pages in a thousand (trafilatura-eval: 3 better or worse, one fewer right), so it does not."""
    if not html:
        return None
    try:
        from htmldate import find_date

        found = find_date(tree if tree is not None else html, url=url or None, original_date=True,
                          extensive_search=extensive, outputformat="%Y-%m-%d")
    except Exception:  # htmldate is a last resort; its failures must not fail the page
        return None
    iso = parse_date(found)
    if iso and iso.endswith("-01-01") and re.search(
            r"(?:©|&copy;|copyright|版权)\D{0,12}(?:\d{4}\s*[-–]\s*)?" + iso[:4], html, re.I):
        return None
    return iso


def _header_range(zones: Zones) -> range:
    """Line numbers between the title and the body (at most 6), where bylines and dates sit."""
    if zones.title is None:
        if zones.body_start is None:
            return range(0)
        return range(max(0, zones.body_start - 3), zones.body_start)
    end = zones.header_end or (zones.body_start if zones.body_start is not None and zones.body_start > zones.title
                               else zones.title + 7)
    return range(zones.title + 1, min(end, zones.title + 7))


def _header_lines(lines: list[str], zones: Zones) -> list[str]:
    """The lines of the article header."""
    span = _header_range(zones)
    return lines[span.start:span.stop]


def source_value(zones: Zones, found: list[Labelled], meta: dict, lines: list[str] | None = None,
                 ld: dict | None = None) -> str | None:
    """来源/发布机构: meta ContentSource, else the best-placed label, else JSON-LD publisher, else an
    organisation alone in the byline slot (证券时报网 under the date line) or heading a document."""
    meta_source = clean_value("source", meta["source"]) if meta.get("source") else None
    if meta_source:
        return meta_source
    value, _ = best_labelled(found, "source", zones, max_rank=2)
    if value:
        return value
    publisher = clean_value("source", ld["source"]) if ld and ld.get("source") else None
    if publisher:
        return publisher
    slot = byline_slot(lines, zones) if lines else None
    if slot and bylines.reads_as_org(slot):
        return slot
    return issuer_heading(lines, zones) if lines else None


ISSUER_END_RE = re.compile(r"(?:委员会|人民政府|政府|办公厅|办公室|局|委|厅|部|院|署|中心|公司|集团|大学)$")


def issuer_heading(lines: list[str], zones: Zones) -> str | None:
    """The issuing body heading a government document, its title running on below it:
    全国人民代表大会常务委员会 / 关于批准…的决议 (发文机关 above 关于…)."""
    start = zones.body_start
    if start is None or start + 1 >= len(lines):
        return None
    head, below = lines[start], lines[start + 1]
    if len(head) <= 30 and ISSUER_END_RE.search(head) and bylines.reads_as_org(head) and below.startswith("关于"):
        return head
    return None


def author_value(lines, zones: Zones, found: list[Labelled], meta: dict, ld: dict,
                 body_lines: list[str], title: str | None) -> tuple[str | None, str | None]:
    """(author, how): the first candidate, strongest evidence first, that reads as a name
    (``bylines.credible``); a wrong author is worse than none. 责任编辑 comes last: editors are
    authors only when the page names no writer."""
    for value, how in _author_candidates(lines, zones, found, meta, ld, body_lines, title):
        if value and bylines.credible(value, labelled=how in ("label", "meta", "account")) \
                and (how != "name line" or bylines.reads_as_person(value)):
            return value, how
    return None, None


def _author_candidates(lines, zones: Zones, found: list[Labelled], meta: dict, ld: dict,
                       body_lines: list[str], title: str | None):
    """Every author guess as (value, how), in the order they are trusted."""
    for candidate in ranked_labelled(found, "author", zones, max_rank=0):
        yield candidate[3], "label"
    dated = {f.line for f in found if f.field == "published"}
    # 作者:X ... 发表于 2005-07-31: the post's own byline line
    yield best_labelled([f for f in found if f.line in dated], "author", zones, max_rank=2)[0], "label"
    header = _header_lines(lines, zones)
    yield bylines.reporters(header + body_lines[:3]), "reporter"
    yield bylines.slash_byline(header + body_lines[:2]), "slash"
    yield bylines.credit_parenthesis(header + body_lines[:2] + body_lines[-3:]), "credit"
    yield bylines.bracketed_name(header), "bracket"
    yield bylines.coauthor_line(header), "coauthors"
    for candidate in ranked_labelled(found, "author", zones, max_rank=2):
        yield candidate[3], "label"
    slot = byline_slot(lines, zones)
    if slot and not bylines.reads_as_org(slot):
        yield slot, "account"
    if zones.title is not None:
        yield bylines.platform_account(lines[max(0, zones.title - 3):zones.title] + header), "account"
    yield bylines.closing_parenthesis(body_lines[-5:]), "closing"
    yield bylines.reporters(body_lines[-8:] + _around_body_end(lines, zones)), "reporter"
    yield bylines.report_parenthesis(body_lines), "reporter"
    yield bylines.blog_poster(header + body_lines + _after_body(lines, zones)), "blog"
    site = {meta.get("site_name") or "", meta.get("copyright") or ""}
    for raw in (ld.get("author"), meta.get("author")):
        value = clean_value("author", raw) if raw else None
        if value and not any(value in owner for owner in site if owner):
            yield value, "meta"  # a meta author naming the site itself (网易, in its copyright) is no writer
    yield bylines.blog_poster(lines), "blog"
    first = header[:1] or body_lines[:1]
    if zones.title is not None and first and NAME_LINE_RE.match(first[0]) and first[0] not in NOT_A_NAME \
            and (not title or first[0] not in title):
        yield first[0], "name line"
    if zones.title is not None:
        yield _name_under_title_repeat(lines[zones.title + 1:(zones.header_end or zones.title + 7) + 4], title), \
            "name line"
    yield bylines.copyright_owner(lines[zones.body_end or 0:][-40:] if zones.body_end is not None else lines[-40:]), \
        "copyright"
    yield editor_value(found, zones), "editor"


def editor_value(found: list[Labelled], zones: Zones) -> str | None:
    """责任编辑/编辑/审核/校对 nearest the article, when it reads as a name (系统管理员 does not)."""
    for candidate in ranked_labelled(found, "editor", zones, max_rank=2):
        if bylines.credible(candidate[3], labelled=True):
            return candidate[3]
    anywhere = {c[3] for c in ranked_labelled(found, "editor", zones) if bylines.credible(c[3], labelled=True)}
    return anywhere.pop() if len(anywhere) == 1 else None  # one editor on the whole page: the body was not found


BYLINE_SLOT_RE = re.compile(r"^(?:(?=.*[\u4e00-\u9fff])[\u4e00-\u9fffA-Za-z0-9·&＆_]{2,12}"
                            r"|[A-Za-z][A-Za-z0-9_.\-]{2,20})$")
DATE_LINE_RE = re.compile(r"^(?:原创|转载|发布于|发表于)?\s*(?P<a>\S{2,20})\s+(?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?"
                          r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$|^(?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?"
                          r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\s+(?P<b>\S{2,20})$")
UI_WORD_RE = re.compile(r"关注|订阅|分享|收藏|评论|字号|字体|打印|举报|阅读|点击|浏览|返回|首页|正文|原创|客户端|扫码|二维码"
                        r"|微信|微博|放大|缩小|标准|超大|默认|登录|注册|纠错|推荐|热门|相关|专题|频道|导航|更多", re.IGNORECASE)
CLOCK_RE = re.compile(r"\d{1,2}[:：]\d{2}|(?:19|20)\d{2}")


ROLE_MARK_RE = re.compile(r"[\[【(（](?:整理|原创|转载|编译|综合)[\]】)）]$")  # 游民星空[整理]: the compiler


def _name_on_date_line(line: str) -> str | None:
    """原创 GameForce 2019-09-04 22:18:34: a header line of one name and the date, apart by a space."""
    m = DATE_LINE_RE.match(line) if len(line) <= 50 else None
    name = m and ROLE_MARK_RE.sub("", m.group("a") or m.group("b"))
    if name and bylines.LATIN_RE.match(name) and not bylines.reads_as_handle(name):
        return None
    if name and BYLINE_SLOT_RE.match(name) and not UI_WORD_RE.search(name) and not LABEL_RE.fullmatch(name) \
            and bylines.credible(name, labelled=True):
        return name
    return None


def byline_slot(lines: list[str], zones: Zones) -> str | None:
    """A name alone on its line in the article header: right under the title and above the date line
    (or a 关注 button), the writer or self-media account; an organisation next to the date line, the
    newspaper (北京日报, 证券时报网)."""
    for i in _header_range(zones):
        line = lines[i] if i < len(lines) else ""
        on_date_line = _name_on_date_line(line)
        if on_date_line:
            return on_date_line
        if not BYLINE_SLOT_RE.match(line) or UI_WORD_RE.search(line) or line in NOT_A_NAME \
                or bylines.LATIN_RE.match(line) and not bylines.reads_as_handle(line):
            continue
        after = lines[i + 1] if i + 1 < len(lines) else ""
        dated = [n for n in (lines[i - 1], after) if CLOCK_RE.search(n) and len(n) <= 60]
        if dated and bylines.reads_as_org(line):
            return line
        above_date = CLOCK_RE.search(after) and len(after) <= 60 or after.lstrip("+＋ ") in ("关注", "订阅")
        if zones.title is not None and i == zones.title + 1 and above_date:
            return line
    return None


def _name_under_title_repeat(lines: list[str], title: str | None) -> str | None:
    """A lone 2-4 character name right under a line that repeats the title (or its part after
    "作者：" or before a subtitle): the essay layout title / author / text."""
    if not title:
        return None
    for above, line in zip(lines, lines[1:]):
        if len(above) >= 4 and above in title and NAME_LINE_RE.match(line) and line not in NOT_A_NAME:
            return line
    return None


def _around_body_end(lines: list[str], zones: Zones) -> list[str]:
    """Page lines near the end of the body: bylines the body extraction left out sit there."""
    if zones.body_end is None:
        return []
    return lines[max(0, zones.body_end - 15):zones.body_end + 6]


def _after_body(lines: list[str], zones: Zones) -> list[str]:
    if zones.body_end is None:
        return []
    return lines[zones.body_end + 1:zones.body_end + 6]


def doc_number_value(zones: Zones, found: list[Labelled], lines: list[str], body_lines: list[str]) -> str | None:
    """文号 from its label, else a 国办发〔2017〕47号-like line heading the document."""
    value, _ = best_labelled(found, "doc_number", zones)
    if value:
        return value
    for line in _header_lines(lines, zones) + body_lines[:3]:
        m = DOC_NUMBER_RE.search(line)
        if m and len(line) <= len(m.group(0)) + 12:
            return re.sub(r"\s+", "", m.group(0))
    return None
