"""The article body as clean HTML and text.

Order of precedence: a per-site override (body XPath from the workspace config), a CMS profile
(Hanweb's ZJEG_RSS comment markers, TRS's div.TRS_Editor, other well-known government CMS
containers), then trafilatura. Noise XPaths from the config are removed first. The header lines
that repeat the title or carry 发布时间/来源 and the trailing 打印/关闭/责任编辑 lines are cut off,
because they are metadata, not body (the passes over the body's blocks live in ``blocks``).
"""
from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

import lxml.html
import trafilatura
from lxml import etree
from lxml.html import HtmlElement

from site_inventory.urls import unsafe_link_scheme

from .blocks import (SENTENCE_RE, cut_after_end_marker, drop, drop_boilerplate, drop_metadata_tables,
                     has_img, leaf_blocks, text_of, trim_edges)
from .parse import class_index, clean_text, parse_fragment, parse_html, text_lines

HANWEB_RE = re.compile(r"<!--\s*ZJEG_RSS\.content\.begin\s*-->(.*?)<!--\s*ZJEG_RSS\.content\.end\s*-->", re.S | re.I)
CMS_PROFILES = (  # (name, regex over "class id" of an element, words one of which that text must contain)
    ("trs", re.compile(r"(?:^|\s)(?:TRS_Editor|TRS_UEDITOR|trs_editor_view)(?:\s|$)"),
     ("TRS_Editor", "TRS_UEDITOR", "trs_editor_view")),
    ("ucap", re.compile(r"\sUCAP-CONTENT$"), ("UCAP-CONTENT",)),
    ("zoom", re.compile(r"\s(?:zoom|Zoom|fontzoom)$"), ("zoom", "Zoom")),
    ("gov-pages-content", re.compile(r"(?:^|\s)pages_content(?:\s|$)"), ("pages_content",)),
)
KEEP_TAGS = {"p", "br", "table", "thead", "tbody", "tr", "td", "th", "ul", "ol", "li", "img", "a", "b", "strong",
             "i", "em", "u", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "sub", "sup", "caption", "hr"}
DROP_TAGS = {"script", "style", "noscript", "iframe", "form", "input", "button", "select", "textarea", "object",
             "embed", "template", "svg", "link", "meta", "frame", "frameset", "head", "title"}
KEEP_ATTRS = {"a": ("href", "title"), "img": ("src", "alt", "title"), "td": ("colspan", "rowspan"),
              "th": ("colspan", "rowspan")}
TRAF_TAGS = {"list": "ul", "item": "li", "code": "pre", "quote": "blockquote", "lb": "br", "graphic": "img",
             "ref": "a", "row": "tr", "hi": "b", "del": "s", "doc": "div", "main": "div"}
MIN_PROFILE_CHARS = 10
COMMENTS_RE = re.compile(r"^[【\[]?\s*(?:网友评论|发表评论|我要评论|用户评论|读者评论|评论区|热门跟贴|最新跟贴|(?:\d+\s*)?comments?\b)", re.I)
THIN_BODY_LETTERS = 150  # a trafilatura body with fewer letters in sentences is tried again without favor_precision
CONTAINER_TAGS = {"div", "td", "section", "article", "main"}


@dataclass
class Body:
    """Extracted main content: an HTML fragment, its text, and how it was found."""

    html: str = ""
    text: str = ""
    method: str = "none"
    element: HtmlElement | None = None
    warnings: list[str] = field(default_factory=list)

    def drop_line(self, text: str) -> bool:
        """Remove the first block whose text is ``text`` (a title or byline found inside the body)."""
        if self.element is None:
            return False
        for block in leaf_blocks(self.element):
            if clean_text(block.text_content()) == text and not has_img(block):
                drop(block)
                self.html = etree.tostring(self.element, encoding="unicode", method="html")
                self.text = "\n".join(text_lines(self.element))
                return True
        return False

def extract_body(tree: HtmlElement, raw_html: str, url: str, title: str | None = None,
                 overrides: dict | None = None, index: list | None = None) -> Body:
    """Find, clean and serialise the main content of a parsed page.

    Noise XPaths are removed from ``tree`` in place, so call this after every other reader of
    the tree. ``index`` is the page's (element, "class id") list (parse.class_index).
    """
    overrides = overrides or {}
    warnings: list[str] = []
    work = tree
    for xpath in _as_list(overrides.get("noise_xpath")):
        try:
            for el in work.xpath(xpath):
                drop(el)
            index = None
        except etree.XPathError as exc:
            warnings.append(f"noise_xpath {xpath!r} is not valid XPath: {exc}")
    element, method = None, None
    if overrides.get("body_xpath"):
        try:
            element = _join(work.xpath(overrides["body_xpath"]))
            method = "override" if element is not None else None
            if element is None:
                warnings.append(f"body_xpath {overrides['body_xpath']!r} matched nothing; fell back")
        except etree.XPathError as exc:
            warnings.append(f"body_xpath {overrides['body_xpath']!r} is not valid XPath: {exc}")
    if element is None:
        element, method = _cms_profile(work, raw_html, index if index is not None else class_index(work))
    if element is not None:
        element = _clean(_simplify(element), url, title, warnings)
    else:
        element, method = _trafilatura_body(work, url, title, warnings)
        if element is None:
            warnings.append("trafilatura found no main text; no body")
            return Body(method="none", warnings=warnings)
    lines = text_lines(element)
    html = etree.tostring(element, encoding="unicode", method="html")
    return Body(html=html, text="\n".join(lines), method=method, element=element, warnings=warnings)

