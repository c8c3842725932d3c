"""Page -> record: body, title, dates, source, 文号, 索引号, breadcrumb, attachments.

``extract_page(data, url)`` is the one entry point: it never raises on bad input; a page that
cannot be read becomes a Record whose page_type and warnings say why. May import
``site_inventory`` only.
"""
from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote, urlsplit

from site_inventory.crawl.discovery import client_redirect

from .attachments import file_type, find_attachments, find_images
from .body import extract_body
from .breadcrumbs import column_from, find_breadcrumb
from .fingerprint import fingerprint
from .govmeta import clean_value, json_ld, labelled, meta_fields, meta_tags
from .language import declared_language, detect_language
from .metadata import (UPDATE_ONLY, Zones, author_value, best_labelled, doc_number_value, editor_value,
                       locate_body, published_date, source_value)
from .page_types import REDIRECT_STATUSES, classify, signals
from .parse import Page, load_page
from .record import FIELDS, PAGE_TYPES, Record
from .titles import find_title, headings, title_tag

EXTRACTOR_VERSION = "7"
XML_LIST_RE = re.compile(rb"<(?:urlset|sitemapindex|rss|feed|rdf:RDF)[\s>]")

__all__ = ["EXTRACTOR_VERSION", "FIELDS", "PAGE_TYPES", "Record", "extract_page"]


def extract_page(data: bytes, url: str, *, content_type: str | None = None, http_charset: str | None = None,
                 encoding: str | None = None, overrides: dict | None = None, status: int | None = None,
                 location: str | None = None) -> Record:
    """Extract one page's Record from its raw bytes (content-encoding already removed).

    A 3xx answer (``status``) is a ``redirect`` record whatever its bytes say: its content is
    where it leads (``location``), never an item to migrate.
    """
    if status in REDIRECT_STATUSES:
        return redirect_record(url, status, location)
    try:
        page = load_page(data, url, content_type=content_type, http_charset=http_charset, encoding=encoding)
        if page.problem:
            return _unreadable(page, data, content_type)
        return _extract(page, overrides or {})
    except RecursionError:
        record = Record(url=url, page_type="error")
        record.warn("markup nested too deeply to extract")
        return record


def redirect_record(url: str, status: int, location: str | None) -> Record:
    """The record of a redirect response: type ``redirect``, with where it leads in its warnings."""
    record = Record(url=url, page_type="redirect")
    record.warn(f"HTTP {status} redirect to {location}" if location else f"HTTP {status} redirect without a Location")
    return record


def _unreadable(page: Page, data: bytes | None, content_type: str | None) -> Record:
    """A Record for bytes that are not an HTML page: an attachment when they are a document."""
    record = Record(url=page.url, warnings=list(page.warnings))
    kind = file_type(page.url) or (page.binary_type if page.binary_type not in (None, "binary", "gz") else None)
    if page.binary_type == "gz":
        record.warn("gzip-compressed bytes: the Content-Encoding was not removed before extraction")
    elif page.problem == "not-html" and data and XML_LIST_RE.search(data[:2048]):
        record.page_type = "list"
        record.warn("an XML sitemap or feed: a list of links, not a page")
    elif page.problem in ("binary", "not-html") and (kind or page.problem == "not-html"):
        record.page_type = "attachment"
        name = unquote(posixpath.basename(urlsplit(page.url).path)) or page.url
        record.title = name
        record.attachments = [{"url": page.url, "title": name, "type": kind or (content_type or "file"),
                               "size": len(data) if data else None}]
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

    gov_table = {f.field for f in found} & {"index_number", "doc_number", "written_date"}
    table_title = next((clean_value("doc_title", f.value) for f in found if f.field == "doc_title"), None) \
        if gov_table else None
    strong = meta_raw.get("articletitle") or table_title
    heads = headings(tree, page.class_index)
    title, title_idx, warning = find_title(lines, title_tag(tree), strong or meta.get("title") or ld.get("title"),
                                           heads, meta.get("site_name"), meta_weak=not strong)
    record.title = title
    if warning:
        record.warn(warning)

    record.breadcrumb = find_breadcrumb(page, lines)
    record.column_name = meta_raw.get("columnname") or column_from(record.breadcrumb, title)
    page_attachments = find_attachments(tree, record.url, in_body=False)
    frames = tree.xpath("//frame[@src]|//iframe[@src and (@width='100%' or @height='100%')]")
    frameset = tree.find(".//frameset") is not None
    page_signals = signals(tree, lines, page.url)
    if overrides and overrides.get("noise_xpath"):
        page_signals.structure()  # read before the body pass removes the noise from the tree
    declared_lang = declared_language(tree, meta_raw)

    # the body comes last among the tree readers: noise XPaths are removed from the tree in place
    body = extract_body(tree, page.text, page.url, title, overrides, page.class_index)
    for w in body.warnings:
        record.warn(w)
    first = body.text.split("\n", 1)[0] if body.text else ""
    weak_title = title is None or warning and warning.startswith("title is the bare")
    unseen_title = title_idx is None and re.search(r"[\u4e00-\u9fff]", first or "")
    if (weak_title or unseen_title) and looks_like_heading(first):
        if body.drop_line(first):
            record.title, title_idx = first, lines.index(first) if first in lines else None
            record.warnings = [w for w in record.warnings if w != warning]
            record.warn("title taken from the first line of the body; <title> does not name the article")
    body_lines = body.text.split("\n") if body.text else []
    zones = Zones(title_idx, *locate_body(lines, body_lines))
    if warning and warning.startswith("title guessed from the first heading") and zones.body_start is not None:
        nearest = _heading_above(lines, heads, zones.body_start)
        if nearest and nearest[1] != record.title:
            record.title, zones.title = nearest[1], nearest[0]
            record.warnings = [w for w in record.warnings if w != warning]
            record.warn("title guessed from the heading nearest above the body; <title> does not name the article")
    if zones.title is not None and zones.body_start is not None and zones.title < zones.body_start:
        # the title line nearest above the body (the first may be a menu entry of the same name)
        zones.title = max(i for i in range(zones.title, zones.body_start) if lines[i] == lines[zones.title])
    zones.find_header_end(lines)

    _fill_metadata(record, lines, zones, found, meta, ld, body_lines, page, body)
    record.body_html, record.body_text = body.html, body.text
    _fill_links(record, body, page_attachments)
    header = bool(record.published and not any(("guessed" in w or "URL" in w) and not w.startswith("author")
                                                for w in record.warnings)) or any(
        f.field in ("source", "author") and zones.rank(f.line) == 0 for f in found)
    record.page_type, reason = classify(page.url, page_signals, body.text, article_header=header, title=record.title,
                                        has_frames=frameset or (bool(frames) and not body.text),
                                        labelled=any(f.field in ("published", "source") and f.value for f in found))
    if record.page_type != "article" and "author guessed from the name line" in record.warnings:
        record.author = None
        record.warnings.remove("author guessed from the name line")
    if reason and "soft 404" in reason:
        record.warn(reason)
    elif reason and record.page_type == "error" and (sent := client_redirect(tree, page.url)) and sent[0] != page.url:
        record.page_type = "redirect"  # a page with nothing but a meta refresh or location script: a 3xx in HTML
        record.warn(f"client-side redirect ({sent[1]}) to {sent[0]}")
    elif reason and record.page_type == "error":
        record.warn(_empty_reason(tree, lines, reason))
    elif reason and record.page_type == "column_index" and "frameset" in reason:
        record.warn(reason + ": " + ", ".join(f.get("src") for f in frames[:10]))
    elif reason:
        record.warn(f"page type {record.page_type}: {reason}")
    record.language = detect_language(declared_lang, body.text or " ".join(lines[:50]))
    record.fingerprint = fingerprint(body.text)
    if record.page_type == "article":
        for fld in ("published", "title"):
            if not getattr(record, fld):
                record.warn(f"no {fld} found")
    return record


