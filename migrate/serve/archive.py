"""Old pages as archived: the response replayed from the crawl's WARC, and the new page from the preview.

The old page is read from its WARC record through ``site_inventory.bodies.page_body`` and served in a sandbox with no scripts; the new page is the
preview's file at the path of the item's new URL, confined to the preview folder.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from site_inventory.bodies import BodyError, page_body

HTML_TYPES = ("text/html", "application/xhtml+xml")


def old_page(workspace, page_id: int) -> tuple[bytes, str] | None:
    """(body, charset) of a crawled HTML page, replayed from its WARC record; None when there is none."""
    row = workspace.db.execute(
        "SELECT warc_file, warc_offset, warc_length, size, content_type, detected_encoding FROM pages WHERE id = ?",
        [page_id]).fetchone()
    if row is None:
        return None
    columns = ("warc_file", "warc_offset", "warc_length", "size", "content_type", "detected_encoding")
    page = dict(zip(columns, row))
    content_type = page["content_type"]
    if content_type and not content_type.split(";")[0].strip().lower() in HTML_TYPES:
        return None
    try:
        payload = page_body(workspace, page)
    except BodyError:
        return None
    return (payload, page["detected_encoding"] or "utf-8") if payload is not None else None


def preview_file(preview_dir: Path | None, new_url: str | None) -> Path | None:
    """The preview's file for a new URL (folders answer with index.html), inside the preview folder only."""
    if not preview_dir or not new_url:
        return None
    path = unquote(urlsplit(new_url).path)
    return confined_file(preview_dir, path)


def confined_file(root: Path, path: str) -> Path | None:
    """``root/path`` if it is a file inside ``root`` (no .. escapes, no symlinks out), else None."""
    root = root.resolve()
    file = (root / path.lstrip("/")).resolve()
    if file.is_dir():
        file = file / "index.html"
    try:
        file.relative_to(root)
    except ValueError:
        return None
    return file if file.is_file() else None
