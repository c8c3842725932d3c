"""Finding URLs in what the crawler fetched: HTML links, sitemaps, feeds, and the paginated
column lists of the two common government CMSs (Hanweb 大汉 jpage, TRS 拓尔思 createPageHTML).

Everything returns :class:`Found` items with canonical URLs; the crawler decides scope and traps.
"""
from __future__ import annotations

import re
import threading
import zlib
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import lxml.etree

from ..urls import URLError, canonical_and_request, canonicalize, climbs_above_root, is_web_url

MAX_ANCHOR = 300
MAX_PAGINATION = 1000           # pages of one column list we are willing to generate
SITEMAP_MAX_URLS = 50000        # the sitemap protocol's own limit per file
SITEMAP_MAX_BYTES = 50 * 1024 * 1024  # ... and its limit on uncompressed size
_SKIP_SCHEMES = ("javascript:", "data:", "about:", "vbscript:")
CLIMBS = "climbs-above-root"  # a link whose '..' (or %2e%2e) segments lead above the site's root
_REFRESH_URL = re.compile(r"url\s*=\s*['\"]?([^'\";]+)", re.IGNORECASE)
_LOCATION = r"location\.href\s*=|location\.replace|location\s*="  # a script sending the reader on
_LOCATION_URL = re.compile(rf"""(?:{_LOCATION})\s*\(?\s*['"]([^'"]+)['"]""", re.IGNORECASE)
_SCRIPT_URL = re.compile(rf"""(?:window\.open|{_LOCATION})\s*\(?\s*['"]([^'"]+)['"]""", re.IGNORECASE)  # and pop-ups
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)
_HANWEB_TOTAL = re.compile(r"totalRecord\s*[:=]\s*['\"]?(\d+)", re.IGNORECASE)
_HANWEB_PER = re.compile(r"perPage\s*[:=]\s*['\"]?(\d+)", re.IGNORECASE)
_HANWEB_UNIT = re.compile(r"unitid\s*[:=]\s*['\"]?(\d+)", re.IGNORECASE)
_HANWEB_PROXY = re.compile(r"""['"]?(/module/web/jpage/dataproxy\.jsp[^'"\s<>]*)""", re.IGNORECASE)
_TRS_CALL = re.compile(
    r"""createPageHTML\(\s*([\w.]+)\s*,\s*([\w.]+)\s*,\s*['"]([\w-]+)['"]\s*,\s*['"](\w+)['"]"""
)
_JS_VAR = r"""(?:var|let|const)?\s*{name}\s*=\s*['"]?(\d+)"""


@dataclass(frozen=True)
class Found:
    """One discovered reference: canonical ``url`` (or the raw text when it is not a usable URL)."""

    url: str
    tag: str  # a/area/frame/iframe/meta-refresh/img/script/feed/sitemap/pagination/cdata/link
    text: str = ""
    via: str = "link"  # link/sitemap (a URL a sitemap lists)/sitemap-file/feed/pagination/redirect
    valid: bool = True  # False: not an http(s) URL we can fetch (mailto:, bad port ...)
    request_url: str | None = None  # the URL as found (query order kept), when it differs from url
    skip: str | None = None  # why the link is recorded but not followed (CLIMBS), else None


_CONTROL = re.compile(r"[\x00-\x20\x7f]")
_parsers = threading.local()
_resolved: dict = {}  # (raw, base, significant) -> (url, valid, request_url): menus repeat on every page
RESOLVED_CACHE = 8192
_PLAIN_PATH = re.compile(r"/[A-Za-z0-9_.~!$&'()*+,=:@/-]*\Z")  # no escapes, ;params, query or fragment
_plain_origins: dict[str, bool] = {}  # origin -> whether it is canonical


def _origin(base: str) -> str | None:
    """scheme://host[:port] of an http(s) base URL (what a /rooted link is resolved against), or None."""
    if not base.startswith(("http://", "https://")):
        return None
    start = base.index("//") + 2
    ends = [i for i in (base.find("/", start), base.find("?", start), base.find("#", start)) if i >= 0]
    return base[:min(ends)] if ends else base


