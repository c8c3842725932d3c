"""The workspace database schema, in one place, with numbered migrations.

The version lives in SQLite's ``PRAGMA user_version``. Each migration is the SQL that moves the database from
version N-1 to N and never destroys data, so an older workspace is upgraded in place when it
is opened. One migration per stage of the workflow; table and column names are meant to be
read by planners browsing the file with Datasette.
"""
from __future__ import annotations

from typing import Callable

import sqlite_utils

from . import bodies


class SchemaError(Exception):
    """The database is newer than this version of govmigrate understands."""


def _v1_foundation() -> str:
    """Sites of the inventory and per-workspace host resolution (like curl --resolve)."""
    return """
        CREATE TABLE sites (
            site_code TEXT PRIMARY KEY,      -- 网站标识码
            name TEXT NOT NULL,              -- 网站名称
            url TEXT NOT NULL,               -- 网址
            aliases TEXT NOT NULL DEFAULT '[]',  -- JSON list of alias hosts
            level TEXT NOT NULL,             -- province/city/county/township/department
            parent_code TEXT,                -- 上级标识码
            action TEXT NOT NULL,            -- migrate/close/keep (处置方式)
            owner TEXT,                      -- 主办单位
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE host_resolutions (
            host TEXT NOT NULL,
            port INTEGER NOT NULL,
            address TEXT NOT NULL,           -- where requests for host:port really go
            target_port INTEGER,             -- optional port at that address (default: port)
            PRIMARY KEY (host, port)
        );
        """


def _v2_crawl() -> str:
    """The crawl: frontier and accounting of every URL, stored responses, links, runs."""
    return """
        CREATE TABLE crawl_urls (
            id INTEGER PRIMARY KEY,
            site_code TEXT NOT NULL,
            url TEXT NOT NULL,               -- canonical URL (site_inventory.urls.canonicalize)
            request_url TEXT,                -- the URL as found and requested (query order kept); NULL: url
            host TEXT NOT NULL,              -- politeness is per host, across sites
            path_key TEXT NOT NULL,          -- URL without its query: counts query variants
            state TEXT NOT NULL DEFAULT 'queued',  -- queued/in_flight/fetched/skipped/failed
            depth INTEGER NOT NULL DEFAULT 0,
            referrer TEXT,
            discovered_via TEXT,             -- seed/robots/link/sitemap/sitemap-file/feed/pagination/redirect
            chain INTEGER NOT NULL DEFAULT 0,  -- redirect hops or sitemap-index levels leading here
            reason TEXT,                     -- why skipped (or, for failed, the kind of failure)
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            discovered_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (site_code, url)
        );
        CREATE INDEX crawl_urls_by_state ON crawl_urls (site_code, state, reason);
        CREATE INDEX crawl_urls_by_host ON crawl_urls (host, state, depth, id);
        CREATE INDEX crawl_urls_by_path ON crawl_urls (site_code, path_key);
        CREATE TABLE pages (
            id INTEGER PRIMARY KEY,
            site_code TEXT NOT NULL,
            url TEXT NOT NULL,               -- canonical requested URL
            request_url TEXT,                -- the URL exactly as requested (query order kept)
            final_url TEXT,                  -- where the redirects from url end (url itself if none)
            redirect_chain TEXT,             -- JSON list of [url, status] from url to final_url
            location TEXT,                   -- canonical Location of a 3xx response
            status INTEGER,
            headers TEXT,                    -- JSON list of [name, value] as received
            content_type TEXT,
            declared_encoding TEXT,
            detected_encoding TEXT,
            kind TEXT NOT NULL DEFAULT 'page',   -- page/attachment/robots/sitemap/feed
            body BLOB,                       -- raw bytes, content-encoding removed
            size INTEGER,
            sha256 TEXT,
            truncated INTEGER NOT NULL DEFAULT 0,  -- 1: body cut at the size limit or by a broken connection
            error TEXT,                      -- what went wrong while reading the body, if anything
            soft_404 INTEGER NOT NULL DEFAULT 0,
            etag TEXT,
            last_modified TEXT,
            warc_file TEXT,                  -- relative to the workspace folder
            warc_offset INTEGER,
            warc_length INTEGER,
            depth INTEGER,
            referrer TEXT,
            run_id INTEGER,                  -- crawl_runs.id of the last fetch
            elapsed_ms INTEGER,
            fetched_at TEXT,
            changed_at TEXT,                 -- when --refresh last saw new bytes
            UNIQUE (site_code, url)
        );
        CREATE INDEX pages_by_url ON pages (url);
        CREATE TABLE links (
            id INTEGER PRIMARY KEY,
            site_code TEXT NOT NULL,
            source_url TEXT NOT NULL,
            target_url TEXT NOT NULL,        -- canonical
            anchor_text TEXT,
            tag TEXT,                        -- a/area/frame/iframe/meta-refresh/img/script/feed/redirect/...
            in_scope INTEGER NOT NULL,
            target_status INTEGER,           -- HTTP status of the target when the crawl last ended
            target_state TEXT,               -- crawl_urls.state of the target (fetched/skipped/failed)
            UNIQUE (source_url, target_url, tag)
        );
        CREATE INDEX links_by_target ON links (target_url);
        CREATE INDEX links_by_site ON links (site_code);
        CREATE TABLE crawl_runs (
            id INTEGER PRIMARY KEY,
            site_code TEXT NOT NULL,
            mode TEXT NOT NULL,              -- crawl/refresh
            status TEXT NOT NULL DEFAULT 'running',  -- running/finished/interrupted
            started_at TEXT NOT NULL,
            finished_at TEXT,
            requests INTEGER NOT NULL DEFAULT 0,
            fetched INTEGER NOT NULL DEFAULT 0,
            changed INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0,
            skipped INTEGER NOT NULL DEFAULT 0,
            bytes INTEGER NOT NULL DEFAULT 0,
            warc_file TEXT,
            options TEXT                     -- JSON of the limits this run used
        );
        """


