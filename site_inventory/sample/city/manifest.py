"""The sample city's answer key: every page a crawl can meet, every redirect's end, items, columns, placement.

Built from what ``city.generate`` rendered: the served pages, then every URL their links, the
inventory URLs and the redirect chains lead to (http twins, ``index.html``, old URLs, print
pages), each asked of the city as a client would. The schema is in the package docstring.
"""
from __future__ import annotations

import hashlib
from collections import deque
from email.utils import format_datetime
from urllib.parse import urlsplit

from ..build import Page
from .sites import CITY_SITES, PAGE_TEXT, ROBOTS, SATELLITE
from .pages import CONTROL_TEXTS
from ..county import page_links
from ...urls import canonicalize

MAX_HOPS = 10


def manifest(city, writers) -> dict:
    """The manifest of ``city`` whose sites ``writers`` (``city.SiteWriter``) drew and rendered."""
    rows = {p.url: _page_row(p) for p in city.pages.values()}
    offsite = _close_under_links(city, rows)
    redirects = [_redirect_row(rows, row) for row in rows.values() if 300 <= row["status"] < 400]
    for r in redirects:
        rows[r["url"]]["final_url"] = r["final_url"]
    items = [item for w in writers for item in _items(w)]
    for item in items:
        row = rows[item["url"]]
        row["breadcrumb"] = item["breadcrumb"]
        row["published"], row["modified"] = item["published"], item["modified"]
        if item["breadcrumb_current"]:
            row["breadcrumb_current"] = item["breadcrumb_current"]
    columns = [_column_row(w, c) for w in writers for c in w.spec.columns]
    parent_code = next(s.code for s in CITY_SITES if s.action == "keep")
    home = next(c for c in columns if c["site_code"] == parent_code and tuple(c["path"]) == SATELLITE.home_column)
    linked_from = [r["url"] for r in rows.values() if r["site_code"] == parent_code and r["status"] == 200
                   and r.get("reachable") and any(urlsplit(u).netloc == SATELLITE.host for u in r.get("links", []))]
    pages = sorted(rows.values(), key=lambda r: r["url"])
    return {
        "schema": 1, "family": "cloud", "seed": city.seed, "as_of": city.as_of.isoformat(),
        "controls": list(CONTROL_TEXTS),
        "counts": {"pages": len(pages), "reachable": sum(bool(r.get("reachable")) for r in pages),
                   "items": len(items), "redirects": len(redirects), "columns": len(columns),
                   "attachments": sum(len(i["attachments"]) for i in items)},
        "sites": [_site_row(s, home) for s in CITY_SITES],
        "pages": pages,
        "redirects": sorted(redirects, key=lambda r: r["url"]),
        "items": items,
        "columns": columns,
        "placement": {SATELLITE.code: {"home_column": list(SATELLITE.home_column), "home_url": home["url"],
                                       "linked_from": sorted(linked_from)}},
        "offsite_links": sorted(offsite),
    }


def _page_row(p: Page) -> dict:
    ok = p.status == 200
    row = {"url": p.url, "canonical_url": canonicalize(p.url), "site_code": p.site_code, "status": p.status,
           "page_type": p.page_type, "content_type": p.content_type, "encoding": p.encoding,
           "size": len(p.body) if ok else None, "sha256": hashlib.sha256(p.body).hexdigest() if ok else None,
           "last_modified": format_datetime(p.last_modified, usegmt=True)}
    if ok and p.content_type.startswith("text/html"):
        row["links"] = page_links(p)
    if "column" in p.extra:
        row["column"] = p.extra["column"]
        row["breadcrumb"] = ["首页", *p.extra["column"]]
    if "page_number" in p.extra:
        row["page_number"] = p.extra["page_number"]
    if p.page_type == "search_or_form":
        row["breadcrumb"] = ["首页", "站内搜索"]
    if 300 <= p.status < 400:
        row["location"] = p.headers["Location"]
        row["reason"] = p.extra["reason"]
    if p.page_type == "print":
        row["robots_disallowed"] = True
    return row


