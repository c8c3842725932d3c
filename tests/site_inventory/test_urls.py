"""canonicalize: the one URL identity of the project, checked case by case."""
import pytest

from site_inventory.urls import URLError, Scope, canonicalize, climbs_above_root, host_of, in_scope, request_form

CASES = [
    # scheme and host case, default ports
    ("HTTP://WWW.Example.GOV.CN/", "http://www.example.gov.cn/"),
    ("http://www.example.gov.cn:80/a", "http://www.example.gov.cn/a"),
    ("https://www.example.gov.cn:443/a", "https://www.example.gov.cn/a"),
    ("http://www.example.gov.cn:8080/a", "http://www.example.gov.cn:8080/a"),
    ("https://www.example.gov.cn:80/a", "https://www.example.gov.cn:80/a"),
    ("http://www.example.gov.cn./a", "http://www.example.gov.cn/a"),
    # empty path, dot segments, fragment
    ("http://example.gov.cn", "http://example.gov.cn/"),
    ("http://example.gov.cn/a/./b/../c", "http://example.gov.cn/a/c"),
    ("http://example.gov.cn/a/b/../../../c", "http://example.gov.cn/c"),
    ("http://example.gov.cn/a/b/..", "http://example.gov.cn/a/"),
    ("http://example.gov.cn/a#top", "http://example.gov.cn/a"),
    ("http://example.gov.cn/a?x=1#top", "http://example.gov.cn/a?x=1"),
    # percent-encoding: upper-case hex, unreserved decoded, reserved kept, non-ASCII as UTF-8
    ("http://example.gov.cn/%7euser/%e4%b8%ad", "http://example.gov.cn/~user/%E4%B8%AD"),
    ("http://example.gov.cn/%41%42c", "http://example.gov.cn/ABc"),
    ("http://example.gov.cn/a%2fb", "http://example.gov.cn/a%2Fb"),
    ("http://example.gov.cn/通知 公告.html", "http://example.gov.cn/%E9%80%9A%E7%9F%A5%20%E5%85%AC%E5%91%8A.html"),
    ("http://example.gov.cn/a%zz", "http://example.gov.cn/a%25zz"),
    ("http://example.gov.cn/s?q=政务", "http://example.gov.cn/s?q=%E6%94%BF%E5%8A%A1"),
    ("http://example.gov.cn/s?q=%b0%ec", "http://example.gov.cn/s?q=%B0%EC"),  # GBK escapes kept as bytes
    # query: sorted, tracking and session parameters dropped, empty query removed
    ("http://example.gov.cn/a?b=2&a=1", "http://example.gov.cn/a?a=1&b=2"),
    ("http://example.gov.cn/a?b=2&a=3&a=1", "http://example.gov.cn/a?a=1&a=3&b=2"),
    ("http://example.gov.cn/a?utm_source=wx&utm_medium=x&id=5", "http://example.gov.cn/a?id=5"),
    ("http://example.gov.cn/a?id=5&from=singlemessage&isappinstalled=0", "http://example.gov.cn/a?id=5"),
    ("http://example.gov.cn/a?spm=a.b.c&id=5", "http://example.gov.cn/a?id=5"),
    ("http://example.gov.cn/a?", "http://example.gov.cn/a"),
    ("http://example.gov.cn/a?&&id=1&", "http://example.gov.cn/a?id=1"),
    ("http://example.gov.cn/a?flag", "http://example.gov.cn/a?flag"),
    ("http://example.gov.cn/a?x=", "http://example.gov.cn/a?x="),
    ("http://example.gov.cn/a?x=1+2", "http://example.gov.cn/a?x=1+2"),
    ("http://example.gov.cn/a;jsessionid=0A1B2C?id=1", "http://example.gov.cn/a?id=1"),
    ("http://example.gov.cn/a?JSESSIONID=1&id=1", "http://example.gov.cn/a?id=1"),
    ("http://example.gov.cn/a?ASPSESSIONIDQQ=1&id=1", "http://example.gov.cn/a?id=1"),
    # internationalised host names
    ("http://政府.中国/", "http://xn--mxtq1m.xn--fiqs8s/"),
    ("http://[::1]:8080/a", "http://[::1]:8080/a"),
    # whitespace around and inside (tabs/newlines are dropped as browsers do)
    ("  http://example.gov.cn/a\n/b  ", "http://example.gov.cn/a/b"),
    # non-web URLs pass through
    ("mailto:office@example.gov.cn", "mailto:office@example.gov.cn"),
    ("TEL:12345", "tel:12345"),
]


