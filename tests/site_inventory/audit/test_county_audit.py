"""The audit of the sample county, crawled and extracted for real, against the manifest's planted defects.

Every defect the county plants (blank and stale columns, broken links, undated items, reposts,
soft 404s) must be reported exactly, and each site's verdict must be the manifest's reading of
the 单项否决 rules.
"""
from __future__ import annotations

import json
from urllib.parse import urlsplit

import openpyxl
import pytest
from headless_chromium import CHROMIUM, chromium

from site_inventory.audit import formats
from site_inventory.audit.run import audit
from site_inventory.sample.server import CountyServer
from site_inventory.inventory import import_inventory
from site_inventory.audit.link_check import check_links
from site_inventory.resolve import parse_rule, save_rules
from site_inventory.sample.county import PLANNER_COLUMN_KINDS, write_inventory_csv
from site_inventory.workspace import init_workspace, open_workspace



@pytest.fixture(scope="module")
def county(sample_county, tmp_path_factory):
    """(manifest, workspace, audit result): every site crawled, extracted, links checked, audited."""
    from extractors.runner import extract
    from site_inventory.crawl import crawl

    folder = tmp_path_factory.mktemp("county-audit")
    ws = init_workspace(folder / "ws", "青溪县人民政府", "http://www.qingxi.example.gov.cn")
    with CountyServer(sample_county) as server:
        save_rules(ws.db, [parse_rule(rule) for rule in server.resolve_rules()], replace=True)
        import_inventory(ws, write_inventory_csv(sample_county, folder / "inventory.csv"))
        codes = ws.site_codes()
        crawl(ws, codes, delay=0)
        extract(ws, codes)
        check_links(ws, codes, delay=0)
    ws.config["audit"]["column_kinds"] = PLANNER_COLUMN_KINDS
    manifest = sample_county.manifest
    yield manifest, ws, audit(ws, as_of=manifest["as_of"])
    ws.close()


def sites(result):
    return {s.site_code: s for s in result.sites}


def test_blank_columns_exact(county):
    manifest, ws, result = county
    want = {(d["site_code"], " > ".join(d["path"])) for d in manifest["defects"]["blank_columns"]}
    got = {(s.site_code, c.path) for s in result.sites for c in s.columns if c.blank}
    assert got == want


def test_stale_columns_exact(county):
    manifest, ws, result = county
    want = {(d["site_code"], " > ".join(d["path"]), d["newest"]) for d in manifest["defects"]["stale_columns"]}
    got = {(s.site_code, c.path, c.newest) for s in result.sites for c in s.columns if c.stale}
    assert got == want


def test_columns_item_counts_and_newest_dates(county):
    manifest, ws, result = county
    got = {(s.site_code, c.path): (c.items, c.newest) for s in result.sites for c in s.columns}
    for col in manifest["columns"]:
        if not col["single_page"]:
            key = (col["site_code"], " > ".join(col["path"]))
            assert got.get(key) == (col["item_count"], col["newest"]), key


def test_kinds_inferred_from_names(county):
    manifest, ws, result = county
    got = {(s.site_code, c.path): (c.kind, c.kind_source) for s in result.sites for c in s.columns}
    for col in manifest["columns"]:
        key = (col["site_code"], " > ".join(col["path"]))
        if key in got and f"{key[0]}/{key[1]}" not in PLANNER_COLUMN_KINDS:
            want = col["kind"] if col["kind"] in ("dynamic", "notice", "policy") else "other"
            assert got[key] == (want, "name"), key
    assert result.warnings == []


def test_broken_links_exact_with_their_pages(county):
    manifest, ws, result = county
    want = {(d["source"], d["target"], d["scope"], d["status"]) for d in manifest["defects"]["broken_links"]}
    got = {(src, b.target_url, b.scope, b.status) for s in result.sites for b in s.broken_links for src in b.source_urls}
    assert got == want


def test_undated_items_soft_404s_and_reposts_exact(county):
    manifest, ws, result = county
    defects = manifest["defects"]
    assert {u.url for s in result.sites for u in s.undated_items} == set(defects["undated_items"])
    assert {u for s in result.sites for u in s.soft_404_urls} == set(defects["soft_404s"])
    by_url = {r["url"]: r["repost_of"] for r in defects["reposts"]}
    code_of = {i["url"]: i["site_code"] for i in manifest["items"]}
    pairs = {(s.site_code, r.url, r.other_url) for s in result.sites for r in s.reposts}
    want = {(code_of[u], u, o) for u, o in by_url.items()} | {(code_of[o], o, u) for u, o in by_url.items()}
    assert pairs == want  # each repost is reported on both sites, pointing at the other


