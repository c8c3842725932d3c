"""A single host crawled on the coordinator's thread (crawl_inline), and the host threads it replaces."""
from __future__ import annotations

import faultserver as fs
from faultserver import FAULT_CODE
from site_inventory.crawl import crawl
from test_faults import BASE, assert_accounted, assert_polite, links, rows


def slow_site(server: fs.FaultServer, count: int, seconds: float) -> list[str]:
    """A home page linking ``count`` pages, each answered after ``seconds``; returns their paths."""
    paths = [f"/news/{i}.html" for i in range(count)]
    server.page("/", links(*paths))
    for i, path in enumerate(paths):
        server.route(path, fs.slow(seconds, fs.html(f"<html><body><p>正文 {i}</p></body></html>")))
    return paths


def most_at_once(hits: list[fs.Hit]) -> int:
    """The most requests the server was working on at the same moment."""
    events = sorted([(h.started, 1) for h in hits] + [(h.finished, -1) for h in hits], key=lambda e: (e[0], e[1]))
    most = now = 0
    for _, step in events:
        now += step
        most = max(most, now)
    return most


def test_time_limit_leaves_nothing_in_flight_and_the_next_run_fetches_the_rest_once(fault_server, fault_workspace):
    paths = slow_site(fault_server, 40, 0.03)
    first = crawl(fault_workspace, [FAULT_CODE], time_limit=0.4)
    assert first.stopped_by == "time-limit"
    assert_accounted(fault_workspace)
    skipped = rows(fault_workspace, "SELECT url FROM crawl_urls WHERE site_code = ? AND reason = 'time-limit'",
                   FAULT_CODE)
    assert skipped, "the time limit came after every page: make the pages slower"
    second = crawl(fault_workspace, [FAULT_CODE])
    assert second.stopped_by is None
    assert_accounted(fault_workspace)
    assert_polite(fault_server)
    fetched = {r["url"] for r in rows(fault_workspace, "SELECT url FROM crawl_urls WHERE site_code = ?"
                                                       " AND state = 'fetched'", FAULT_CODE)}
    assert {BASE + p for p in paths} <= fetched
    assert {p: len(fault_server.requests_for(p)) for p in paths} == {p: 1 for p in paths}


def test_one_host_asked_two_at_a_time_is_fetched_by_host_threads(tmp_path, fault_server):
    paths = slow_site(fault_server, 30, 0.02)
    ws = fs.crawl_workspace(tmp_path / "ws", fault_server, per_host_concurrency=2)
    try:
        summary = crawl(ws, [FAULT_CODE])
        assert summary.stopped_by is None
        assert_accounted(ws)
        assert {p: len(fault_server.requests_for(p)) for p in paths} == {p: 1 for p in paths}
        assert most_at_once(fault_server.log()) <= 2
    finally:
        ws.close()
