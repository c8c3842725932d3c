"""Links into another site of a campaign, found by a task that crawled only its own sites.

A crawl of several sites in one process hands a link into another site of the run to that site
(outcomes): it is queued in that site's frontier. Crawled one task per site (campaign), a site
records such a link as skipped out-of-scope; :func:`hand_over` queues these links for the sites
they belong to after a round of tasks, so another round crawls them and the campaign's frontier
ends as the one-process crawl's does.
"""
from __future__ import annotations

import sqlite3

from . import frontier
from ..urls import site_scope


def hand_over(conn: sqlite3.Connection, codes: list[str]) -> set[str]:
    """Queue in each site of ``codes`` the links other sites of ``codes`` found into its scope
    (first matching site in ``codes`` order); returns the sites that got URLs to crawl."""
    marks = ",".join("?" for _ in codes)
    scopes = {code: site_scope({"url": url, "aliases": aliases}) for code, url, aliases in conn.execute(
        f"SELECT site_code, url, aliases FROM sites WHERE site_code IN ({marks})", codes)}
    found = conn.execute(
        f"SELECT site_code, url, depth, discovered_via, referrer, request_url FROM crawl_urls"
        f" WHERE state = 'skipped' AND reason = 'out-of-scope' AND discovered_via IN ('link', 'redirect')"
        f" AND site_code IN ({marks}) ORDER BY id", codes).fetchall()
    queued: set[str] = set()
    with conn:
        for source, url, depth, via, referrer, request_url in found:
            owner = next((c for c in codes if c != source and c in scopes and scopes[c].contains(url)), None)
            if owner is not None and frontier.add(conn, owner, url, depth=depth, via=via, referrer=referrer,
                                                  request_url=request_url):
                queued.add(owner)
    return queued