def test_homepage_freshness_and_verdicts_match_manifest(county):
    manifest, ws, result = county
    by_code = sites(result)
    rule_of = {"homepage": "homepage_stale", "blank": "blank_columns", "dynamic": "stale_dynamic_columns",
               "notice/policy": "stale_notice_policy_columns", "(>= 10)": "stale_columns"}
    for code, want in manifest["verdicts"].items():
        site = by_code[code]
        assert site.homepage_newest == want["homepage_newest"], code
        assert site.verdict == ("pass" if want["passed"] else "fail"), (code, want["reasons"])
        failed = {f.rule for f in site.findings if f.status == "fail"}
        expected = {rule for reason in want["reasons"] for word, rule in rule_of.items() if word in reason}
        assert failed == expected, code
        assert (site.blank_columns, site.stale_columns) == (want["blank_columns"], want["stale_columns"]), code
        counts = {f.rule: f.value for f in site.findings}
        assert counts["stale_dynamic_columns"] == want["stale_dynamic_columns"], code
        assert counts["stale_notice_policy_columns"] == want["stale_notice_policy_columns"], code


def test_totals_and_xlsx_agree_with_json(county, tmp_path):
    manifest, ws, result = county
    counts = manifest["counts"]
    t = result.totals
    assert (t["blank_columns"], t["stale_columns"], t["broken_links"], t["undated_items"], t["soft_404s"]) == (
        counts["blank_columns"], counts["stale_columns"],
        len({d["target"] for d in manifest["defects"]["broken_links"]}), counts["undated_items"], counts["soft_404s"])
    data = json.loads(formats.write(result, "json", tmp_path / "a.json").read_text(encoding="utf-8"))
    sheet = openpyxl.load_workbook(formats.write(result, "xlsx", tmp_path / "a.xlsx"))["站点汇总"]
    header = [c.value for c in sheet[1]]
    rows = {r[0]: dict(zip(header, r)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    for site in data["sites"]:
        row = rows[site["site_code"]]
        assert (row["空白栏目"], row["不更新栏目"], row["断链"], row["无日期信息"], row["转载"], row["信息数"]) == (
            site["blank_columns"], site["stale_columns"], len(site["broken_links"]), len(site["undated_items"]),
            len(site["reposts"]), site["items"])


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs Debian's chromium)")
def test_county_report_renders_in_chromium(county, tmp_path):
    manifest, ws, result = county
    page = formats.write(result, "html", tmp_path / "county.html")
    text = page.read_text(encoding="utf-8")
    assert all(f'href="#site-{s["site_code"]}"' in text for s in manifest["sites"])
    shot = tmp_path / "county.png"
    assert chromium(page, tmp_path, f"--screenshot={shot}", "--window-size=1300,3000") == []
    assert shot.stat().st_size > 50_000


def test_the_audit_on_a_local_cluster_equals_the_in_process_audit(county, capsys):
    """One Dask task per site on a real 2-worker LocalCluster (the CLI's --workers), reposts found
    after from the fingerprints: the same report, planted reposts across sites included; the
    progress bar counts sites and pages."""
    manifest, ws, result = county
    # the planners' column kinds are set on the fixture's config in memory only: the tasks get the caller's
    spread = audit(ws, as_of=manifest["as_of"], workers=2, progress=True)
    bar = capsys.readouterr().err.split("\r")[-1]
    assert f"{len(spread.sites)}/{len(spread.sites)} [" in bar and f"{spread.totals['pages']:,} pages" in bar
    plain = {**result.to_dict(), "generated_at": None}
    assert {**spread.to_dict(), "generated_at": None} == plain
    reported = sum(len(s.reposts) for s in spread.sites)  # each repost on both sites, pointing at the other
    assert reported == 2 * len(manifest["defects"]["reposts"]) > 0


def test_the_link_check_on_a_local_cluster_stores_what_one_process_stores(sample_county, tmp_path):
    """Two sites crawled, so their links into the others stay unchecked; the check of those target
    hosts spread over Dask tasks (each host in one, so its delay holds) stores the statuses the
    in-process check stores, and finds the same broken targets."""
    import shutil

    from site_inventory.crawl import crawl

    ws = init_workspace(tmp_path / "one", "青溪县人民政府", "http://www.qingxi.example.gov.cn")
    import_inventory(ws, write_inventory_csv(sample_county, tmp_path / "inventory.csv"))
    crawled = [s["site_code"] for s in sample_county.manifest["sites"] if s["action"] != "keep"][:2]
    external = "SELECT target_url, target_status, target_state FROM links WHERE in_scope = 0 ORDER BY id"
    with CountyServer(sample_county) as server:
        save_rules(ws.db, [parse_rule(rule) for rule in server.resolve_rules()], replace=True)
        crawl(ws, crawled, delay=0)
        ws.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copytree(ws.path, tmp_path / "spread")
        spread = open_workspace(tmp_path / "spread")
        one = check_links(ws, delay=0)
        many = check_links(spread, delay=0, workers=2)
    assert one.checked == many.checked >= 2 and one.broken == many.broken and one.skipped == many.skipped
    assert len({(urlsplit(u).hostname) for u, _ in one.broken}) >= 1
    assert spread.db.execute(external).fetchall() == ws.db.execute(external).fetchall()
    ws.close()
    spread.close()
