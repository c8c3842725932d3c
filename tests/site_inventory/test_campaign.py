"""Per-site stages on a real Dask LocalCluster (2 worker processes) give the records an
in-process run gives, for a campaign of 50 generated sites on loopback (campaign_sites): some
sites link pages of others, so the cluster crawl must hand links over between its rounds, and a
worker killed mid-crawl (on the one bigger site) loses and doubles nothing."""
from __future__ import annotations

import json
import os
import signal
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from click.testing import CliRunner
from distributed import Client

import campaign_sites
from campaign_sites import campaign_workspace
from extractors.runner import extract
from migrate.cli import cli
from site_inventory.campaign import site_groups, task_key
from site_inventory.crawl import crawl
from site_inventory.sample.server import CountyServer
from site_inventory.workspace import init_workspace, open_workspace

RECORD = ("url", "page_type", "title", "body_text", "published", "source", "author", "doc_number", "breadcrumb",
          "attachments", "fingerprint", "warnings", "page_sha256")
CODES = campaign_sites.codes()
SITES = campaign_sites.sites()
HANDED = {campaign_sites.code(i + 1) for i, site in enumerate(SITES, 1) if site.peer}  # sites a peer links
ARTICLES = sum(site.site.n_pages for site in SITES) + len(HANDED)  # every generated page and the peer pages


def _records(ws) -> dict[str, tuple]:
    rows = ws.db.execute(f"SELECT {', '.join(RECORD)} FROM records ORDER BY url").fetchall()
    return {row[0]: row for row in rows}


def _pages(ws) -> dict[str, tuple]:
    return {r[0]: r for r in ws.db.execute("SELECT url, status, kind, sha256, size FROM pages")}


def _frontier(ws) -> set[tuple]:
    return set(ws.db.execute("SELECT site_code, url, state, reason FROM crawl_urls").fetchall())


def _finished(ws) -> set[str]:
    return {r[0] for r in ws.db.execute("SELECT site_code FROM crawl_runs WHERE status = 'finished'")}


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address="127.0.0.1:0") as running:
        yield running


@pytest.fixture(scope="module")
def runs(tmp_path_factory, cluster):
    """The 50 sites crawled and extracted in-process, and again on the cluster (crawl by
    --scheduler, extract by the CLI's --workers, which starts its own LocalCluster)."""
    root = tmp_path_factory.mktemp("campaign")
    with CountyServer(SITES) as server:
        local = campaign_workspace(root / "local", server)
        crawl(local, CODES)
        local_summary = extract(local, all_sites=True, processes=1)
        spread = campaign_workspace(root / "cluster", server)
        crawled = crawl(spread, CODES, scheduler=cluster.scheduler_address)
    cli_run = CliRunner().invoke(cli, ["-w", str(spread.path), "extract", "--all", "--workers", "2", "--json"])
    yield local, spread, local_summary, crawled, cli_run
    local.close()
    spread.close()


def test_the_cluster_crawl_stores_what_the_in_process_crawl_stores(runs):
    local, spread, _, crawled, _ = runs
    assert sorted(crawled.sites) == CODES
    assert _pages(spread) == _pages(local)
    articles = "SELECT COUNT(*) FROM pages WHERE kind = 'page' AND status = 200"
    assert local.db.execute(articles).fetchone()[0] == ARTICLES  # every page, the peer pages too
    assert _frontier(spread) == _frontier(local)  # links into other sites were handed over, as in one process
    runs_by_site = dict(spread.db.execute("SELECT site_code, COUNT(*) FROM crawl_runs GROUP BY site_code").fetchall())
    assert runs_by_site == {code: 2 if code in HANDED else 1 for code in CODES}  # a second round for handed links
    assert {r[0] for r in spread.db.execute("SELECT status FROM crawl_runs")} == {"finished"}
    assert _finished(spread) == _finished(local) == set(CODES)


def test_the_cluster_extract_writes_the_same_records(runs):
    local, spread, local_summary, _, cli_run = runs
    assert cli_run.exit_code == 0, cli_run.output
    summary = json.loads(cli_run.output)
    assert summary["extracted"] == local_summary.extracted == summary["pages"] >= ARTICLES
    assert summary["by_type"] == dict(local_summary.by_type)
    assert _records(spread) == _records(local) and len(_records(local)) >= ARTICLES


def test_a_second_cluster_extract_finds_everything_up_to_date(runs, cluster):
    _, spread, _, _, _ = runs
    again = extract(spread, all_sites=True, scheduler=cluster.scheduler_address)
    assert again.extracted == 0 and again.up_to_date == again.pages >= ARTICLES


def _crawl_on(path: str, scheduler: str):
    with open_workspace(path) as ws:
        return crawl(ws, CODES, scheduler=scheduler)


def test_a_worker_killed_mid_crawl_loses_and_doubles_nothing(runs, cluster, tmp_path):
    """SIGKILL the worker crawling the biggest site once it has stored pages: Dask runs its task
    again, the crawl replays its WARC past the last commit and goes on; the pages end as the
    in-process crawl's, and no URL but the one in flight at the kill is fetched twice."""
    local, big = runs[0], CODES[0]
    with CountyServer(SITES) as server:
        ws = campaign_workspace(tmp_path / "killed", server, delay=0.02)  # slow enough to be killed mid-crawl
        client = Client(cluster)
        pids = client.run(os.getpid)
        with ThreadPoolExecutor(1) as pool:
            crawled = pool.submit(_crawl_on, str(ws.path), cluster.scheduler_address)
            stored = "SELECT COUNT(*) FROM pages WHERE site_code = ?"
            while ws.db.execute(stored, (big,)).fetchone()[0] < 15 and not crawled.done():
                time.sleep(0.02)
            busy = [w for w, keys in client.processing().items() if any(k.endswith(f"-{big}") for k in keys)]
            assert busy, "the biggest site's task ended before the kill"
            os.kill(pids[busy[0]], signal.SIGKILL)
            summary = crawled.result(timeout=120)
        client.close()
        hits = Counter(server.hits)
    assert sorted(summary.sites) == CODES
    assert _pages(ws) == _pages(local)
    statuses = Counter(ws.db.execute("SELECT site_code, status FROM crawl_runs").fetchall())
    assert statuses[(big, "interrupted")] == 1 and statuses[(big, "finished")] == 1  # the killed task, then its retry
    assert sum(n for (_, status), n in statuses.items() if status == "interrupted") == 1
    assert _finished(ws) == set(CODES)
    doubled = {key: n for key, n in hits.items() if n > 1}
    assert len(doubled) <= 1 and {h for h, _ in doubled} <= {campaign_sites.host(1)}  # the one in flight at the kill
    assert set(doubled.values()) <= {2}
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
