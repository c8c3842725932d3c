"""A page's bytes live once, in its WARC record: read back exactly, and an old workspace's
``pages.body`` copies are moved out (each checked against its record) when it is opened."""
from __future__ import annotations

import gzip
import hashlib
import shutil

import pytest
import sqlite_utils

from site_inventory import schema
from site_inventory.bodies import POINTER, BodyError, keep_body, page_body
from site_inventory.crawl import crawl
from site_inventory.inventory import import_inventory
from site_inventory.resolve import parse_rule, save_rules
from site_inventory.sample.county import write_inventory_csv
from site_inventory.sample.server import CountyServer
from site_inventory.workspace import init_workspace, open_workspace

PORTAL_PAGES = 80


@pytest.fixture
def crawled(tmp_path, sample_county):
    """The county's portal crawled (a part of it: gzip answers, GBK pages, attachments)."""
    folder = tmp_path / "ws"
    ws = init_workspace(folder, "青溪县人民政府", "http://www.qingxi.example.gov.cn", "ops@qingxi.example.gov.cn")
    ws.config["crawl"].update({"delay": 0, "timeout": 5, "backoff": 0.01})
    import_inventory(ws, write_inventory_csv(sample_county, tmp_path / "sites.csv"))
    with CountyServer(sample_county) as server:
        save_rules(ws.db, [parse_rule(r) for r in server.resolve_rules()])
        codes = [s["site_code"] for s in sample_county.manifest["sites"]][:2]
        crawl(ws, codes, max_pages=PORTAL_PAGES)
    yield ws
    ws.close()


def test_every_stored_page_reads_back_its_own_bytes(crawled, sample_county):
    rows = list(crawled.db.query("SELECT * FROM pages WHERE status = 200"))
    assert len(rows) > 50 and "body" not in rows[0]
    gzipped = 0
    for row in rows:
        body = page_body(crawled, row)
        assert len(body) == row["size"] and hashlib.sha256(body).hexdigest() == row["sha256"], row["url"]
        gzipped += '"gzip"' in (row["headers"] or "").lower() or "gzip" in (row["headers"] or "").lower()
    assert gzipped > 10  # the sample server gzips text: the content-encoding is undone on reading
    assert page_body(crawled, {"warc_file": None, "warc_offset": None, "warc_length": None}) is None


def test_a_missing_or_broken_record_is_an_error_not_other_bytes(crawled):
    row = next(crawled.db.query("SELECT * FROM pages WHERE status = 200 LIMIT 1"))
    with pytest.raises(BodyError):
        page_body(crawled, dict(row, warc_file="warc/nowhere.warc.gz"))
    with pytest.raises(BodyError):
        page_body(crawled, dict(row, warc_offset=row["warc_offset"] + 3))


def test_kept_bytes_are_a_response_record_with_digests(tmp_path):
    data = "<html>镇政府</html>".encode("gbk") * 50
    rel, offset, length = keep_body(tmp_path, "3311270001", "http://a.example/1.html", data,
                                    headers=[("Content-Type", "text/html; charset=gbk"), ("Content-Encoding", "gzip")])
    assert page_body(tmp_path, dict(zip(POINTER, (rel, offset, length)))) == data
    from warcio.archiveiterator import ArchiveIterator

    with open(tmp_path / rel, "rb") as handle:
        handle.seek(offset)
        record = next(iter(ArchiveIterator(handle, check_digests="raise")))
        assert record.rec_type == "response" and record.content_stream().read() == data


def _old_workspace(ws, folder):
    """A copy of ``ws`` as it was before bodies left the database (the schema version before that
    step, every page's bytes in pages.body), with four pages whose records cannot vouch for them:
    one pointing at another page's record, one whose record was altered (its digest no longer
    right), one whose WARC file is gone, one that never had a record."""
    step = next(n for n, m in enumerate(schema.MIGRATIONS, start=1) if m in schema.BEFORE)
    folder.mkdir()
    shutil.copytree(ws.path / "warc", folder / "warc")
    shutil.copy(ws.config_path, folder / ws.config_path.name)
    old = sqlite_utils.Database(folder / "workspace.db")
    schema.migrate(old, target=step - 1)
    assert "body" in {c.name for c in old["pages"].columns}
    rows = list(ws.db.query("SELECT * FROM pages ORDER BY id"))
    bodies = {row["id"]: page_body(ws, row) for row in rows}
    columns = {c.name for c in old["pages"].columns}
    old["pages"].insert_all([{k: v for k, v in dict(row, body=bodies[row["id"]]).items() if k in columns}
                             for row in rows])
    with_bytes = [row for row in rows if row["status"] == 200 and row["size"]]
    other, cut, gone, none = with_bytes[3], with_bytes[5], with_bytes[7], with_bytes[9]
    member = (ws.path / cut["warc_file"]).read_bytes()[cut["warc_offset"]:cut["warc_offset"] + cut["warc_length"]]
    record = gzip.decompress(member)
    flipped = record[:-40] + bytes([record[-40] ^ 1]) + record[-39:]  # one payload byte changed
    (folder / "warc/tampered.warc.gz").write_bytes(gzip.compress(flipped))
    with old.conn:
        old.execute("UPDATE pages SET warc_offset = ?, warc_length = ? WHERE id = ?",
                    (with_bytes[4]["warc_offset"], with_bytes[4]["warc_length"], other["id"]))
        old.execute("UPDATE pages SET warc_file = 'warc/tampered.warc.gz', warc_offset = 0, warc_length = ? "
                    "WHERE id = ?", ((folder / "warc/tampered.warc.gz").stat().st_size, cut["id"]))
        old.execute("UPDATE pages SET warc_file = 'warc/deleted.warc.gz' WHERE id = ?", (gone["id"],))
        old.execute("UPDATE pages SET warc_file = NULL, warc_offset = NULL, warc_length = NULL WHERE id = ?",
                    (none["id"],))
    old.conn.close()
    return bodies


def test_opening_an_old_workspace_moves_every_body_out_checked(crawled, tmp_path):
    folder = tmp_path / "old"
    bodies = _old_workspace(crawled, folder)
    before = (folder / "workspace.db").stat().st_size
    ws = open_workspace(folder)
    try:
        assert schema.version(ws.db) == schema.SCHEMA_VERSION
        assert "body" not in {row[1] for row in ws.db.execute("PRAGMA table_info(pages)")}
        for page_id, body in bodies.items():
            row = next(ws.db.query("SELECT * FROM pages WHERE id = ?", [page_id]))
            assert page_body(ws, row) == body, row["url"]
        kept = [r[0] for r in ws.db.execute("SELECT warc_file FROM pages WHERE warc_file LIKE '%-kept.warc.gz'")]
        assert len(kept) == 4  # other bytes, altered record, file gone, no record: archived again
        ws.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert (folder / "workspace.db").stat().st_size < before / 2  # vacuumed
    finally:
        ws.close()