def _heading_above(lines: list[str], heads: list[str], body_start: int) -> tuple[int, str] | None:
    """The heading whose line is the last one above the body's first line (decorations trimmed)."""
    best = None
    for head in heads:
        for i in range(min(body_start + 1, len(lines)) - 1, max(-1, body_start - 15), -1):
            if lines[i] == head:
                if best is None or i > best[0]:
                    best = (i, re.sub(r"[\s\-_|~·]+$", "", head))
                break
    return best if best and best[1] else None


def looks_like_heading(line: str) -> bool:
    """A short line with letters that does not end like a sentence: a plausible title."""
    return 2 <= len(line) <= 50 and not re.search(r"[。！？；，,.!?;:：]$", line) and sum(c.isalnum() for c in line) >= 2


def _fill_metadata(record: Record, lines, zones: Zones, found, meta, ld, body_lines, page, body) -> None:
    """Dates, source, author and the 信息公开 fields."""
    record.published, warning = published_date(lines, zones, found, meta, ld, record.url, body_lines,
                                               page.time_values, page.text, page.tree)
    if warning:
        record.warn(warning)
    modified = meta.get("modified") or ld.get("modified")
    record.modified = clean_value("modified", modified) if modified else best_labelled(found, "modified", zones)[0]
    if warning == UPDATE_ONLY:
        record.modified = None
    record.source = source_value(zones, found, meta, lines, ld)
    record.editor = editor_value(found, zones)
    record.author, how = author_value(lines, zones, found, meta, ld, body_lines, record.title)
    if how in ("name line", "editor"):
        record.warn(f"author guessed from the {how}")
    if how == "name line" and body_lines and body_lines[0] == record.author and body.drop_line(record.author):
        body_lines.pop(0)
    record.doc_number = doc_number_value(zones, found, lines, body_lines)
    for fld in ("index_number", "subject", "written_date", "validity"):
        setattr(record, fld, best_labelled(found, fld, zones)[0])


def _fill_links(record: Record, body, page_attachments: list[dict]) -> None:
    """Attachments (body links first, then document links elsewhere outside nav/footer) and images."""
    attachments = find_attachments(body.element, record.url) if body.element is not None else []
    seen = {a["url"] for a in attachments}
    attachments += [a for a in page_attachments if a["url"] not in seen]
    record.attachments = attachments
    record.images = find_images(body.element, record.url) if body.element is not None else []


def _empty_reason(tree, lines: list[str], reason: str) -> str:
    """Why a page gave no content: scripts only, meta refresh, or nothing at all."""
    if tree.xpath("//meta[translate(@http-equiv,'REFSH','refsh')='refresh']"):
        return f"{reason}: the page only redirects (meta refresh)"
    if tree.find(".//script") is not None and not lines:
        return f"{reason}: the page is built by JavaScript"
    return reason