def _as_list(value) -> list[str]:
    if not value:
        return []
    return [value] if isinstance(value, str) else list(value)

def _join(elements) -> HtmlElement | None:
    """One container for the matched elements (XPath may match several parts of a body)."""
    elements = [e for e in elements if isinstance(e, HtmlElement)]
    if not elements:
        return None
    if len(elements) == 1:
        return elements[0]
    box = lxml.html.Element("div")
    for el in elements:
        box.append(copy.deepcopy(el))
    return box

def _clean(element: HtmlElement, url: str, title: str | None, warnings: list[str],
           texts: dict | None = None) -> HtmlElement:
    """Safe links made absolute, the 信息公开 table out, and (``texts`` given: a trafilatura body)
    navigation blocks and the tail after the article's end dropped; then the edges trimmed."""
    _drop_unsafe_links(element, warnings)
    _make_absolute(element, url)
    drop_metadata_tables(element)
    if texts is not None:
        drop_boilerplate(element, texts)
        cut_after_end_marker(element, texts)
    trim_edges(element, title)
    return element

def _trafilatura_body(tree: HtmlElement, url: str, title: str | None, warnings: list[str]):
    """trafilatura's main content, cleaned. A thin result (favor_precision took a sidebar of
    headline links for the article, and the cleaning dropped it as navigation) is tried once more
    without favor_precision, and the longer body wins."""
    element = _trafilatura(tree, url)
    if element is None:
        return None, "trafilatura"
    texts: dict = {}
    element = _clean(element, url, title, warnings, texts)
    prose = _prose_letters(element, texts)
    if prose >= THIN_BODY_LETTERS:
        return element, "trafilatura"
    retry = _trafilatura(tree, url, precision=False)
    if retry is not None:
        texts = {}
        retry = _clean(retry, url, title, [], texts)
        if _prose_letters(retry, texts) >= max(THIN_BODY_LETTERS, 2 * prose):
            warnings.append(f"body found without favor_precision (with it: {prose} letters of sentences)")
            return retry, "trafilatura-recall"
    return element, "trafilatura"

def _prose_letters(element: HtmlElement, texts: dict) -> int:
    """Letters of the blocks that hold a sentence (。！？): what an article is made of, and
    navigation and contact lines are not. A body that opens a comment section (网友评论, 发表评论)
    is the readers' comments, not the article: none."""
    stats = [text_of(block, texts) for block in leaf_blocks(element)]
    if stats and COMMENTS_RE.match(stats[0][0]):
        return 0
    return sum(letters for text, letters in stats if SENTENCE_RE.search(text))

def _cms_profile(tree: HtmlElement, raw_html: str, index: list):
    """The body container of a known CMS, if the page has one with real text."""
    m = HANWEB_RE.search(raw_html)
    if m:
        fragment = parse_html(f"<html><body><div>{m.group(1)}</div></body></html>")
        if fragment is not None:
            div = fragment.find(".//body/div")
            if div is not None and _has_content(div):
                return div, "hanweb"
    every_name = "\n".join(names for _, names in index)  # one substring test here spares a scan of the elements
    for name, pattern, words in CMS_PROFILES:
        if not any(word in every_name for word in words):
            continue
        found = [el for el, names in index if el.tag in CONTAINER_TAGS and pattern.search(names) and _has_content(el)]
        if found:
            return max(found, key=lambda el: len(el.text_content())), name
    return None, None

def _has_content(el) -> bool:
    """Enough text, or at least an image, table or attachment link, to be a body."""
    text = clean_text(el.text_content())
    return len(text) >= MIN_PROFILE_CHARS or has_img(el) or next(el.iterdescendants("a"), None) is not None

