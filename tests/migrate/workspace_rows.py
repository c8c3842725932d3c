"""Rows written straight into a real workspace database: sites, crawled pages, records, mappings.

The export tests that do not need a crawl build their workspace with these, so each case
(hostile attachment names, duplicates, links between sites) is exactly what the test says.
"""
from __future__ import annotations

import hashlib
import json
import random

from extractors.fingerprint import fingerprint
from site_inventory.bodies import POINTER, keep_body
from site_inventory.workspace import init_workspace

NOW = "2026-06-30T00:00:00+00:00"


def workspace(path, base_url="http://www.qx.example.gov.cn"):
    """A new workspace; commits skip the fsync (safe in WAL mode) so building hundreds of rows is quick."""
    ws = init_workspace(path, "青溪县人民政府", base_url)
    ws.db.execute("PRAGMA synchronous = NORMAL")
    return ws


def site(ws, code, name, url, action="close", level="township", parent="3311230001"):
    ws.db["sites"].insert({"site_code": code, "name": name, "url": url, "aliases": "[]", "level": level,
                           "parent_code": parent, "action": action, "created_at": NOW, "updated_at": NOW})


def page(ws, code, url, body: bytes | None = b"<html></html>", status=200, kind="page", headers=None,
         content_type="text/html"):
    """A stored response; returns its page id."""
    kept = keep_body(ws, code, url, body, status, headers or []) if body is not None else (None, None, None)
    row = {"site_code": code, "url": url, "final_url": url, "status": status, "kind": kind, **dict(zip(POINTER, kept)),
           "size": len(body) if body is not None else None, "content_type": content_type,
           "sha256": hashlib.sha256(body).hexdigest() if body is not None else None,
           "headers": json.dumps(headers or []), "fetched_at": NOW}
    with ws.db.conn:
        existing = ws.db.execute("SELECT id FROM pages WHERE site_code = ? AND url = ?", [code, url]).fetchone()
        if existing:
            ws.db.conn.execute(f"UPDATE pages SET {', '.join(f'{k} = ?' for k in row)} WHERE id = ?",
                               [*row.values(), existing[0]])
            return existing[0]
        return ws.db.conn.execute(f"INSERT INTO pages ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                                  list(row.values())).lastrowid


def article(ws, code, url, title, text, published="2025-03-01", attachments=(), images=(), body_html=None,
            target=("zwdt", "信息发布/政务动态"), action="map", page_type="article", **fields):
    """A crawled article with its record and mapping; returns its page id."""
    html = body_html if body_html is not None else f"<p>{text}</p>"
    page_id = page(ws, code, url, f"<html><body>{html}</body></html>".encode("utf-8"))
    record = {"page_id": page_id, "site_code": code, "url": url, "page_type": page_type, "title": title,
              "body_html": html, "body_text": text, "published": published,
              "attachments": json.dumps(list(attachments), ensure_ascii=False),
              "images": json.dumps(list(images), ensure_ascii=False), "fingerprint": fingerprint(text),
              "extractor_version": "test", "extracted_at": NOW, **fields}
    mapping = {"page_id": page_id, "site_code": code, "action": action, "target_id": target[0] if target else None,
               "target_path": target[1] if target else None, "rule_id": 1, "applied_at": NOW}
    with ws.db.conn:
        for table, row in (("records", record), ("item_mappings", mapping)):
            ws.db.conn.execute(f"INSERT OR REPLACE INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                               list(row.values()))
    return page_id


def attachment(ws, code, url, data: bytes, status=200, headers=None):
    return page(ws, code, url, data if status == 200 else None, status=status, kind="attachment", headers=headers,
                content_type="application/octet-stream")


def long_text(seed: str, n: int = 40) -> str:
    """Chinese-looking text of ``n`` characters, different for every seed (few shared shingles)."""
    rng = random.Random(seed)
    return "".join(chr(0x4E00 + rng.randrange(3000)) for _ in range(n)) + seed
