"""The export plan: for every mapped page and attachment of the closing sites, its id, fate and new URL.

The plan is built in a temporary SQLite table (``export_plan``) of the workspace connection, for
all closing sites at once whatever the run writes, so links between sites resolve and memory
stays flat however many items there are. Status: ``export`` (goes into the package), ``skipped``
(dropped, a duplicate, a structure page) or ``failed``, each with the note that explains it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from .attachments import NameBook, preferred_name, sha256_bytes, read_body, AttachmentError
from .bodylinks import LinkResolver
from .duplicates import THRESHOLD, Duplicate, find_duplicates
from .idmap import make_item_id
from .newurls import URLBuilder, URLTemplateError, url_builder

TABLE = "export_plan"
ITEM_PAGE_TYPES = ("article",)
STRUCTURE_PAGE_TYPES = ("list", "column_index", "homepage", "search_form")
COLUMNS = ("item_id TEXT PRIMARY KEY, site_code TEXT, page_id INTEGER, source_url TEXT, kind TEXT, action TEXT, "
           "page_type TEXT, title TEXT, target_id TEXT, target_path TEXT, published TEXT, new_url TEXT, "
           "status TEXT, duplicate_of TEXT, package_path TEXT, sha256 TEXT, size INTEGER, wanted_name TEXT, "
           "prev_name TEXT, seq INTEGER, role TEXT, standalone INTEGER DEFAULT 0, note_level TEXT, note TEXT, "
           "fingerprint TEXT")


@dataclass
class Plan:
    """What the plan knows beyond its table: the sites, their pages on the parent, duplicates found."""

    builder: URLBuilder
    sites: dict[str, dict]
    closing: list[str]
    keep: list[str]
    home_urls: dict[str, str] = field(default_factory=dict)
    duplicates: list[Duplicate] = field(default_factory=list)
    resolver: LinkResolver | None = None


def _sites(db) -> dict[str, dict]:
    cursor = db.execute("SELECT * FROM sites ORDER BY site_code")
    names = [d[0] for d in cursor.description]
    return {row[0]: dict(zip(names, row)) for row in cursor}


def home_url(db, builder: URLBuilder, site: dict) -> str:
    """The site's page on the parent platform: its homepage mapping, else the per-site column most items go to."""
    code = site["site_code"]
    row = db.execute("SELECT target_path FROM item_mappings WHERE site_code = ? AND action = 'homepage' "
                     "AND target_path IS NOT NULL LIMIT 1", [code]).fetchone()
    if not row:
        row = db.execute(
            "SELECT target_path FROM item_mappings WHERE site_code = ? AND action IN ('map', 'static') "
            "AND target_path IS NOT NULL GROUP BY target_path ORDER BY count(*) DESC, target_path LIMIT 1", [code]
        ).fetchone()
    return builder.column_url(row[0] if row else None)


def _insert(db, row: dict) -> None:
    db.execute(f"INSERT OR REPLACE INTO {TABLE} ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
               list(row.values()))


def make_plan(workspace, threshold: float = THRESHOLD) -> Plan:
    """Plan every page of every closing site, find duplicates, then plan their attachments."""
    db = workspace.db
    builder = url_builder(workspace)
    sites = _sites(db)
    closing = [c for c, s in sites.items() if s["action"] != "keep"]
    plan = Plan(builder, sites, closing, [c for c, s in sites.items() if s["action"] == "keep"])
    plan.home_urls = {code: home_url(db, builder, sites[code]) for code in closing}
    db.execute(f"DROP TABLE IF EXISTS temp.{TABLE}")
    db.execute(f"CREATE TEMP TABLE {TABLE} ({COLUMNS})")
    db.execute(f"CREATE INDEX temp.{TABLE}_by_url ON {TABLE} (source_url)")
    db.execute(f"CREATE INDEX temp.{TABLE}_by_site ON {TABLE} (site_code, kind, status, source_url)")
    with db.conn:
        _plan_pages(db, plan)
        plan.duplicates = find_duplicates(db, TABLE, plan.keep, threshold)
        _apply_duplicates(db, plan.duplicates)
        plan.resolver = LinkResolver(db, TABLE, list(sites.values()), workspace.config, plan.home_urls,
                                     (workspace.config.get("redirects") or {}).get("archive_url_template"))
        _plan_attachments(workspace, plan)
        _name_attachments(db, plan)
        _duplicate_attachments(db, plan)
    return plan


