"""What a fetched response is (page, attachment, sitemap, feed, robots) and what it points to.

Runs in the crawler's worker threads, right after the fetch, so the single database writer
only has to store the result.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from . import attachments, discovery
from .discovery import Found
from ..encoding import decode_html
from .fetch import Response
from .robots import Robots
from .soft404 import PHRASES as SOFT_404_PHRASES, is_soft_404
from ..urls import URLError, canonical_and_request, canonicalize, climbs_above_root

_LATIN_NOT_FOUND = tuple(p for p in SOFT_404_PHRASES if p.isascii())
_CJK_NOT_FOUND = tuple(p for p in SOFT_404_PHRASES if not p.isascii())  # no case to fold
# a piece of each CJK phrase (any page that holds the phrase holds the piece)
_CJK_KEYS = ("不存在", "找", "删", "您访问")
_XML_DECL = re.compile(rb"[ \t\n\r\x0b\x0c]*<\?xml")  # body.lstrip()[:5] == b"<?xml", without a copy of the body
TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/xml", "application/xml", "text/plain")


@dataclass
class Analysis:
    """The crawler's reading of one response."""

    kind: str = "page"  # page/attachment/robots/sitemap/feed
    sha256: str = ""
    declared_encoding: str | None = None
    detected_encoding: str | None = None
    soft_404: bool = False
    location: str | None = None  # canonical redirect target
    found: list[Found] = field(default_factory=list)
    robots: Robots | None = None
    sitemap_kind: str | None = None  # urlset/sitemapindex for sitemaps
    notes: list[str] = field(default_factory=list)  # decoding warnings, cut-short sitemaps ...


def content_type(resp: Response) -> str:
    return (resp.header("Content-Type") or "").split(";")[0].strip().lower()


def analyze(resp: Response, via: str, significant=None) -> Analysis:
    """Classify the response and collect the URLs it leads to."""
    out = Analysis(sha256=hashlib.sha256(resp.body).hexdigest())
    if 300 <= resp.status < 400:
        target = resp.header("Location")
        if target:
            try:
                out.location, request = canonical_and_request(target, base=resp.url, significant_params=significant)
                out.found.append(Found(out.location, "redirect", via="redirect",
                                       request_url=request if request != out.location else None,
                                       skip=discovery.CLIMBS if climbs_above_root(target, resp.url) else None))
            except URLError as exc:
                out.notes.append(f"unusable Location header {target!r}: {exc}")
    if via == "robots":
        out.kind = "robots"
        out.robots = Robots.from_response(resp.status, resp.body)
        for url in out.robots.sitemaps:
            try:
                out.found.append(Found(canonicalize(url, base=resp.url), "sitemap", via="sitemap-file"))
            except URLError as exc:
                out.notes.append(f"unusable Sitemap line {url!r}: {exc}")
        return out
    ctype = content_type(resp)
    body = resp.body
    if via == "sitemap-file" or discovery.looks_like_sitemap(resp.url, body):
        kind, entries, cut = discovery.sitemap_entries(body, resp.url, significant)
        if kind:
            out.kind, out.sitemap_kind = "sitemap", kind
            out.found.extend(entries)
            if cut:
                out.notes.append(f"sitemap cut at {discovery.SITEMAP_MAX_URLS} URLs / "
                                 f"{discovery.SITEMAP_MAX_BYTES} bytes")
            return out
    if attachments.is_attachment(resp.url, resp.header("Content-Type"), resp.header("Content-Disposition"), body):
        out.kind = "attachment"
        return out
    if ctype and not ctype.startswith(TEXT_TYPES) and not ctype.endswith(("+xml", "/xml")):
        return out
    if ("xml" in ctype or _XML_DECL.match(body)) and discovery.looks_like_feed(ctype, body):
        entries = discovery.feed_entries(body, resp.url, significant)
        if entries:
            out.kind = "feed"
            out.found.extend(entries)
            return out
    decoded = decode_html(body, http_charset=resp.header("Content-Type"))
    out.declared_encoding, out.detected_encoding = decoded.declared, decoded.detected
    out.notes.extend(decoded.warnings)
    text = decoded.text
    doc = discovery.parse_html(text)
    out.found.extend(discovery.html_links(doc, resp.url, significant))
    if "createPageHTML" in text:
        out.found.extend(discovery.trs_pagination(text, resp.url, significant))
    if "CDATA" in text or "totalRecord" in text:
        out.found.extend(discovery.hanweb_pagination(text, resp.url, significant))
    out.soft_404 = resp.status == 200 and _may_say_not_found(text) and is_soft_404(doc, resp.status)
    return out


def _may_say_not_found(text: str) -> bool:
    """Cheap test before the soft-404 check: the page's text holds a not-found phrase somewhere, or
    character references that could spell one (most pages have neither; their check is skipped)."""
    if not any(k in text for k in _CJK_KEYS):
        # the ASCII letters of the page, lower-cased: a short bytes copy, where "&#", "404" and the "not"
        # of every Latin phrase stay whole (only n/N, o/O, t/T lower to n, o, t; the letters the
        # dropped characters separated may join, which only sends more pages to the full test)
        ascii = text.encode("ascii", "ignore").lower()
        if b"&#" not in ascii and b"404" not in ascii and b"not" not in ascii:
            return False
    return _says_not_found(text)


def _says_not_found(text: str) -> bool:
    """The test itself: a character reference, a CJK phrase, or a Latin one in any case."""
    if "&#" in text or any(p in text for p in _CJK_NOT_FOUND):
        return True
    low = text.lower()
    return any(p in low for p in _LATIN_NOT_FOUND)