@pytest.mark.parametrize("url, expected", CASES)
def test_canonicalize(url, expected):
    assert canonicalize(url) == expected


@pytest.mark.parametrize("url, expected", CASES)
def test_canonicalize_is_idempotent(url, expected):
    assert canonicalize(canonicalize(url)) == expected


@pytest.mark.parametrize("ref, expected", [
    ("b.html", "http://example.gov.cn/col/b.html"),
    ("../art/2020/1/2/art_1_2.html", "http://example.gov.cn/art/2020/1/2/art_1_2.html"),
    ("/", "http://example.gov.cn/"),
    ("?pageNum=2&uid=9", "http://example.gov.cn/col/index.html?pageNum=2&uid=9"),
    ("//OTHER.example.gov.cn/x", "http://other.example.gov.cn/x"),
    ("#frag", "http://example.gov.cn/col/index.html?a=1"),
    ("/rooted?x=1", "http://example.gov.cn/rooted?x=1"),
])

def test_relative_references_resolve_against_base(ref, expected):
    assert canonicalize(ref, base="http://example.gov.cn/col/index.html?a=1") == expected


@pytest.mark.parametrize("base", ["http://example.gov.cn?next=/a/b", "http://example.gov.cn#/a", "http://example.gov.cn"])
def test_rooted_reference_against_a_base_without_path(base):
    assert canonicalize("/x.html", base=base) == "http://example.gov.cn/x.html"


def test_significant_params_keep_only_those_case_insensitively():
    url = "http://example.gov.cn/show.jsp?articleId=9&id=3&page=2&t=123"
    assert canonicalize(url, significant_params=["id", "ArticleId"]) == "http://example.gov.cn/show.jsp?articleId=9&id=3"
    assert canonicalize(url, significant_params=[]) == "http://example.gov.cn/show.jsp"
    assert canonicalize(url) == "http://example.gov.cn/show.jsp?articleId=9&id=3&page=2&t=123"


@pytest.mark.parametrize("bad", ["http://example.gov.cn:99999/", "http://example.gov.cn:abc/", "http:///nohost"])
def test_bad_urls_raise_with_the_url_named(bad):
    with pytest.raises(URLError, match="example|host"):
        canonicalize(bad)


def test_host_of():
    assert host_of("http://www.example.gov.cn:8080/a") == "www.example.gov.cn"
    assert host_of("mailto:x@y") == ""


SITE = {"url": "http://www.county.example.gov.cn/zhen1/index.html", "aliases": '["zhen1.example.gov.cn"]'}


@pytest.mark.parametrize("url, inside", [
    ("http://www.county.example.gov.cn/zhen1/a.html", True),
    ("https://www.county.example.gov.cn/zhen1/", True),
    ("http://WWW.county.example.gov.cn/zhen1/x/../b.html", True),
    ("http://www.county.example.gov.cn/zhen2/a.html", False),
    ("http://www.county.example.gov.cn/", False),
    ("http://zhen1.example.gov.cn/anything.html", True),
    ("http://zhen1.example.gov.cn:8080/anything.html", True),
    ("http://evil.example.com/zhen1/", False),
    ("mailto:a@b", False),
])
def test_in_scope_hosts_aliases_and_path_prefix(url, inside):
    assert in_scope(url, SITE) is inside


def test_scope_with_port_only_matches_that_port():
    scope = Scope.for_site("http://127.0.0.1:8081/")
    assert scope.contains("http://127.0.0.1:8081/a")
    assert not scope.contains("http://127.0.0.1:8082/a")


# Dot segments are removed after unreserved escapes are decoded (RFC 3986 6.2.2.2), so %2e%2e is a
# '..' like any other; a path never climbs above the root of its host.
@pytest.mark.parametrize("url, expected", [
    ("http://a.gov.cn/%2e%2e/%2e%2e/etc/passwd", "http://a.gov.cn/etc/passwd"),
    ("http://a.gov.cn/%2E%2E/%2E%2E/etc/passwd", "http://a.gov.cn/etc/passwd"),
    ("http://a.gov.cn/a/%2E/b/../c", "http://a.gov.cn/a/c"),
    ("http://a.gov.cn/a/.%2e/b", "http://a.gov.cn/b"),
    ("http://a.gov.cn/a/%2e", "http://a.gov.cn/a/"),
    ("http://a.gov.cn/zhen1/%2e%2e/zhen2/", "http://a.gov.cn/zhen2/"),
    ("http://a.gov.cn/a/%2e%2e%2fb", "http://a.gov.cn/a/..%2Fb"),  # an escaped '/' is no separator
    ("http://a.gov.cn/..a/b..", "http://a.gov.cn/..a/b.."),  # dots inside a name are no dot segment
])
def test_escaped_dot_segments_are_removed(url, expected):
    assert canonicalize(url) == expected
    assert canonicalize(expected) == expected
    assert request_form(url) == expected


