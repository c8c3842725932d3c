"""Attachment files for the package: where their bytes are, what they are called, and one copy each.

The crawler keeps an attachment's bytes once, in its WARC record (site_inventory.bodies).
Inside a site's package a file is stored once per content (sha256); its name comes from the
old site (``filename=`` parameter, URL path, link text), sanitised, and a name already taken by
other content gets the start of the sha256 appended. Names once given are kept on later runs.
"""
from __future__ import annotations

import hashlib
import json
import mimetypes
import re
from pathlib import Path
from urllib.parse import unquote

from site_inventory.bodies import BodyError, page_body

from .filenames import name_from_url, sanitize, split_ext, with_suffix_tag
from .package import ATTACHMENTS_DIR

_DISPOSITION = re.compile(r"""filename\*\s*=\s*([^']*)'[^']*'([^;]+)|filename\s*=\s*"?([^";]+)"?""", re.I)


class AttachmentError(Exception):
    """An attachment's bytes cannot be read or do not match the crawl's checksum."""


def read_body(workspace_dir: Path, page: dict) -> bytes:
    """The stored bytes of a crawled page, from its WARC record."""
    try:
        body = page_body(workspace_dir, page)
    except BodyError as exc:
        raise AttachmentError(f"{page['url']}: {exc}") from None
    if body is None:
        raise AttachmentError(f"{page['url']}: the crawl kept no bytes (no WARC record)")
    return body


def disposition_name(headers_json: str | None) -> str | None:
    """The file name of a Content-Disposition header in the stored headers (list of pairs or object)."""
    if not headers_json:
        return None
    try:
        headers = json.loads(headers_json)
    except json.JSONDecodeError:
        return None
    pairs = headers.items() if isinstance(headers, dict) else headers
    for pair in pairs:
        if len(pair) == 2 and str(pair[0]).lower() == "content-disposition":
            match = _DISPOSITION.search(str(pair[1]))
            if match:
                if match.group(2):
                    charset = (match.group(1) or "utf-8").strip() or "utf-8"
                    try:
                        return unquote(match.group(2).strip(), encoding=charset, errors="replace")
                    except LookupError:
                        return unquote(match.group(2).strip())
                return _header_bytes_as_text(match.group(3).strip())
    return None


def _header_bytes_as_text(value: str) -> str:
    """A header value read as ISO-8859-1 (as HTTP reads it) whose bytes were UTF-8 or GBK, as Chinese
    servers send a raw ``filename="通知.pdf"``: decoded again as the first of those that fits."""
    if value.isascii():
        return value
    try:
        raw = value.encode("iso-8859-1")
    except UnicodeEncodeError:
        return value  # already text beyond Latin-1
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return value


def _extension(url_name: str, title: str, kind: str | None, content_type: str | None) -> str:
    for candidate in (url_name, title):
        ext = split_ext(candidate or "")[1]
        if ext:
            return ext
    if kind and kind.isalnum() and kind != "file":
        return "." + kind.lower()
    guessed = mimetypes.guess_extension((content_type or "").split(";")[0].strip()) if content_type else None
    return guessed or ""


def preferred_name(url: str, title: str | None, kind: str | None, content_type: str | None,
                   headers_json: str | None) -> str:
    """The sanitised file name an attachment should get, before any clash with other content."""
    from_header = disposition_name(headers_json)
    url_name = name_from_url(url)
    ext = _extension(from_header or url_name, title or "", kind, content_type)
    if from_header and split_ext(from_header)[1]:
        return sanitize(from_header)
    if url_name and split_ext(url_name)[1] and not url_name.lower().endswith((".jsp", ".asp", ".aspx", ".php", ".do")):
        return sanitize(url_name)
    return sanitize(title or url_name or "attachment", ext_hint=ext)


class NameBook:
    """The file names of one site's attachment folder: one per content, names never reused for other content."""

    def __init__(self, site_code: str):
        self.site_code = site_code
        self.by_sha: dict[str, str] = {}
        self.taken: dict[str, str] = {}  # casefolded name -> sha256

    def keep(self, sha256: str, package_path: str) -> bool:
        """Remember a name given on an earlier run; False when it clashes with what is already known."""
        name = package_path.rsplit("/", 1)[-1]
        owner = self.taken.get(name.casefold())
        if (owner and owner != sha256) or (sha256 in self.by_sha and self.by_sha[sha256] != name):
            return False
        self.by_sha[sha256] = name
        self.taken[name.casefold()] = sha256
        return True

    def name_for(self, sha256: str, wanted: str) -> str:
        """The name of this content: the one it already has, else ``wanted``, else ``wanted`` + sha prefix."""
        if sha256 in self.by_sha:
            return self.by_sha[sha256]
        name, width = wanted, 8
        while self.taken.get(name.casefold(), sha256) != sha256:
            name = with_suffix_tag(wanted, sha256[:width])
            width += 8
        self.by_sha[sha256] = name
        self.taken[name.casefold()] = sha256
        return name

    def path(self, name: str) -> str:
        """Package-relative POSIX path of a file of this site."""
        return f"{self.site_code}/{ATTACHMENTS_DIR}/{name}"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
