"""Crawler traps: URLs that multiply without adding content, recognised before they are fetched.

Checked on every newly discovered URL; a trap URL is still recorded, as skipped with the reason
named here, so the report shows what was left out and why.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl, unquote, urlsplit

# Query parameters that page through a calendar (日历) or an archive by date.
CALENDAR_PARAMS = frozenset({
    "year", "y", "month", "m", "day", "d", "date", "ym", "ymd", "yearmonth", "calendar", "cal",
    "riqi", "nian", "yue", "ri", "time", "week",
})
DATE_PARAMS = frozenset({"year", "y", "date", "ym", "ymd", "yearmonth", "calendar", "cal", "riqi", "nian", "month"})
CALENDAR_WORDS = ("calendar", "rili", "/cal/", "日历")
MIN_YEAR = 1990  # no Chinese government site predates the web
_DATE_VALUE = re.compile(r"^(\d{4})(?:[-/.年]?\d{1,2}[月]?){0,2}[日]?$")
_PATH_YEAR = re.compile(r"(?<![\d])(\d{4})(?:[-/_]?\d{1,2}){0,2}(?![\d])")


@dataclass(frozen=True)
class TrapLimits:
    max_depth: int = 30
    max_query_variants: int = 500   # distinct queries of one path (list pagination stays below)
    max_calendar_variants: int = 24  # two years of months
    max_repeats: int = 3             # one path segment appearing this often
    max_segments: int = 30
    max_url_length: int = 2048


def repeating_path(path: str, max_repeats: int) -> bool:
    """/a/b/a/b/a/ or /x/x/x/: a relative link that keeps nesting into itself."""
    segments = [s for s in path.split("/") if s]
    if len(set(segments)) == len(segments):
        return False   # no segment repeats: neither test below can hold (the common case, checked cheaply)
    if Counter(segments).most_common(1)[0][1] >= max_repeats:
        return True
    for size in range(2, len(segments) // 2 + 1):
        if segments[-size:] == segments[-2 * size:-size] and segments[-size:] == segments[-3 * size:-2 * size]:
            return True
    return False


def calendar_params(query: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k.lower() in CALENDAR_PARAMS]


def out_of_range_date(url: str, today: date | None = None) -> bool:
    """A calendar URL whose year lies before 1990 or after next year: nothing was published then."""
    return _out_of_range(urlsplit(url), today)


def _out_of_range(parts, today: date | None = None) -> bool:
    """out_of_range_date on a URL already split (static_reason splits each URL once)."""
    last = (today or date.today()).year + 1
    years = []
    for key, value in (parse_qsl(parts.query, keep_blank_values=True) if parts.query else ()):
        m = _DATE_VALUE.match(value.strip()) if key.lower() in DATE_PARAMS else None
        if m:
            years.append(int(m.group(1)))
    path = unquote(parts.path).lower()
    if any(w in path for w in CALENDAR_WORDS):
        years.extend(int(y) for y in _PATH_YEAR.findall(path))
    return any(y < MIN_YEAR or y > last for y in years)


def static_reason(url: str, depth: int, limits: TrapLimits) -> str | None:
    """The trap a URL falls into by its shape alone, or None."""
    if len(url) > limits.max_url_length:
        return "url-too-long"
    parts = urlsplit(url)
    path = parts.path
    if path.count("/") > limits.max_segments:
        return "path-too-deep"
    if repeating_path(path, limits.max_repeats):
        return "repeating-path"
    if _out_of_range(parts):
        return "calendar-out-of-range"
    if depth > limits.max_depth:
        return "max-depth"
    return None


def variant_reason(url: str, variants: int, limits: TrapLimits) -> str | None:
    """The trap a URL with a query falls into given how many variants of its path exist already."""
    if calendar_params(urlsplit(url).query) and variants >= limits.max_calendar_variants:
        return "calendar-trap"
    if variants >= limits.max_query_variants:
        return "too-many-query-variants"
    return None