def _v3_extraction() -> str:
    """One extracted record per stored page (extractors.Record)."""
    return """
        CREATE TABLE records (
            page_id INTEGER PRIMARY KEY,
            site_code TEXT NOT NULL,
            url TEXT NOT NULL,
            page_type TEXT NOT NULL,
            title TEXT,
            body_html TEXT,
            body_text TEXT,
            published TEXT,
            modified TEXT,
            source TEXT,
            author TEXT,
            doc_number TEXT,
            index_number TEXT,
            subject TEXT,
            written_date TEXT,
            validity TEXT,
            breadcrumb TEXT,                 -- JSON list
            column_name TEXT,
            attachments TEXT,                -- JSON list of objects
            images TEXT,                     -- JSON list
            language TEXT,
            fingerprint TEXT,
            warnings TEXT,                   -- JSON list
            extractor_version TEXT NOT NULL,
            page_sha256 TEXT,
            extracted_at TEXT NOT NULL
        );
        CREATE INDEX records_by_site ON records (site_code, page_type);
        -- covers what the audit reads, so it never reads the bodies
        CREATE INDEX records_for_audit ON records (site_code, page_type, published, column_name, breadcrumb, title,
                                                   fingerprint);
        """


def _v4_mapping() -> str:
    """Source columns per site, ordered mapping rules, and each item's assigned target."""
    return """
        CREATE TABLE source_columns (
            id INTEGER PRIMARY KEY,
            site_code TEXT NOT NULL,
            path TEXT NOT NULL,              -- names joined with ' > '
            name TEXT NOT NULL,
            parent_path TEXT,
            depth INTEGER NOT NULL DEFAULT 1,
            list_urls TEXT,                  -- JSON list of the column's list pages
            url_keys TEXT,                   -- JSON list: Hanweb col ids (col:123), TRS folders (dir:/a/b/)
            item_count INTEGER NOT NULL DEFAULT 0,   -- items filed directly in this column
            total_count INTEGER NOT NULL DEFAULT 0,  -- items in this column and its sub-columns
            newest_date TEXT,                -- newest publish date in this column and below
            evidence TEXT,                   -- JSON list: breadcrumb/column_name/url/list/nav
            UNIQUE (site_code, path)
        );
        CREATE TABLE item_source_columns (
            page_id INTEGER PRIMARY KEY,
            site_code TEXT NOT NULL,
            column_path TEXT,                -- source_columns.path; NULL when nothing tells
            evidence TEXT                    -- which clue placed it: breadcrumb/url/list/column_name/...
        );
        CREATE INDEX item_source_columns_by_site ON item_source_columns (site_code, column_path);
        CREATE TABLE source_column_runs (
            site_code TEXT PRIMARY KEY,
            signature TEXT NOT NULL,         -- summary of the records/links discovery read
            discovered_at TEXT NOT NULL
        );
        CREATE TABLE mapping_rules (
            id INTEGER PRIMARY KEY,
            position INTEGER NOT NULL,
            site_code TEXT,                  -- NULL: every site
            match TEXT NOT NULL,             -- column/column_prefix/url_regex/title_keyword/page_type
            pattern TEXT NOT NULL,
            action TEXT NOT NULL,            -- map/drop/homepage/static
            target_id TEXT,
            status TEXT NOT NULL DEFAULT 'accepted',  -- suggested/accepted
            confidence REAL,
            reason TEXT,
            created_at TEXT NOT NULL
        );
        CREATE TABLE item_mappings (
            page_id INTEGER PRIMARY KEY,
            site_code TEXT NOT NULL,
            action TEXT NOT NULL,            -- map/drop/homepage/static, or unmapped when no rule matched
            target_id TEXT,
            target_path TEXT,                -- names from the tree root joined with '/', plus the per-site child
            rule_id INTEGER,                 -- mapping_rules.id that decided it
            applied_at TEXT NOT NULL
        );
        CREATE INDEX item_mappings_by_site ON item_mappings (site_code, action);
        """


