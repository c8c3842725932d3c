"""Fifty small generated sites of a campaign on one loopback server, for the campaign tests.

Each site is a ``SyntheticSite`` (8-12 pages; the first one bigger, so a test can kill the worker
crawling it mid-way) under its own host name. Every fifth site's home page also links a page of
the next site that nothing on that site links, so a crawl one task per site must hand the link
over for the campaign to find what one process finds.
"""
from __future__ import annotations

import datetime
from dataclasses import replace

from site_inventory.resolve import parse_rule, save_rules
from site_inventory.sample.build import Page
from site_inventory.sample.synthetic import BASE_TIME, SyntheticSite
from site_inventory.workspace import init_workspace

COUNT = 50
BIG = 48  # pages of the first site
PEER_PAGE = "/peer.html"  # the page only another site links


def host(i: int) -> str:
    return f"z{i:02d}.campaign.example.gov.cn"


def code(i: int) -> str:
    return f"33990001{i:02d}"


class LinkedSite:
    """A ``SyntheticSite`` serving also ``PEER_PAGE``, whose home page may link ``peer``'s one."""

    def __init__(self, name: str, n_pages: int, seed: int, peer: str | None = None):
        self.site, self.peer = SyntheticSite(name, n_pages, seed), peer

    @property
    def hosts(self) -> list[str]:
        return self.site.hosts

    def respond(self, name: str, target: str) -> Page | None:
        page = self.site.respond(name, target)
        if page is not None and target == "/" and self.peer:
            link = f'<a href="http://{self.peer}{PEER_PAGE}">兄弟站点通知</a></body>'.encode("utf-8")
            return replace(page, body=page.body.replace(b"</body>", link))
        if page is None and name.lower().split(":")[0] == self.site.host and target == PEER_PAGE:
            title = f"{self.site.host}转发的通知"
            html = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_青溪县人民政府</title>'
                    f'</head><body><h1>{title}</h1><div class="info">发布时间：2026-06-29</div>'
                    f'<div class="article-content"><p>{title}，请各单位认真贯彻落实。</p></div>'
                    '</body></html>')
            return Page(f"http://{self.site.host}{PEER_PAGE}", "synthetic", 200, "article",
                        "text/html; charset=utf-8", html.encode("utf-8"), "utf-8", BASE_TIME)
        return page


def sites(count: int = COUNT) -> list[LinkedSite]:
    """``count`` sites; site i (from 1) has 8 + i % 5 pages, site 1 has ``BIG``."""
    return [LinkedSite(host(i), BIG if i == 1 else 8 + i % 5, seed=i,
                       peer=host(i + 1) if i % 5 == 0 and i < count else None) for i in range(1, count + 1)]


def codes(count: int = COUNT) -> list[str]:
    return [code(i) for i in range(1, count + 1)]


def campaign_workspace(folder, server, count: int = COUNT, **crawl_config):
    """A workspace whose inventory is the ``count`` sites, resolved to ``server``; config saved
    (campaign tasks open the workspace from disk)."""
    ws = init_workspace(folder, "青溪县人民政府", "http://www.qingxi.example.gov.cn",
                        "ops@qingxi.example.gov.cn")
    ws.config["crawl"].update({"delay": 0, "timeout": 5, "backoff": 0.01, **crawl_config})
    ws.save_config()
    now = datetime.datetime(2026, 6, 30, tzinfo=datetime.timezone.utc).isoformat(timespec="seconds")
    ws.db["sites"].insert_all({
        "site_code": code(i), "name": f"站点{i:02d}", "url": f"http://{host(i)}/", "aliases": "[]",
        "level": "township", "parent_code": None, "action": "migrate", "owner": None,
        "created_at": now, "updated_at": now,
    } for i in range(1, count + 1))
    save_rules(ws.db, [parse_rule(rule) for rule in server.resolve_rules()])
    return ws