def test_escaped_dots_cannot_leave_the_site_path_prefix():
    assert not in_scope("http://www.county.example.gov.cn/zhen1/%2e%2e/zhen2/a.html", SITE)


@pytest.mark.parametrize("ref, base, climbs", [
    ("http://a.gov.cn/%2e%2e/%2e%2e/etc/passwd", None, True),
    ("/../x.html", "http://a.gov.cn/p/1.html", True),
    ("/a/../../x.html", None, True),
    ("%2E%2e/x.html", "http://a.gov.cn/index.html", True),
    ("../../x.html", "http://a.gov.cn/col/index.html", True),
    ("../x.html", "http://a.gov.cn/col/index.html", False),
    ("./../x.html", "http://a.gov.cn/col/index.html", False),
    ("a/../../../x.html", "http://a.gov.cn/col/sub/index.html", False),
    ("a/../../../../x.html", "http://a.gov.cn/col/sub/index.html", True),
    ("/a//../../x", None, False),  # the empty segment is one to leave, as RFC 3986 5.2.4 reads it
    ("/a/b/../../x", None, False),
    ("/a/..b/x", None, False),
    ("?page=../../x", "http://a.gov.cn/index.html", False),
    ("#/../../x", "http://a.gov.cn/index.html", False),
    ("mailto:../../x", None, False),
    ("http://a.gov.cn/a%2F..%2F..%2Fb", None, False),
])
def test_climbs_above_root(ref, base, climbs):
    assert climbs_above_root(ref, base) is climbs


@pytest.mark.parametrize("bad", ["http://a.example.gov.cn\x00/", "http://a b.gov.cn/", "http://a<b>.gov.cn/",
                                 "http://a.example.gov.cn[/", "http://a.gov.cn%00/"])
def test_hosts_with_characters_no_host_has_raise(bad):
    """Found by tests/test_fuzz.py: a NUL or space in a host was kept, an unbalanced [ raised a bare ValueError."""
    with pytest.raises(URLError):
        canonicalize(bad)
    with pytest.raises(URLError):
        canonicalize(bad.replace("http://", "//"), base="http://example.gov.cn/")


def test_climbs_above_root_sees_dots_split_by_tabs_and_newlines():
    """Tab, CR and LF inside a link are dropped before it is read (as browsers do), so ".\t." is '..'."""
    assert climbs_above_root("/.\t./x.html")
    assert climbs_above_root("/%2\ne%2e/x.html")
    assert not climbs_above_root("/a.\t/x.html")


@pytest.mark.parametrize("ref, base, expected", [
    ("..\\..\\images\\a.jpg", "http://a.gov.cn/col/sub/index.html", "http://a.gov.cn/images/a.jpg"),
    ("\\col\\b.html?q=a\\b", "http://a.gov.cn/x.html", "http://a.gov.cn/col/b.html?q=a%5Cb"),
    ("http://a.gov.cn\\col\\c.html", None, "http://a.gov.cn/col/c.html"),
    ("/a%5Cb.html", "http://a.gov.cn/", "http://a.gov.cn/a%5Cb.html"),  # an escaped one is a character
    ("mailto:a\\b@a.gov.cn", "http://a.gov.cn/", "mailto:a\\b@a.gov.cn"),
])
def test_backslashes_are_slashes_in_web_links_as_browsers_read_them(ref, base, expected):
    assert canonicalize(ref, base=base) == expected


def test_backslash_dot_segments_climb_too():
    assert climbs_above_root("..\\..\\..\\etc\\passwd", "http://a.gov.cn/col/index.html")
    assert canonicalize("/..\\..\\etc\\passwd", base="http://a.gov.cn/") == "http://a.gov.cn/etc/passwd"
