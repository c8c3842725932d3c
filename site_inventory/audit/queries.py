"""The audit's SQL: one set-based query per figure, over every audited site at once.

Intermediate sets live in TEMP tables of the audit's own connection (never written to the
workspace file), each indexed for the joins that follow, so the audit reads each stored row a
bounded number of times whatever the number of pages.
"""
from __future__ import annotations

import sqlite3
from datetime import date

from .reposts import repost_pairs, unknown_fingerprints

# A stored date as a day: '2024-05' -> '2024-05-01', a datetime -> its date, anything else -> NULL.
DAY_SQL = """date(CASE length(trim({col}))
    WHEN 4 THEN trim({col}) || '-01-01' WHEN 7 THEN trim({col}) || '-01'
    ELSE substr(trim({col}), 1, 10) END)"""

# The folder of a URL (query dropped): the key of a column whose pages name no column.
FOLDER_SQL = "rtrim({u}, replace({u}, '/', ''))"
NO_QUERY_SQL = "CASE WHEN instr({c}, '?') > 0 THEN substr({c}, 1, instr({c}, '?') - 1) ELSE {c} END"
HOME_CRUMBS = "('首页', '网站首页', '主页', '返回首页')"
TAIL_CRUMBS = "('正文', '详情', '内容', '文章内容', '详细内容', '查看内容', '浏览文章', '阅读文章', '信息详情', '新闻详情', '文章详情')"
LAST_SEGMENT_SQL = "replace({x}, rtrim({x}, replace({x}, char(31), '')), '')"  # after the last char(31)
CACHE_KIB = -262144  # 256 MiB of page cache while the audit runs (negative: KiB, SQLite's convention)
MMAP_BYTES = 1 << 30  # and the database read through a memory map: index lookups without a system call each
TRAP_REASONS = "('calendar-trap', 'calendar-out-of-range', 'too-many-query-variants', 'repeating-path')"

ATTACHMENT_TYPES = {
    "pdf": "PDF", "doc": "DOC", "docx": "DOCX", "xls": "XLS", "xlsx": "XLSX", "wps": "WPS", "et": "WPS",
    "zip": "ZIP", "rar": "RAR", "7z": "7Z", "ofd": "OFD", "ppt": "PPT", "pptx": "PPTX", "txt": "TXT",
    "jpg": "图片", "jpeg": "图片", "png": "图片", "gif": "图片", "bmp": "图片", "tif": "图片", "tiff": "图片",
}
CONTENT_TYPES = {
    "application/pdf": "PDF", "application/msword": "DOC", "application/vnd.ms-excel": "XLS",
    "application/zip": "ZIP", "application/x-rar-compressed": "RAR", "application/vnd.rar": "RAR",
    "application/ofd": "OFD",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
}


