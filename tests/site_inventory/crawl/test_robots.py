"""robots.txt rules (protego): disallow, Crawl-delay, sitemaps, missing and unreachable files."""
from site_inventory.crawl.robots import Robots, user_agent

TEXT = b"""User-agent: *
Disallow: /admin/
Crawl-delay: 2
Sitemap: http://www.zhen.example.gov.cn/sitemap_index.xml

User-agent: govmigrate
Disallow: /search
Crawl-delay: 0.5
"""


def test_our_group_applies_with_its_crawl_delay():
    robots = Robots.from_response(200, TEXT)
    assert not robots.allowed("http://www.zhen.example.gov.cn/search?q=1")
    assert robots.allowed("http://www.zhen.example.gov.cn/admin/x.html")  # only the * group says so
    assert robots.crawl_delay() == 0.5
    assert robots.sitemaps == ["http://www.zhen.example.gov.cn/sitemap_index.xml"]


def test_star_group_when_we_are_not_named():
    robots = Robots.from_response(200, b"User-agent: *\nDisallow: /admin/\nCrawl-delay: 2\n")
    assert not robots.allowed("http://h/admin/login.html") and robots.allowed("http://h/col/index.html")
    assert robots.crawl_delay() == 2.0


def test_missing_robots_allows_everything_and_unreachable_allows_nothing():
    assert Robots.from_response(404).allowed("http://h/admin/")
    down = Robots.from_response(503, error="robots.txt answered HTTP 503")
    assert not down.allowed("http://h/") and "503" in down.unavailable
    assert not Robots.from_response(None, error="timed out").allowed("http://h/")


def test_bom_and_user_agent():
    assert not Robots.from_response(200, b"\xef\xbb\xbfUser-agent: *\nDisallow: /\n").allowed("http://h/a")
    assert user_agent("1.2", "ops@example.gov.cn") == "govmigrate/1.2 (+ops@example.gov.cn)"
    assert user_agent("1.2") == "govmigrate/1.2"
