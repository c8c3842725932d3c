"""Discovery from fetched bytes: HTML links, Hanweb and TRS pagination, sitemaps, feeds; content kinds."""
import gzip

from site_inventory.crawl import attachments, discovery
from site_inventory.crawl.soft404 import is_soft_404

BASE = "http://www.zhen.example.gov.cn/col/col1/index.html"


def urls(found):
    return [f.url for f in found]


def test_html_links_from_every_tag_with_base_and_anchor_text():
    doc = discovery.parse_html(
        "<html><head><base href='http://www.zhen.example.gov.cn/sub/'>"
        "<meta http-equiv='refresh' content='0; url=/moved.html'>"
        "<link rel='alternate' type='application/rss+xml' href='/rss.xml'></head><body>"
        "<a href='a.html#top'> 通知  公告 </a><area href='/map.html'><frame src='/f.html'>"
        "<iframe src='/i.html'></iframe><img src='/logo.png' alt='标志'>"
        "<a href='javascript:void(0)'>x</a><a href='#top'>top</a><a href='mailto:a@b.cn'>信箱</a>"
        "<a href='http://h:99999/'>bad port</a>"
        "<a onclick=\"window.open('/popup.html')\">弹窗</a></body></html>")
    found = discovery.html_links(doc, BASE)
    by_tag = {(f.tag, f.url) for f in found}
    root = "http://www.zhen.example.gov.cn"
    assert ("a", f"{root}/sub/a.html") in by_tag and ("meta-refresh", f"{root}/moved.html") in by_tag
    assert {("area", f"{root}/map.html"), ("frame", f"{root}/f.html"), ("iframe", f"{root}/i.html"),
            ("img", f"{root}/logo.png"), ("feed", f"{root}/rss.xml"), ("script", f"{root}/popup.html")} <= by_tag
    assert next(f for f in found if f.url.endswith("a.html")).text == "通知 公告"
    invalid = [f for f in found if not f.valid]
    assert {f.url for f in invalid} == {"mailto:a@b.cn", "http://h:99999/"}
    assert not any("javascript" in f.url for f in found)


def test_request_form_keeps_query_order_while_identity_sorts():
    (f,) = discovery.html_links(discovery.parse_html("<a href='list.jsp?uid=9&pageNum=2'>2</a>"), BASE)
    assert f.url.endswith("list.jsp?pageNum=2&uid=9") and f.request_url.endswith("list.jsp?uid=9&pageNum=2")


def test_trs_createpagehtml_with_a_variable_count():
    text = '<script>var countPage = 4;createPageHTML(countPage, 0, "index", "shtml");</script>'
    assert urls(discovery.trs_pagination(text, BASE)) == [
        "http://www.zhen.example.gov.cn/col/col1/index.shtml"] + [
        f"http://www.zhen.example.gov.cn/col/col1/index_{n}.shtml" for n in (1, 2, 3)]


def test_hanweb_jpage_records_pages_and_dataproxy():
    text = ("<script type='text/xml'><datastore><recordset><record><![CDATA[<li><a href='/art/2020/1/1/art_1_5.html'>"
            "五</a></li>]]></record></recordset></datastore></script>"
            "<script>$('#88').jpage({totalRecord:40,perPage:15,unitid:88,"
            "dataproxy:'/module/web/jpage/dataproxy.jsp'})</script>")
    found = discovery.hanweb_pagination(text, BASE)
    got = {(f.url, f.via) for f in found}
    assert ("http://www.zhen.example.gov.cn/art/2020/1/1/art_1_5.html", "link") in got
    pages = sorted(f.request_url or f.url for f in found if "pageNum" in f.url)
    assert pages == [f"{BASE}?uid=88&pageNum={n}" for n in (2, 3)]
    proxy = [f for f in found if "dataproxy" in f.url]
    assert len(proxy) == 1 and "startrecord=1" in proxy[0].url and "endrecord=40" in proxy[0].url


