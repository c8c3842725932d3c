"""Bytes -> a parsed page (decoded text, lxml tree, text lines), refusing what is not HTML.

Bad input is named here: empty bodies, binary files, oversized HTML (truncated with a
warning), markup that does not parse. The caller turns the verdict into a Record.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

from site_inventory.encoding import Decoded, decode_html

MAX_HTML_BYTES = 4_000_000
BINARY_MAGIC = {
    b"%PDF": "pdf", b"PK\x03\x04": "zip", b"\xd0\xcf\x11\xe0": "doc", b"Rar!": "rar",
    b"\x89PNG": "png", b"\xff\xd8\xff": "jpg", b"GIF8": "gif", b"7z\xbc\xaf": "7z",
    b"\x1f\x8b": "gz", b"BM": "bmp", b"{\\rtf": "rtf",
}
BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "tr", "td", "th", "table", "tbody",
    "thead", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header", "footer",
    "nav", "aside", "blockquote", "pre", "form", "hr", "center", "main", "figure",
    "figcaption", "caption", "address", "fieldset", "legend", "option", "body", "iframe", "frame",
}
SKIP_TAGS = {"script", "style", "noscript", "template", "head", "title", "select", "textarea", "svg", "object"}
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_WS = re.compile(r"[ \t\r\f\v\u00a0\u3000\u200b\ufeff]+")
HTML_TYPES = ("text/html", "application/xhtml", "text/plain", "application/xml", "text/xml")


@dataclass
class Page:
    """A decoded, parsed page and what went wrong on the way."""

    url: str
    text: str = ""
    tree: lxml.html.HtmlElement | None = None
    decoded: Decoded | None = None
    problem: str | None = None        # why there is no usable tree: empty/binary/not-html/unparsable
    binary_type: str | None = None    # file type sniffed from magic bytes
    warnings: list[str] = field(default_factory=list)
    _lines: list[str] | None = field(default=None, repr=False)

    @property
    def lines(self) -> list[str]:
        """The page's visible text, one block per line (computed once)."""
        if self._lines is None:
            self._lines = text_lines(self.tree) if self.tree is not None else []
        return self._lines


def sniff_binary(data: bytes) -> str | None:
    """A file type when the bytes are not text: magic numbers, then NUL bytes."""
    for magic, kind in BINARY_MAGIC.items():
        if data.startswith(magic):
            return kind
    head = data[:2048]
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary"
    return None


def load_page(data: bytes | None, url: str, content_type: str | None = None,
              http_charset: str | None = None, encoding: str | None = None) -> Page:
    """Decode and parse; ``problem`` says why when the bytes are not a usable HTML page."""
    page = Page(url=url)
    if not data:
        page.problem = "empty"
        page.warnings.append("empty response body: nothing to extract")
        return page
    kind = sniff_binary(data)
    if kind:
        page.problem, page.binary_type = "binary", kind
        page.warnings.append(f"binary content ({kind}, {len(data)} bytes), not an HTML page")
        return page
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype and not ctype.startswith(HTML_TYPES):
        page.problem = "not-html"
        page.warnings.append(f"content type {ctype} is not HTML")
        return page
    if len(data) > MAX_HTML_BYTES:
        page.warnings.append(
            f"page is {len(data) / 1e6:.1f} MB; only the first {MAX_HTML_BYTES / 1e6:.0f} MB were extracted"
        )
        data = data[:MAX_HTML_BYTES]
    if http_charset is None and content_type and "charset" in content_type.lower():
        http_charset = content_type
    page.decoded = decode_html(data, http_charset=http_charset, override=encoding)
    page.warnings.extend(page.decoded.warnings)
    page.text = page.decoded.text
    page.tree = parse_html(page.text)
    if page.tree is None:
        page.problem = "unparsable"
        page.warnings.append("the markup could not be parsed as HTML")
    return page


def parse_html(text: str) -> lxml.html.HtmlElement | None:
    """Parse decoded HTML (comments kept for CMS markers), None when nothing parses."""
    text = _XML_DECL.sub("", text, count=1).replace("\x00", "")
    if not text.strip():
        return None
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_pis=True, collect_ids=False,
                                  huge_tree=True, default_doctype=False)
    try:
        tree = lxml.html.fromstring(text.encode("utf-8", "surrogatepass"), parser=parser)
    except (etree.ParserError, ValueError):
        return None
    if tree is None:
        return None
    if tree.tag != "html":
        root = tree.getroottree().getroot()
        tree = root if root is not None else tree
    return tree


def clean_text(text: str | None) -> str:
    """Collapse runs of spaces (including full-width and nbsp) to one and strip."""
    return _WS.sub(" ", text or "").strip()


def text_lines(root) -> list[str]:
    """Visible text of an element, one line per block element, whitespace collapsed."""
    parts: list[str] = []
    _walk(root, parts)
    lines = (clean_text(line) for line in "".join(parts).split("\n"))
    return [line for line in lines if line]


def _walk(el, parts: list[str], depth: int = 0) -> None:
    """Append the text of ``el`` (not its tail) to parts, with newlines around blocks."""
    tag = el.tag if isinstance(el.tag, str) else None
    if tag is None or tag in SKIP_TAGS or depth > 400:
        return
    block = tag in BLOCK_TAGS
    if block:
        parts.append("\n")
    if el.text:
        parts.append(el.text)
    for child in el:
        _walk(child, parts, depth + 1)
        if child.tail:
            parts.append(child.tail)
    if block:
        parts.append("\n")
