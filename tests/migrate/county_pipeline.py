"""The sample county taken through the real stages (inventory, crawl, extract, map) into a workspace.

``build`` runs them once; ``copy`` gives a test its own copy (the database, config and WARC files)
so tests that re-crawl, roll back or import receipts never disturb each other.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from site_inventory import resolve
from site_inventory.inventory import import_inventory
from site_inventory.sample.county import write_inventory_csv
from site_inventory.workspace import init_workspace, open_workspace

BASE_URL = "http://www.qingxi.example.gov.cn"
ACCEPT_ABOVE = 0.8


def point_at(workspace, server) -> None:
    """Send the county's host names to ``server`` (a CountyServer on loopback)."""
    resolve.save_rules(workspace.db, [resolve.parse_rule(r) for r in server.resolve_rules()], replace=True)


def build(folder: Path, county, server) -> Path:
    """A workspace in ``folder`` with the county crawled (portal included), extracted and mapped."""
    from extractors.runner import extract
    from mappings.apply import apply
    from mappings.suggest import suggest
    from site_inventory.crawl import crawl

    ws = init_workspace(folder, "青溪县人民政府", BASE_URL)
    point_at(ws, server)
    import_inventory(ws, write_inventory_csv(county, folder.parent / f"{folder.name}-inventory.csv"))
    keep = [row[0] for row in ws.db.execute("SELECT site_code FROM sites WHERE action = 'keep'")]
    crawl(ws, codes=keep, all_sites=True, delay=0)
    extract(ws, codes=keep, all_sites=True)
    suggest(ws, accept_above=ACCEPT_ABOVE)
    apply(ws)
    ws.close()
    return folder


def copy(source: Path, target: Path):
    """An opened copy of a built workspace folder."""
    shutil.copytree(source, target)
    return open_workspace(target)
