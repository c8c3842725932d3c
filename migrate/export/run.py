"""``govmigrate export``: write the migration package the parent platform imports, site by site.

Re-runs write only what changed: an item is rebuilt from the workspace, hashed, and compared with
the hash in the id map; a site's ``items.jsonl`` is replaced only when its bytes differ, files
are stored once per content, and the manifest is rewritten only when the package changed.
Id map changes are staged in temporary tables and committed after the files are in place.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from . import idmap, package
from .attachments import AttachmentError, read_body, sha256_bytes
from .bodylinks import removed_link_messages, rewrite_links
from .filenames import confined
from .worklist import TABLE, Plan, make_plan

STAGED_COLUMNS = ", ".join(idmap.COLUMNS)


class ExportError(Exception):
    """The export cannot run as asked (unknown site, a site kept as it is, no package folder)."""


def tool_version() -> str:
    try:
        from importlib.metadata import version

        return version("govmigrate")
    except Exception:  # running from a checkout that is not installed
        return "0.1.0"


@dataclass
class SiteResult:
    """What the export did (or, with --dry-run, would do) for one site."""

    site_code: str
    name: str = ""
    items: int = 0             # items in the site's items.jsonl after the run
    written: int = 0           # new or changed items (re)written
    unchanged: int = 0
    removed: int = 0           # items no longer exported (dropped, gone) taken out of the package and map
    skipped: int = 0
    duplicates: int = 0
    failed: int = 0
    attachments: int = 0       # distinct files in the site's attachments/
    attachments_written: int = 0
    attachments_removed: int = 0
    attachments_failed: int = 0
    reached: bool = True       # False when --limit ran out before this site
    messages: dict = field(default_factory=dict)
    written_ids: list[str] = field(default_factory=list)


@dataclass
class ExportReport:
    out_dir: str
    dry_run: bool
    sites: list[SiteResult] = field(default_factory=list)
    manifest_written: bool = False
    stale_temporaries: int = 0

    def total(self, name: str) -> int:
        return sum(getattr(site, name) for site in self.sites)

    def to_dict(self) -> dict:
        totals = {k: self.total(k) for k in ("items", "written", "unchanged", "removed", "skipped", "duplicates",
                                             "failed", "attachments", "attachments_written", "attachments_failed")}
        return {"out_dir": self.out_dir, "dry_run": self.dry_run, "manifest_written": self.manifest_written,
                "totals": totals, "sites": [s.__dict__ for s in self.sites]}


class _Budget:
    """--limit: how many more items this run may process (None: no limit)."""

    def __init__(self, limit: int | None):
        self.left = limit

    def take(self) -> bool:
        if self.left is None:
            return True
        if self.left <= 0:
            return False
        self.left -= 1
        return True


def select_sites(workspace, codes) -> list[str]:
    """The sites to export: the named ones (checked), else every closing site with mapping decisions."""
    rows = {r[0]: r[1] for r in workspace.db.execute("SELECT site_code, action FROM sites")}
    mapped = {r[0] for r in workspace.db.execute("SELECT DISTINCT site_code FROM item_mappings")}
    if not codes:
        return sorted(c for c, action in rows.items() if action != "keep" and c in mapped)
    for code in codes:
        if code not in rows:
            raise ExportError(f"site {code!r} is not in the inventory (govmigrate inventory list)")
        if rows[code] == "keep":
            raise ExportError(f"site {code} has action keep: it is the parent platform's own content, nothing to export")
        if code not in mapped:
            raise ExportError(f"site {code} has no mapping decisions yet: run 'govmigrate map apply' first")
    return sorted(dict.fromkeys(codes))


def export(workspace, codes=(), out_dir=None, dry_run: bool = False, update: bool = False,
           limit: int | None = None, progress: bool = False) -> ExportReport:
    """Write (or with ``dry_run`` only count) the package of the given sites into ``out_dir``."""
    selected = select_sites(workspace, codes)
    out_dir = out_dir or idmap.last_out_dir(workspace.db)
    if not out_dir and not dry_run:
        raise ExportError("no package folder: give -o DIR")
    out = Path(out_dir).resolve() if out_dir else None
    if out and out.exists() and not out.is_dir():
        raise ExportError(f"{out} exists and is not a folder")
    report = ExportReport(str(out) if out else "", dry_run)
    plan = make_plan(workspace)
    run = _start_run(workspace.db, out, selected, dry_run, update)
    writer = _PackageWriter(out, dry_run)
    if not dry_run:
        report.stale_temporaries = package.remove_stale_temporaries(out)
    budget = _Budget(limit)
    for code in selected:
        result = _SiteExport(workspace, plan, code, writer, update, budget, run["at"], progress).run()
        report.sites.append(result)
    if not dry_run:
        report.manifest_written = package.finish_manifest(workspace, out, tool_version(), force=writer.touched)
        _finish_run(workspace.db, run["id"], report)
    return report


class _PackageWriter:
    """File operations on the package, removing the manifest before the first change."""

    def __init__(self, out: Path | None, dry_run: bool):
        self.out, self.dry_run, self.touched = out, dry_run, False

    def touch(self) -> None:
        if not self.touched and not self.dry_run:
            self.out.mkdir(parents=True, exist_ok=True)
            package.remove_manifest(self.out)
        self.touched = True

    def path(self, rel: str) -> Path | None:
        """Where a package-relative path lives on disk (None for a dry run without a folder)."""
        return confined(self.out, *rel.split("/")) if self.out else None


class _SiteExport:
    """One site's part of a run: its attachments, its items.jsonl, its id map rows."""

    def __init__(self, workspace, plan: Plan, code: str, writer: _PackageWriter, update: bool, budget: _Budget,
                 run_at: str, progress: bool):
        self.ws, self.db, self.plan, self.code = workspace, workspace.db, plan, code
        self.writer, self.update, self.budget, self.run_at, self.progress = writer, update, budget, run_at, progress
        site = plan.sites[code]
        self.result = SiteResult(code, site["name"])
        self.site_name = site["name"]

    def run(self) -> SiteResult:
        _stage_tables(self.db)
        if self.budget.left is not None and self.budget.left <= 0:
            self.result.reached = False
            return self.result
        self._attachments()
        cutoff = self._items()
        self._other_rows(cutoff)
        self._commit_map()
        return self.result

    # -- attachments -------------------------------------------------------------------------
    def _attachments(self) -> None:
        rows = self.db.execute(f"SELECT item_id, package_path, sha256, size, page_id, source_url FROM {TABLE} "
                               f"WHERE site_code = ? AND kind = 'attachment' AND status = 'export' ORDER BY seq",
                               [self.code]).fetchall()
        done: set[str] = set()
        for item_id, rel, sha, size, page_id, url in rows:
            if rel in done:
                continue
            done.add(rel)
            path = self.writer.path(rel)
            if not self.update and path and path.is_file() and (size is None or path.stat().st_size == size):
                continue
            try:
                data = read_body(self.ws.path, _page(self.db, page_id))
                if sha256_bytes(data) != sha:
                    raise AttachmentError(f"{url}: stored bytes do not match the crawl's sha256 (re-crawl the site)")
            except AttachmentError as exc:
                self.db.execute(f"UPDATE {TABLE} SET status = 'failed', note_level = 'error', note = ? "
                                f"WHERE site_code = ? AND kind = 'attachment' AND package_path = ?", [str(exc), self.code, rel])
                done.discard(rel)
                continue
            self.result.attachments_written += 1
            if not self.writer.dry_run:
                self.writer.touch()
                package.atomic_write(path, data)
        self.result.attachments = len(done)
        self._remove_orphans(done)

    def _remove_orphans(self, keep: set[str]) -> None:
        folder = self.writer.path(f"{self.code}/{package.ATTACHMENTS_DIR}") if self.writer.out else None
        if not folder or not folder.is_dir():
            return
        for path in sorted(folder.iterdir()):
            rel = f"{self.code}/{package.ATTACHMENTS_DIR}/{path.name}"
            if path.is_file() and rel not in keep and package.TMP_MARK not in path.name:
                self.result.attachments_removed += 1
                if not self.writer.dry_run:
                    self.writer.touch()
                    path.unlink()

    # -- items ---------------------------------------------------------------------------------
    def _items(self) -> str | None:
        """Write items.jsonl (all exported items of the site); returns the last source URL processed under --limit."""
        rel = f"{self.code}/{package.ITEMS_FILE}"
        target = self.writer.path(rel)
        sink = package.AtomicFile(target) if not self.writer.dry_run else _NullSink()
        digest = hashlib.sha256()
        cutoff, cut = None, False
        rows = self.db.execute(
            f"SELECT e.item_id, e.kind, e.source_url, e.new_url, e.target_id, e.target_path, e.page_id, e.title, "
            f"e.action, e.note_level, e.note, e.package_path FROM {TABLE} e WHERE e.site_code = ? AND e.status = 'export' "
            f"AND (e.kind = 'item' OR e.standalone = 1) ORDER BY e.source_url", [self.code])
        try:
            for row in _progress(rows, self.progress, self.code):
                if not self.budget.take():
                    cut = True
                    break
                cutoff = row[2]
                line = self._item_line(row)
                sink.write(line)
                digest.update(line)
            if cut and cutoff is None:
                sink.discard()
                return ""  # nothing of this site processed: it stays as it was
            if cut:
                for line in _old_lines_after(target, cutoff):
                    sink.write(line)
                    digest.update(line)
            else:
                cutoff = None
            if self.writer.dry_run or (target.is_file() and package.sha256_file(target)[0] == digest.hexdigest()):
                sink.discard()
            else:
                self.writer.touch()
                sink.commit()
        except BaseException:
            sink.discard()
            raise
        return cutoff

    def _item_line(self, row) -> bytes:
        item_id, kind, url, new_url, target_id, target_path, page_id, title, action, note_level, note, path = row
        messages = [(note_level, note)] if note else []
        if kind == "attachment":
            record = self._file_record(item_id, url, new_url, target_id, target_path, title)
        else:
            record, more = self._article_record(item_id, url, new_url, target_id, target_path, page_id, action)
            messages += more
        record["content_sha256"] = content_sha256(record)
        self.result.items += 1
        previous = self.db.execute("SELECT status, content_sha256 FROM id_map WHERE item_id = ?", [item_id]).fetchone()
        changed = self.update or previous is None or previous != ("exported", record["content_sha256"])
        if changed:
            self.result.written += 1
            self.result.written_ids.append(item_id)
            where = path if kind == "attachment" else f"{self.code}/{package.ITEMS_FILE}"
            self._stage(item_id, "exported", record["content_sha256"], where, messages)
        else:
            self.result.unchanged += 1
        return json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n"

    def _article_record(self, item_id, url, new_url, target_id, target_path, page_id, action):
        cursor = self.db.execute("SELECT * FROM records WHERE page_id = ?", [page_id])
        names = [d[0] for d in cursor.description]
        rec = dict(zip(names, cursor.fetchone()))
        rewritten = rewrite_links(rec.get("body_html") or "", url, self.plan.resolver)
        messages = removed_link_messages(rec.get("warnings")) + rewritten.messages
        attachments = []
        for role, text in (("attachment", rec.get("attachments")), ("image", rec.get("images"))):
            for entry in _json_list(text):
                attachments.append(self._attachment_entry(entry, role, messages))
        record = {
            "item_id": item_id, "kind": "static" if action == "static" else "article", "site_code": self.code,
            "site_name": self.site_name, "source_url": url, "new_url": new_url, "target_id": target_id,
            "target_path": target_path, "title": rec.get("title") or "", "published": rec.get("published"),
            "modified": rec.get("modified"), "written_date": rec.get("written_date"), "source": rec.get("source"),
            "author": rec.get("author"), "doc_number": rec.get("doc_number"), "index_number": rec.get("index_number"),
            "subject": rec.get("subject"), "validity": rec.get("validity"), "body_html": rewritten.html,
            "body_text": rec.get("body_text") or "", "attachments": [a for a in attachments if a],
        }
        return record, messages

    def _attachment_entry(self, entry: dict, role: str, messages: list) -> dict | None:
        raw = entry.get("url") or ""
        url = self.plan.resolver.canonical(raw) if raw else None
        if not url:
            return None
        row = self.db.execute(f"SELECT item_id, status, package_path, new_url, sha256, size, note FROM {TABLE} "
                              f"WHERE source_url = ? AND kind = 'attachment' ORDER BY status = 'export' DESC LIMIT 1",
                              [url]).fetchone()
        title = entry.get("title") or entry.get("alt") or ""
        base = {"role": role, "title": title, "type": entry.get("type"), "source_url": url}
        if row is None:
            return {**base, "item_id": None, "status": "external", "path": None, "new_url": url, "sha256": None,
                    "size": None}
        item_id, status, path, new_url, sha, size, note = row
        if status != "export":
            messages.append(("warning", f"{role} {url} is not in the package: {note}"))
        return {**base, "item_id": item_id, "status": "exported" if status == "export" else status,
                "path": path if status == "export" else None, "new_url": new_url, "sha256": sha, "size": size}

    def _file_record(self, item_id, url, new_url, target_id, target_path, title) -> dict:
        entry = self._attachment_entry({"url": url, "title": title}, "file", [])
        return {
            "item_id": item_id, "kind": "file", "site_code": self.code, "site_name": self.site_name,
            "source_url": url, "new_url": new_url, "target_id": target_id, "target_path": target_path,
            "title": title or url.rsplit("/", 1)[-1], "published": None, "modified": None, "written_date": None,
            "source": None, "author": None, "doc_number": None, "index_number": None, "subject": None,
            "validity": None, "body_html": "", "body_text": "", "attachments": [entry] if entry else [],
        }

    # -- the id map ------------------------------------------------------------------------------
    def _stage(self, item_id: str, status: str, sha: str | None, package_path: str | None,
               messages: list[tuple[str, str]]) -> None:
        self.db.execute(
            f"INSERT OR REPLACE INTO temp.staged_map ({STAGED_COLUMNS}) SELECT item_id, site_code, page_id, "
            f"source_url, kind, action, title, target_id, target_path, new_url, ?, ?, ?, duplicate_of, ? "
            f"FROM {TABLE} WHERE item_id = ?", [package_path, status, sha, self.run_at, item_id])
        self.db.conn.executemany("INSERT INTO temp.staged_messages (item_id, site_code, level, message) VALUES (?, ?, ?, ?)",
                            [(item_id, self.code, level, text) for level, text in messages if text])
        for level, _ in messages:
            self.result.messages[level] = self.result.messages.get(level, 0) + 1

    def _other_rows(self, cutoff: str | None) -> None:
        """Rows not written as items: skipped and failed pages, attachments; and rows that are gone."""
        limit_sql, params = ("AND (e.kind = 'attachment' OR e.source_url <= ?)", [cutoff]) if cutoff is not None else ("", [])
        rows = self.db.execute(
            f"SELECT e.item_id, e.kind, e.status, e.package_path, e.sha256, e.duplicate_of, e.note_level, e.note, "
            f"e.new_url, e.target_path, m.status, m.content_sha256, m.new_url, m.package_path, m.target_path, "
            f"m.duplicate_of FROM {TABLE} e LEFT JOIN id_map m ON m.item_id = e.item_id "
            f"WHERE e.site_code = ? AND NOT (e.status = 'export' AND (e.kind = 'item' OR e.standalone = 1)) {limit_sql}",
            [self.code, *params]).fetchall()
        for (item_id, kind, status, path, sha, dup, level, note, new_url, target_path,
             old_status, old_sha, old_url, old_path, old_target, old_dup) in rows:
            state = {"export": "exported"}.get(status, status)
            if state == "skipped":
                self.result.skipped += kind != "attachment"
                self.result.duplicates += bool(dup) and kind == "item"
            elif state == "failed":
                self.result.failed += kind != "attachment"
                self.result.attachments_failed += kind == "attachment"
            current = (state, sha, new_url, path, target_path, dup)
            if self.update or current != (old_status, old_sha, old_url, old_path, old_target, old_dup):
                self._stage(item_id, state, sha, path, [(level, note)] if note else [])
        gone = self.db.execute(
            f"SELECT item_id FROM id_map e WHERE site_code = ? {limit_sql} "
            f"AND item_id NOT IN (SELECT item_id FROM {TABLE})", [self.code, *params]).fetchall()
        for (item_id,) in gone:
            self.db.execute("INSERT INTO temp.staged_gone (item_id) VALUES (?)", [item_id])
            self.result.removed += 1

    def _commit_map(self) -> None:
        if self.writer.dry_run:
            return
        db = self.db
        with db.conn:
            db.execute(f"INSERT OR REPLACE INTO id_map ({STAGED_COLUMNS}) SELECT {STAGED_COLUMNS} FROM temp.staged_map")
            db.execute("DELETE FROM id_map_messages WHERE item_id IN (SELECT item_id FROM temp.staged_map)")
            db.execute("INSERT INTO id_map_messages (item_id, site_code, level, message, logged_at) "
                       "SELECT item_id, site_code, level, message, ? FROM temp.staged_messages ORDER BY rowid",
                       [self.run_at])
            db.execute("DELETE FROM id_map_messages WHERE item_id IN (SELECT item_id FROM temp.staged_gone)")
            db.execute("DELETE FROM id_map WHERE item_id IN (SELECT item_id FROM temp.staged_gone)")


