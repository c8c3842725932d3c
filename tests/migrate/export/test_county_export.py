"""The export on the sample county, after a real crawl, extraction and mapping of every site."""
from __future__ import annotations

import hashlib
import json
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest

from migrate.export.run import export, rollback
from migrate.export.package import schema_path, verify
from migrate.export.preview import PreviewServer, preview
from site_inventory.sample.server import CountyServer
from site_inventory.urls import canonicalize

import county_pipeline


@pytest.fixture
def ws(county_workspace, tmp_path):
    workspace = county_pipeline.copy(county_workspace, tmp_path / "ws")
    yield workspace
    workspace.close()


def _lines(out: Path) -> list[dict]:
    return [json.loads(line) for path in sorted(out.glob("*/items.jsonl"))
            for line in path.read_text("utf-8").splitlines()]


def _snapshot(out: Path) -> dict:
    files = {}
    for path in sorted(out.rglob("*")):
        if path.is_file() and path.name != "manifest.json":
            files[path.relative_to(out).as_posix()] = path.read_bytes()
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    manifest.pop("generated_at")
    return files | {"manifest.json": manifest}


def test_every_mapped_item_and_attachment_exactly_once(ws, sample_county, tmp_path):
    out = tmp_path / "pkg"
    report = export(ws, out_dir=out)
    assert verify(out) == []
    lines = _lines(out)
    by_url = {}
    for item in lines:
        assert item["source_url"] not in by_url, f"{item['source_url']} exported twice"
        by_url[item["source_url"]] = item
    mapped = ws.db.execute(
        "SELECT r.url, m.action, r.page_type FROM item_mappings m JOIN records r ON r.page_id = m.page_id "
        "WHERE (m.action = 'map' AND r.page_type = 'article') OR (m.action = 'static' AND r.page_type != 'error') "
        "OR (m.action = 'map' AND r.page_type = 'attachment' AND r.url NOT IN "
        "    (SELECT source_url FROM id_map WHERE kind = 'attachment' AND status != 'exported'))").fetchall()
    carried = {a["source_url"] for item in lines for a in item["attachments"] if item["kind"] != "file"}
    mapped = [row for row in mapped if not (row[2] == "attachment" and row[0] in carried)]
    duplicates = dict(ws.db.execute("SELECT source_url, duplicate_of FROM id_map WHERE duplicate_of IS NOT NULL"))
    for url, _, _ in mapped:
        assert (url in by_url) != (url in duplicates), url
    assert len(by_url) == len(mapped) - len([u for u, _, _ in mapped if u in duplicates])
    planted = sample_county.manifest
    keep = {s["site_code"] for s in planted["sites"] if s["action"] == "keep"}
    repost = planted["defects"]["reposts"][0]
    assert duplicates[canonicalize(repost["url"])] == canonicalize(repost["repost_of"])
    exported = {url for url, _, _ in mapped}
    checked_items = checked_files = 0
    for planted_item in planted["items"]:
        url = planted_item["canonical_url"]
        if planted_item["site_code"] in keep or url not in exported or url in duplicates:
            continue  # the parent's own, dropped, or not an item to the extraction (a list page): not exported
        item = by_url[url]
        checked_items += 1
        assert item["title"] == planted_item["title"]
        for attachment in planted_item["attachments"]:
            entry = [a for a in item["attachments"] if a["source_url"] == canonicalize(attachment["url"])]
            assert len(entry) == 1, attachment["url"]
            if attachment["sha256"] is None:
                assert entry[0]["status"] == "failed"
                continue
            stored = out / entry[0]["path"]
            assert hashlib.sha256(stored.read_bytes()).hexdigest() == attachment["sha256"]
            checked_files += 1
    assert checked_items >= 200 and checked_files >= 10
    for site in out.iterdir():
        if site.is_dir() and (site / "attachments").is_dir():
            digests = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (site / "attachments").iterdir()]
            assert len(digests) == len(set(digests)), f"{site.name}: a file stored twice"
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    jsonschema.validate(manifest, json.loads(schema_path("manifest").read_text("utf-8")))
    item_schema = jsonschema.Draft202012Validator(json.loads(schema_path("item").read_text("utf-8")))
    for item in lines:
        item_schema.validate(item)
    assert manifest["counts"]["items"] == len(lines) == report.total("items")


