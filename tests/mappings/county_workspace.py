"""The sample county in a real workspace for mapping tests: inventory import, a real crawl of the
county served on loopback (the parent portal too, as its items are examples for suggestions) and
a real extraction. Only tests and the bench read the manifest's true target columns."""
from __future__ import annotations

from extractors.runner import extract
from site_inventory.crawl import crawl
from site_inventory.inventory import import_inventory
from site_inventory.resolve import parse_rule, save_rules
from site_inventory.sample.county import write_inventory_csv
from site_inventory.workspace import init_workspace


def build(path, county, server):
    """A workspace at ``path`` holding the county's inventory, pages and records."""
    ws = init_workspace(path, "青溪县人民政府", "http://www.qingxi.example.gov.cn")
    import_inventory(ws, write_inventory_csv(county, ws.path / "inventory.csv"))
    save_rules(ws.db, [parse_rule(rule) for rule in server.resolve_rules()])
    codes = ws.site_codes()
    crawl(ws, codes, delay=0)
    extract(ws, codes)
    return ws


def true_targets(ws, manifest) -> dict[int, str]:
    """page id -> the planted true target column of every item of the migrating sites."""
    truth = {item["url"]: item["target_column"] for item in manifest["items"]}
    keep = {s["site_code"] for s in manifest["sites"] if s["action"] == "keep"}
    return {row["page_id"]: truth[row["url"]] for row in ws.db.query("SELECT page_id, url, site_code FROM records")
            if row["url"] in truth and row["site_code"] not in keep}
