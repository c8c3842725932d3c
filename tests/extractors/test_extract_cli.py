"""govmigrate extract / extract-page on a real workspace (SQLite file) holding stored pages."""
from __future__ import annotations

import hashlib
import json

import pytest
from click.testing import CliRunner

from extractors import FIELDS
from migrate.cli import cli
from site_inventory.bodies import POINTER, keep_body
from site_inventory.workspace import init_workspace

from gov_pages import hanweb_gbk, trs_utf8, xxgk_page

SITE = "3311270001"
NOW = "2026-06-30T00:00:00"


def _store(ws, page_id: int, url: str, body: bytes, **extra) -> None:
    row = {"id": page_id, "site_code": SITE, "url": url, "final_url": url, "status": 200,
           "content_type": "text/html", **dict(zip(POINTER, keep_body(ws, SITE, url, body))), "size": len(body), "sha256": hashlib.sha256(body).hexdigest(),
           "kind": "page", "soft_404": 0, "fetched_at": NOW, "depth": 1}
    row.update(extra)
    ws.db["pages"].insert(row)


@pytest.fixture
def workspace(tmp_path):
    ws = init_workspace(tmp_path / "ws", "青溪县人民政府", "http://www.qingxi.example.gov.cn")
    ws.db["sites"].insert({"site_code": SITE, "name": "城关镇", "url": "http://cgz.qingxi.example.gov.cn/",
                           "aliases": json.dumps(["cgz.example.gov.cn"]), "level": "township",
                           "parent_code": None, "action": "migrate", "owner": "城关镇人民政府",
                           "created_at": NOW, "updated_at": NOW})
    _store(ws, 1, "http://cgz.qingxi.example.gov.cn/art/2026/6/7/art_1283_7412224.html", hanweb_gbk())
    _store(ws, 2, "http://cgz.qingxi.example.gov.cn/bmdt/202606/t20260620_5301.html", trs_utf8())
    _store(ws, 3, "http://cgz.qingxi.example.gov.cn/zwgk/t20260305_5057.html", xxgk_page())
    _store(ws, 4, "http://cgz.qingxi.example.gov.cn/missing.html", b"<html><body>Not Found</body></html>", status=404)
    _store(ws, 5, "http://cgz.qingxi.example.gov.cn/files/plan.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n",
           kind="attachment", content_type="application/pdf")
    ws.db["links"].insert({"site_code": SITE, "source_url": "http://cgz.qingxi.example.gov.cn/",
                           "target_url": "http://cgz.qingxi.example.gov.cn/files/plan.pdf",
                           "anchor_text": "防汛预案", "tag": "a", "in_scope": 1})
    ws.db.conn.commit()
    yield ws
    ws.close()


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_extract_all_json_and_records(workspace):
    result = run("-w", str(workspace.path), "extract", "--all", "--processes", "2", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert (summary["pages"], summary["extracted"], summary["crashed"]) == (5, 5, 0)
    assert summary["by_type"] == {"article": 3, "error": 1, "attachment": 1}
    rows = {r["page_id"]: r for r in workspace.db.query("SELECT * FROM records")}
    assert rows[1]["title"] == "关于做好防汛抗旱工作的通知" and rows[1]["published"] == "2026-06-07T09:30"
    assert json.loads(rows[1]["breadcrumb"]) == ["首页", "政务公开", "通知公告"]
    assert rows[3]["doc_number"] == "青政发〔2026〕5号" and rows[3]["index_number"] == "002581234/2026-00570"
    assert rows[4]["page_type"] == "error" and json.loads(rows[4]["warnings"])[0] == "HTTP 404"
    assert rows[5]["title"] == "防汛预案"  # named by the link that points to it
    assert all(r["extractor_version"] and r["page_sha256"] for r in rows.values())
    again = json.loads(run("-w", str(workspace.path), "extract", SITE, "--json").output)
    assert (again["extracted"], again["up_to_date"]) == (0, 5)


def test_extract_needs_codes_or_all_and_known_codes(workspace):
    assert run("-w", str(workspace.path), "extract").exit_code == 2
    bad = run("-w", str(workspace.path), "extract", "9999999999")
    assert bad.exit_code == 2 and "9999999999" in bad.output


def test_workspace_overrides_apply_in_extract_and_extract_page(workspace, tmp_path):
    workspace.config["extraction"] = {"overrides": {SITE: {"noise_xpath": ["//div[@class='TRS_Editor']/p[2]"]}}}
    workspace.save_config()
    assert run("-w", str(workspace.path), "extract", SITE).exit_code == 0
    body = workspace.db.execute("SELECT body_text FROM records WHERE page_id = 2").fetchone()[0]
    assert "坚决遏制" not in body and "督查安全生产" in body
    page = tmp_path / "trs.html"
    page.write_bytes(trs_utf8())
    url = "http://cgz.qingxi.example.gov.cn/bmdt/202606/t20260620_5301.html"
    with_ws = json.loads(run("-w", str(workspace.path), "extract-page", str(page), "--url", url, "--json").output)
    assert "坚决遏制" not in with_ws["body_text"]
    alias = json.loads(run("-w", str(workspace.path), "extract-page", str(page), "--url",
                           "http://cgz.example.gov.cn/x.html", "--json").output)
    assert "坚决遏制" not in alias["body_text"]  # found by the site's alias host


def test_extract_page_file_json_keys_and_encoding_option(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no workspace here: extract-page works without one
    page = tmp_path / "hanweb.html"
    page.write_bytes(hanweb_gbk())
    result = run("extract-page", str(page), "--url", "http://cgz.qingxi.example.gov.cn/art/2026/6/7/art_1_2.html",
                 "--json")
    record = json.loads(result.output)
    assert tuple(record) == FIELDS
    assert record["title"] == "关于做好防汛抗旱工作的通知"
    forced = json.loads(run("extract-page", str(page), "--encoding", "utf-8", "--json").output)
    assert any("replaced" in w for w in forced["warnings"])  # wrong on purpose: said, not hidden
    text = run("extract-page", str(page))
    assert text.exit_code == 0 and "title: 关于做好防汛抗旱工作的通知" in text.output
    assert run("extract-page", str(tmp_path / "nope.html")).exit_code == 2


def test_extract_page_fetches_a_url_on_loopback(tmp_path, monkeypatch):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    body = hanweb_gbk()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=GBK")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.chdir(tmp_path)
    try:
        url = f"http://127.0.0.1:{server.server_port}/art/2026/6/7/art_1283_7412224.html"
        record = json.loads(run("extract-page", url, "--json").output)
    finally:
        server.shutdown()
    assert record["url"] == url and record["title"] == "关于做好防汛抗旱工作的通知"
    assert record["attachments"][0]["url"].startswith(f"http://127.0.0.1:{server.server_port}/module/download/")