def _v5_export() -> str:
    """The id map between old pages and exported items, its message log, receipts and export runs."""
    return """
        CREATE TABLE id_map (
            item_id TEXT PRIMARY KEY,        -- stable: site code + hash of the canonical source URL
            site_code TEXT NOT NULL,
            page_id INTEGER,                 -- pages.id of the source (NULL for an attachment never fetched)
            source_url TEXT NOT NULL,        -- canonical old URL
            kind TEXT NOT NULL DEFAULT 'item',   -- item/attachment/page (page: list, column or homepage)
            action TEXT,                     -- the mapping action: map/static/drop/homepage
            title TEXT,
            target_id TEXT,
            target_path TEXT,
            new_url TEXT,                    -- where the old URL now lives (receipt, else URL template)
            package_path TEXT,               -- file in the package, relative to the package folder
            status TEXT NOT NULL,            -- exported/needs_update/skipped/failed
            content_sha256 TEXT,             -- item: of its exported JSON record; attachment: of the file
            duplicate_of TEXT,               -- item id or parent URL it duplicates
            last_run TEXT
        );
        CREATE INDEX id_map_by_source ON id_map (source_url);
        CREATE INDEX id_map_by_site ON id_map (site_code, kind, status);
        CREATE TABLE id_map_messages (
            id INTEGER PRIMARY KEY,
            item_id TEXT NOT NULL,
            site_code TEXT,
            level TEXT NOT NULL,             -- error/warning/notice
            message TEXT NOT NULL,
            logged_at TEXT NOT NULL
        );
        CREATE INDEX id_map_messages_by_item ON id_map_messages (item_id);
        CREATE TABLE receipts (
            item_id TEXT PRIMARY KEY,
            new_url TEXT NOT NULL,           -- the URL the parent platform gave the item on import
            source_file TEXT,
            imported_at TEXT NOT NULL
        );
        CREATE TABLE export_runs (
            id INTEGER PRIMARY KEY,
            out_dir TEXT NOT NULL,
            site_codes TEXT NOT NULL,        -- JSON list
            dry_run INTEGER NOT NULL DEFAULT 0,
            forced INTEGER NOT NULL DEFAULT 0,   -- 1: --update rewrote every item
            written INTEGER NOT NULL DEFAULT 0,
            unchanged INTEGER NOT NULL DEFAULT 0,
            skipped INTEGER NOT NULL DEFAULT 0,
            failed INTEGER NOT NULL DEFAULT 0,
            started_at TEXT NOT NULL,
            finished_at TEXT
        );
        """


