"""Trap rules decided from the URL alone, and from how many query variants a path has."""
import pytest

from site_inventory.crawl.traps import TrapLimits, out_of_range_date, repeating_path, static_reason, variant_reason

LIMITS = TrapLimits(max_depth=5)


@pytest.mark.parametrize("url, reason", [
    ("http://h/a/b/a/b/a/b/index.html", "repeating-path"),
    ("http://h/sub/sub/sub/x.html", "repeating-path"),
    ("http://h/calendar/?month=2101-01", "calendar-out-of-range"),
    ("http://h/rili/1850/05/", "calendar-out-of-range"),
    ("http://h/list?year=1969", "calendar-out-of-range"),
    ("http://h/" + "a/" * 40, "path-too-deep"),
    ("http://h/" + "x" * 3000, "url-too-long"),
    ("http://h/news/2020/news/a.html", None),
    ("http://h/art/2020/1/2/art_1_2.html", None),
    ("http://h/show?id=1234", None),
    ("http://h/calendar/?month=2024-03", None),
])
def test_static_reasons(url, reason):
    assert static_reason(url, 1, LIMITS) == reason


def test_depth_limit():
    assert static_reason("http://h/a.html", 6, LIMITS) == "max-depth"
    assert static_reason("http://h/a.html", 5, LIMITS) is None


def test_query_variants_calendar_params_tighter_than_others():
    assert variant_reason("http://h/cal?date=2024-01-01", LIMITS.max_calendar_variants, LIMITS) == "calendar-trap"
    assert variant_reason("http://h/list?pageNum=30", LIMITS.max_calendar_variants, LIMITS) is None
    assert variant_reason("http://h/list?pageNum=999", LIMITS.max_query_variants, LIMITS) == "too-many-query-variants"


def test_helpers():
    assert repeating_path("/a/b/c/a/b/c/a/b/c/", 3)
    assert not repeating_path("/xxgk/xxgk/index.html", 3)
    assert not out_of_range_date("http://h/a?d=1234")  # not a date parameter


def _repeating_by_definition(path, max_repeats):
    """The two rules of repeating_path spelled out without its distinct-segments shortcut."""
    segments = [s for s in path.split("/") if s]
    if any(segments.count(s) >= max_repeats for s in segments):
        return True
    return any(segments[-k:] == segments[-2 * k:-k] == segments[-3 * k:-2 * k] for k in range(2, len(segments) // 2 + 1))


def test_repeating_path_shortcut_agrees_with_the_definition():
    import random

    rng = random.Random(7)
    for _ in range(20000):
        path = "/" + "/".join(rng.choice("abcdefgh") for _ in range(rng.randint(0, 10)))
        for max_repeats in (2, 3):
            assert repeating_path(path, max_repeats) == _repeating_by_definition(path, max_repeats), path