def test_rerun_and_one_changed_page(ws, sample_county, tmp_path):
    """Re-running changes nothing; one page changed on the server + crawl --refresh re-exports exactly it."""
    from extractors.runner import extract
    from site_inventory.crawl import crawl

    out = tmp_path / "pkg"
    export(ws, out_dir=out)
    before = _snapshot(out)
    again = export(ws, out_dir=out)
    assert (again.total("written"), again.total("attachments_written"), again.manifest_written) == (0, 0, False)
    assert _snapshot(out) == before
    target = next(i for i in _lines(out) if i["kind"] == "article" and "青溪县城关镇" in (i["target_path"] or ""))
    page = sample_county.page(target["source_url"])
    body = page.body.decode(page.encoding or "utf-8")
    first_sentence = target["body_text"].split("\n")[0][:20]
    assert first_sentence in body
    codes = [r[0] for r in ws.db.execute("SELECT site_code FROM sites WHERE action = 'keep'")]
    with CountyServer(sample_county) as server:
        server.mutate(page.url, body.replace(first_sentence, "更正：" + first_sentence, 1))
        county_pipeline.point_at(ws, server)
        crawl(ws, codes=codes, all_sites=True, delay=0, refresh=True)
    extract(ws, codes=codes, all_sites=True)
    changed = export(ws, out_dir=out)
    assert [i for s in changed.sites for i in s.written_ids] == [target["item_id"]]
    assert changed.total("attachments_written") == 0 and verify(out) == []
    after = _snapshot(out)
    assert {k for k in before if before[k] != after[k]} == {f"{target['site_code']}/items.jsonl", "manifest.json"}
    new_line = next(i for i in _lines(out) if i["item_id"] == target["item_id"])
    assert new_line["body_text"].startswith("更正：")


def test_rollback_then_export_restores_the_same_package(ws, tmp_path):
    out = tmp_path / "pkg"
    export(ws, out_dir=out)
    before = _snapshot(out)
    rows = ws.db.execute("SELECT * FROM id_map ORDER BY item_id").fetchall()
    code = next(p.name for p in sorted(out.iterdir()) if p.is_dir() and (p / "attachments").is_dir())
    rollback(ws, code, out)
    assert not (out / code).exists() and verify(out) == []
    assert ws.db.execute("SELECT count(*) FROM id_map WHERE site_code = ?", [code]).fetchone()[0] == 0
    export(ws, out_dir=out)
    assert _snapshot(out) == before
    assert [r[:-1] for r in ws.db.execute("SELECT * FROM id_map ORDER BY item_id").fetchall()] == [r[:-1] for r in rows]


def test_preview_serves_every_new_url(ws, tmp_path):
    """Every new URL of the id map (items, files, column pages, parent pages) answers 200 from the preview."""
    out = tmp_path / "pkg"
    export(ws, out_dir=out)
    report = preview(ws, tmp_path / "site")
    assert report.unresolved == [] and report.items > 200 and report.parent_pages >= 1
    urls = [u for (u,) in ws.db.execute("SELECT DISTINCT new_url FROM id_map WHERE new_url IS NOT NULL")]
    assert any("%E4%B9%A1%E9%95%87%E5%8A%A8%E6%80%81" in u for u in urls)  # 乡镇动态: Chinese paths
    with PreviewServer(report.out_dir) as server:
        for url in urls:
            parts = urlsplit(url)
            with urllib.request.urlopen(server.url.rstrip("/") + parts.path, timeout=10) as response:
                assert response.status == 200, url
        home = urllib.request.urlopen(server.url, timeout=10).read().decode("utf-8")
        columns = [p for p in Path(report.out_dir).rglob("index.html") if p.parent != Path(report.out_dir)]
        busiest = max(columns, key=lambda p: p.read_text("utf-8").count("<li><a"))
        second = busiest.parent.relative_to(report.out_dir).as_posix() + "/index_1.html"
        with urllib.request.urlopen(server.url + urllib.request.pathname2url(second), timeout=10) as response:
            assert response.status == 200 and "index.html" in response.read().decode("utf-8")  # pagination
    assert "乡镇动态" in home and "通知公告" in home


def test_attachments_read_from_the_warc_when_the_database_kept_no_bytes(ws, tmp_path):
    """The crawl keeps attachment bytes only in its WARC archive; exporting again gives the same files."""
    export(ws, out_dir=tmp_path / "from-db")
    columns = {row[1] for row in ws.db.execute("PRAGMA table_info(pages)")}
    moved = ws.db.execute("SELECT COUNT(*) FROM pages WHERE kind = 'attachment' AND warc_file IS NOT NULL "
                          "AND warc_offset IS NOT NULL").fetchone()[0]
    assert moved >= 10 and "body" not in columns
    ws.db.execute("DELETE FROM id_map")
    export(ws, out_dir=tmp_path / "from-warc")
    assert verify(tmp_path / "from-warc") == []
    files = lambda root: {p.relative_to(root).as_posix(): p.read_bytes() for p in root.glob("*/attachments/*")}  # noqa: E731
    assert files(tmp_path / "from-warc") == files(tmp_path / "from-db") != {}
