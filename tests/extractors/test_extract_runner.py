"""extract's work plan and writer: every page once, largest first across workers, batched commits
that a killed run resumes from."""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from extractors import runner
from site_inventory.bodies import POINTER, keep_body
from site_inventory.workspace import init_workspace

SITE = "3311270001"
NOW = "2026-06-30T00:00:00"
ROOT = Path(__file__).resolve().parents[2]


def _workspace(tmp_path, sample_county, copies: int):
    ws = init_workspace(tmp_path / "ws", "青溪县人民政府", "http://www.qingxi.example.gov.cn")
    ws.db["sites"].insert({"site_code": SITE, "name": "城关镇", "url": "http://cgz.qingxi.example.gov.cn/",
                           "aliases": "[]", "level": "township", "parent_code": None, "action": "migrate",
                           "owner": "城关镇人民政府", "created_at": NOW, "updated_at": NOW})
    rows = []
    for copy in range(copies):
        for item in sample_county.manifest["items"]:
            body = sample_county.page(item["url"]).body
            rows.append({"id": len(rows) + 1, "site_code": SITE, "url": f"{item['url']}?copy={copy}",
                         "final_url": item["url"], "status": 200, "content_type": "text/html",
                         **dict(zip(POINTER, keep_body(ws, SITE, item["url"], body))),
                         "size": len(body), "sha256": hashlib.sha256(body).hexdigest(), "kind": "page",
                         "soft_404": 0, "fetched_at": NOW, "depth": 1})
    ws.db["pages"].insert_all(rows, batch_size=200)
    ws.db.conn.commit()
    return ws


def test_plan_gives_every_page_once_largest_first_in_many_small_tasks():
    todo = [(page_id, (page_id * 7919) % 1000) for page_id in range(1, 1001)]
    chunks = runner.plan_chunks(todo, processes=2, chunk=40)
    ids = [i for c in chunks for i in c]
    assert sorted(ids) == list(range(1, 1001))
    assert len(chunks) >= 2 * runner.CHUNKS_PER_PROCESS and max(map(len, chunks)) <= 40
    size = dict(todo)
    biggest = [max(size[i] for i in c) for c in chunks]
    assert biggest == sorted(biggest, reverse=True)  # the tail of the run is the smallest pages
    single = runner.plan_chunks(todo, processes=1, chunk=40)
    assert [i for c in single for i in c] == list(range(1, 1001)) and len(single) == 25


def test_two_processes_write_the_same_records_as_one(tmp_path, sample_county):
    ws = _workspace(tmp_path, sample_county, 1)
    one = runner.extract(ws, all_sites=True, processes=1)
    first = {r["page_id"]: r for r in ws.db.query("SELECT * FROM records")}
    ws.db.execute("DELETE FROM records")
    ws.db.conn.commit()
    two = runner.extract(ws, all_sites=True, processes=2)
    second = {r["page_id"]: r for r in ws.db.query("SELECT * FROM records")}
    assert one.extracted == two.extracted == one.pages == len(first) and two.processes == 2
    assert one.by_type == two.by_type
    for page_id, row in first.items():
        assert {k: v for k, v in row.items() if k != "extracted_at"} == \
               {k: v for k, v in second[page_id].items() if k != "extracted_at"}
    ws.close()


def test_a_killed_run_resumes_with_only_the_pages_it_had_not_committed(tmp_path, sample_county):
    ws = _workspace(tmp_path, sample_county, 12)
    pages = ws.db.execute("SELECT COUNT(*) FROM pages").fetchone()[0]
    command = [sys.executable, "-c", "import sys; from migrate.cli import main; sys.exit(main())",
               "-w", str(ws.path), "extract", "--all", "--processes", "2"]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    committed, deadline = 0, time.monotonic() + 120
    while not committed and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
        committed = ws.db.execute("SELECT COUNT(*) FROM records").fetchone()[0]
    os.killpg(proc.pid, signal.SIGKILL)  # the command and its workers, mid-run
    proc.wait()
    kept = ws.db.execute("SELECT COUNT(*) FROM records").fetchone()[0]
    assert 0 < kept < pages, "the run ended before it could be killed mid-way"
    resumed = runner.extract(ws, all_sites=True, processes=2)
    assert (resumed.extracted, resumed.up_to_date) == (pages - kept, kept)
    assert ws.db.execute("SELECT COUNT(*) FROM records").fetchone()[0] == pages
    again = runner.extract(ws, all_sites=True, processes=2)
    assert again.extracted == 0
    ws.close()