def _v6_redirects() -> str:
    """Access-log URLs, the redirect plan with its lint findings and checks, closure notices, shutdown."""
    return """
        CREATE TABLE access_log_urls (
            id INTEGER PRIMARY KEY,
            site_code TEXT,
            host TEXT NOT NULL,
            url TEXT NOT NULL,               -- canonical (the site's significant parameters)
            hits INTEGER NOT NULL DEFAULT 0,
            first_seen TEXT,
            last_seen TEXT,
            last_status INTEGER,             -- HTTP status of the newest logged request
            UNIQUE (host, url)
        );
        CREATE INDEX access_log_urls_by_site ON access_log_urls (site_code, hits);
        CREATE TABLE access_log_imports (
            id INTEGER PRIMARY KEY,
            file TEXT NOT NULL,
            sha256 TEXT NOT NULL UNIQUE,     -- of the file's bytes: the same log is never counted twice
            lines INTEGER NOT NULL,
            counted INTEGER NOT NULL,        -- GET/HEAD requests for inventory hosts, added to hits
            other_hosts INTEGER NOT NULL,
            other_methods INTEGER NOT NULL,
            malformed INTEGER NOT NULL,      -- lines that are not combined-format requests
            imported_at TEXT NOT NULL
        );
        CREATE TABLE redirect_overrides (
            site_code TEXT NOT NULL,
            old_url TEXT NOT NULL,           -- canonical
            status INTEGER NOT NULL,         -- 301/410: what planners decided, applied on every plan
            target TEXT,
            note TEXT,
            PRIMARY KEY (site_code, old_url)
        );
        CREATE TABLE redirects (
            id INTEGER PRIMARY KEY,
            site_code TEXT NOT NULL,
            old_url TEXT NOT NULL,           -- canonical, on the site's main host (aliases folded in)
            match_key TEXT,                  -- what the web server matches (migrate.redirects.matchkeys); NULL: cannot
            key_problem TEXT,                -- why the old URL cannot be matched safely, if so
            status INTEGER NOT NULL,         -- 301/410
            target TEXT,                     -- 301: the new URL
            kind TEXT NOT NULL,              -- item/attachment/column/homepage/dropped/gone/unmigrated/unknown/override
            item_id TEXT,                    -- id_map.item_id the decision comes from
            reason TEXT,
            archive_url TEXT,                -- 410: the archived copy
            suggested_url TEXT,              -- 410: where to look instead
            source TEXT,                     -- where the URL was seen: crawl,sitemap,link,log,site
            hits INTEGER NOT NULL DEFAULT 0, -- requests in imported access logs
            planned_at TEXT NOT NULL,
            UNIQUE (site_code, old_url)
        );
        CREATE INDEX redirects_by_old_url ON redirects (old_url);
        CREATE INDEX redirects_by_key ON redirects (site_code, match_key);
        CREATE TABLE redirect_params (
            site_code TEXT NOT NULL,
            name TEXT NOT NULL,              -- a query parameter of the site's old URLs, as matched by servers
            PRIMARY KEY (site_code, name)
        );
        CREATE TABLE redirect_problems (
            id INTEGER PRIMARY KEY,
            site_code TEXT NOT NULL,
            old_url TEXT,
            check_name TEXT NOT NULL,        -- chain/loop/allowlist/duplicate/target/unsafe/host/rejected
            level TEXT NOT NULL,             -- error/warning
            message TEXT NOT NULL,
            found_at TEXT NOT NULL
        );
        CREATE INDEX redirect_problems_by_site ON redirect_problems (site_code, level);
        CREATE TABLE redirect_verifications (
            id INTEGER PRIMARY KEY,
            site_code TEXT NOT NULL,
            against TEXT NOT NULL,           -- ADDR:PORT the old URLs were sent to
            checked INTEGER NOT NULL,
            failed INTEGER NOT NULL,
            unreachable INTEGER NOT NULL DEFAULT 0,
            failures TEXT,                   -- JSON list of the first failures (old_url, problem)
            verified_at TEXT NOT NULL
        );
        CREATE TABLE closure_notices (
            site_code TEXT PRIMARY KEY,
            published_on TEXT NOT NULL,      -- 关停整合公告 first shown (ISO date)
            ends_on TEXT NOT NULL,           -- the homepage switches to the redirect on this day
            new_url TEXT NOT NULL,           -- the site's page on the parent platform, linked in the notice
            generated_at TEXT NOT NULL
        );
        CREATE TABLE shutdown_steps (
            id INTEGER PRIMARY KEY,
            site_code TEXT NOT NULL,
            step TEXT NOT NULL,
            status TEXT NOT NULL,            -- ok/failed/open/skipped
            detail TEXT,
            checked_at TEXT NOT NULL,
            UNIQUE (site_code, step)
        );
        """