def test_sitemaps_plain_gzip_index_and_bomb():
    urlset = (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://h/a.html</loc></url>'
              b'<url><loc>http://h/b.html</loc></url></urlset>')
    kind, found, cut = discovery.sitemap_entries(gzip.compress(urlset), "http://h/s.xml.gz")
    assert (kind, urls(found), cut) == ("urlset", ["http://h/a.html", "http://h/b.html"], False)
    assert {f.via for f in found} == {"sitemap"}
    index = b'<sitemapindex><sitemap><loc>http://h/s1.xml</loc></sitemap></sitemapindex>'
    kind, found, _ = discovery.sitemap_entries(index, "http://h/s.xml")
    assert kind == "sitemapindex" and [f.via for f in found] == ["sitemap-file"]
    bomb = gzip.compress(b"<urlset>" + b" " * (discovery.SITEMAP_MAX_BYTES + 10) + b"</urlset>")
    data, cut = discovery.decompress_limited(bomb)
    assert cut and len(data) == discovery.SITEMAP_MAX_BYTES
    assert discovery.sitemap_entries(b"<html>not a sitemap</html>", "http://h/s.xml")[0] is None


def test_rss_and_atom_items():
    rss = b"<rss><channel><item><link>http://h/1.html</link><guid>http://h/1.html</guid></item></channel></rss>"
    atom = b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="/2.html"/></entry></feed>'
    assert set(urls(discovery.feed_entries(rss, "http://h/rss.xml"))) == {"http://h/1.html"}
    assert urls(discovery.feed_entries(atom, "http://h/atom.xml")) == ["http://h/2.html"]


def test_attachment_decisions():
    assert attachments.is_attachment("http://h/a.pdf", "application/pdf", None, b"%PDF")
    assert attachments.is_attachment("http://h/downfile.jsp?filename=a.doc", "application/octet-stream", None, b"x")
    assert attachments.is_attachment("http://h/x", "text/html", 'attachment; filename="表.xls"', b"x")
    assert attachments.is_attachment("http://h/x.html", "text/html", None, b"%PDF-1.4")  # binary served as HTML
    assert not attachments.is_attachment("http://h/x.html", "text/html", None, ("<p>正文\x00</p>" + "<p>正文</p>" * 50).encode())
    assert attachments.is_attachment("http://h/x.ofd", None, None, b"PK\x03\x04")


def test_soft_404_needs_little_text_and_a_not_found_phrase():
    short = discovery.parse_html("<html><title>提示</title><body><p>对不起，您访问的页面不存在！</p></body></html>")
    long = discovery.parse_html("<html><body><p>" + "政务公开内容，不存在问题。" * 100 + "</p></body></html>")
    assert is_soft_404(short, 200) and not is_soft_404(short, 404) and not is_soft_404(long, 200)


def test_rooted_links_resolve_exactly_as_canonical_and_request_says():
    """The shortcut for plain /rooted links gives what the full canonicalisation gives, for any base."""
    import random

    from site_inventory.urls import URLError, canonical_and_request

    bases = ["http://bench.example.gov.cn/p/1.html", "https://WWW.Example.gov.cn:443/a/", "http://a.gov.cn:8080/x?y=1",
             "http://xn--fiqs8s.cn/", "http://例子.cn/a", "http://user@a.gov.cn/", "http://a.gov.cn./b"]
    rng = random.Random(3)
    raws = ["/", "/p/1.html", "/a/./b", "/a/../b", "/a/.", "/a/..", "/a//b", "/a;jsessionid=1/b", "/%7Ea", "/a b",
            "/a?b=1", "/a#b", "/~x/y.html", "/A/B.HTML", "/a:b@c!$&'()*+,=/"]
    raws += ["/" + "".join(rng.choice("a/.;=%?#~Z") for _ in range(rng.randint(0, 8))) for _ in range(3000)]
    differ = []
    for base in bases:
        for raw in raws:
            if raw.startswith("//"):
                continue
            discovery._resolved.clear()
            try:
                url, request = canonical_and_request(raw, base=base)
                want = (url, url.startswith(("http://", "https://")), request if request != url else None)
            except (URLError, ValueError):
                want = (raw, False, None)
            if discovery._resolve(raw, base, None) != want:
                differ.append((base, raw))
    assert differ == []
