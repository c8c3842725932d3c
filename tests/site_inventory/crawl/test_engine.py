"""The crawler against a real HTTP server on 127.0.0.1: discovery, scope, robots, storage, accounting."""
import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from warcio.archiveiterator import ArchiveIterator

from site_inventory.bodies import page_body
from site_inventory.crawl import CrawlError, crawl, crawl_report
from site_inventory.resolve import parse_rule, save_rules
from site_inventory.urls import canonicalize
from site_inventory.workspace import init_workspace

HOST = "www.zhen.example.gov.cn"
CODE = "3311270001"


class Site:
    """A tiny web site on loopback: path -> (status, headers, body); counts every request."""

    def __init__(self, pages):
        self.pages = dict(pages)
        self.hits: dict[str, int] = {}
        self.requests: list[dict] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_GET(self):
                site.hits[self.path] = site.hits.get(self.path, 0) + 1
                site.requests.append(dict(self.headers.items()) | {"path": self.path})
                status, headers, body = site.pages.get(self.path, (404, {"Content-Type": "text/html"}, b"no"))
                if callable(body):
                    status, headers, body = body(self)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def html(body: str, charset="utf-8", title="页面") -> tuple:
    page = f"<html><head><meta charset='{charset}'><title>{title}</title></head><body>{body}</body></html>"
    return 200, {"Content-Type": f"text/html; charset={charset}"}, page.encode(charset)