class Queries:
    """The audit's queries for a set of sites on a date; a context manager that drops its TEMP tables.
    ``sets=False`` prepares only the audited sites' list: enough for reposts, which read fingerprints."""

    def __init__(self, conn: sqlite3.Connection, codes: list[str], as_of: date, sets: bool = True):
        self.conn = conn
        self.codes = codes
        self.as_of = as_of.isoformat()
        self.sets = sets
        self.temp: list[str] = []

    def __enter__(self) -> "Queries":
        # A page cache sized for the intermediate sets and a memory-mapped database: spilling TEMP
        # tables through SQLite's small default cache and a system call per page read are what
        # made large inventories slower per page.
        wanted = {"main.cache_size": CACHE_KIB, "temp.cache_size": CACHE_KIB, "main.mmap_size": MMAP_BYTES}
        self.saved = {p: self.conn.execute(f"PRAGMA {p}").fetchone()[0] for p in wanted}
        for pragma, value in wanted.items():
            self.conn.execute(f"PRAGMA {pragma} = {value}")
        self._prepare()
        return self

    def __exit__(self, *exc) -> None:
        for name in reversed(self.temp):
            self.conn.execute(f"DROP TABLE IF EXISTS temp.{name}")
        for pragma, value in self.saved.items():
            self.conn.execute(f"PRAGMA {pragma} = {value}")

    def _rows(self, sql: str, params=()) -> list[sqlite3.Row]:
        cur = self.conn.execute(sql, params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    def _columns_of(self, table: str) -> set[str]:
        return {row[1] for row in self.conn.execute(f"PRAGMA table_info({table})")}

    def _temp(self, name: str, select: str, indexes: tuple[str, ...] = (), params=()) -> None:
        self.conn.execute(f"DROP TABLE IF EXISTS temp.{name}")
        self.conn.execute(f"CREATE TEMP TABLE {name} AS {select}", params)
        for i, cols in enumerate(indexes):
            self.conn.execute(f"CREATE INDEX temp.{name}_{i} ON {name} ({cols})")
        self.temp.append(name)

    def _prepare(self) -> None:
        """The sets every later query joins: audited sites, their pages with a path, items, column pages.

        Pages the crawler found to be a trap (a calendar, endless query variants: a URL of the same
        path was skipped for it) are neither items nor columns.
        """
        self.conn.execute("DROP TABLE IF EXISTS temp.audit_selected")
        self.conn.execute("CREATE TEMP TABLE audit_selected (site_code TEXT PRIMARY KEY)")
        self.temp.append("audit_selected")
        self.conn.executemany("INSERT INTO audit_selected VALUES (?)", [(c,) for c in self.codes])
        if not self.sets:
            return
        trap = "0"
        if "path_key" in self._columns_of("crawl_urls"):
            self._temp("audit_trap_urls", f"""
                SELECT DISTINCT cu.site_code, cu.url FROM (
                    SELECT DISTINCT t.site_code, t.path_key FROM audit_selected s
                    JOIN crawl_urls t ON t.site_code = s.site_code AND t.state = 'skipped'
                    WHERE t.reason IN {TRAP_REASONS}) trap
                CROSS JOIN crawl_urls cu ON cu.site_code = trap.site_code AND cu.path_key = trap.path_key""",
                       ("site_code, url",))
            trap = "EXISTS (SELECT 1 FROM audit_trap_urls t WHERE t.site_code = p.site_code AND t.url = p.url)"
        self._temp("audit_records", f"""
            SELECT r.page_id, r.site_code, p.url, r.page_type, r.title, NULLIF(trim(r.column_name), '') AS named,
                   r.breadcrumb, {FOLDER_SQL.format(u=NO_QUERY_SQL.format(c="p.url"))} AS folder,
                   {DAY_SQL.format(col='r.published')} AS day
            FROM audit_selected s CROSS JOIN records r ON r.site_code = s.site_code
            CROSS JOIN pages p ON p.id = r.page_id AND p.kind = 'page' AND p.soft_404 = 0 AND p.status BETWEEN 200 AND 299
            WHERE NOT {trap}""", ("breadcrumb",))
        # A breadcrumb's names below 首页, placeholders (正文) left out: computed once per distinct breadcrumb.
        self._temp("audit_crumbs", f"""
            SELECT breadcrumb, (SELECT group_concat(value, ' > ') FROM (SELECT trim(value) AS value FROM json_each(
                       CASE WHEN json_valid(b.breadcrumb) THEN b.breadcrumb ELSE '[]' END)
                   WHERE trim(value) NOT IN {HOME_CRUMBS} AND trim(value) NOT IN {TAIL_CRUMBS} AND trim(value) != ''
                   ORDER BY key)) AS crumbs
            FROM (SELECT DISTINCT breadcrumb FROM audit_records WHERE breadcrumb IS NOT NULL) b""", ("breadcrumb",))
        last = LAST_SEGMENT_SQL.format(x="replace(c.crumbs, ' > ', char(31))")
        self._temp("audit_items", f"""
            SELECT r.page_id, r.site_code, r.url, r.title, COALESCE(r.named, {last}) AS column_name, r.day
            FROM audit_records r LEFT JOIN audit_crumbs c ON c.breadcrumb = r.breadcrumb
            WHERE r.page_type = 'article'""", ("site_code, url", "site_code, day"))
        self._temp("audit_column_pages", """
            SELECT r.page_id, r.site_code, r.url, r.folder, COALESCE(c.crumbs, r.named, r.folder) AS path,
                   COALESCE(r.named, c.crumbs, r.folder) AS name
            FROM audit_records r LEFT JOIN audit_crumbs c ON c.breadcrumb = r.breadcrumb
            WHERE r.page_type IN ('list', 'column_index')""", ("site_code, url", "site_code, path"))

    def record_paths(self) -> list[tuple]:
        """Every breadcrumb path the audited pages show: a column is a parent when a path extends it."""
        return self.conn.execute("""
            SELECT DISTINCT r.site_code, c.crumbs FROM audit_crumbs c JOIN audit_records r ON r.breadcrumb = c.breadcrumb
            WHERE c.crumbs LIKE '% > %'""").fetchall()

    def sites(self) -> list[dict]:
        return self._rows("""SELECT site_code, name, url, level, action FROM sites
                             WHERE site_code IN (SELECT site_code FROM audit_selected)""")

    def request_stats(self) -> list[dict]:
        """Requests made (fetched or failed URLs) and those that failed for the server's fault."""
        return self._rows("""
            SELECT cu.site_code, count(*) AS requests,
                   sum((cu.state = 'failed' AND p.id IS NULL) OR COALESCE(p.status >= 500, 0)) AS failures
            FROM audit_selected s JOIN crawl_urls cu ON cu.site_code = s.site_code
            LEFT JOIN pages p ON p.site_code = cu.site_code AND p.url = cu.url
            WHERE cu.state IN ('fetched', 'failed') GROUP BY cu.site_code""")

    def request_failures(self) -> list[tuple]:
        return self.conn.execute("""
            SELECT cu.site_code, cu.url, COALESCE('HTTP ' || p.status, cu.last_error, cu.reason, 'failed')
            FROM audit_selected s JOIN crawl_urls cu ON cu.site_code = s.site_code
            LEFT JOIN pages p ON p.site_code = cu.site_code AND p.url = cu.url
            WHERE cu.state IN ('fetched', 'failed')
              AND ((cu.state = 'failed' AND p.id IS NULL) OR p.status >= 500)
            ORDER BY cu.site_code, cu.id""").fetchall()

    def homepages(self) -> list[dict]:
        """Each site's homepage: its first seed URL, else the page extraction called homepage."""
        self._temp("audit_homepages", """
            SELECT s.site_code, COALESCE(
                (SELECT url FROM crawl_urls WHERE site_code = s.site_code AND discovered_via = 'seed' ORDER BY id LIMIT 1),
                (SELECT p.url FROM records r JOIN pages p ON p.id = r.page_id
                 WHERE r.site_code = s.site_code AND r.page_type = 'homepage' ORDER BY r.page_id LIMIT 1)) AS url
            FROM audit_selected s""", ("site_code, url",))
        return self._rows("""
            SELECT h.site_code, h.url, p.status,
                   COALESCE(p.status BETWEEN 200 AND 399 AND p.soft_404 = 0, 0) AS ok
            FROM audit_homepages h LEFT JOIN pages p ON p.site_code = h.site_code AND p.url = h.url
            WHERE h.url IS NOT NULL""")

    def homepage_freshness(self) -> list[dict]:
        """Newest dated item linked from the homepage, or from its second-level pages when it links no item."""
        self._temp("audit_home_items", """
            SELECT h.site_code, 'homepage' AS basis, i.day, i.url FROM audit_homepages h
            CROSS JOIN links l ON l.source_url = h.url AND l.site_code = h.site_code
            CROSS JOIN audit_items i ON i.site_code = l.site_code AND i.url = l.target_url""", ("site_code",))
        self._temp("audit_home_second", """
            SELECT DISTINCT h.site_code, l.target_url AS url FROM audit_homepages h
            CROSS JOIN links l ON l.source_url = h.url AND l.site_code = h.site_code AND l.in_scope = 1
            WHERE NOT EXISTS (SELECT 1 FROM audit_home_items f WHERE f.site_code = h.site_code)""")
        self.conn.execute("""
            INSERT INTO audit_home_items
            SELECT s.site_code, 'second_level', i.day, i.url FROM audit_home_second s
            CROSS JOIN links l ON l.source_url = s.url AND l.site_code = s.site_code
            CROSS JOIN audit_items i ON i.site_code = l.site_code AND i.url = l.target_url""")
        return self._rows("""
            WITH ranked AS (
                SELECT site_code, basis, day, url, row_number() OVER (
                    PARTITION BY site_code ORDER BY day IS NULL, day DESC, url) AS n
                FROM audit_home_items WHERE day IS NULL OR day <= :as_of)
            SELECT site_code, basis, day AS newest, CASE WHEN day IS NULL THEN NULL ELSE url END AS newest_url
            FROM ranked WHERE n = 1""", {"as_of": self.as_of})

    def volumes(self) -> list[dict]:
        """Pages, items, attachments and the bytes a migration would carry (items' pages + attachments)."""
        return self._rows("""
            SELECT s.site_code,
                (SELECT count(*) FROM pages p WHERE p.site_code = s.site_code AND p.kind = 'page'
                    AND p.status BETWEEN 200 AND 299 AND p.soft_404 = 0) AS pages,
                (SELECT count(*) FROM audit_items i WHERE i.site_code = s.site_code) AS items,
                a.attachments, a.attachment_bytes,
                COALESCE(a.attachment_bytes, 0) + COALESCE((SELECT sum(p.size) FROM audit_items i
                    JOIN pages p ON p.id = i.page_id WHERE i.site_code = s.site_code), 0) AS migrate_bytes
            FROM audit_selected s LEFT JOIN (
                SELECT p.site_code, count(*) AS attachments, sum(COALESCE(p.size, 0)) AS attachment_bytes
                FROM audit_selected s2 JOIN pages p ON p.site_code = s2.site_code
                WHERE p.kind = 'attachment' AND p.status BETWEEN 200 AND 299 GROUP BY p.site_code
            ) a ON a.site_code = s.site_code""")

    def attachment_types(self) -> list[tuple]:
        """Attachments by type: the path's extension, else the URL's (``downfile.jsp?filename=a.pdf``),
        else the content type; summed per site and type."""
        path = NO_QUERY_SQL.format(c="p.url")
        last = "replace({x}, rtrim({x}, replace({x}, '{sep}', '')), '')"
        seg = last.format(x=path, sep="/")
        rows = self.conn.execute(f"""
            SELECT site_code, lower(CASE WHEN instr(seg, '.') > 0 THEN {last.format(x='seg', sep='.')} ELSE '' END),
                   lower({last.format(x='url', sep='.')}),
                   lower(trim(CASE WHEN instr(ctype, ';') > 0 THEN substr(ctype, 1, instr(ctype, ';') - 1)
                                   ELSE ctype END)),
                   count(*), sum(COALESCE(size, 0))
            FROM (SELECT p.site_code, p.url, {seg} AS seg, COALESCE(p.content_type, '') AS ctype, p.size
                  FROM audit_selected s JOIN pages p ON p.site_code = s.site_code
                  WHERE p.kind = 'attachment' AND p.status BETWEEN 200 AND 299)
            GROUP BY 1, 2, 3, 4""").fetchall()
        merged: dict[tuple[str, str], list[int]] = {}
        for code, ext, url_ext, ctype, count, size in rows:
            kind = (ATTACHMENT_TYPES.get(ext) or ATTACHMENT_TYPES.get(url_ext) or CONTENT_TYPES.get(ctype)
                    or ext.upper() or ctype or "未知")
            slot = merged.setdefault((code, kind), [0, 0])
            slot[0] += count
            slot[1] += size
        return [(code, kind, c, b) for (code, kind), (c, b) in sorted(merged.items())]

    def items_by_year(self) -> list[tuple]:
        return self.conn.execute("""
            SELECT site_code, substr(day, 1, 4), count(*) FROM audit_items
            WHERE day IS NOT NULL GROUP BY site_code, substr(day, 1, 4) ORDER BY site_code, 2""").fetchall()

    def columns(self) -> list[dict]:
        """Per column: list pages, the items they link to, undated items, newest date up to the audit date.

        An item that names its own column (ColumnName, else its breadcrumb's last name) counts
        only in the column of that name: a list page's navigation links to other columns' items
        do not make them its own. ``url_parent``: other column pages live in folders below this
        column's folder (``/xxgk/`` above ``/xxgk/gsgg/``).
        """
        return self._rows("""
            WITH heads AS (
                SELECT site_code, path, min(name) AS name, count(*) AS list_pages, min(url) AS url,
                       min(folder) AS folder
                FROM audit_column_pages GROUP BY site_code, path),
            linked AS (
                SELECT DISTINCT cp.site_code, cp.path, i.page_id, i.day
                FROM audit_column_pages cp
                CROSS JOIN links l ON l.source_url = cp.url AND l.site_code = cp.site_code
                CROSS JOIN audit_items i ON i.site_code = l.site_code AND i.url = l.target_url
                WHERE i.column_name IS NULL OR i.column_name = cp.name),
            counted AS (
                SELECT site_code, path, count(*) AS items, sum(day IS NULL) AS undated,
                       max(CASE WHEN day <= :as_of THEN day END) AS newest
                FROM linked GROUP BY site_code, path)
            SELECT h.site_code, h.path, h.name, h.list_pages, h.url, COALESCE(c.items, 0) AS items,
                   COALESCE(c.undated, 0) AS undated, c.newest,
                   EXISTS (SELECT 1 FROM audit_column_pages o WHERE o.site_code = h.site_code
                           AND o.folder != h.folder AND substr(o.folder, 1, length(h.folder)) = h.folder) AS url_parent
            FROM heads h LEFT JOIN counted c ON c.site_code = h.site_code AND c.path = h.path
            ORDER BY h.site_code, h.path""", {"as_of": self.as_of})

    def broken_links(self) -> list[dict]:
        """Link targets that answer 4xx/5xx or failed to fetch, internal or external, with their sources.

        Starts from the (few) broken targets and walks the target index of ``links`` back to the
        linking pages, instead of grouping every link.
        """
        self._temp("audit_broken_targets", """
            SELECT p.site_code, p.url, p.status, 'HTTP ' || p.status AS problem FROM pages p
            WHERE p.status >= 400
            UNION ALL
            SELECT cu.site_code, cu.url, NULL, COALESCE(cu.last_error, cu.reason, 'fetch failed') FROM crawl_urls cu
            WHERE cu.state = 'failed'
              AND NOT EXISTS (SELECT 1 FROM pages p WHERE p.site_code = cu.site_code AND p.url = cu.url)""",
            ("url",))
        checked = ""
        if "target_status" in self._columns_of("links"):
            checked = """UNION ALL
                SELECT l.site_code, l.target_url, 0, l.source_url, l.target_status,
                       CASE WHEN l.target_status IS NULL THEN '无法访问' ELSE 'HTTP ' || l.target_status END
                FROM audit_selected s JOIN links l ON l.site_code = s.site_code AND l.in_scope = 0
                WHERE (l.target_status >= 400 OR l.target_state = 'failed')
                  AND NOT EXISTS (SELECT 1 FROM pages p WHERE p.url = l.target_url)
                  AND NOT EXISTS (SELECT 1 FROM audit_broken_targets b WHERE b.url = l.target_url)"""
        rows = self._rows(f"""
            WITH hits AS (
                SELECT l.site_code, l.target_url, l.in_scope, l.source_url, b.status, b.problem
                FROM audit_broken_targets b CROSS JOIN links l ON l.target_url = b.url
                CROSS JOIN audit_selected s ON s.site_code = l.site_code
                WHERE (l.in_scope = 1 AND l.site_code = b.site_code) OR l.in_scope = 0
                {checked})
            SELECT site_code, target_url, CASE WHEN max(in_scope) THEN 'internal' ELSE 'external' END AS scope,
                   max(status) AS status, max(problem) AS problem, count(*) AS link_count,
                   group_concat(source_url, char(10)) AS sources
            FROM hits GROUP BY site_code, target_url ORDER BY site_code, target_url""")
        for row in rows:
            row["source_urls"] = sorted(set(row.pop("sources").split("\n")))
        return rows

    def external_unchecked(self) -> list[tuple]:
        """External links whose target no crawl in the workspace fetched: counted, not guessed."""
        checked = "l.target_status IS NULL AND" if "target_status" in self._columns_of("links") else ""
        return self.conn.execute(f"""
            SELECT l.site_code, count(DISTINCT l.target_url) FROM audit_selected s
            JOIN links l ON l.site_code = s.site_code AND l.in_scope = 0
            WHERE {checked}
              NOT EXISTS (SELECT 1 FROM pages p WHERE p.url = l.target_url)
              AND NOT EXISTS (SELECT 1 FROM audit_broken_targets b WHERE b.url = l.target_url)
            GROUP BY l.site_code""").fetchall()

    def soft_404s(self) -> list[tuple]:
        return self.conn.execute("""
            SELECT p.site_code, p.url FROM audit_selected s JOIN pages p ON p.site_code = s.site_code
            WHERE p.soft_404 = 1 ORDER BY p.site_code, p.url""").fetchall()

    def undated_items(self) -> list[tuple]:
        return self.conn.execute("""
            SELECT site_code, url, title, column_name FROM audit_items WHERE day IS NULL
            ORDER BY site_code, url""").fetchall()

    def reposts(self) -> list[dict]:
        """Items sharing near-identical text with an item of another site (the whole inventory)."""
        return repost_pairs(self.conn, self._temp)

    def unknown_fingerprints(self) -> int:
        return unknown_fingerprints(self.conn)