class _NullSink:
    def write(self, data) -> None:
        pass

    def discard(self) -> None:
        pass

    def commit(self) -> None:
        pass


def _stage_tables(db) -> None:
    db.execute("DROP TABLE IF EXISTS temp.staged_map")
    db.execute("DROP TABLE IF EXISTS temp.staged_messages")
    db.execute("DROP TABLE IF EXISTS temp.staged_gone")
    db.execute("CREATE TEMP TABLE staged_map AS SELECT * FROM main.id_map WHERE 0")
    db.execute("CREATE UNIQUE INDEX temp.staged_map_id ON staged_map (item_id)")
    db.execute("CREATE TEMP TABLE staged_messages (item_id TEXT, site_code TEXT, level TEXT, message TEXT)")
    db.execute("CREATE TEMP TABLE staged_gone (item_id TEXT PRIMARY KEY)")


def _page(db, page_id: int) -> dict:
    cursor = db.execute("SELECT url, size, warc_file, warc_offset, warc_length FROM pages WHERE id = ?", [page_id])
    names = [d[0] for d in cursor.description]
    row = cursor.fetchone()
    if row is None:
        raise AttachmentError(f"page {page_id} is no longer in the workspace")
    return dict(zip(names, row))


def _json_list(text: str | None) -> list[dict]:
    try:
        value = json.loads(text) if text else []
    except json.JSONDecodeError:
        return []
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _old_lines_after(path: Path, cutoff: str):
    """Lines of the previous items.jsonl for items past the --limit cut (kept as they were)."""
    if path is None or not path.is_file():
        return
    with open(path, "rb") as handle:
        for line in handle:
            if json.loads(line).get("source_url", "") > cutoff:
                yield line


