"""Dates as Chinese pages write them, normalised to ISO at the precision the page gives.

Accepts 2017年7月6日, 2017-07-06 12:30:45, 2017/7/6, 2017.07.06, 二〇一七年七月六日, ISO 8601 from
meta tags, and URL patterns (t20170706_, /art/2017/7/6/). A date in the future, before 1985,
or from page chrome (a copyright line, a "today is" clock) is never returned.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

MIN_YEAR = 1985
DATE_RE = re.compile(  # one separator throughout (2017-07-06, 2017/7/6, 2017.07.06) or 年月日; no digit after a field
    r"(?<![\d.])(?P<y>(?:19|20)\d{2})(?:\s*(?P<s1>[-/.])\s*|\s*年\s*)(?P<m>1[0-2]|0?[1-9])(?!\d)"
    r"(?:(?(s1)\s*(?P=s1)|\s*月)\s*(?P<d>3[01]|[12]\d|0?[1-9])(?!\d)\s*日?)?"
    r"(?:(?:\s*|T|\s*[,，]\s*)(?P<H>[01]?\d|2[0-3])\s*[:：时]\s*(?P<M>[0-5]\d)"
    r"(?:\s*[:：分]\s*(?P<S>[0-5]\d))?)?"
)
MIXED_TAIL_RE = re.compile(r"\s*[-/.]\s*\d")  # 2004 - 01/01/2005: a year-month that runs on into another date
SLASH_RE = re.compile(
    r"(?<![\d/])(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>(?:19|20)\d{2})(?![\d/])"
    r"(?:\s+(?P<H>[01]?\d|2[0-3]):(?P<M>[0-5]\d)(?::(?P<S>[0-5]\d))?\s*(?P<ampm>[AaPp][Mm])?)?"
)
COMPACT_RE = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<m>0[1-9]|1[0-2])(?P<d>0[1-9]|[12]\d|3[01])(?!\d)")
URL_PATTERNS = (
    re.compile(r"/art/(?P<y>(?:19|20)\d{2})/(?P<m>\d{1,2})/(?P<d>\d{1,2})/"),
    re.compile(r"[/_]t(?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)_"),
    re.compile(r"/(?P<y>(?:19|20)\d{2})[-/_]?(?P<m>[01]\d)[-/_]?(?P<d>[0-3]\d)/"),
    re.compile(r"/(?P<y>(?:19|20)\d{2})-(?P<m>[01]?\d)/(?P<d>[0-3]?\d)/"),
    re.compile(r"/(?P<y>(?:19|20)\d{2})(?P<m>[01]\d)/(?P<d>[0-3]\d)/"),
    re.compile(r"/(?P<y>(?:19|20)\d{2})/(?P<m>[01]?\d)(?P<d>[0-3]\d)/"),
    re.compile(r"/(?P<y>(?:19|20)\d{2})/(?P<m>[01]\d)/(?P<d>[0-3]\d)/"),
    re.compile(r"[/_-](?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)(?:\d{2,})?[_./-]"),
    re.compile(r"/(?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)[A-Z]\d"),  # /a/20220213A03XYZ00
)
FULL_WIDTH = str.maketrans("０１２３４５６７８９－／．：", "0123456789-/.:")  # ２０２２－０２－１３, one char for one
CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4,
             "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
CN_DATE_RE = re.compile(r"([〇○零Ｏ一二三四五六七八九]{4})年([一二三四五六七八九十]{1,2})月(?:([一二三四五六七八九十]{1,3})日)?")
CHROME_RE = re.compile(r"©|&copy;|copyright|版权所有|版权|备案|ICP|今天是|今日是|今天[:：]|今日[:：]|现在时间|当前时间"
                       r"|农历|阴历|天气|气温|[正腊冬]月|月(?:初[一二三四五六七八九十]|廿[一二三四五六七八九]?)"
                       r"|星期[一二三四五六日天]|周[一二三四五六日]|礼拜[一二三四五六日天]", re.IGNORECASE)
_BRACKET_DATE = r"[\[【(（]\s*(?=[^\]】)）]*(?:19|20)\d{2})[\d\s\-/.:：年月日时分APMapm]{6,30}[\]】)）]"
LIST_ENTRY_RE = re.compile(  # ·标题 (2005-04-27 14:32PM), [2005-08-21] 标题: an entry of a related/archive list
    r"^\s*[·•●◆◇■□▪►▶→»][^:：]*$|^\s*" + _BRACKET_DATE + r"\s*[^\s\[【(（]{2}|\S{4}.*" + _BRACKET_DATE + r"\s*$")
WEEKDAY_RE = re.compile(r"星期[一二三四五六日天]|周[一二三四五六日]|礼拜[一二三四五六日天]"
                        r"|\b(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\b", re.IGNORECASE)
MONTHS = {name: i for i, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
    ("july", "jul"), ("august", "aug"), ("september", "sept", "sep"), ("october", "oct"), ("november", "nov"),
    ("december", "dec")), 1) for name in names}
_MONTH_PAT = "|".join(sorted(MONTHS, key=len, reverse=True))
_CLOCK = r"(?:,?\s+(?:at\s+)?(?P<H>[01]?\d|2[0-3]):(?P<M>[0-5]\d)(?::(?P<S>[0-5]\d))?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?"
MONTH_NAME_RE = re.compile(
    r"\b(?:(?P<mon>" + _MONTH_PAT + r")\.?\s+(?P<d>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d{2})"
    r"|(?P<d2>3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?\.?\s+(?P<mon2>" + _MONTH_PAT + r")\.?,?\s+(?P<y2>(?:19|20)\d{2}))\b"
    + _CLOCK, re.IGNORECASE)


def now() -> datetime:
    """The current time (one place, so every rule uses the same clock)."""
    return datetime.now()


def _iso(y: int, m: int | None, d: int | None, hh=None, mm=None, ss=None, today=None) -> str | None:
    """Build an ISO string at the given precision if the date is real, not future, not ancient."""
    today = today or now()
    try:
        day = date(y, m or 1, d or 1)
    except ValueError:
        return None
    if y < MIN_YEAR or day > (today + timedelta(days=1)).date():
        return None
    out = f"{y:04d}" + (f"-{m:02d}" if m else "") + (f"-{d:02d}" if m and d else "")
    if m and d and hh is not None and mm is not None and (int(hh), int(mm), int(ss or 0)) != (0, 0, 0):
        out += f"T{int(hh):02d}:{int(mm):02d}" + (f":{int(ss):02d}" if ss is not None else "")
    return out


def _from_match(m: re.Match, today=None) -> str | None:
    g = m.groupdict()
    return _iso(int(g["y"]), int(g["m"]), int(g["d"]) if g.get("d") else None,
                g.get("H"), g.get("M"), g.get("S"), today)


def _from_slash(m: re.Match, today=None, day_first: bool = False) -> str | None:
    """9/17/2004 5:54:13 AM: month first (the US/.NET default) unless the first number cannot be a month
    or the page is known to write the day first."""
    a, b = int(m.group("a")), int(m.group("b"))
    month, day = (b, a) if a > 12 or day_first else (a, b)
    hour = m.group("H")
    if hour is not None and m.group("ampm"):
        hour = int(hour) % 12 + (12 if m.group("ampm").lower() == "pm" else 0)
    return _iso(int(m.group("y")), month, day, hour, m.group("M"), m.group("S"), today)


def day_first_page(lines: list[str]) -> bool:
    """The page writes slash dates day first (13/02/2022, 31/01/2022) and never month first (9/17/2004):
    then its ambiguous ones (06/02/2022) are day first too."""
    day_first = month_first = False
    for line in lines:
        if "/" not in line:
            continue
        for m in SLASH_RE.finditer(line):
            a, b = int(m.group("a")), int(m.group("b"))
            day_first |= a > 12 >= b
            month_first |= b > 12 >= a
    return day_first and not month_first


def ambiguous_slash(text: str) -> bool:
    """A slash date whose first two numbers could both be the month (06/02/2022)."""
    return "/" in text and any(int(m.group("a")) <= 12 and int(m.group("b")) <= 12 for m in SLASH_RE.finditer(text))


def as_day_first(text: str) -> str:
    """06/02/2022 13:48 -> 2022-02-06T13:48: slash dates rewritten as ISO, read day first."""
    return SLASH_RE.sub(lambda m: _from_slash(m, day_first=True) or m.group(0), text)


def _from_month_name(m: re.Match, today=None) -> str | None:
    """September 10th, 2005 10:56 am or 10 Sept. 2005: an English date some Chinese blogs print."""
    month = MONTHS[(m.group("mon") or m.group("mon2")).lower()]
    hour = m.group("H")
    if hour is not None and m.group("ampm"):
        hour = int(hour) % 12 + (12 if m.group("ampm").lower().startswith("p") else 0)
    return _iso(int(m.group("y") or m.group("y2")), month, int(m.group("d") or m.group("d2")), hour, m.group("M"),
                m.group("S"), today)


def _cn_number(text: str) -> int:
    """二十三 -> 23, 十二 -> 12, 七 -> 7."""
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (CN_DIGITS.get(ones, 0) if ones else 0)
    return CN_DIGITS.get(text, 0)


def find_dates(text: str, today=None) -> list[tuple[int, str]]:
    """All plausible dates in the text as (position, ISO), in order of appearance."""
    found = []
    text = text.translate(FULL_WIDTH)
    for m in DATE_RE.finditer(text):
        # "2017.7" alone is likely a version/number; require 年 or a day when the separator is "."
        if not m.group("d") and ("年" not in m.group(0) and m.group("s1") != "-"
                                 or MIXED_TAIL_RE.match(text, m.end())):
            continue
        iso = _from_match(m, today)
        if iso:
            found.append((m.start(), iso))
    for m in SLASH_RE.finditer(text):
        iso = _from_slash(m, today)
        if iso:
            found.append((m.start(), iso))
    for m in MONTH_NAME_RE.finditer(text):
        iso = _from_month_name(m, today)
        if iso:
            found.append((m.start(), iso))
    for m in CN_DATE_RE.finditer(text):
        y = int("".join(str(CN_DIGITS[c]) for c in m.group(1)))
        iso = _iso(y, _cn_number(m.group(2)), _cn_number(m.group(3)) if m.group(3) else None, today=today)
        if iso:
            found.append((m.start(), iso))
    return sorted(found)


def parse_date(text: str | None, today=None) -> str | None:
    """The first plausible date in ``text`` (ISO), or None. ISO 8601 values from meta work too."""
    if not text:
        return None
    text = text.strip()
    dates = find_dates(text, today)
    if dates:
        return dates[0][1]
    m = COMPACT_RE.search(text)
    return _from_match(m, today) if m else None


def date_from_url(url: str | None, today=None) -> str | None:
    """The date a CMS wrote into the article URL (Hanweb /art/Y/M/D/, TRS tYYYYMMDD_, /YYYYMMDD/)."""
    if not url:
        return None
    path = url.split("?", 1)[0]
    for pattern in URL_PATTERNS:
        m = pattern.search(path)
        if m:
            iso = _from_match(m, today)
            if iso:
                return iso
    return None


def is_chrome(line: str, in_header: bool = False) -> bool:
    """A line from page chrome (copyright, ICP filing, a clock, weather, the lunar date, an entry of a
    related-news or archive list) whose dates are not publish dates. In the article header a weekday is
    allowed: 2024年5月6日 星期一 is a byline there, while above the title it is the site's "today" clock;
    list entries are only judged outside the header."""
    for m in CHROME_RE.finditer(line):
        if not (in_header and WEEKDAY_RE.fullmatch(m.group(0))):
            return True
    return not in_header and bool(LIST_ENTRY_RE.search(line))


def only_in_chrome(iso: str, lines: list[str]) -> bool:
    """The day shows on the page, but only on chrome lines (a clock, a copyright, related-list entries):
    a guess that found it there (htmldate) is not the publish date. A weekday alone does not make a line
    chrome here: 2024年5月6日 星期一 may be the byline of a header the rules did not locate."""
    day = iso[:10]
    seen = [line for line in lines if day[:4] in line and any(d[:10] == day for _, d in find_dates(line))]
    return bool(seen) and all(is_chrome(line, in_header=True) or LIST_ENTRY_RE.search(line) for line in seen)


def day_of(iso: str | None) -> str | None:
    """The YYYY-MM-DD part (or less, when the value is less precise)."""
    return iso[:10] if iso else None