def _snapshot(db, name: str, select: str):
    """Rows of ``select`` copied to a temporary table first, so the plan can change while they are read."""
    db.execute(f"DROP TABLE IF EXISTS temp.{name}")
    db.execute(f"CREATE TEMP TABLE {name} AS {select}")
    return db.execute(f"SELECT * FROM temp.{name} ORDER BY rowid")


def _receipt(db, item_id: str) -> str | None:
    row = db.execute("SELECT new_url FROM receipts WHERE item_id = ?", [item_id]).fetchone()
    return row[0] if row else None


def _plan_pages(db, plan: Plan) -> None:
    """One row per mapped record: items to export, structure pages, drops, unmapped records."""
    marks = ",".join("?" for _ in plan.closing)
    rows = db.execute(
        f"""SELECT m.page_id, m.site_code, m.action, m.target_id, m.target_path, m.rule_id,
                   coalesce(r.url, p.url), r.page_type, r.title, r.published, r.fingerprint,
                   length(coalesce(r.body_text, '')) + length(coalesce(r.body_html, ''))
            FROM item_mappings m LEFT JOIN records r ON r.page_id = m.page_id LEFT JOIN pages p ON p.id = m.page_id
            WHERE m.site_code IN ({marks}) ORDER BY m.site_code, coalesce(r.url, p.url)""",
        plan.closing,
    )
    for page_id, code, action, target_id, target_path, rule_id, url, page_type, title, published, fp, size in rows:
        row = {"site_code": code, "page_id": page_id, "source_url": url, "action": action, "page_type": page_type,
               "title": title, "target_id": target_id, "target_path": target_path, "published": published,
               "fingerprint": fp, "status": "skipped", "kind": "page"}
        if url is None or page_type == "redirect":
            continue  # a redirect is no item: its old URL takes the decision of where it led
        if page_type == "attachment":
            if action in ("map", "static"):
                row.update(kind="attachment", status="pending", standalone=1, role="file")
                row["item_id"] = make_item_id(code, url, "attachment")
                _insert(db, row)
            continue
        row["item_id"] = make_item_id(code, url)
        is_item = page_type in ITEM_PAGE_TYPES or (action == "static" and page_type != "error")
        if page_type is None:
            row.update(status="failed", note_level="error", note="no extracted record for this page (run extract)")
        elif page_type == "error":
            row.update(note_level="warning", note=f"mapped by rule {rule_id} but the page is an error page; not exported")
        elif action in ("map", "static") and is_item:
            row["kind"] = "item"
            _plan_item(db, plan, row, size)
        elif action in ("map", "static"):
            row["new_url"] = _receipt(db, row["item_id"]) or plan.builder.column_url(target_path)
            row.update(note_level="notice", note=f"{page_type} page: its place is the column page {target_path}")
        elif action == "homepage":
            row["new_url"] = _receipt(db, row["item_id"]) or (
                plan.builder.column_url(target_path) if target_path else plan.home_urls[code])
            row.update(note_level="notice", note="the site's homepage: points to the site's page on the parent platform")
        elif action == "drop":
            row["kind"] = "item" if page_type in ITEM_PAGE_TYPES else "page"
            row.update(note_level="notice", note=f"dropped by mapping rule {rule_id}: not migrated")
        else:
            row["kind"] = "item" if page_type in ITEM_PAGE_TYPES else "page"
            row.update(note_level="warning" if page_type in ITEM_PAGE_TYPES else "notice",
                       note=f"no mapping rule matched ({action}): not exported")
        _insert(db, row)


def _plan_item(db, plan: Plan, row: dict, size: int) -> None:
    if not row["target_id"]:
        row.update(status="failed", note_level="error", note="mapped without a target column")
        return
    if not size and not row["title"]:
        row.update(status="failed", note_level="error", note="the record has neither title nor body")
        return
    try:
        template_url = plan.builder.item_url(row["item_id"], row["site_code"], row["target_id"], row["target_path"],
                                             row["published"])
    except URLTemplateError as exc:
        row.update(status="failed", note_level="error", note=str(exc))
        return
    row["new_url"] = _receipt(db, row["item_id"]) or template_url
    row["status"] = "export"
    if not row["published"]:
        row.update(note_level="warning", note="no publish date: the template URL uses 0000/00/00")