def _plain_rooted(raw: str, origin: str) -> str | None:
    """``origin + raw`` when that is already the canonical (and request) form of a /rooted link: a
    canonical http(s) origin, and a path of characters canonical URLs keep as they are without
    empty, . or .. segments (the commonest link there is, resolved without parsing it)."""
    if not _PLAIN_PATH.match(raw) or "//" in raw or "/./" in raw or "/../" in raw or raw.endswith(("/.", "/..")):
        return None
    plain = _plain_origins.get(origin)
    if plain is None:
        try:
            plain = canonical_and_request(origin + "/") == (origin + "/", origin + "/")
        except (URLError, ValueError):
            plain = False
        if len(_plain_origins) >= RESOLVED_CACHE:
            _plain_origins.clear()
        _plain_origins[origin] = plain
    return origin + raw if plain else None


def _resolve(raw: str, base: str, significant, origin: str | None = None) -> tuple[str, bool, str | None]:
    """canonical_and_request of a link, remembered by what it depends on: a /rooted link only on the
    base's origin (``_origin(base) or base``, given when known), an absolute one on nothing else (so
    the links every page repeats are resolved once)."""
    context = base
    if raw.startswith(("http://", "https://")):
        context = None
    elif raw[:1] == "/" and raw[1:2] != "/" and not _CONTROL.search(raw):
        context = origin or _origin(base) or base
    key = (raw, context, tuple(significant) if significant is not None else None)
    hit = _resolved.get(key)
    if hit is not None:
        return hit
    plain = _plain_rooted(raw, context) if context is not None and context is not base else None
    if plain is not None:
        hit = (plain, True, None)
    else:
        try:
            url, request = canonical_and_request(raw, base=base, significant_params=significant)
            hit = (url, url.startswith(("http://", "https://")) and is_web_url(url),
                   request if request != url else None)
        except (URLError, ValueError):
            hit = (raw, False, None)
    if len(_resolved) >= RESOLVED_CACHE:
        _resolved.clear()
    _resolved[key] = hit
    return hit


def _found(raw: str, base: str, tag: str, significant, text: str = "", via: str = "link",
           origin: str | None = None) -> Found | None:
    raw = (raw or "").strip()
    if not raw or raw.startswith("#") or raw.lower().startswith(_SKIP_SCHEMES):
        return None
    url, valid, request = _resolve(raw, base, significant, origin)
    skip = CLIMBS if valid and climbs_above_root(raw, base) else None
    return Found(url, tag, text, via, valid=valid, request_url=request, skip=skip)


def _text(el) -> str:
    content = "".join(el.itertext()) if len(el) else el.text or ""  # no child elements: its own text
    text = " ".join(content.split()) or el.get("title") or el.get("alt") or ""
    return text[:MAX_ANCHOR]


def parse_html(text: str):
    """An lxml document from decoded HTML (None when there is nothing to parse).

    Plain lxml.etree elements, not lxml.html's: those cost a Python class look-up for every element
    the crawler touches, and it needs none of their methods. One parser per thread, reused."""
    data = text.encode("utf-8", "surrogatepass")
    if not data or data.isspace():  # (not data.strip(): no copy of the page to find out)
        return None
    parser = getattr(_parsers, "html", None)
    if parser is None:
        parser = _parsers.html = lxml.etree.HTMLParser(encoding="utf-8")
    try:
        return lxml.etree.fromstring(data, parser)
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError):
        return None


