"""The whole sample county crawled on loopback: everything planted is found, nothing forbidden asked."""
import json
from collections import Counter

import pytest

from site_inventory.bodies import page_body
from site_inventory.crawl import crawl, crawl_report
from site_inventory.sample.server import CountyServer
from site_inventory.inventory import import_inventory
from site_inventory.resolve import parse_rule, save_rules
from site_inventory.sample.county import write_inventory_csv
from site_inventory.urls import canonicalize
from site_inventory.workspace import init_workspace


def county_workspace(folder, county, server):
    ws = init_workspace(folder, "青溪县人民政府", "http://www.qingxi.example.gov.cn", "ops@qingxi.example.gov.cn")
    ws.config["crawl"].update({"delay": 0, "timeout": 5, "backoff": 0.01})
    import_inventory(ws, write_inventory_csv(county, folder / "sites.csv"))
    save_rules(ws.db, [parse_rule(r) for r in server.resolve_rules()])
    return ws


@pytest.fixture(scope="module")
def crawled(tmp_path_factory, sample_county):
    """The whole county crawled once (every site, the portal too); hits copied right after."""
    with CountyServer(sample_county) as server:
        ws = county_workspace(tmp_path_factory.mktemp("county"), sample_county, server)
        summary = crawl(ws, [s["site_code"] for s in sample_county.manifest["sites"]])
        hits, agents = Counter(server.hits), {h.user_agent for h in server.log}
    yield ws, summary, hits, agents
    ws.close()


@pytest.fixture
def county_ws(crawled):
    return crawled[0], crawled[1]


def disallowed(manifest, url):
    return any(url.startswith(p) for d in manifest["defects"]["robots_disallowed"] for p in d["urls"])


def test_every_planted_page_and_attachment_is_stored(county_ws, sample_county):
    ws, _ = county_ws
    manifest = sample_county.manifest
    stored = {r[0]: r[1:] for r in ws.db.execute("SELECT url, status, kind, sha256 FROM pages")}
    for row in manifest["pages"]:
        if disallowed(manifest, row["url"]):
            continue
        url = canonicalize(row["url"])
        assert url in stored, f"{row['page_type']} {url} not crawled"
        status, kind, sha = stored[url]
        assert status == row["status"], url
        if row["status"] == 200:
            assert sha == row["sha256"], url
    attachments = {canonicalize(a["url"]) for item in manifest["items"] for a in item["attachments"]}
    assert attachments and all(stored[a][1] == "attachment" for a in attachments)


def test_robots_disallowed_section_never_requested(county_ws, sample_county, crawled):
    hits = crawled[2]
    manifest = sample_county.manifest
    (rule,) = manifest["defects"]["robots_disallowed"]
    host = next(s["hosts"][0] for s in manifest["sites"] if s["site_code"] == rule["site_code"])
    assert not [t for (h, t), n in hits.items() if h == host and t.startswith(rule["prefix"])]
    ws, _ = county_ws
    skipped = ws.db.execute("SELECT reason FROM crawl_urls WHERE url LIKE ?",
                            (f"http://{host}{rule['prefix']}%",)).fetchall()
    assert skipped and {r[0] for r in skipped} == {"robots"}


def test_calendar_trap_contained_with_reasons(county_ws, sample_county, crawled):
    ws, _ = county_ws
    hits = crawled[2]
    (trap,) = sample_county.manifest["defects"]["traps"]
    host = trap["entry_url"].split("/")[2]
    fetched = sum(n for (h, t), n in hits.items() if h == host and t.startswith(trap["prefix"]))
    assert 0 < fetched <= 30
    reasons = {r[0] for r in ws.db.execute(
        "SELECT reason FROM crawl_urls WHERE state = 'skipped' AND url LIKE ?", (f"http://{host}{trap['prefix']}%",))}
    assert reasons == {"calendar-trap"}


def test_gbk_pages_stored_with_detected_gb18030(county_ws, sample_county):
    ws, _ = county_ws
    gbk = [canonicalize(p["url"]) for p in sample_county.manifest["pages"]
           if p["encoding"] == "gbk" and p["status"] == 200 and p["content_type"].startswith("text/html")]
    assert len(gbk) > 40
    detected = dict(ws.db.execute("SELECT url, detected_encoding FROM pages").fetchall())
    assert {detected[u] for u in gbk} == {"gb18030"}


def test_planted_broken_links_are_in_the_links_table(county_ws, sample_county):
    ws, _ = county_ws
    broken = {(canonicalize(b["source"]), canonicalize(b["target"]))
              for b in sample_county.manifest["defects"]["broken_links"]}
    found = set(ws.db.execute("SELECT source_url, target_url FROM links WHERE target_status = 404"
                              " AND tag IN ('a', 'area')").fetchall())
    assert broken <= found and broken


def test_accounting_adds_up_and_nothing_is_fetched_twice(county_ws, sample_county, crawled):
    ws, summary = county_ws
    hits, agents = crawled[2], set(crawled[3])
    states = dict(ws.db.execute("SELECT state, COUNT(*) FROM crawl_urls GROUP BY state").fetchall())
    assert set(states) <= {"fetched", "skipped", "failed"}
    report = crawl_report(ws)
    assert sum(r["total"] for r in report) == sum(states.values())
    assert {r["site_code"] for r in report} == {s["site_code"] for s in sample_county.manifest["sites"]}
    twice = {k: n for k, n in hits.items() if n > 1 and k[1] != "/robots.txt"}
    assert not twice
    assert len(agents) == 1 and agents.pop().endswith("(+ops@qingxi.example.gov.cn)")
    assert summary.stopped_by is None and all(s.queued == 0 for s in summary.sites.values())


def test_refresh_records_exactly_the_mutated_page(tmp_path, sample_county, county_server):
    item = next(i for i in sample_county.manifest["items"] if i["site_code"] == "3311270003")
    ws = county_workspace(tmp_path, sample_county, county_server)
    crawl(ws, [item["site_code"]])
    county_server.mutate(item["url"], "<html><body><p>更正后的内容</p></body></html>")
    county_server.reset_hits()
    summary = crawl(ws, [item["site_code"]], refresh=True)
    site = summary.sites[item["site_code"]]
    assert site.changed == 1
    run_id = site.run_id
    changed = [r[0] for r in ws.db.execute(
        "SELECT url FROM pages WHERE run_id = ? AND changed_at >= (SELECT started_at FROM crawl_runs WHERE id = ?)",
        (run_id, run_id))]
    assert changed == [canonicalize(item["url"])]
    statuses = {h.status for h in county_server.log if h.target != "/robots.txt"}
    assert 304 in statuses  # conditional requests were made
    run = ws.db.execute("SELECT mode, changed, status FROM crawl_runs WHERE id = ?", (run_id,)).fetchone()
    assert run == ("refresh", 1, "finished")
    body = page_body(ws, next(ws.db.query("SELECT * FROM pages WHERE url = ?", [canonicalize(item["url"])])))
    assert "更正后的内容".encode() in body
    assert json.loads(json.dumps(crawl_report(ws, item["site_code"])))[0]["changed"] == 1
