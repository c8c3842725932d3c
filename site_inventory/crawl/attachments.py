"""Which responses are attachments (附件): documents and images to migrate as files, not pages.

Decided from the URL's extension (also a ``filename=`` parameter, as in Hanweb's
downfile.jsp), the Content-Disposition file name, the Content-Type, and finally the first bytes,
so a PDF served as text/html is still stored as the PDF it is.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

EXTENSIONS = frozenset({
    "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "wps", "et", "dps", "txt", "rtf",
    "zip", "rar", "7z", "gz", "tar", "ofd", "ceb",
    "jpg", "jpeg", "png", "gif", "bmp", "webp", "tif", "tiff", "svg",
    "mp3", "mp4", "avi", "wmv", "flv",
})
CONTENT_TYPES = (
    "application/pdf", "application/msword", "application/vnd.", "application/zip",
    "application/x-zip", "application/x-rar", "application/vnd.rar", "application/ofd",
    "application/octet-stream", "application/x-7z", "application/gzip", "application/x-gzip",
    "image/", "audio/", "video/", "application/kswps", "application/wps",
)
MAGIC = (
    (b"%PDF", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"\xd0\xcf\x11\xe0", "application/msword"),
    (b"Rar!", "application/vnd.rar"),
    (b"\x89PNG", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"7z\xbc\xaf", "application/x-7z-compressed"),
    (b"\x1f\x8b", "application/gzip"),
)
SNIFF_BYTES = 8192
BINARY_SHARE = 0.05  # control characters in text are rare; in binary data about one byte in nine
_CONTROL = bytes([*range(0, 9), 11, *range(14, 32), 127])
_FILENAME = re.compile(r"""filename\*?=(?:UTF-8'')?["']?([^"';]+)""", re.IGNORECASE)


def extension(name: str) -> str:
    tail = name.rsplit("/", 1)[-1]
    return tail.rsplit(".", 1)[-1].lower() if "." in tail else ""


def url_is_attachment(url: str) -> bool:
    """True when the URL names a file by extension (path, or a filename=/file= query value)."""
    parts = urlsplit(url)
    if extension(unquote(parts.path)) in EXTENSIONS:
        return True
    return any(k.lower() in ("filename", "file", "fname") and extension(v) in EXTENSIONS
               for k, v in parse_qsl(parts.query))


def sniff(body: bytes) -> str | None:
    """The binary type the first bytes announce, None for text (a stray NUL in HTML stays text)."""
    head = body[:16]
    for magic, ctype in MAGIC:
        if head.startswith(magic):
            return ctype
    sample = body[:SNIFF_BYTES]
    if sample and len(sample.translate(None, _CONTROL)) < len(sample) * (1 - BINARY_SHARE):
        return "application/octet-stream"
    return None


def is_attachment(url: str, content_type: str | None, disposition: str | None, body: bytes) -> bool:
    """The crawler's decision: store as attachment (no link parsing) or as page."""
    ctype = (content_type or "").split(";")[0].strip().lower()
    if disposition:
        m = _FILENAME.search(disposition)
        if "attachment" in disposition.lower() or (m and extension(m.group(1)) in EXTENSIONS):
            return True
    if ctype.startswith(CONTENT_TYPES):
        return not (ctype == "application/octet-stream" and sniff(body) is None and not url_is_attachment(url))
    if sniff(body) is not None:
        return True
    if ctype in ("text/html", "application/xhtml+xml", "text/xml", "application/xml") or ctype.endswith("+xml"):
        return False
    return url_is_attachment(url) and not ctype.startswith("text/html")