def html_links(doc, url: str, significant=None) -> list[Found]:
    """Links of a page: a/area href, frame/iframe/img src, meta refresh, feeds, window.open in scripts."""
    if doc is None:
        return []
    base = url
    for el in doc.iter("base"):
        if el.get("href"):
            base = canonicalize(el.get("href"), base=url)
            break
    origin = _origin(base) or base  # once per page, not per link
    out: list[Found | None] = []
    for el in doc.iter("a", "area", "frame", "iframe", "img", "meta", "link", "script"):
        tag = el.tag
        if tag in ("a", "area"):
            out.append(_found(el.get("href"), base, tag, significant, _text(el), origin=origin))
            onclick = el.get("onclick")
            if onclick:
                for m in _SCRIPT_URL.finditer(onclick):
                    out.append(_found(m.group(1), base, "script", significant, _text(el)))
        elif tag in ("frame", "iframe", "img"):
            out.append(_found(el.get("src"), base, tag, significant, el.get("alt") or el.get("title") or "",
                              origin=origin))
        elif tag == "meta" and (el.get("http-equiv") or "").lower() == "refresh":
            m = _REFRESH_URL.search(el.get("content") or "")
            if m:
                out.append(_found(m.group(1), base, "meta-refresh", significant))
        elif tag == "link" and "alternate" in (el.get("rel") or "").lower():
            kind = (el.get("type") or "").lower()
            if "rss" in kind or "atom" in kind:
                out.append(_found(el.get("href"), base, "feed", significant, el.get("title") or "", via="feed"))
        elif tag == "script" and el.text:
            for m in _SCRIPT_URL.finditer(el.text):
                out.append(_found(m.group(1), base, "script", significant))
    return [f for f in out if f is not None]


def client_redirect(doc, url: str) -> tuple[str, str] | None:
    """(canonical target, "meta refresh" or "script") of a page that sends its reader on by itself:
    a meta refresh naming a URL, else a script assigning location (window.open is a pop-up, not this)."""
    if doc is None:
        return None
    for el in doc.iter("meta"):
        m = _REFRESH_URL.search(el.get("content") or "") if (el.get("http-equiv") or "").lower() == "refresh" else None
        found = _found(m.group(1), url, "meta-refresh", None) if m else None
        if found is not None and found.valid:
            return found.url, "meta refresh"
    for el in doc.iter("script"):
        for m in _LOCATION_URL.finditer(el.text or ""):
            found = _found(m.group(1), url, "script", None)
            if found is not None and found.valid:
                return found.url, "script"
    return None


def _js_number(script: str, token: str) -> int | None:
    if token.isdigit():
        return int(token)
    m = re.search(_JS_VAR.format(name=re.escape(token)), script)
    return int(m.group(1)) if m else None


def trs_pagination(text: str, url: str, significant=None) -> list[Found]:
    """TRS lists: createPageHTML(count, current, "index", "html") means index.html, index_1.html ...
    index_{count-1}.html."""
    out = []
    for m in _TRS_CALL.finditer(text):
        count = _js_number(text, m.group(1))
        if not count:
            continue
        name, ext = m.group(3), m.group(4)
        for n in range(0, min(count, MAX_PAGINATION)):
            page = f"{name}.{ext}" if n == 0 else f"{name}_{n}.{ext}"
            out.append(_found(page, url, "pagination", significant, via="pagination"))
    return [f for f in out if f is not None]