def _trafilatura(tree: HtmlElement, url: str, precision: bool = True) -> HtmlElement | None:
    """trafilatura's main-content tree converted to simple HTML."""
    # no url: trafilatura resolves links against the site root (wrong for "c.html" on /a/b/);
    # _make_absolute resolves them against the page URL afterwards
    _protocol_relative_images(tree, url)
    # output_format "xml": the body tree without its text rendering (the "python" default's xmltotxt,
    # which nothing here reads, cost 3-5% of a record); no other stage of bare_extraction reads it
    doc = trafilatura.bare_extraction(
        tree, url=None, include_comments=False, include_tables=True, include_links=True,
        include_images=True, with_metadata=False, favor_precision=precision, output_format="xml",
    )
    body = doc.get("body") if isinstance(doc, dict) else getattr(doc, "body", None)
    if body is None or not len(body) and not (body.text or "").strip():
        return None
    for el in body.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag == "head":
            el.tag = f"h{min(max(int((el.get('rend') or 'h3')[1:] or 3), 1), 6)}" if (el.get("rend") or "h3")[1:].isdigit() else "h3"
        elif el.tag == "cell":
            el.tag = "th" if el.get("role") == "head" else "td"
        elif el.tag in TRAF_TAGS:
            el.tag = TRAF_TAGS[el.tag]
        if el.tag == "a":
            el.set("href", el.attrib.pop("target", "") or el.get("href", ""))
    # _simplify keeps only KEEP_ATTRS
    return _simplify(parse_fragment(etree.tostring(body, encoding="unicode")), copy_first=False)

def _protocol_relative_images(tree: HtmlElement, url: str) -> None:
    """Image sources like //host/a.jpg given the page's scheme (without a url, trafilatura would
    make them http://host/a.jpg even on an https page)."""
    scheme = url.split(":", 1)[0].lower() if url and ":" in url else ""
    if not scheme or scheme == "http":
        return
    for img in tree.xpath("//img[@*[starts-with(., '//')]]"):
        for attr, value in img.attrib.items():
            if value.startswith("//") and (attr == "src" or attr.startswith("data-src")):
                img.set(attr, f"{scheme}:{value}")

def _simplify(el: HtmlElement, copy_first: bool = True) -> HtmlElement:
    """``el`` (a copy of it, unless it is already a private tree) as a <div> holding only content
    tags and safe attributes."""
    if copy_first:
        el = copy.deepcopy(el)
    for bad in list(el.iter(*DROP_TAGS)):
        drop(bad)
    for node in list(el.iter(etree.Comment, etree.ProcessingInstruction)):
        drop(node)
    for child in list(el.iter()):
        if child is el or not isinstance(child.tag, str):
            continue
        if child.tag in ("div", "section", "article", "center", "font", "span", "dl", "dt", "dd", "header",
                         "footer", "main", "figure", "figcaption"):
            child.tag = "p" if child.tag in ("div", "section", "article", "dt", "dd", "figure", "figcaption") \
                and not _has_block(child) else child.tag
        if child.tag not in KEEP_TAGS:
            child.drop_tag()
            continue
        attrs = KEEP_ATTRS.get(child.tag, ())
        for key in list(child.attrib):
            if key not in attrs:
                del child.attrib[key]
    el.tag = "div"
    el.attrib.clear()
    return el

def _has_block(el) -> bool:
    return any(isinstance(c.tag, str) and c.tag in ("p", "div", "table", "ul", "ol", "section", "h1", "h2", "h3",
                                                    "h4", "h5", "h6", "blockquote", "dl") for c in el.iter())

def _drop_unsafe_links(el: HtmlElement, warnings: list[str]) -> None:
    """Links a browser would run (javascript:, vbscript:, data:text/html, any scheme but http(s),
    mailto and tel) removed, each with a warning: defaced sites plant them, and the body is
    published on the parent platform. A link keeps its text; an image without a source goes."""
    for node in list(el.iter("a", "img")):
        attr = "href" if node.tag == "a" else "src"
        value = node.get(attr)
        scheme = unsafe_link_scheme(value, image=node.tag == "img") if value else None
        if scheme is None:
            continue
        warnings.append(f"unsafe link removed from the body ({scheme}: in <{node.tag} {attr}>): {value[:80]!r}")
        if node.tag == "img":
            drop(node)
        else:
            del node.attrib[attr]

def _make_absolute(el: HtmlElement, url: str) -> None:
    """Links and image sources resolved against the page URL (what lxml's make_links_absolute
    does to the only link attributes a simplified body keeps: a@href and img@src)."""
    if not url:
        return
    for node in el.iter("a", "img"):
        attr = "href" if node.tag == "a" else "src"
        value = node.get(attr)
        if value is None:
            continue
        resolved = _urljoin(url, value.strip())
        if resolved is None:
            del node.attrib[attr]
        elif resolved != value:
            node.set(attr, resolved)

@functools.lru_cache(maxsize=4096)
def _urljoin(base: str, href: str) -> str | None:
    """urljoin, None when the link cannot be resolved (menus repeat links on every page)."""
    try:
        return urljoin(base, href)
    except ValueError:
        return None
