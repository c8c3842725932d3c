"""Import receipts: the URLs the parent platform actually gave our items when it imported the package.

A receipt file is CSV (header ``item_id,new_url``; 条目编号/新网址 accepted) or JSON (a list of
``{"item_id", "new_url"}`` objects or one ``{item_id: new_url}`` object). Receipts override the
URL template; the id map is updated at once so the redirect plan sees them, and the next export
rewrites the bodies that link to those items. All-or-nothing: one bad row and nothing is stored.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from site_inventory.urls import URLError, canonicalize

ID_HEADERS = ("item_id", "id", "条目编号", "编号")
URL_HEADERS = ("new_url", "url", "新网址", "新地址")


class ReceiptError(ValueError):
    """A receipt file that cannot be read, or rows that cannot be stored (all listed)."""


@dataclass
class ReceiptReport:
    """What an import did: counts and the item ids whose URL changed."""

    file: str
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    changed_items: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def _decode(data: bytes, path: Path) -> str:
    """UTF-8 (with or without BOM), else GB18030 (Excel on a Chinese Windows saves GBK)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            raise ReceiptError(f"{path}: neither UTF-8 nor GBK/GB18030 text") from None


def _pick(header: list[str], names: tuple[str, ...], path: Path) -> int:
    lowered = [h.strip().lower() for h in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    raise ReceiptError(f"{path}: no column named {' / '.join(names)} in the header {header}")


def read_rows(path: str | Path) -> list[tuple[str, str, str]]:
    """(where, item_id, new_url) for every row of a CSV or JSON receipt file."""
    path = Path(path)
    try:
        text = _decode(path.read_bytes(), path)
    except OSError as exc:
        raise ReceiptError(f"{path}: cannot read ({exc.strerror})") from None
    if path.suffix.lower() == ".json" or text.lstrip().startswith(("[", "{")):
        return _json_rows(text, path)
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise ReceiptError(f"{path}: empty file")
    id_col, url_col = _pick(header, ID_HEADERS, path), _pick(header, URL_HEADERS, path)
    rows = []
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = row + [""] * (max(id_col, url_col) + 1 - len(row))
        rows.append((f"{path.name} row {number}", cells[id_col].strip(), cells[url_col].strip()))
    return rows


def _json_rows(text: str, path: Path) -> list[tuple[str, str, str]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReceiptError(f"{path}: not valid JSON ({exc})") from None
    if isinstance(data, dict):
        return [(f"{path.name} key {k!r}", str(k), str(v) if v is not None else "") for k, v in data.items()]
    if not isinstance(data, list):
        raise ReceiptError(f"{path}: expected a list of {{item_id, new_url}} objects or one {{item_id: new_url}} object")
    rows = []
    for number, entry in enumerate(data, start=1):
        where = f"{path.name} entry #{number}"
        if not isinstance(entry, dict):
            raise ReceiptError(f"{where}: expected an object, got {entry!r}")
        item_id = next((entry[k] for k in ID_HEADERS if k in entry), "")
        new_url = next((entry[k] for k in URL_HEADERS if k in entry), "")
        rows.append((where, str(item_id or "").strip(), str(new_url or "").strip()))
    return rows


def _check(db, rows: list[tuple[str, str, str]]) -> list[str]:
    """Every problem of the rows: unknown ids, duplicates that disagree, URLs that are not absolute http(s)."""
    problems, seen = [], {}
    for where, item_id, new_url in rows:
        if not item_id:
            problems.append(f"{where}: item_id is empty")
            continue
        if not db.execute("SELECT 1 FROM id_map WHERE item_id = ?", [item_id]).fetchone():
            problems.append(f"{where}: item_id {item_id!r} is not in the id map (export first)")
        try:
            ok = urlsplit(new_url).scheme in ("http", "https") and bool(urlsplit(new_url).hostname)
            canonicalize(new_url)
        except (URLError, ValueError):
            ok = False
        if not ok:
            problems.append(f"{where}: new_url {new_url!r} is not an absolute http(s) URL")
        if item_id in seen and seen[item_id] != new_url:
            problems.append(f"{where}: item_id {item_id!r} already given {seen[item_id]!r} earlier in the file")
        seen[item_id] = new_url
    return problems


def receipts_import(workspace, file: str | Path) -> ReceiptReport:
    """Store the receipts of ``file`` and put their URLs in the id map (nothing stored if any row is bad)."""
    db = workspace.db
    rows = read_rows(file)
    problems = _check(db, rows)
    if problems:
        raise ReceiptError("\n".join(problems))
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    report = ReceiptReport(str(file), rows=len(rows))
    with db.conn:
        for _, item_id, raw_url in rows:
            new_url = canonicalize(raw_url)
            old = db.execute("SELECT new_url FROM receipts WHERE item_id = ?", [item_id]).fetchone()
            if old and old[0] == new_url:
                report.unchanged += 1
                continue
            report.updated += bool(old)
            report.added += not old
            db.execute(
                "INSERT OR REPLACE INTO receipts (item_id, new_url, source_file, imported_at) VALUES (?, ?, ?, ?)",
                [item_id, new_url, str(file), now],
            )
            db.execute("UPDATE id_map SET new_url = ? WHERE item_id = ? OR duplicate_of = ?", [new_url, item_id, item_id])
            db.execute("UPDATE id_map SET status = 'needs_update' WHERE item_id = ? AND kind = 'item' "
                       "AND status = 'exported'", [item_id])
            report.changed_items.append(item_id)
    return report