def _v7_crawl_journal() -> str:
    """The crawl's WARC doubles as its journal: how far each run's records are in the tables."""
    return """
        ALTER TABLE crawl_runs ADD COLUMN warc_stored INTEGER;  -- bytes of warc_file whose records are
                                         -- all stored in the tables; a killed run's later records are replayed
        """


def _v8_review_log() -> str:
    """Planners' changes made in the review app (govmigrate serve): who, when, what, before and after."""
    return """
        CREATE TABLE review_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,                -- UTC, ISO 8601
            who TEXT NOT NULL,
            site_code TEXT,
            what TEXT NOT NULL,              -- accept/retarget/drop/homepage/bulk_accept/apply/override/undo
            subject TEXT,                    -- the rule or the old URL(s) changed
            before TEXT,                     -- JSON of what was there
            after TEXT,                      -- JSON of what is there now
            undone_by INTEGER                -- review_log.id of the undo that reverted this change
        );
        CREATE INDEX review_log_by_site ON review_log (site_code, id);
        """


def _v9_bodies_in_warc() -> str:
    """A page's raw bytes live once, in its WARC record (site_inventory.bodies): the database copy
    goes, after bodies.move_out has checked or archived each one (see BEFORE)."""
    return """
        ALTER TABLE pages DROP COLUMN body;
        """


def _v10_site_placement() -> str:
    """Where each migrating or closing site belongs as a whole in the parent's tree (map suggest)."""
    return """
        CREATE TABLE site_placements (
            site_code TEXT PRIMARY KEY,
            column_id TEXT,                  -- the home column's id in the target tree
            target_path TEXT,                -- its path of names, plus the per-site child
            confidence REAL,
            reason TEXT,                     -- the clues: parent pages linking to the site, content, names
            alternatives TEXT,               -- JSON list of [column_id, score]
            status TEXT NOT NULL DEFAULT 'suggested',  -- suggested/accepted
            placed_at TEXT NOT NULL
        );
        """



def _v11_record_editor() -> str:
    """The record's editor (责任编辑/编辑/审核/校对), apart from its writer (extractors.Record.editor)."""
    return """
        ALTER TABLE records ADD COLUMN editor TEXT;
        """

MIGRATIONS: list[Callable[[], str]] = [
    _v1_foundation,
    _v2_crawl,
    _v3_extraction,
    _v4_mapping,
    _v5_export,
    _v6_redirects,
    _v7_crawl_journal,
    _v8_review_log,
    _v9_bodies_in_warc,
    _v10_site_placement,
    _v11_record_editor,
]
SCHEMA_VERSION = len(MIGRATIONS)
# Python run before a migration's SQL (committed on its own, idempotent), and migrations after which
# the file is rewritten to give the freed pages back
BEFORE: dict[Callable[[], str], Callable] = {_v9_bodies_in_warc: bodies.move_out}
VACUUM_AFTER = {_v9_bodies_in_warc}


def version(db: sqlite_utils.Database) -> int:
    """The schema version recorded in the database file."""
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: sqlite_utils.Database, target: int = SCHEMA_VERSION) -> list[int]:
    """Upgrade the database to ``target``, one transaction per step; returns the versions applied."""
    current = version(db)
    if current > SCHEMA_VERSION:
        raise SchemaError(
            f"workspace database is at schema version {current}, newer than this govmigrate "
            f"understands ({SCHEMA_VERSION}); upgrade govmigrate"
        )
    applied = []
    conn = db.conn
    for number in range(current + 1, target + 1):
        step = MIGRATIONS[number - 1]
        if step in BEFORE:
            BEFORE[step](conn)
        script = step()
        try:
            conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        applied.append(number)
        if step in VACUUM_AFTER and current > 0:
            conn.execute("VACUUM")
    return applied
