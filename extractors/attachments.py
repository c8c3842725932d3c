"""Attachments (PDF, DOC/DOCX, XLS/XLSX, WPS, ZIP/RAR, OFD ...) and images linked from an article.

A link is an attachment when its path or its file-name parameter ends in a document extension,
or it goes through a download handler (Hanweb /module/download/downfile.jsp). The title is the
link text (else the file name); a size printed next to the link (（123KB）) is kept.
"""
from __future__ import annotations

import posixpath
import re
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

from .parse import clean_text

DOC_TYPES = {
    "pdf", "doc", "docx", "xls", "xlsx", "wps", "et", "dps", "ppt", "pptx", "zip", "rar", "7z", "ofd",
    "txt", "rtf", "csv", "tif", "tiff", "ceb", "xml", "gd", "jpg", "jpeg", "png", "mp4", "mp3",
}
ALWAYS_DOC = DOC_TYPES - {"jpg", "jpeg", "png", "txt", "xml", "mp4", "mp3"}
DOWNLOAD_RE = re.compile(r"down(?:load)?(?:file)?\.(?:jsp|aspx?|php|do)|/download/|attachment|fujian", re.I)
HINT_RE = re.compile(r"\.(?:" + "|".join(sorted(DOC_TYPES)) + r")\b|down|attach|fujian", re.I)
HINT_LOWER_RE = re.compile(HINT_RE.pattern)  # HINT_RE over a lowercased href: a third of the cost of re.I
SIZE_RE = re.compile(r"[（(\[]?\s*(\d+(?:\.\d+)?)\s*(KB|MB|GB|K|M|B|字节)\s*[）)\]]?", re.I)
RELATED_CLASS_RE = re.compile(r"related|relate|xglj|xgwz|xgxw|recommend")
RELATED_TEXT_RE = re.compile(r"相关(?:链接|文章|阅读|新闻|信息|推荐)|延伸阅读|推荐阅读")
CHROME_XPATH = ("ancestor::*[self::nav or self::header or self::footer or contains(@class,'nav') or "
                "contains(@class,'footer') or contains(@id,'footer') or contains(@class,'menu') or contains(@id,'nav')]")


def _ext(name: str) -> str | None:
    """Lowercase extension of a file name or path, if it is a document type."""
    ext = posixpath.splitext(unquote(name).lower().strip())[1].lstrip(".")
    return ext if ext in DOC_TYPES else None


def file_type(url: str, text: str = "") -> str | None:
    """The document type a link points to, from its path, its query parameters, or its text."""
    parts = urlsplit(url)
    ext = _ext(parts.path)
    if ext:
        return ext
    for _, value in parse_qsl(parts.query):
        ext = _ext(value)
        if ext:
            return ext
    if DOWNLOAD_RE.search(url):
        return _ext(text) or "file"
    return None


def _size(el) -> int | None:
    """Bytes of a size printed in or right after the link: 123KB, (1.2M); approximate as printed."""
    for text in (el.text_content() or "", el.tail or ""):
        m = SIZE_RE.search(text[:40])
        if m:
            unit = m.group(2).upper()[:1]
            return int(float(m.group(1)) * {"K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}.get(unit, 1))
    return None


def _related(a) -> bool:
    """A link in a 相关链接/相关文章 block points elsewhere; it is not this page's attachment."""
    el = a.getparent()
    for _ in range(4):
        if el is None:
            return False
        names = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
        if RELATED_CLASS_RE.search(names) or RELATED_TEXT_RE.match(clean_text(el.text_content())[:12]):
            return True
        el = el.getparent()
    return False


def find_attachments(root, base_url: str, in_body: bool = True) -> list[dict]:
    """Document links under ``root`` as {url, title, type, size}; page chrome skipped unless in_body."""
    found: dict[str, dict] = {}
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "#", "tel:")) \
                or not HINT_LOWER_RE.search(href.lower()):
            continue
        try:
            url = urljoin(base_url, href)
        except ValueError:
            continue
        text = clean_text(a.text_content()) or clean_text(a.get("title"))
        kind = file_type(url, text)
        if not kind or (kind not in ALWAYS_DOC and not DOWNLOAD_RE.search(url) and not _ext(text or "")):
            continue
        if not in_body and a.xpath(CHROME_XPATH) or _related(a):
            continue
        title = text or unquote(posixpath.basename(urlsplit(url).path))
        found.setdefault(url, {"url": url, "title": title, "type": kind, "size": _size(a)})
    return list(found.values())


def find_images(root, base_url: str) -> list[dict]:
    """Images under ``root`` as {url, alt}, absolute URLs, data: URIs and tracking pixels skipped."""
    out: dict[str, dict] = {}
    for img in root.iter("img"):
        src = (img.get("src") or img.get("data-src") or "").strip()
        if not src or src.startswith("data:"):
            continue
        if img.get("width") in ("0", "1") or img.get("height") in ("0", "1"):
            continue
        try:
            url = urljoin(base_url, src)
        except ValueError:
            continue
        out.setdefault(url, {"url": url, "alt": clean_text(img.get("alt")) or None})
    return list(out.values())