ARTICLE = "<p>" + "县政府召开常务会议，研究部署近期重点工作。" * 20 + "</p>"
PAGES = {
    "/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /private/\nSitemap: /map.xml\n"),
    "/": html('<a href="/col/col1/index.html">通知公告</a> <a href="art/a1.html">文章一</a>'
              '<a href="/private/secret.html">内部</a> <a href="http://www.gov.cn/">中国政府网</a>'
              '<a href="/gone.html">已删除</a> <a href="/files/plan.pdf">规划附件</a>'
              '<a href="/old">旧地址</a> <a href="mailto:office@zhen.example.gov.cn">信箱</a>'
              '<iframe src="/frame.html"></iframe><img src="/img/logo.png" alt="标志">'
              '<a href="http://www.xiang.example.gov.cn/new.html">乡政府</a>'),
    "/col/col1/index.html": html(
        '<div id="4567"><script type="text/xml"><datastore><recordset>'
        '<record><![CDATA[<li><a href="/art/2020/1/2/art_1_10.html">通知十</a></li>]]></record>'
        '</recordset></datastore></script></div>'
        "<script>$('#4567').jpage({totalRecord:30,perPage:15,unitid:4567,"
        "dataproxy:'/module/web/jpage/dataproxy.jsp'});</script>"),
    "/col/col1/index.html?uid=4567&pageNum=2": html('<a href="/art/2020/1/3/art_1_11.html">通知十一</a>'),
    "/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=30&perpage=15": (
        200, {"Content-Type": "text/xml; charset=utf-8"},
        '<?xml version="1.0" encoding="utf-8"?><datastore><recordset><record><![CDATA[<li>'
        '<a href="/art/2020/1/4/art_1_12.html">通知十二</a></li>]]></record></recordset></datastore>'.encode()),
    "/art/2020/1/4/art_1_12.html": html(ARTICLE),
    "/art/2020/1/2/art_1_10.html": html(ARTICLE),
    "/art/2020/1/3/art_1_11.html": html(ARTICLE),
    "/art/a1.html": html(ARTICLE.replace("县政府", "镇政府"), charset="gbk"),
    "/private/secret.html": html("secret"),
    "/gone.html": html("<p>对不起，您访问的页面不存在</p>", title="404"),
    "/files/plan.pdf": (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4 plan"),
    "/img/logo.png": (200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\nlogo"),
    "/old": (301, {"Location": "/new.html"}, b""),
    "/new.html": html(ARTICLE),
    "/frame.html": html('<a href="/trs/index.html">列表</a>'),
    "/trs/index.html": html('<script>var countPage = 3;createPageHTML(countPage, 0, "index", "html");</script>'),
    "/trs/index_1.html": html('<a href="./201701/t20170106_1.html">文一</a>'),
    "/trs/index_2.html": html('<a href="/missing-article.html">坏链接</a>'),
    "/trs/201701/t20170106_1.html": html(ARTICLE),
    "/map.xml": (200, {"Content-Type": "application/xml"}, gzip.compress(
        b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b'<sitemap><loc>http://www.zhen.example.gov.cn/map1.xml</loc></sitemap></sitemapindex>')),
    "/map1.xml": (200, {"Content-Type": "application/xml"},
                  b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                  b'<url><loc>http://www.zhen.example.gov.cn/only-in-sitemap.html</loc></url></urlset>'),
    "/only-in-sitemap.html": html(ARTICLE),
}


@pytest.fixture
def site():
    s = Site(PAGES)
    yield s
    s.close()


def workspace_for(tmp_path, site, url=f"http://{HOST}/", aliases="[]", config=None):
    ws = init_workspace(tmp_path / "ws", contact="ops@example.gov.cn")
    ws.config["crawl"].update({"delay": 0, "backoff": 0.01, "timeout": 5} | (config or {}))
    save_rules(ws.db, [parse_rule(f"{HOST}:80:127.0.0.1:{site.port}")])
    ws.db["sites"].insert({"site_code": CODE, "name": "青溪镇", "url": url, "aliases": aliases, "level": "township",
                           "action": "migrate", "created_at": "2024-01-01", "updated_at": "2024-01-01"})
    return ws


def states(ws):
    return {url: (state, reason) for url, state, reason in
            ws.db.execute("SELECT url, state, reason FROM crawl_urls WHERE site_code = ?", (CODE,))}


def u(path):
    """The canonical URL of a path of the test site (how crawl_urls and pages name it)."""
    return canonicalize(f"http://{HOST}{path}")


def test_crawl_finds_every_page_and_accounts_for_every_url(tmp_path, site):
    ws = workspace_for(tmp_path, site)
    summary = crawl(ws, [CODE], delay=0)
    s = states(ws)
    expected_fetched = [p for p in PAGES if not p.startswith("/private")]
    for path in expected_fetched:
        assert s[u(path)][0] == "fetched", path
    assert s[u("/private/secret.html")] == ("skipped", "robots")
    assert site.hits.get("/private/secret.html") is None  # never requested
    assert s["http://www.gov.cn/"] == ("skipped", "out-of-scope")
    assert s[u("/missing-article.html")] == ("failed", "http-404")
    assert all(state in ("fetched", "skipped", "failed") for state, _ in s.values())
    site_sum = summary.sites[CODE]
    assert site_sum.total == len(s) and site_sum.queued == 0
    assert site_sum.failed_by_error == {"http-404": 1}
    assert max(site.hits.values()) == 1  # nothing fetched twice


def test_pages_rows_hold_what_later_stages_need(tmp_path, site):
    ws = workspace_for(tmp_path, site)
    crawl(ws, [CODE], delay=0)
    pages = {r["url"]: dict(r, body=page_body(ws, r)) for r in ws.db["pages"].rows}
    gbk = pages[u("/art/a1.html")]
    assert gbk["detected_encoding"] == "gb18030" and gbk["declared_encoding"] == "gbk"
    assert "镇政府".encode("gbk") in gbk["body"]
    assert pages[u("/files/plan.pdf")]["kind"] == "attachment"
    assert pages[u("/img/logo.png")]["kind"] == "attachment"
    assert pages[u("/files/plan.pdf")]["size"] == len(b"%PDF-1.4 plan")
    import hashlib
    assert pages[u("/files/plan.pdf")]["sha256"] == hashlib.sha256(b"%PDF-1.4 plan").hexdigest()
    assert pages[u("/gone.html")]["soft_404"] == 1
    assert pages[u("/art/2020/1/2/art_1_10.html")]["soft_404"] == 0
    old = pages[u("/old")]
    assert old["status"] == 301 and old["final_url"] == u("/new.html")
    assert json.loads(old["redirect_chain"]) == [[u("/old"), 301], [u("/new.html"), 200]]
    assert pages[u("/art/a1.html")]["referrer"] == u("/") and pages[u("/art/a1.html")]["depth"] == 1


def test_links_table_records_every_link_with_scope_and_target_status(tmp_path, site):
    ws = workspace_for(tmp_path, site)
    crawl(ws, [CODE], delay=0)
    links = {(r["source_url"], r["target_url"]): r for r in ws.db["links"].rows}
    home = u("/")
    assert links[(home, u("/art/a1.html"))]["anchor_text"] == "文章一"
    assert links[(home, "http://www.gov.cn/")]["in_scope"] == 0
    assert links[(home, "mailto:office@zhen.example.gov.cn")]["in_scope"] == 0
    assert links[(home, u("/img/logo.png"))]["tag"] == "img"
    assert links[(home, u("/frame.html"))]["tag"] == "iframe"
    broken = [r["target_url"] for r in ws.db["links"].rows if r["in_scope"] and (r["target_status"] or 0) >= 400]
    assert sorted(broken) == [u("/missing-article.html")]


def test_hanweb_and_trs_pagination_and_sitemaps_are_followed(tmp_path, site):
    ws = workspace_for(tmp_path, site)
    crawl(ws, [CODE], delay=0)
    s = states(ws)
    assert s[u("/col/col1/index.html?uid=4567&pageNum=2")][0] == "fetched"
    assert s[u("/art/2020/1/3/art_1_11.html")][0] == "fetched"
    assert s[u("/trs/index_2.html")][0] == "fetched"
    assert s[u("/only-in-sitemap.html")][0] == "fetched"
    via = dict(ws.db.execute("SELECT url, discovered_via FROM crawl_urls").fetchall())
    assert via[u("/only-in-sitemap.html")] == "sitemap"
    assert via[u("/trs/index_1.html")] == "pagination"


def test_user_agent_names_tool_and_contact(tmp_path, site):
    ws = workspace_for(tmp_path, site)
    crawl(ws, [CODE], delay=0)
    assert len({r["User-Agent"] for r in site.requests}) == 1
    agent = site.requests[0]["User-Agent"]
    assert agent.startswith("govmigrate/") and agent.endswith("(+ops@example.gov.cn)")
    assert site.requests[0]["Host"] == HOST


def test_warc_and_cdxj_hold_every_response(tmp_path, site):
    ws = workspace_for(tmp_path, site)
    crawl(ws, [CODE], delay=0)
    row = next(ws.db.query("SELECT warc_file, warc_offset, url, warc_length, size FROM pages WHERE url = ?",
                           [u("/art/a1.html")]))
    page = (row["warc_file"], row["warc_offset"], row["url"], page_body(ws, row))
    path = ws.path / page[0]
    with open(path, "rb") as f:
        f.seek(page[1])
        record = next(iter(ArchiveIterator(f)))
        assert record.rec_type == "response" and record.rec_headers.get_header("WARC-Target-URI") == page[2]
        assert record.content_stream().read() == page[3]
    with open(path, "rb") as f:
        types = [r.rec_type for r in ArchiveIterator(f)]
    responses = ws.db.execute("SELECT COUNT(*) FROM pages").fetchone()[0]
    assert types.count("response") == responses and types.count("request") == responses
    cdxj = path.with_name(path.name.replace(".warc.gz", ".cdxj")).read_text(encoding="utf-8").splitlines()
    assert len(cdxj) >= responses and any("art/a1.html" in line for line in cdxj)


def test_page_cap_depth_cap_and_resume_from_limits(tmp_path, site):
    ws = workspace_for(tmp_path, site)
    first = crawl(ws, [CODE], delay=0, max_pages=3)
    assert ws.db.execute("SELECT COUNT(*) FROM pages WHERE kind IN ('page','attachment')").fetchone()[0] == 3
    assert first.sites[CODE].skipped.get("max-pages", 0) > 0
    assert first.sites[CODE].queued == 0
    crawl(ws, [CODE], delay=0)  # limits lifted: the skipped URLs are crawled now, nothing twice
    s = states(ws)
    assert s[u("/only-in-sitemap.html")][0] == "fetched"
    assert max(site.hits.values()) == 1


def test_max_depth_skips_with_reason(tmp_path, site):
    ws = workspace_for(tmp_path, site)
    crawl(ws, [CODE], delay=0, max_depth=1)
    s = states(ws)
    assert s[u("/art/2020/1/2/art_1_10.html")] == ("skipped", "max-depth")
    assert s[u("/art/a1.html")][0] == "fetched"


def test_refresh_uses_conditional_requests_and_records_changes(tmp_path, site):
    site.pages["/art/a1.html"] = (200, {"Content-Type": "text/html", "ETag": '"v1"'}, b"<html>v1</html>")
    ws = workspace_for(tmp_path, site)
    crawl(ws, [CODE], delay=0)

    def conditional(handler):
        if handler.headers.get("If-None-Match") == '"v1"':
            return 304, {"ETag": '"v1"'}, b""
        return 200, {"Content-Type": "text/html", "ETag": '"v1"'}, b"<html>v1</html>"
    site.pages["/art/a1.html"] = (200, {}, conditional)
    site.pages["/new.html"] = html(ARTICLE + "<p>更正</p>")
    summary = crawl(ws, [CODE], delay=0, refresh=True)
    assert summary.sites[CODE].changed == 1
    changed = [r[0] for r in ws.db.execute(
        "SELECT url FROM pages WHERE run_id = ? AND changed_at >= (SELECT started_at FROM crawl_runs WHERE id = ?)",
        (summary.sites[CODE].run_id, summary.sites[CODE].run_id))]
    assert changed == [u("/new.html")]
    a1 = [r for r in site.requests if r["path"] == "/art/a1.html"]
    assert a1[-1].get("If-None-Match") == '"v1"'
    assert page_body(ws, next(ws.db.query("SELECT * FROM pages WHERE url = ?", [u("/art/a1.html")]))) == b"<html>v1</html>"


def test_unknown_site_code_is_a_clear_error(tmp_path, site):
    ws = workspace_for(tmp_path, site)
    with pytest.raises(CrawlError, match="9999999999"):
        crawl(ws, ["9999999999"])
    with pytest.raises(CrawlError, match="--all"):
        crawl(ws, [])


def test_crawl_report_matches_database(tmp_path, site):
    ws = workspace_for(tmp_path, site)
    crawl(ws, [CODE], delay=0)
    (report,) = crawl_report(ws, [CODE])
    total = ws.db.execute("SELECT COUNT(*) FROM crawl_urls").fetchone()[0]
    assert report["total"] == total
    assert report["fetched"] + sum(report["skipped"].values()) + report["failed"] == total
    assert report["attachments"] == 2 and report["soft_404"] == 1 and report["run_status"] == "finished"


def test_a_killed_runs_warc_is_cut_after_its_last_stored_record_and_indexed(tmp_path, site):
    ws = workspace_for(tmp_path, site)
    first = crawl(ws, [CODE], delay=0)
    run_id, rel = first.sites[CODE].run_id, first.sites[CODE].warc_file
    path = ws.path / rel
    size = path.stat().st_size
    ws.db.execute("UPDATE crawl_runs SET status = 'running' WHERE id = ?", (run_id,))
    ws.db.conn.commit()
    with open(path, "ab") as f:
        f.write(b"\x1f\x8b half a record written when the process was killed")
    crawl(ws, [CODE], delay=0)
    assert path.stat().st_size == size
    assert ws.db.execute("SELECT status FROM crawl_runs WHERE id = ?", (run_id,)).fetchone()[0] == "interrupted"
    with open(path, "rb") as f:
        responses = sum(1 for r in ArchiveIterator(f) if r.rec_type == "response")
    assert responses == first.sites[CODE].requests
    assert (path.with_name(path.name.replace(".warc.gz", ".cdxj"))).read_text().count("\n") == responses


def test_cli_crawl_and_report_json(tmp_path, site):
    from click.testing import CliRunner

    from migrate.cli import cli

    ws = workspace_for(tmp_path, site)
    ws.save_config()
    ws.close()
    runner = CliRunner()
    result = runner.invoke(cli, ["-w", str(tmp_path / "ws"), "crawl", CODE, "--delay", "0", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["sites"][0]["site_code"] == CODE and data["sites"][0]["queued"] == 0
    report = json.loads(runner.invoke(cli, ["-w", str(tmp_path / "ws"), "crawl-report", CODE, "--json"]).output)
    assert report[0]["fetched"] == data["sites"][0]["fetched"]
    text = runner.invoke(cli, ["-w", str(tmp_path / "ws"), "crawl-report"]).output
    assert f"{CODE}: {report[0]['fetched']} fetched" in text and "robots 1" in text
    bad = runner.invoke(cli, ["-w", str(tmp_path / "ws"), "crawl", "0000000000"])
    assert bad.exit_code == 2 and "0000000000" in bad.output


def test_links_into_another_site_get_its_status_when_that_site_is_crawled_later(tmp_path, site):
    ws = workspace_for(tmp_path, site)
    other = "http://www.xiang.example.gov.cn/new.html"
    crawl(ws, [CODE], delay=0)
    status = "SELECT target_status FROM links WHERE source_url = ? AND target_url = ?"
    assert ws.db.execute(status, (u("/"), other)).fetchone() == (None,)
    save_rules(ws.db, [parse_rule(f"www.xiang.example.gov.cn:80:127.0.0.1:{site.port}")])
    ws.db["sites"].insert({"site_code": "3311270002", "name": "白沙乡", "url": "http://www.xiang.example.gov.cn/",
                           "aliases": "[]", "level": "township", "action": "migrate",
                           "created_at": "2024-01-01", "updated_at": "2024-01-01"})
    crawl(ws, ["3311270002"], delay=0)
    assert ws.db.execute(status, (u("/"), other)).fetchone() == (200,)


def test_exchanges_archived_but_not_committed_before_a_kill_are_replayed_not_fetched_again(tmp_path, site):
    """The WARC is the journal: records past the run's committed mark are stored by the next run."""
    from site_inventory.crawl import journal

    ws = workspace_for(tmp_path, site)
    first = crawl(ws, [CODE], delay=0)
    run_id, rel = first.sites[CODE].run_id, first.sites[CODE].warc_file
    members = [offset for offset, _, _ in journal._members(ws.path / rel, 0)]
    mark = members[1 + 2 * ((len(members) - 1) // 4)]  # warcinfo, then (request, response) pairs: a request
    lost = {url: offset for url, offset in ws.db.execute(
        "SELECT url, warc_offset FROM pages WHERE warc_file = ? AND warc_offset > ?", (rel, mark))}
    assert lost and mark not in lost.values()
    with ws.db.conn:  # the state a kill leaves when the last transaction did not commit
        ws.db.execute("UPDATE crawl_runs SET status = 'running', warc_stored = ? WHERE id = ?", (mark, run_id))
        ws.db.execute("DELETE FROM pages WHERE warc_file = ? AND warc_offset > ?", (rel, mark))
        ws.db.conn.executemany("UPDATE crawl_urls SET state = 'in_flight' WHERE site_code = ? AND url = ?",
                          [(CODE, url) for url in lost])
    with open(ws.path / rel, "ab") as f:
        f.write(b"\x1f\x8b\x08 a record cut short by the kill")
    site.hits.clear()
    crawl(ws, [CODE], delay=0)
    replayed = {url: (warc_file, offset) for url, warc_file, offset in ws.db.execute(
        "SELECT url, warc_file, warc_offset FROM pages WHERE site_code = ?", (CODE,)) if url in lost}
    assert replayed == {url: (rel, offset) for url, offset in lost.items()}
    assert {p for p, n in site.hits.items() if u(p) in lost} == set(), site.hits
    assert all(states(ws)[url][0] in ("fetched", "failed", "skipped") for url in lost)
    with open(ws.path / rel, "rb") as f:
        assert sum(1 for r in ArchiveIterator(f) if r.rec_type == "response") == first.sites[CODE].requests


def test_warc_records_carry_correct_digests_and_index_like_cdxj_indexer(tmp_path, site):
    from site_inventory.crawl.warc import write_index

    ws = workspace_for(tmp_path, site)
    summary = crawl(ws, [CODE], delay=0)
    path = ws.path / summary.sites[CODE].warc_file
    with open(path, "rb") as f:
        records = ArchiveIterator(f, check_digests=True)
        for record in records:
            record.content_stream().read()
            assert record.digest_checker.passed is not False, record.digest_checker.problems
    index = path.with_name(path.name.replace(".warc.gz", ".cdxj"))
    ours = index.read_text(encoding="utf-8")
    write_index(path)
    assert ours.splitlines() == index.read_text(encoding="utf-8").splitlines()