def hanweb_pagination(text: str, url: str, significant=None) -> list[Found]:
    """Hanweb jpage lists: records inside CDATA, ?uid=&pageNum=N pages and dataproxy.jsp batches."""
    out: list[Found | None] = []
    for block in _CDATA.findall(text):
        if "<a" in block.lower():
            doc = parse_html(f"<html><body>{block}</body></html>")
            out.extend(html_links(doc, url, significant))
    total, per = _HANWEB_TOTAL.search(text), _HANWEB_PER.search(text)
    if total and per and int(per.group(1)) > 0:
        total_n, per_n = int(total.group(1)), int(per.group(1))
        pages = min(-(-total_n // per_n), MAX_PAGINATION)
        unit = _HANWEB_UNIT.search(text)
        if unit:
            for n in range(2, pages + 1):
                out.append(_found(_with_query(url, uid=unit.group(1), pageNum=str(n)), url, "pagination",
                                  significant, via="pagination"))
        proxy = _HANWEB_PROXY.search(text)
        if proxy:
            batch = per_n * 3
            for start in range(1, min(total_n, per_n * MAX_PAGINATION) + 1, batch):
                target = _with_query(canonicalize(proxy.group(1), base=url), startrecord=str(start),
                                     endrecord=str(min(start + batch - 1, total_n)), perpage=str(per_n))
                out.append(_found(target, url, "pagination", significant, via="pagination"))
    return [f for f in out if f is not None]


def _with_query(url: str, **params: str) -> str:
    """``url`` with these query parameters set (others kept)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query.extend(params.items())
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def decompress_limited(data: bytes, limit: int = SITEMAP_MAX_BYTES) -> tuple[bytes, bool]:
    """Gunzip ``data`` if it is gzip, producing at most ``limit`` bytes; (bytes, cut_short)."""
    if not data.startswith(b"\x1f\x8b"):
        return data[:limit], len(data) > limit
    z = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = z.decompress(data, limit)
    except zlib.error:
        return b"", True
    return out, bool(z.unconsumed_tail) or not z.eof


def _xml_root(data: bytes):
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)
    try:
        return lxml.etree.fromstring(data, parser=parser)
    except (lxml.etree.XMLSyntaxError, ValueError):
        return None


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _xml_found(el, text: str | None, url: str, tag: str, significant, via: str) -> Found | None:
    """_found for the text of a sitemap or feed element; an element holding an entity reference
    (never expanded: billion laughs, external entities) is kept as written and marked unusable,
    where its text alone would have been only the part before the reference."""
    if len(el) and any(isinstance(child, lxml.etree._Entity) for child in el):
        written = (el.text or "") + "".join((c.text if isinstance(c, lxml.etree._Entity) else "") + (c.tail or "")
                                            for c in el)
        return Found(written.strip()[:MAX_ANCHOR * 10], tag, via=via, valid=False)
    return _found(text, url, tag, significant, via=via) if text else None


def sitemap_entries(data: bytes, url: str, significant=None) -> tuple[str | None, list[Found], bool]:
    """(``urlset``/``sitemapindex``/None, entries, cut_short) of a (possibly gzipped) sitemap."""
    xml, cut = decompress_limited(data)
    root = _xml_root(xml)
    if root is None:
        return None, [], cut
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        return None, [], cut
    out = []
    via = "sitemap-file" if kind == "sitemapindex" else "sitemap"
    for el in root.iter():
        if _local(el.tag) == "loc":
            found = _xml_found(el, el.text, url, "sitemap", significant, via)
            if found is not None:
                out.append(found)
            if len(out) >= SITEMAP_MAX_URLS:
                cut = True
                break
    return kind, out, cut


def feed_entries(data: bytes, url: str, significant=None) -> list[Found]:
    """Item links of an RSS or Atom feed (empty when the bytes are not a feed)."""
    root = _xml_root(data)
    if root is None or _local(root.tag) not in ("rss", "feed", "rdf"):
        return []
    out = []
    for el in root.iter():
        name = _local(el.tag)
        if name == "link":
            if el.get("rel") in (None, "alternate"):
                out.append(_found(el.get("href"), url, "feed", significant, via="feed") if el.get("href")
                           else _xml_found(el, el.text, url, "feed", significant, "feed"))
        elif name == "guid" and el.get("isPermaLink", "true") == "true":
            out.append(_xml_found(el, el.text, url, "feed", significant, "feed"))
    return [f for f in out if f is not None]


def looks_like_sitemap(url: str, data: bytes) -> bool:
    head = decompress_limited(data[:4096], 4096)[0] if data.startswith(b"\x1f\x8b") else data[:4096]
    return b"<urlset" in head or b"<sitemapindex" in head


def looks_like_feed(content_type: str, data: bytes) -> bool:
    head = data[:2048].lower()
    return "rss" in content_type or "atom" in content_type or b"<rss" in head or b"<feed" in head