def _close_under_links(city, rows: dict) -> set[str]:
    """Add every URL a crawl from the inventory URLs meets; mark them ``reachable``; return offsite links."""
    offsite: set[str] = set()
    queue = deque([s.inventory_url for s in CITY_SITES] + [f"https://{s.host}/robots.txt" for s in CITY_SITES])
    seen: set[str] = set()
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        if urlsplit(url).netloc not in city.hosts:
            offsite.add(url)
            continue
        row = rows.get(url)
        if row is None:
            page = city.page(url)
            if page is None:
                raise AssertionError(f"sample city: {url} is linked but answers 404")
            row = rows[url] = _page_row(page)
        if row.get("robots_disallowed"):
            continue
        row["reachable"] = True
        if "location" in row:
            queue.append(row["location"])
        queue.extend(row.get("links", []))
    assert ROBOTS.count("Disallow:") == 1 and all(r["page_type"] == "print" for r in rows.values()
                                                  if r.get("robots_disallowed"))
    return offsite


def _redirect_row(rows: dict, row: dict) -> dict:
    hops, url = [], row["url"]
    while 300 <= rows[url]["status"] < 400:
        url = rows[url]["location"]
        hops.append(url)
        if len(hops) > MAX_HOPS:
            raise AssertionError(f"sample city: redirect loop from {row['url']}")
    return {"url": row["url"], "status": row["status"], "location": row["location"], "final_url": url,
            "hops": len(hops), "reason": row["reason"], "site_code": row["site_code"]}


def _items(w) -> list[dict]:
    spec, home = w.spec, SATELLITE.home_column
    out = []
    for col in spec.columns:
        target = col.path if spec.action == "keep" else home
        parent = next(s for s in CITY_SITES if s.action == "keep")
        target_url = f"https://{parent.host}{next(c.url for c in parent.columns if c.path == target)}"
        base = {"site_code": spec.code, "column_name": col.name, "source_column": list(col.path),
                "column_url": w.url(col.url), "target_column": list(target), "target_url": target_url}
        if col.kind == "page":
            out.append(dict(base, url=w.url(col.url), canonical_url=canonicalize(w.url(col.url)), title=col.name,
                            published=None, modified=None, source=None,
                            breadcrumb=[n for n, _ in w.trail(col)], breadcrumb_current=None,
                            body_text="\n".join(PAGE_TEXT[col.name]), attachments=[], links=[]))
        elif col.kind == "list":
            for post in w.ordered(col):
                files = [{"url": w.url(path), "title": title, "type": "pdf", "size": len(data),
                          "sha256": hashlib.sha256(data).hexdigest()} for path, title, data in post.attachments]
                out.append(dict(base, url=w.url(post.path), canonical_url=canonicalize(w.url(post.path)),
                                title=post.title, published=f"{post.day:%Y-%m-%dT%H:%M:%S}",
                                modified=f"{post.modified:%Y-%m-%dT%H:%M:%S}", source=post.source,
                                breadcrumb=[n for n, _ in w.trail(col)], breadcrumb_current=post.title,
                                body_text="\n".join(p.strip() for p in post.paragraphs), attachments=files,
                                links=[u if "//" in u else w.url(u) for u, _ in post.related]))
    return out


def _column_row(w, col) -> dict:
    if col.kind == "list":
        item_urls = [w.url(p.path) for p in w.ordered(col)]
    else:
        item_urls = [w.url(col.url)] if col.kind == "page" else []
    return {"site_code": w.spec.code, "path": list(col.path), "name": col.name, "url": w.url(col.url),
            "kind": col.kind, "parent": list(col.path[:-1]) or None,
            "list_urls": [w.url(p) for p in w.list_pages.get(col, [])], "item_urls": item_urls,
            "item_count": len(item_urls)}


def _site_row(s, home: dict) -> dict:
    return {"site_code": s.code, "name": s.name, "url": s.inventory_url, "aliases": [], "level": s.level,
            "parent_code": s.parent_code, "action": s.action, "owner": s.owner, "cms": "cloud", "encoding": "utf-8",
            "hosts": [s.host], "schemes": ["https", "http"], "robots_disallow": ["/print/"],
            "home_column": list(s.home_column) if s.home_column else None,
            "home_url": home["url"] if s.home_column else None}