def _progress(rows, enabled: bool, code: str):
    if not enabled:
        return rows
    from tqdm import tqdm

    return tqdm(rows, desc=f"export {code}", unit="item", leave=False)


def content_sha256(record: dict) -> str:
    """The hash of an item record (its own hash field left out), key order independent."""
    body = {k: v for k, v in record.items() if k != "content_sha256"}
    return hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
                          .encode("utf-8")).hexdigest()


def rollback(workspace, site_code: str, out_dir=None) -> dict:
    """Take a site out of the package (its folder) and out of the id map; rewrite the manifest."""
    out_dir = out_dir or idmap.last_out_dir(workspace.db)
    removed_files = 0
    if out_dir:
        out = Path(out_dir).resolve()
        folder = confined(out, site_code)
        if folder.is_dir():
            package.remove_manifest(out)
            removed_files = sum(1 for p in folder.rglob("*") if p.is_file())
            shutil.rmtree(folder)
            package.finish_manifest(workspace, out, tool_version(), force=True)
    rows = idmap.rollback_rows(workspace.db, site_code)
    return {"site_code": site_code, "out_dir": str(out_dir) if out_dir else None, "files_removed": removed_files,
            "id_map_rows_removed": rows}


def _start_run(db, out, selected, dry_run, update) -> dict:
    at = idmap.now()
    if dry_run:
        return {"id": None, "at": at}
    with db.conn:
        cursor = db.execute("INSERT INTO export_runs (out_dir, site_codes, dry_run, forced, started_at) VALUES (?, ?, ?, ?, ?)",
                            [str(out), json.dumps(selected), int(dry_run), int(update), at])
    return {"id": cursor.lastrowid, "at": at}


def _finish_run(db, run_id, report: ExportReport) -> None:
    with db.conn:
        db.execute("UPDATE export_runs SET written = ?, unchanged = ?, skipped = ?, failed = ?, finished_at = ? "
                   "WHERE id = ?", [report.total("written"), report.total("unchanged"), report.total("skipped"),
                                    report.total("failed"), idmap.now(), run_id])
