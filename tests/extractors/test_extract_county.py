"""Planted truth of the sample county: every planted field of every item comes out exact.

Two paths: extract_page on the bytes the county serves (attachment sizes are not on the pages,
so they are compared in the second path), and the real pipeline: the crawler fetches the county
from a loopback server into a SQLite workspace, ``extract`` runs in two processes, and the
records table must equal the manifest, attachment sizes included.
"""
from __future__ import annotations

import json

import pytest

from extractors import extract_page

FIELDS = ("title", "published", "modified", "source", "author", "doc_number", "index_number", "subject",
          "written_date", "validity", "breadcrumb", "column_name", "body_text")


def _attachments(items, with_size: bool):
    keys = ("url", "title", "type", "size") if with_size else ("url", "title", "type")
    return [{k: a.get(k) for k in keys} for a in items or []]


def test_every_planted_field_from_the_served_bytes(sample_county):
    mismatches = []
    for item in sample_county.manifest["items"]:
        page = sample_county.page(item["url"])
        record = extract_page(page.body, item["url"], content_type=page.content_type).to_dict()
        assert record["page_type"] == "article", (item["url"], record["warnings"])
        for field in FIELDS:
            if record[field] != item[field]:
                mismatches.append((item["url"], field, item[field], record[field]))
        if _attachments(record["attachments"], False) != _attachments(item["attachments"], False):
            mismatches.append((item["url"], "attachments", item["attachments"], record["attachments"]))
    assert not mismatches, mismatches[:5]
    assert len(sample_county.manifest["items"]) > 200


def test_gbk_site_with_gb2312_meta_decodes_cleanly(sample_county):
    gbk = [s for s in sample_county.manifest["sites"] if s["encoding"] == "gbk"]
    assert gbk
    items = [i for i in sample_county.manifest["items"] if i["site_code"] == gbk[0]["site_code"]]
    page = sample_county.page(items[0]["url"])
    record = extract_page(page.body, items[0]["url"], content_type=page.content_type)
    assert record.title == items[0]["title"]
    assert not any("replaced" in w or "do not decode" in w for w in record.warnings)


def test_charset_mismatches_are_read_and_warned(sample_county):
    for defect in sample_county.manifest["defects"]["charset_mismatches"]:
        page = sample_county.page(defect["url"])
        record = extract_page(page.body, defect["url"], content_type=page.content_type)
        assert any(defect["declared"] in w for w in record.warnings), (defect, record.warnings)
        item = next((i for i in sample_county.manifest["items"] if i["url"] == defect["url"]), None)
        if item:
            assert record.body_text == item["body_text"]


@pytest.fixture(scope="module")
def county_workspace(tmp_path_factory, sample_county):
    """The county crawled for real from a loopback server and extracted with two processes."""
    from site_inventory.sample.server import CountyServer
    from site_inventory.crawl import crawl
    from site_inventory.inventory import import_inventory
    from site_inventory.resolve import parse_rule, save_rules
    from site_inventory.sample.county import write_inventory_csv
    from site_inventory.workspace import init_workspace

    from extractors.runner import extract

    folder = tmp_path_factory.mktemp("county")
    ws = init_workspace(folder / "ws", "青溪县人民政府", "http://www.qingxi.example.gov.cn")
    import_inventory(ws, write_inventory_csv(sample_county, folder / "inventory.csv"))
    with CountyServer(sample_county) as server:
        save_rules(ws.db, [parse_rule(rule) for rule in server.resolve_rules()])
        crawl(ws, ws.site_codes(), delay=0)
    summary = extract(ws, all_sites=True, processes=2)
    yield ws, summary
    ws.close()


def test_crawled_and_extracted_records_equal_the_manifest(county_workspace, sample_county):
    ws, summary = county_workspace
    assert summary.crashed == 0 and summary.extracted == summary.pages > 0
    records = {r["url"]: r for r in ws.db.query("SELECT * FROM records")}
    mismatches = []
    for item in sample_county.manifest["items"]:
        row = records[item["canonical_url"]]
        assert row["page_type"] == "article"
        for field in FIELDS:
            got = json.loads(row[field]) if field == "breadcrumb" else row[field]
            if got != item[field]:
                mismatches.append((item["url"], field, item[field], got))
        if _attachments(json.loads(row["attachments"]), True) != _attachments(item["attachments"], True):
            mismatches.append((item["url"], "attachments", item["attachments"], row["attachments"]))
    assert not mismatches, mismatches[:5]


def test_structure_pages_are_not_items(county_workspace, sample_county):
    ws, _ = county_workspace
    types = {r["url"]: r["page_type"] for r in ws.db.query("SELECT url, page_type FROM records")}
    items = {i["canonical_url"] for i in sample_county.manifest["items"]}
    for page in sample_county.manifest["pages"]:
        got = types.get(page["canonical_url"])
        if page["canonical_url"] in items or got is None:
            continue
        assert got != "article", page["url"]
        if page["page_type"] in ("homepage", "attachment"):
            assert got == page["page_type"], page["url"]
        if page["page_type"] == "soft_404" or page["status"] and page["status"] >= 400:
            assert got == "error", page["url"]


def test_rerun_extracts_only_changed_pages_or_versions(county_workspace, monkeypatch):
    from extractors import runner

    ws, _ = county_workspace
    again = runner.extract(ws, all_sites=True, processes=2)
    assert again.extracted == 0 and again.up_to_date == again.pages
    page_id = ws.db.execute("SELECT page_id FROM records WHERE page_type = 'article' LIMIT 1").fetchone()[0]
    ws.db.execute("UPDATE pages SET sha256 = 'changed' WHERE id = ?", [page_id])
    ws.db.conn.commit()
    one = runner.extract(ws, all_sites=True, processes=1)
    assert one.extracted == 1
    assert ws.db.execute("SELECT page_sha256 FROM records WHERE page_id = ?", [page_id]).fetchone()[0] == "changed"
    monkeypatch.setattr(runner, "EXTRACTOR_VERSION", "test-bump")
    bumped = runner.extract(ws, all_sites=True, processes=2)
    assert bumped.extracted == bumped.pages
    assert {r[0] for r in ws.db.execute("SELECT DISTINCT extractor_version FROM records")} == {"test-bump"}
