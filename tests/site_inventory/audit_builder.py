"""Writes crawl and extraction rows straight into a workspace, the shape the audit reads.

Used by the audit's rule tests to plant exact situations (a column 15 days stale, a 404 linked
from two pages) without running a crawl.
"""
from __future__ import annotations

import json
from urllib.parse import urlsplit

NOW = "2024-06-01T00:00:00+00:00"


class Builder:
    """Adds sites, fetched/failed URLs, pages, records and links to a workspace database."""

    def __init__(self, db):
        self.db = db
        self.conn = db.conn

    def site(self, code, name, url, level="township", action="migrate", parent=None):
        self.conn.execute(
            "INSERT INTO sites (site_code, name, url, level, parent_code, action, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (code, name, url, level, parent, action, NOW, NOW))
        return self

    def page(self, code, url, status=200, kind="page", size=1000, soft_404=0, via="link", content_type=None,
             **record):
        """A fetched URL with its stored page and, when ``page_type`` is given, its record."""
        self._url(code, url, "fetched", via)
        ctype = content_type or ("text/html; charset=utf-8" if kind == "page" else "application/pdf")
        cur = self.conn.execute(
            "INSERT INTO pages (site_code, url, final_url, status, content_type, kind, size, soft_404, fetched_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (code, url, url, status, ctype, kind, size, soft_404, NOW))
        if record:
            self.record(code, url, cur.lastrowid, **record)
        return cur.lastrowid

    def record(self, code, url, page_id, page_type, published=None, title=None, column_name=None,
               breadcrumb=(), fingerprint=None):
        self.conn.execute(
            "INSERT INTO records (page_id, site_code, url, page_type, title, published, breadcrumb, column_name,"
            " fingerprint, extractor_version, extracted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'test', ?)",
            (page_id, code, url, page_type, title, published, json.dumps(list(breadcrumb), ensure_ascii=False),
             column_name, fingerprint, NOW))

    def failed(self, code, url, error="connection refused"):
        self._url(code, url, "failed", "link", error)

    def skipped(self, code, url, reason):
        self._url(code, url, "skipped", "link", reason=reason)

    def _url(self, code, url, state, via, error=None, reason=None):
        row = {"site_code": code, "url": url, "host": urlsplit(url).hostname, "path_key": url.split("?")[0],
               "state": state, "discovered_via": via, "attempts": 1, "last_error": error, "reason": reason,
               "discovered_at": NOW, "updated_at": NOW}
        known = {r[1] for r in self.conn.execute("PRAGMA table_info(crawl_urls)")}
        row = {k: v for k, v in row.items() if k in known}
        self.conn.execute(f"INSERT INTO crawl_urls ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                          list(row.values()))

    def link(self, code, source, target, in_scope=1, text=""):
        self.conn.execute(
            "INSERT OR IGNORE INTO links (site_code, source_url, target_url, anchor_text, tag, in_scope)"
            " VALUES (?, ?, ?, ?, 'a', ?)", (code, source, target, text, in_scope))

    def column(self, code, base, name, items, crumbs=None, pages=1):
        """A column with ``pages`` list pages linking to ``items`` [(url, published or None), ...]."""
        trail = ["首页", *(crumbs or [name])]
        urls = [f"{base}index.html"] + [f"{base}index_{n}.html" for n in range(1, pages)]
        for n, url in enumerate(urls):
            self.page(code, url, via="pagination" if n else "link", page_type="list", title=name,
                      column_name=name, breadcrumb=trail)
        for n, (url, published) in enumerate(items):
            self.page(code, url, page_type="article", published=published, title=f"{name}信息{n}",
                      column_name=name, breadcrumb=trail)
            self.link(code, urls[n % len(urls)], url)
        return urls[0]

    def commit(self):
        self.conn.commit()