def _apply_duplicates(db, duplicates: list[Duplicate]) -> None:
    """Duplicates are skipped and take the URL of what they duplicate (parents first, then reposts)."""
    for dup in duplicates:
        if dup.kind == "parent":
            db.execute(f"UPDATE {TABLE} SET status = 'skipped', duplicate_of = ?, new_url = ?, note_level = 'notice', "
                       f"note = ? WHERE item_id = ?",
                       [dup.of, dup.of, f"near-duplicate ({dup.similarity:.2f}) of {dup.of} on the parent platform: "
                        f"not exported again", dup.item_id])
    for dup in duplicates:
        if dup.kind == "repost":
            original = db.execute(f"SELECT new_url FROM {TABLE} WHERE item_id = ?", [dup.of]).fetchone()
            db.execute(f"UPDATE {TABLE} SET status = 'skipped', duplicate_of = ?, new_url = ?, note_level = 'notice', "
                       f"note = ? WHERE item_id = ?",
                       [dup.of, original[0], f"repost ({dup.similarity:.2f}) of item {dup.of}: exported once, there",
                        dup.item_id])


def _page_for(db, url: str):
    """The best stored response for a URL: a fetched 2xx first."""
    cursor = db.execute(
        "SELECT id, site_code, url, status, sha256, size, content_type, headers, "
        "warc_file IS NOT NULL, soft_404, truncated FROM pages WHERE url = ? "
        "ORDER BY (status BETWEEN 200 AND 299) DESC, id LIMIT 1", [url])
    return cursor.fetchone()


def _plan_attachments(workspace, plan: Plan) -> None:
    """One row per attachment URL of an exported item (owned by the closing site whose scope holds it).

    A file mapped on its own (an attachment record with action map) is a ``file`` item of its
    column only when no exported article carries it; otherwise it travels with its article.
    """
    db = workspace.db
    seq = 0
    standalone = db.execute(f"SELECT item_id, site_code, source_url, title, page_id FROM {TABLE} "
                            f"WHERE standalone = 1 ORDER BY site_code, source_url").fetchall()
    for item_id, code, url, title, _ in standalone:
        seq += 1
        _plan_file(workspace, plan, code, url, {"title": title, "type": None}, "file", seq, item_id)
    items = _snapshot(db, "scan_items",
        f"SELECT e.site_code, r.attachments, r.images FROM {TABLE} e JOIN records r ON r.page_id = e.page_id "
        f"WHERE e.kind = 'item' AND e.status = 'export' ORDER BY e.site_code, e.source_url")
    for code, attachments_json, images_json in items:
        for role, entries in (("attachment", attachments_json), ("image", images_json)):
            for entry in _entries(entries):
                url = plan.resolver.canonical(entry.get("url") or "") if entry.get("url") else None
                if not url or not url.startswith(("http://", "https://")):
                    continue
                owner = plan.resolver.site_of(url)
                if owner and owner["action"] == "keep":
                    continue
                seq += 1
                _plan_file(workspace, plan, owner["site_code"] if owner else code, url, entry, role, seq, None,
                           in_scope=owner is not None)


def _entries(text: str | None) -> list[dict]:
    try:
        value = json.loads(text) if text else []
    except json.JSONDecodeError:
        return []
    return [e for e in value if isinstance(e, dict)] if isinstance(value, list) else []


def _plan_file(workspace, plan: Plan, code: str, url: str, entry: dict, role: str, seq: int,
               standalone_id: str | None, in_scope: bool = True) -> None:
    db = workspace.db
    item_id = standalone_id or make_item_id(code, url, "attachment")
    if not standalone_id and db.execute(f"SELECT 1 FROM {TABLE} WHERE item_id = ?", [item_id]).fetchone():
        db.execute(f"UPDATE {TABLE} SET standalone = 0 WHERE item_id = ?", [item_id])  # goes with its article
        return
    page = _page_for(db, url)
    if page is None and not in_scope:
        return  # on the outside web and never crawled: the link stays as it is
    row = {"item_id": item_id, "site_code": code, "source_url": url, "kind": "attachment", "role": role,
           "title": entry.get("title"), "seq": seq, "status": "failed", "page_id": page[0] if page else None}
    if standalone_id:
        prior = db.execute(f"SELECT action, target_id, target_path, standalone FROM {TABLE} WHERE item_id = ?",
                           [item_id]).fetchone()
        row.update(action=prior[0], target_id=prior[1], target_path=prior[2], standalone=1)
    if page is None:
        row.update(note_level="error", note=f"attachment {url} was never crawled")
    elif not (page[3] and 200 <= page[3] < 300) or page[9] or not page[8] or page[10]:
        why = "truncated" if page[10] else "soft 404" if page[9] else f"HTTP {page[3]}" if page[3] else "no bytes kept"
        row.update(note_level="error", note=f"attachment {url} could not be fetched ({why})")
    else:
        sha = page[4]
        if not sha:
            try:
                sha = sha256_bytes(read_body(workspace.path, _page_row(db, page[0])))
            except AttachmentError as exc:
                row.update(note_level="error", note=str(exc))
                _insert(db, row)
                return
        prev = db.execute("SELECT package_path FROM id_map WHERE item_id = ? AND package_path IS NOT NULL",
                          [item_id]).fetchone()
        row.update(status="export", sha256=sha, size=page[5],
                   wanted_name=preferred_name(url, entry.get("title"), entry.get("type"), page[6], page[7]),
                   prev_name=prev[0].rsplit("/", 1)[-1] if prev else None)
    _insert(db, row)


