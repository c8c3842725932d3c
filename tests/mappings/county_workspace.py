"""The sample county in a real workspace for mapping tests and the bench.

Normally a real crawl of the county served on loopback, then a real extraction. Without a server,
records are built from the manifest's pages and items (only what a page shows: URL, title,
breadcrumb, ColumnName, date, text; never its source or target column). Only tests and the bench
read the manifest's true target columns.
"""
from __future__ import annotations

import json

from site_inventory.inventory import import_inventory
from site_inventory.sample_county import write_inventory_csv
from site_inventory.workspace import init_workspace

STAMP = "2026-06-30T00:00:00+00:00"
STRUCTURE = {"homepage": "homepage", "list": "list", "column_index": "column_index", "search_or_form": "search_form"}


def build(path, county, server=None):
    """A workspace at ``path`` holding the county's inventory and its records: crawled and
    extracted for real when ``server`` is given, else built from the manifest."""
    ws = init_workspace(path, "青溪县人民政府", "http://www.qingxi.example.gov.cn")
    import_inventory(ws, write_inventory_csv(county, ws.path / "inventory.csv"))
    if server is not None:
        _crawl_and_extract(ws, server)
    else:
        _records_from_manifest(ws, county.manifest)
    return ws


def _crawl_and_extract(ws, server):
    """Crawl every site, the parent portal (keep) too: its items are examples for suggestions."""
    from site_inventory.crawler import crawl
    from site_inventory.resolve import parse_rule, save_rules

    save_rules(ws.db, [parse_rule(rule) for rule in server.resolve_rules()])
    codes = ws.site_codes()
    crawl(ws, codes, delay=0)
    try:
        from extractors.runner import extract
    except ImportError:
        _extract_stored_pages(ws)
    else:
        extract(ws, codes)


def _extract_stored_pages(ws):
    """Until the extraction runner lands: extract_page over every stored 200 page."""
    from extractors import EXTRACTOR_VERSION, extract_page

    rows = []
    for page in ws.db.query("SELECT id, site_code, url, content_type, body FROM pages "
                            "WHERE status = 200 AND kind IN ('page', 'attachment') AND body IS NOT NULL"):
        record = extract_page(page["body"], page["url"], content_type=page["content_type"]).to_dict()
        row = {k: (json.dumps(v, ensure_ascii=False) if isinstance(v, list) else v) for k, v in record.items()}
        row.update(page_id=page["id"], site_code=page["site_code"], url=page["url"],
                   extractor_version=EXTRACTOR_VERSION, extracted_at=STAMP)
        rows.append(row)
    ws.db["records"].insert_all(rows)


def _records_from_manifest(ws, manifest):
    rows, page_id = [], 0
    items = {item["url"]: item for item in manifest["items"]}
    for page in manifest["pages"]:
        page_type = "article" if page["url"] in items else STRUCTURE.get(page["page_type"])
        if page_type is None:
            continue
        page_id += 1
        item = items.get(page["url"], {})
        rows.append({"page_id": page_id, "site_code": page["site_code"], "url": page["url"], "page_type": page_type,
                     "title": item.get("title"), "body_text": item.get("body_text"),
                     "published": item.get("published"),
                     "breadcrumb": json.dumps(item.get("breadcrumb") or [], ensure_ascii=False),
                     "column_name": item.get("column_name"), "extractor_version": "manifest",
                     "extracted_at": STAMP})
    ws.db["records"].insert_all(rows)


def true_targets(ws, manifest) -> dict[int, str]:
    """page id -> the planted true target column of every item of the migrating sites."""
    truth = {item["url"]: item["target_column"] for item in manifest["items"]}
    keep = {s["site_code"] for s in manifest["sites"] if s["action"] == "keep"}
    return {row["page_id"]: truth[row["url"]] for row in ws.db.query("SELECT page_id, url, site_code FROM records")
            if row["url"] in truth and row["site_code"] not in keep}
