"""Per-site stages on a real Dask LocalCluster (2 worker processes) give the records an
in-process run gives. The sample county's 6 sites on loopback stand in for the issue's 50 (CI
time); the same code path runs one task per site whatever the count."""
from __future__ import annotations

import json
import os
import signal
import time
from collections import Counter

import pytest
from distributed import Client
from click.testing import CliRunner

from extractors.runner import extract
from migrate.cli import cli
from site_inventory.campaign import site_groups, task_key
from site_inventory.crawl import crawl
from site_inventory.crawl.engine import crawl_sites
from site_inventory.inventory import import_inventory
from site_inventory.resolve import parse_rule, save_rules
from site_inventory.sample.county import write_inventory_csv
from site_inventory.sample.server import CountyServer
from site_inventory.workspace import init_workspace

RECORD = ("url", "page_type", "title", "body_text", "published", "source", "author", "doc_number", "breadcrumb",
          "attachments", "fingerprint", "warnings", "page_sha256")


def _workspace(folder, county, server):
    ws = init_workspace(folder, "青溪县人民政府", "http://www.qingxi.example.gov.cn", "ops@qingxi.example.gov.cn")
    ws.config["crawl"].update({"delay": 0, "timeout": 5, "backoff": 0.01})
    ws.save_config()  # tasks open the workspace from disk
    import_inventory(ws, write_inventory_csv(county, folder.parent / f"{folder.name}.csv"))
    save_rules(ws.db, [parse_rule(r) for r in server.resolve_rules()])
    return ws


def _records(ws) -> dict[str, tuple]:
    rows = ws.db.execute(f"SELECT {', '.join(RECORD)} FROM records ORDER BY url").fetchall()
    return {row[0]: row for row in rows}


def _pages(ws) -> dict[str, tuple]:
    return {r[0]: r for r in ws.db.execute("SELECT url, status, kind, sha256, size FROM pages")}


def _frontier(ws) -> set[tuple]:
    return set(ws.db.execute("SELECT site_code, url, state, reason FROM crawl_urls").fetchall())


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None) as running:
        yield running


@pytest.fixture(scope="module")
def runs(tmp_path_factory, sample_county, cluster):
    """The county crawled and extracted in-process, and again on the cluster (crawl by --scheduler,
    extract by the CLI's --workers, which starts its own LocalCluster)."""
    codes = [s["site_code"] for s in sample_county.manifest["sites"]]
    root = tmp_path_factory.mktemp("campaign")
    with CountyServer(sample_county) as server:
        local = _workspace(root / "local", sample_county, server)
        crawl(local, codes)
        local_summary = extract(local, all_sites=True, processes=1)
        spread = _workspace(root / "cluster", sample_county, server)
        crawled = crawl(spread, codes, scheduler=cluster.scheduler_address)
    cli_run = CliRunner().invoke(cli, ["-w", str(spread.path), "extract", "--all", "--workers", "2", "--json"])
    yield local, spread, local_summary, crawled, cli_run
    local.close()
    spread.close()


def test_the_cluster_crawl_stores_what_the_in_process_crawl_stores(runs, sample_county):
    local, spread, _, crawled, _ = runs
    assert sorted(crawled.sites) == sorted(s["site_code"] for s in sample_county.manifest["sites"])
    assert _pages(spread) == _pages(local) and len(_pages(local)) > 300
    assert _frontier(spread) == _frontier(local)  # links into other sites were handed over, as in one process
    runs_by_site = dict(spread.db.execute("SELECT site_code, COUNT(*) FROM crawl_runs GROUP BY site_code").fetchall())
    assert set(runs_by_site.values()) == {1, 2}  # a second round for the sites that were handed links
    assert {r[0] for r in spread.db.execute("SELECT status FROM crawl_runs")} == {"finished"}


def test_the_cluster_extract_writes_the_same_records(runs):
    local, spread, local_summary, _, cli_run = runs
    assert cli_run.exit_code == 0, cli_run.output
    summary = json.loads(cli_run.output)
    assert summary["extracted"] == local_summary.extracted == summary["pages"] > 300
    assert summary["by_type"] == dict(local_summary.by_type)
    assert _records(spread) == _records(local)


def test_a_second_cluster_extract_finds_everything_up_to_date(runs, cluster):
    _, spread, _, _, _ = runs
    again = extract(spread, all_sites=True, scheduler=cluster.scheduler_address)
    assert again.extracted == 0 and again.up_to_date == again.pages > 300


def test_a_worker_killed_mid_crawl_loses_and_doubles_nothing(runs, cluster, sample_county, tmp_path):
    """SIGKILL the worker crawling the busiest site once it has stored pages: Dask runs the task
    again, the crawl replays its WARC past the last commit and goes on; the pages end as the
    in-process crawl's, and no URL but the one in flight at the kill is fetched twice."""
    local = runs[0]
    codes = [s["site_code"] for s in sample_county.manifest["sites"]]
    with CountyServer(sample_county) as server:
        ws = _workspace(tmp_path / "killed", sample_county, server)
        ws.config["crawl"]["delay"] = 0.03  # slow enough to be killed mid-crawl
        ws.save_config()
        client = Client(cluster)
        pids = client.run(os.getpid)
        future = client.submit(crawl_sites, str(ws.path), codes, {}, pure=False)
        while ws.db.execute("SELECT COUNT(*) FROM pages").fetchone()[0] < 40:
            time.sleep(0.05)
        victim = next(iter(client.processing().items()))[0]
        os.kill(pids[victim], signal.SIGKILL)
        future.result(timeout=120)
        client.close()
        hits = Counter(server.hits)
    assert _pages(ws) == _pages(local)
    statuses = Counter(r[0] for r in ws.db.execute("SELECT status FROM crawl_runs"))
    assert statuses == {"interrupted": len(codes), "finished": len(codes)}  # the killed task's runs, then the retry's
    assert sum(n - 1 for n in hits.values() if n > 1) <= len({h for h, _ in hits})  # one in flight per host
    ws.close()


def test_sites_sharing_a_host_are_one_task(tmp_path):
    ws = init_workspace(tmp_path / "ws", "县政府", "http://www.x.example.gov.cn")
    now = "2026-06-30T00:00:00"
    for code, url, aliases in [("3311270001", "http://a.x.example.gov.cn/", "[]"),
                               ("3311270002", "http://www.x.example.gov.cn/bm/", "[]"),
                               ("3311270003", "http://c.x.example.gov.cn/", '["www.x.example.gov.cn"]'),
                               ("3311270004", "http://d.x.example.gov.cn/", '["c.x.example.gov.cn"]')]:
        ws.db["sites"].insert({"site_code": code, "name": code, "url": url, "aliases": aliases, "level": "county",
                               "action": "migrate", "created_at": now, "updated_at": now})
    groups = site_groups(ws, ["3311270001", "3311270002", "3311270003", "3311270004"])
    assert sorted(groups) == [["3311270001"], ["3311270002", "3311270003", "3311270004"]]
    assert task_key("crawl", ws.path, ["3311270001"]) == task_key("crawl", ws.path, ["3311270001"])
    assert task_key("crawl", ws.path, ["3311270001"]) != task_key("crawl", tmp_path, ["3311270001"])