def _page_row(db, page_id: int) -> dict:
    cursor = db.execute("SELECT url, size, warc_file, warc_offset, warc_length FROM pages WHERE id = ?", [page_id])
    names = [d[0] for d in cursor.description]
    return dict(zip(names, cursor.fetchone()))


def _name_attachments(db, plan: Plan) -> None:
    """Give every file its name: names from earlier runs first, so a new file never takes an old one's."""
    books: dict[str, NameBook] = {}
    rows = _snapshot(db, "scan_files", f"SELECT item_id, site_code, sha256, wanted_name, prev_name FROM {TABLE} "
                     f"WHERE kind = 'attachment' AND status = 'export' ORDER BY site_code, prev_name IS NULL, seq")
    for item_id, code, sha, wanted, prev in rows:
        book = books.setdefault(code, NameBook(code))
        name = book.name_for(sha, prev or wanted)
        new_url = _receipt(db, item_id) or plan.builder.attachment_url(code, name, sha)
        db.execute(f"UPDATE {TABLE} SET package_path = ?, new_url = ? WHERE item_id = ?",
                   [book.path(name), new_url, item_id])


def _duplicate_attachments(db, plan: Plan) -> None:
    """Attachments of duplicates: the same file of the original (by sha256), else the original itself."""
    rows = _snapshot(db, "scan_duplicates",
                     f"SELECT e.item_id, e.site_code, e.duplicate_of, e.new_url, r.attachments FROM {TABLE} e "
                     f"JOIN records r ON r.page_id = e.page_id WHERE e.kind = 'item' AND e.duplicate_of IS NOT NULL "
                     f"ORDER BY e.site_code, e.source_url")
    for item_id, code, duplicate_of, fallback_url, attachments_json in rows:
        for entry in _entries(attachments_json):
            url = plan.resolver.canonical(entry.get("url") or "")
            owner = plan.resolver.site_of(url) if url else None
            if not url or owner is None or owner["action"] == "keep":
                continue
            attachment_id = make_item_id(owner["site_code"], url, "attachment")
            if db.execute(f"SELECT 1 FROM {TABLE} WHERE item_id = ?", [attachment_id]).fetchone():
                continue
            page = _page_for(db, url)
            same = _same_file(db, page[4]) if page and page[4] else None
            target, of = same if same else (fallback_url, duplicate_of)
            _insert(db, {"item_id": attachment_id, "site_code": owner["site_code"], "source_url": url,
                         "kind": "attachment", "role": "attachment", "title": entry.get("title"),
                         "page_id": page[0] if page else None, "status": "skipped", "new_url": target,
                         "duplicate_of": of, "note_level": "notice",
                         "note": f"attachment of duplicate item {item_id}: points to {target}"})


def _same_file(db, sha: str) -> tuple[str, str] | None:
    """(new URL, id or URL) of an exported file with this content, else of a kept site's file with it."""
    row = db.execute(f"SELECT new_url, item_id FROM {TABLE} WHERE kind = 'attachment' AND status = 'export' "
                     f"AND sha256 = ? LIMIT 1", [sha]).fetchone()
    if row:
        return row[0], row[1]
    row = db.execute("SELECT p.url FROM pages p JOIN sites s ON s.site_code = p.site_code WHERE s.action = 'keep' "
                     "AND p.sha256 = ? AND p.status BETWEEN 200 AND 299 LIMIT 1", [sha]).fetchone()
    return (row[0], row[0]) if row else None
