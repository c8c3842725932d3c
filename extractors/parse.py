"""Bytes -> a parsed page (decoded text, lxml tree, text lines), refusing what is not HTML.

Bad input is named here: empty bodies, binary files, oversized HTML (truncated with a
warning), markup that does not parse. The caller turns the verdict into a Record.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from site_inventory.encoding import Decoded, decode_html

MAX_HTML_BYTES = 2_000_000
DATA_URI_RE = re.compile(rb"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]{256,}")
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
_WS = re.compile(r"[\s\u00a0\u200b\ufeff]+")
_SPACES_RE = re.compile(r"[^\S\n\u3000]+")  # runs of spaces (not newlines, not U+3000) -> one space
_MIXED_RE = re.compile(r"(?: \u3000+|\u3000+ ) ?")  # U+3000 next to a space is layout, not a separator
_EDGE = " \t\r\n\f\v\u00a0\u3000\u200b\ufeff"
HTML_HINT_RE = re.compile(rb"<(?:html|body|head|p|div|table|br)[\s>/]", re.I)
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
    _class_index: list | None = field(default=None, repr=False)

    @property
    def lines(self) -> list[str]:
        """The page's visible text, one block per line (computed once)."""
        if self._lines is None:
            self._lines = text_lines(self.tree) if self.tree is not None else []
        return self._lines

    @property
    def class_index(self) -> list[tuple]:
        """(element, "class id") for every element that has a class or an id, in document order."""
        if self._class_index is None:
            self._class_index = class_index(self.tree) if self.tree is not None else []
        return self._class_index

    @property
    def time_values(self) -> list[str]:
        """datetime attributes (or text) of <time> elements."""
        if self.tree is None:
            return []
        return [t.get("datetime") or t.text_content() for t in self.tree.iter("time")]


def class_index(tree) -> list[tuple]:
    """(element, "class id") pairs, so CMS and breadcrumb rules scan attributes once per page."""
    return [(el, f"{el.get('class') or ''} {el.get('id') or ''}") for el in tree.xpath("//*[@class or @id]")]


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
    textual = ctype.startswith(("text/plain", "application/xml", "text/xml")) or \
        (not ctype and re.search(r"\.(?:txt|xml|rss|atom)$", urlsplit(url or "").path, re.I))
    if textual and not HTML_HINT_RE.search(data[:4096]):
        page.problem = "not-html"
        page.binary_type = "xml" if data.lstrip()[:1] == b"<" else "txt"
        page.warnings.append(f"{ctype or 'the URL'} names a {page.binary_type} file, and the bytes are not HTML")
        return page
    if len(data) > MAX_HTML_BYTES and DATA_URI_RE.search(data):
        data, count = DATA_URI_RE.subn(b"data:,", data)
        page.warnings.append(f"{count} inline base64 data URI(s) removed to keep the page extractable")
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
    page.tree = parse_html(page.text, page.warnings)
    if page.tree is None:
        page.problem = "unparsable"
        page.warnings.append("the markup could not be parsed as HTML")
    return page


def _parser() -> lxml.html.HTMLParser:
    """An HTML parser whose elements are all HtmlElement, chosen in C (lxml.html's default
    lookup calls Python for every element it hands out; that is a tenth of the extraction time)."""
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_pis=True, collect_ids=False,
                                  huge_tree=False, default_doctype=False)
    parser.set_element_class_lookup(etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity))
    return parser


def parse_fragment(markup: str) -> lxml.html.HtmlElement:
    """A <div> holding serialised markup (trafilatura's output), with the fast element lookup.

    What lxml.html.fragment_fromstring(create_parent="div") does, except that the <div> comes from
    our parser: the elements moved under it belong to its document, and lxml.html's parent would
    give them its Python lookup again (a call per element every later walk of the body makes)."""
    parser = _parser()
    elements = lxml.html.fragments_fromstring(markup, parser=parser)
    root = parser.makeelement("div")
    if elements and isinstance(elements[0], str):
        root.text = elements.pop(0)
    root.extend(elements)
    return root


def parse_html(text: str, warnings: list[str] | None = None) -> lxml.html.HtmlElement | None:
    """Parse decoded HTML (comments kept for CMS markers), None when nothing parses.

    libxml2 stops at 256 levels of nesting; that loss is reported in ``warnings``.
    """
    text = _XML_DECL.sub("", text, count=1).replace("\x00", "")
    if not text.strip():
        return None
    parser = _parser()
    try:
        tree = lxml.html.fromstring(text.encode("utf-8", "surrogatepass"), parser=parser)
    except (etree.ParserError, ValueError):
        return None
    if warnings is not None and any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):
        warnings.append("markup nested deeper than the parser's limit (256 levels): the content below that "
                        "depth was not read")
    if tree is None:
        return None
    if tree.tag != "html":
        root = tree.getroottree().getroot()
        tree = root if root is not None else tree
    return tree


def clean_text(text: str | None) -> str:
    """Collapse runs of spaces to one and strip the ends (full-width spaces too).

    A run of ideographic spaces (U+3000) alone inside a line is kept as written: Chinese
    documents use it between 第一条 and its text.
    """
    if not text:
        return ""
    if "\u3000" in text:
        return _WS.sub(_space, text).strip(_EDGE)
    return _WS.sub(" ", text).strip(_EDGE)


def _space(m: re.Match) -> str:
    run = m.group(0)
    return run if run.strip("\u3000") == "" else " "


def _text_stylesheet() -> etree.XSLT:
    """Visible text with a newline around each block element, skipping SKIP_TAGS, in libxslt (C):
    the same text a recursive Python walk gives, at a third of its cost."""
    skip = "|".join(sorted(SKIP_TAGS))
    blocks = "|".join(sorted(BLOCK_TAGS))
    return etree.XSLT(etree.XML(
        '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
        '<xsl:output method="text" encoding="utf-8"/>'
        f'<xsl:template match="{skip}"/>'
        f'<xsl:template match="{blocks}"><xsl:text>&#10;</xsl:text><xsl:apply-templates/>'
        '<xsl:text>&#10;</xsl:text></xsl:template>'
        '</xsl:stylesheet>'))


_TEXT_XSLT = _text_stylesheet()


def text_lines(root) -> list[str]:
    """Visible text of an element, one line per block element, whitespace collapsed."""
    text = _SPACES_RE.sub(" ", str(_TEXT_XSLT(root)))
    if "\u3000" in text:
        text = _MIXED_RE.sub(" ", text)
    lines = (line.strip(_EDGE) for line in text.split("\n"))
    return [line for line in lines if line]
