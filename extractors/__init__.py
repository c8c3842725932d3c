"""Page -> record: body, title, dates, source, 文号, 索引号, breadcrumb, attachments.

``extract_page(data, url)`` is the one entry point: it never raises on bad input; a page that
cannot be read becomes a Record whose page_type and warnings say why.
"""
from __future__ import annotations

import posixpath
from urllib.parse import unquote, urlsplit

from .attachments import file_type, find_attachments, find_images
from .body import extract_body
from .breadcrumbs import column_from, find_breadcrumb
from .fingerprint import fingerprint
from .govmeta import clean_value, json_ld, labelled, meta_fields, meta_tags
from .language import detect_language
from .metadata import (Zones, author_value, best_labelled, doc_number_value, locate_body, published_date,
                       source_value)
from .page_types import classify
from .parse import Page, clean_text, load_page
from .record import FIELDS, PAGE_TYPES, Record
from .titles import find_title, headings, title_tag

EXTRACTOR_VERSION = "1"

__all__ = ["EXTRACTOR_VERSION", "FIELDS", "PAGE_TYPES", "Record", "extract_page"]


def extract_page(data: bytes, url: str, *, content_type: str | None = None, http_charset: str | None = None,
                 encoding: str | None = None, overrides: dict | None = None) -> Record:
    """Extract one page's Record from its raw bytes (content-encoding already removed)."""
    try:
        page = load_page(data, url, content_type=content_type, http_charset=http_charset, encoding=encoding)
        if page.problem:
            return _unreadable(page, data, content_type)
        return _extract(page, overrides or {})
    except RecursionError:
        record = Record(url=url, page_type="error")
        record.warn("markup nested too deeply to extract")
        return record


def _unreadable(page: Page, data: bytes | None, content_type: str | None) -> Record:
    """A Record for bytes that are not an HTML page: an attachment when they are a document."""
    record = Record(url=page.url, warnings=list(page.warnings))
    kind = file_type(page.url) or (page.binary_type if page.binary_type not in (None, "binary") else None)
    if page.problem in ("binary", "not-html") and (kind or page.problem == "not-html"):
        record.page_type = "attachment"
        name = unquote(posixpath.basename(urlsplit(page.url).path)) or page.url
        record.title = name
        record.attachments = [{"url": page.url, "title": name, "type": kind or (content_type or "file"),
                               "size": f"{len(data)}B" if data else None}]
    else:
        record.page_type = "error"
    return record


def _extract(page: Page, overrides: dict) -> Record:
    record = Record(url=page.url, warnings=list(page.warnings))
    tree, lines = page.tree, page.lines
    meta_raw = meta_tags(tree)
    meta = meta_fields(meta_raw)
    ld = json_ld(tree)
    found = labelled(lines)

    table_title = next((clean_value("doc_title", f.value) for f in found if f.field == "doc_title"), None)
    title, title_idx, warning = find_title(lines, title_tag(tree), meta.get("title") if "articletitle" in meta_raw
                                           else table_title, headings(tree), meta.get("site_name"))
    record.title = title
    if warning:
        record.warn(warning)

    body = extract_body(tree, page.text, page.url, title, overrides)
    for w in body.warnings:
        record.warn(w)
    record.body_html, record.body_text = body.html, body.text
    body_lines = body.text.split("\n") if body.text else []
    zones = Zones(title_idx, *locate_body(lines, body_lines))

    _fill_metadata(record, lines, zones, found, meta, ld, body_lines, tree)
    record.breadcrumb = find_breadcrumb(tree, lines)
    record.column_name = meta_raw.get("columnname") or column_from(record.breadcrumb, title)
    _fill_links(record, body, tree)
    frames = tree.xpath("//frame[@src]|//iframe[@src and (@width='100%' or @height='100%')]")
    inputs = len(tree.xpath("//form//input[not(@type='hidden')]|//form//select|//form//textarea"))
    record.page_type, reason = classify(page.url, tree, body.text, len(clean_text(tree.text_content())),
                                        has_frames=bool(tree.xpath("//frameset")) or (bool(frames) and not body.text),
                                        form_inputs=inputs)
    if reason and record.page_type == "error":
        record.warn(_empty_reason(tree, reason))
    elif reason and record.page_type == "column_index" and "frameset" in reason:
        record.warn(reason + ": " + ", ".join(f.get("src") for f in frames[:10]))
    record.language = detect_language(tree, meta_raw, body.text or " ".join(lines[:50]))
    record.fingerprint = fingerprint(body.text)
    if record.page_type == "article":
        for fld in ("published", "title"):
            if not getattr(record, fld):
                record.warn(f"no {fld} found")
    return record


def _fill_metadata(record: Record, lines, zones: Zones, found, meta, ld, body_lines, tree) -> None:
    """Dates, source, author and the 信息公开 fields."""
    times = [t.get("datetime") or t.text_content() for t in tree.iter("time")]
    record.published, warning = published_date(lines, zones, found, meta, ld, record.url, body_lines, times, tree)
    if warning:
        record.warn(warning)
    modified = meta.get("modified") or ld.get("modified")
    record.modified = clean_value("modified", modified) if modified else best_labelled(found, "modified", zones)[0]
    record.source = source_value(zones, found, meta)
    record.author, how = author_value(lines, zones, found, meta, ld, body_lines, record.title)
    if how in ("name line", "editor"):
        record.warn(f"author guessed from the {how}")
    record.doc_number = doc_number_value(zones, found, lines, body_lines)
    for fld in ("index_number", "subject", "written_date", "validity"):
        setattr(record, fld, best_labelled(found, fld, zones)[0])


def _fill_links(record: Record, body, tree) -> None:
    """Attachments (body links first, then document links elsewhere outside nav/footer) and images."""
    attachments = find_attachments(body.element, record.url) if body.element is not None else []
    seen = {a["url"] for a in attachments}
    attachments += [a for a in find_attachments(tree, record.url, in_body=False) if a["url"] not in seen]
    record.attachments = attachments
    record.images = find_images(body.element, record.url) if body.element is not None else []


def _empty_reason(tree, reason: str) -> str:
    """Why a page gave no content: scripts only, meta refresh, or nothing at all."""
    if tree.xpath("//meta[translate(@http-equiv,'REFSH','refsh')='refresh']"):
        return f"{reason}: the page only redirects (meta refresh)"
    if tree.xpath("//script") and not clean_text(tree.text_content()):
        return f"{reason}: the page is built by JavaScript"
    return reason
