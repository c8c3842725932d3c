"""The export package on workspaces built row by row: names, links, duplicates, receipts, re-runs, crashes."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from extractors.fingerprint import similarity
from migrate.cli import cli
from migrate.export.run import ExportError, content_sha256, export, rollback
from migrate.export.filenames import sanitize
from migrate.export.package import schema_path, verify
from migrate.export.receipts import ReceiptError, receipts_import
from migrate.export.status import status

import workspace_rows as W

COUNTY, TOWN, TOWN2 = "3311230001", "3311230101", "3311230102"
TOWN_PATH = ("xzdt", "信息发布/政务动态/乡镇动态/青溪镇")
HOSTILE = {
    "../../etc/passwd": b"root:x:0:0",
    "..\\..\\windows\\win.ini": b"[fonts]",
    "a" * 400 + ".pdf": b"%PDF-long",
    'CON<>:"|?*.doc': b"reserved",
    "关于印发《青溪镇2025年工作要点》的通知.pdf": b"%PDF-chinese",
    "/absolute/path.xls": b"absolute",
    "\x00\x1fcontrol.txt": b"control",
}


def _items(out: Path, code: str) -> list[dict]:
    return [json.loads(line) for line in (out / code / "items.jsonl").read_text("utf-8").splitlines()]


def _snapshot(out: Path) -> dict:
    """Every file of the package with its bytes, the manifest without its time."""
    files = {}
    for path in sorted(out.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if path.name == "manifest.json":
                manifest = json.loads(data)
                manifest.pop("generated_at")
                data = json.dumps(manifest, sort_keys=True).encode()
            files[path.relative_to(out).as_posix()] = data
    return files


@pytest.fixture
def ws(tmp_path):
    """Parent portal (keep) + two townships: articles with attachments, links, a repost, a drop."""
    ws = W.workspace(tmp_path / "ws")
    W.site(ws, COUNTY, "青溪县人民政府", "http://www.qx.example.gov.cn/", action="keep", level="county", parent=None)
    W.site(ws, TOWN, "青溪镇人民政府", "http://qxz.example.gov.cn/")
    W.site(ws, TOWN2, "溪口镇人民政府", "http://xkz.example.gov.cn/")
    W.attachment(ws, TOWN, "http://qxz.example.gov.cn/files/plan.pdf", b"%PDF-1.4 plan")
    W.attachment(ws, TOWN, "http://qxz.example.gov.cn/files/plan-copy.pdf", b"%PDF-1.4 plan")  # same bytes
    W.attachment(ws, TOWN, "http://qxz.example.gov.cn/files/other/plan.pdf", b"%PDF-1.4 another plan")  # same name
    W.attachment(ws, TOWN, "http://qxz.example.gov.cn/files/gone.pdf", None, status=404)
    W.page(ws, TOWN, "http://qxz.example.gov.cn/col/col1/index.html")
    W.article(ws, TOWN, "http://qxz.example.gov.cn/art/1.html", "青溪镇召开工作会议", W.long_text("one"),
              target=TOWN_PATH, body_html=(
                  '<p>见<a href="/art/2.html#part">通知</a>、<a href="http://qxz.example.gov.cn/art/3.html">旧文</a>、'
                  '<a href="http://qxz.example.gov.cn/nowhere.html">失效</a>、<a href="/col/col1/index.html">栏目</a>、'
                  '<a href="http://www.qx.example.gov.cn/zwgk/">县门户</a>、<a href="https://www.gov.cn/">国务院</a>、'
                  '<a href="/files/plan.pdf">附件</a></p>'),
              attachments=[
                  {"url": "http://qxz.example.gov.cn/files/plan.pdf", "title": "工作方案", "type": "pdf"},
                  {"url": "http://qxz.example.gov.cn/files/plan-copy.pdf", "title": "工作方案（副本）", "type": "pdf"},
                  {"url": "http://qxz.example.gov.cn/files/other/plan.pdf", "title": "另一方案", "type": "pdf"},
                  {"url": "https://www.gov.cn/zhengce/a.pdf", "title": "国务院文件", "type": "pdf"},
              ])
    W.article(ws, TOWN, "http://qxz.example.gov.cn/art/2.html", "关于开展人居环境整治的通知", W.long_text("two"),
              published="2025-04-02", target=("tzgg", "通知公告"), doc_number="青政发〔2025〕3号")
    W.article(ws, TOWN, "http://qxz.example.gov.cn/art/3.html", "过时信息", W.long_text("three"), action="drop",
              target=None)
    W.article(ws, TOWN, "http://qxz.example.gov.cn/art/4.html", "附件失效的文章", W.long_text("four"), target=TOWN_PATH,
              attachments=[{"url": "http://qxz.example.gov.cn/files/gone.pdf", "title": "失效附件", "type": "pdf"}])
    W.article(ws, TOWN2, "http://xkz.example.gov.cn/art/9.html", "转载：关于开展人居环境整治的通知", W.long_text("two"),
              published="2025-04-05", target=("tzgg", "通知公告"))
    W.article(ws, TOWN2, "http://xkz.example.gov.cn/art/10.html", "溪口镇动态", W.long_text("ten"),
              target=("xzdt", "信息发布/政务动态/乡镇动态/溪口镇"))
    W.article(ws, COUNTY, "http://www.qx.example.gov.cn/art/2025/5/1/art_1_7.html", "县里的文章", W.long_text("county"),
              target=None, action="keep")
    W.article(ws, TOWN2, "http://xkz.example.gov.cn/art/11.html", "转发县政府文章", W.long_text("county"),
              target=("xzdt", "信息发布/政务动态/乡镇动态/溪口镇"))
    return ws


def test_every_item_and_file_once_with_verified_manifest_and_schemas(ws, tmp_path):
    out = tmp_path / "pkg"
    report = export(ws, out_dir=out)
    assert verify(out) == []
    town = _items(out, TOWN)
    assert [i["title"] for i in town] == ["青溪镇召开工作会议", "关于开展人居环境整治的通知", "附件失效的文章"]
    assert [i["title"] for i in _items(out, TOWN2)] == ["溪口镇动态"]  # the repost and the parent copy are not
    files = sorted(p.name for p in (out / TOWN / "attachments").iterdir())
    assert len(files) == 2 and "plan.pdf" in files  # two contents; the copy with the same bytes stored once
    assert [f for f in files if f != "plan.pdf"][0].startswith("plan_")  # same name, other bytes: sha suffix
    item_schema = jsonschema.Draft202012Validator(json.loads(schema_path("item").read_text("utf-8")))
    manifest_schema = json.loads(schema_path("manifest").read_text("utf-8"))
    for item in town + _items(out, TOWN2):
        item_schema.validate(item)
        assert item["content_sha256"] == content_sha256(item)
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    jsonschema.validate(manifest, manifest_schema)
    assert manifest["counts"]["items"] == 4 and manifest["counts"]["attachments"] == 2
    assert report.total("written") == 4 and report.total("duplicates") == 2 and report.total("attachments_failed") == 1


def test_ids_new_urls_and_links_in_bodies(ws, tmp_path):
    out = tmp_path / "pkg"
    export(ws, out_dir=out)
    first, second, _ = _items(out, TOWN)
    rows = {r[0]: r for r in ws.db.execute("SELECT source_url, item_id, new_url, status, kind, duplicate_of FROM id_map")}
    assert second["new_url"] == ("http://www.qx.example.gov.cn/%E9%80%9A%E7%9F%A5%E5%85%AC%E5%91%8A/202504/"
                                 f"t20250402_{second['item_id']}.html")
    body = first["body_html"]
    assert f'href="{second["new_url"]}#part"' in body  # migrated item, fragment kept
    home = "http://www.qx.example.gov.cn/" + "/".join(
        __import__("urllib.parse").parse.quote(p) for p in TOWN_PATH[1].split("/")) + "/"
    assert body.count(f'href="{home}"') == 2  # the dropped article and the list page: the site's page on the parent
    assert 'href="http://qxz.example.gov.cn/nowhere.html"' in body  # goes nowhere: left, and reported
    assert 'href="http://www.qx.example.gov.cn/zwgk/"' in body and 'href="https://www.gov.cn/"' in body
    plan_file = rows["http://qxz.example.gov.cn/files/plan.pdf"]
    assert f'href="{plan_file[2]}"' in body and plan_file[2].endswith("/attachments/3311230101/plan.pdf")
    assert rows["http://qxz.example.gov.cn/files/plan-copy.pdf"][2] == plan_file[2]
    messages = [m for (m,) in ws.db.execute("SELECT message FROM id_map_messages WHERE item_id = ?", [first["item_id"]])]
    assert any("nowhere.html goes nowhere (never crawled)" in m for m in messages)
    assert rows["http://qxz.example.gov.cn/art/3.html"][3:5] == ("skipped", "item")
    assert rows["http://qxz.example.gov.cn/files/gone.pdf"][3] == "failed"
    external = [a for a in first["attachments"] if a["status"] == "external"]
    assert [a["new_url"] for a in external] == ["https://www.gov.cn/zhengce/a.pdf"]
    repost = rows["http://xkz.example.gov.cn/art/9.html"]
    assert repost[3] == "skipped" and repost[5] == second["item_id"] and repost[2] == second["new_url"]
    parent_copy = rows["http://xkz.example.gov.cn/art/11.html"]
    assert parent_copy[2] == parent_copy[5] == "http://www.qx.example.gov.cn/art/2025/5/1/art_1_7.html"


def test_hostile_attachment_names_stay_inside(ws, tmp_path):
    entries = []
    for number, (name, data) in enumerate(HOSTILE.items()):
        url = f"http://qxz.example.gov.cn/module/download/downfile.jsp?id={number}"
        W.attachment(ws, TOWN, url, data, headers=[["Content-Disposition", f'attachment; filename="{name}"']])
        entries.append({"url": url, "title": name, "type": "file"})
    W.attachment(ws, TOWN, "http://qxz.example.gov.cn/files/..%2F..%2F..%2Fetc%2Fshadow", b"shadow")
    entries.append({"url": "http://qxz.example.gov.cn/files/..%2F..%2F..%2Fetc%2Fshadow", "title": "../../../etc/shadow"})
    W.article(ws, TOWN, "http://qxz.example.gov.cn/art/99.html", "恶意附件", W.long_text("evil"), target=TOWN_PATH,
              attachments=entries)
    out = tmp_path / "deep" / "pkg"
    export(ws, out_dir=out)
    folder = (out / TOWN / "attachments").resolve()
    stored = {p.read_bytes(): p for p in folder.iterdir()}
    for data in list(HOSTILE.values()) + [b"shadow"]:
        path = stored[data]
        assert path.resolve().parent == folder
        assert len(path.name.encode("utf-8")) <= 150 and "/" not in path.name and "\\" not in path.name
    assert not (tmp_path / "etc").exists() and not (tmp_path / "deep" / "etc").exists()
    assert "关于印发《青溪镇2025年工作要点》的通知.pdf" in [p.name for p in stored.values()]
    assert stored[b"reserved"].name == "_CON.doc"
    assert verify(out) == []


def test_sanitize_edge_cases():
    assert sanitize("..") == "attachment"
    assert sanitize("../../etc/passwd") == "etc passwd"
    assert sanitize("NUL.txt") == "_NUL.txt"
    assert sanitize("报告.PDF") == "报告.pdf"
    assert sanitize("名" * 100 + ".docx").endswith(".docx")


def test_rerun_changes_nothing_and_change_rewrites_exactly_one(ws, tmp_path):
    out = tmp_path / "pkg"
    export(ws, out_dir=out)
    before = _snapshot(out)
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    map_before = ws.db.execute("SELECT * FROM id_map ORDER BY item_id").fetchall()
    again = export(ws, out_dir=out)
    assert again.total("written") == 0 and again.total("attachments_written") == 0 and not again.manifest_written
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == mtimes
    assert ws.db.execute("SELECT * FROM id_map ORDER BY item_id").fetchall() == map_before
    W.article(ws, TOWN, "http://qxz.example.gov.cn/art/4.html", "附件失效的文章（更正）", W.long_text("four"),
              target=TOWN_PATH, attachments=[{"url": "http://qxz.example.gov.cn/files/gone.pdf", "title": "失效附件"}])
    changed = export(ws, out_dir=out)
    assert [s.written_ids for s in changed.sites] == [[W_id(ws, "http://qxz.example.gov.cn/art/4.html")], []]
    after = _snapshot(out)
    assert {k for k in before if before[k] != after.get(k)} == {f"{TOWN}/items.jsonl", "manifest.json"}
    assert verify(out) == []


def W_id(ws, url):
    return ws.db.execute("SELECT item_id FROM id_map WHERE source_url = ?", [url]).fetchone()[0]


def test_rollback_then_export_restores_the_same_package(ws, tmp_path):
    out = tmp_path / "pkg"
    export(ws, out_dir=out)
    before, map_before = _snapshot(out), ws.db.execute("SELECT item_id, new_url, status FROM id_map ORDER BY 1").fetchall()
    result = rollback(ws, TOWN, out)
    assert result["files_removed"] == 3 and not (out / TOWN).exists() and verify(out) == []
    assert ws.db.execute("SELECT count(*) FROM id_map WHERE site_code = ?", [TOWN]).fetchone()[0] == 0
    assert json.loads((out / "manifest.json").read_text("utf-8"))["counts"]["items"] == 1
    export(ws, out_dir=out)
    assert _snapshot(out) == before
    assert ws.db.execute("SELECT item_id, new_url, status FROM id_map ORDER BY 1").fetchall() == map_before


def test_receipts_override_template_and_relink_bodies(ws, tmp_path):
    out = tmp_path / "pkg"
    export(ws, out_dir=out)
    first, second, _ = _items(out, TOWN)
    receipt = tmp_path / "receipts.csv"
    receipt.write_text(f"条目编号,新网址\n{second['item_id']},http://www.qx.example.gov.cn/tzgg/202504/t20250402_88.html\n",
                       encoding="utf-8-sig")
    report = receipts_import(ws, receipt)
    assert report.added == 1
    assert ws.db.execute("SELECT new_url, status FROM id_map WHERE item_id = ?", [second["item_id"]]).fetchone() == (
        "http://www.qx.example.gov.cn/tzgg/202504/t20250402_88.html", "needs_update")
    repost = ws.db.execute("SELECT new_url FROM id_map WHERE duplicate_of = ?", [second["item_id"]]).fetchone()[0]
    assert repost.endswith("t20250402_88.html")
    rerun = export(ws, out_dir=out)
    assert sorted(rerun.sites[0].written_ids) == sorted([first["item_id"], second["item_id"]])
    assert "t20250402_88.html#part" in _items(out, TOWN)[0]["body_html"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"item_id": "nope", "new_url": "ftp://x"}, {"item_id": first["item_id"], "new_url": "/rel"}]))
    with pytest.raises(ReceiptError) as err:
        receipts_import(ws, bad)
    assert "entry #1: item_id 'nope' is not in the id map" in str(err.value)
    assert "entry #2: new_url '/rel' is not an absolute http(s) URL" in str(err.value)
    assert ws.db.execute("SELECT count(*) FROM receipts").fetchone()[0] == 1


def test_dry_run_status_and_limit(ws, tmp_path):
    out = tmp_path / "pkg"
    dry = export(ws, out_dir=out, dry_run=True)
    assert dry.total("written") == 4 and not out.exists()
    assert ws.db.execute("SELECT count(*) FROM id_map").fetchone()[0] == 0
    partial = export(ws, out_dir=out, limit=2)
    assert partial.total("written") == 2 and [s.reached for s in partial.sites] == [True, False]
    assert len(_items(out, TOWN)) == 2 and verify(out) == []
    rows = {r.site_code: r for r in status(ws)}
    assert (rows[TOWN].exported, rows[TOWN].new) == (2, 1) and rows[TOWN2].new == 1
    export(ws, out_dir=out)
    W.article(ws, TOWN2, "http://xkz.example.gov.cn/art/10.html", "溪口镇动态（改）", W.long_text("ten"),
              target=("xzdt", "信息发布/政务动态/乡镇动态/溪口镇"))
    rows = {r.site_code: r for r in status(ws)}
    assert (rows[TOWN2].needs_update, rows[TOWN2].exported, rows[TOWN].exported) == (1, 0, 3)


def test_unknown_or_kept_site_is_refused(ws, tmp_path):
    with pytest.raises(ExportError, match="not in the inventory"):
        export(ws, ["9999999999"], out_dir=tmp_path / "p")
    with pytest.raises(ExportError, match="action keep"):
        export(ws, [COUNTY], out_dir=tmp_path / "p")


def test_crash_never_leaves_a_package_that_looks_complete(ws, tmp_path):
    """SIGKILL an export mid-run: no manifest (so not complete); the next run repairs it to a whole package."""
    for n in range(200):
        W.article(ws, TOWN, f"http://qxz.example.gov.cn/art/bulk{n:04d}.html", f"批量{n}", W.long_text(f"bulk{n}", 2000),
                  target=TOWN_PATH)
    out = tmp_path / "pkg"
    export(ws, out_dir=out)
    reference = _snapshot(out)
    env = {**os.environ, "GOVMIGRATE_WORKSPACE": str(ws.path)}
    child = subprocess.Popen([sys.executable, "-c", "from migrate.cli import main; main()", "export", "--update", "-o", str(out)], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 60
    while (out / "manifest.json").exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert not (out / "manifest.json").exists(), "the export finished before it could be interrupted"
    assert verify(out)[0].endswith("an export did not finish)")
    repaired = export(ws, out_dir=out)
    assert verify(out) == [] and repaired.manifest_written
    assert _snapshot(out) == reference


def test_cli_export_status_rollback_preview(ws, tmp_path):
    runner = CliRunner()
    base = ["-w", str(ws.path)]
    out = tmp_path / "pkg"
    result = runner.invoke(cli, base + ["export", "-o", str(out), "--json"])
    assert result.exit_code == 1, result.output  # one attachment failed: the command says so
    data = json.loads(result.output)
    assert data["totals"]["items"] == 4
    result = runner.invoke(cli, base + ["status", "--json"])
    assert result.exit_code == 0 and {r["site_code"] for r in json.loads(result.output)} == {TOWN, TOWN2}
    result = runner.invoke(cli, base + ["preview", "-o", str(tmp_path / "site"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["items"] == 4
    result = runner.invoke(cli, base + ["rollback", TOWN2])
    assert result.exit_code == 0 and "1 id map row" not in result.output
    result = runner.invoke(cli, base + ["export", "0000000000"])
    assert result.exit_code == 2 and "not in the inventory" in result.output


def test_near_duplicates_found_and_templated_pages_kept(tmp_path):
    """A repost with a changed line is found among 300 items; two pages from one template (0.8-0.9 alike) are kept."""
    ws = W.workspace(tmp_path / "ws")
    W.site(ws, TOWN, "青溪镇人民政府", "http://qxz.example.gov.cn/")
    W.site(ws, TOWN2, "溪口镇人民政府", "http://xkz.example.gov.cn/")
    template = W.long_text("办事指南模板", 1000)
    for n in range(150):
        W.article(ws, TOWN, f"http://qxz.example.gov.cn/art/{n}.html", f"条目{n}", W.long_text(f"a{n}", 600), target=TOWN_PATH)
        W.article(ws, TOWN2, f"http://xkz.example.gov.cn/art/{n}.html", f"条目{n}", W.long_text(f"b{n}", 600), target=TOWN_PATH)
    original = W.long_text("原文", 1200)
    W.article(ws, TOWN, "http://qxz.example.gov.cn/art/orig.html", "原文", original, published="2025-01-02", target=TOWN_PATH)
    W.article(ws, TOWN2, "http://xkz.example.gov.cn/art/copy.html", "转载", "（转载）" + original[:1150] + "本网编辑",
              published="2025-01-03", target=TOWN_PATH)
    W.article(ws, TOWN, "http://qxz.example.gov.cn/art/guide1.html", "办事指南一", template + W.long_text("g1", 70),
              target=TOWN_PATH)
    W.article(ws, TOWN2, "http://xkz.example.gov.cn/art/guide2.html", "办事指南二", template + W.long_text("g2", 70),
              target=TOWN_PATH)
    guides = [ws.db.execute("SELECT fingerprint FROM records WHERE url LIKE ?", [f"%guide{n}.html"]).fetchone()[0]
              for n in (1, 2)]
    assert 0.8 <= similarity(*guides) < 0.9  # near enough for the audit's 0.8, not for leaving content out
    export(ws, out_dir=tmp_path / "pkg")
    dups = ws.db.execute("SELECT source_url, duplicate_of FROM id_map WHERE duplicate_of IS NOT NULL").fetchall()
    assert dups == [("http://xkz.example.gov.cn/art/copy.html", W_id(ws, "http://qxz.example.gov.cn/art/orig.html"))]
