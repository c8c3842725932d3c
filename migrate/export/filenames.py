"""Safe file names for the package: whatever a URL or a link text says, a file stays inside its folder.

Attachment names come from the old site (a URL path, a ``filename=`` parameter, a link text) and
so from anyone who could publish there. A name is reduced to one path segment that every common
file system accepts (no separators, no ``..``, no control or reserved characters, no Windows
device names, at most 150 UTF-8 bytes) while Chinese is kept as it is.
"""
from __future__ import annotations

import os
import posixpath
import re
import unicodedata
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

MAX_NAME_BYTES = 150
MAX_EXT_CHARS = 10
_RESERVED = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*\u2028\u2029\ufeff]')
_SPACES = re.compile(r"\s+")
_WINDOWS_DEVICES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
_EXT = re.compile(r"^[A-Za-z0-9]{1,%d}$" % MAX_EXT_CHARS)


class UnsafePathError(ValueError):
    """A path that would land outside the folder it must stay in."""


def split_ext(name: str) -> tuple[str, str]:
    """(stem, extension with its dot) when the extension is short and alphanumeric, else (name, '')."""
    stem, dot, ext = name.rpartition(".")
    if dot and stem and _EXT.match(ext):
        return stem, "." + ext.lower()
    return name, ""


def _truncate_utf8(text: str, limit: int) -> str:
    """The longest prefix of ``text`` whose UTF-8 form fits ``limit`` bytes (never a split character)."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", "ignore")


def sanitize(name: str, default: str = "attachment", ext_hint: str = "") -> str:
    """One safe path segment made from ``name`` (Chinese kept), with ``ext_hint`` when it has no extension."""
    text = unicodedata.normalize("NFC", name or "")
    text = text.replace("/", " ").replace("\\", " ")
    text = _RESERVED.sub("_", text)
    text = _SPACES.sub(" ", text).strip(" ._")
    stem, ext = split_ext(text)
    if not ext and ext_hint and _EXT.match(ext_hint.lstrip(".")):
        ext = "." + ext_hint.lstrip(".").lower()
    stem = stem.strip(" ._") or default
    if stem.split(".")[0].lower() in _WINDOWS_DEVICES:
        stem = "_" + stem
    stem = _truncate_utf8(stem, MAX_NAME_BYTES - len(ext.encode("utf-8"))).rstrip(" .") or default
    return stem + ext


def name_from_url(url: str) -> str:
    """The file name a URL suggests: a ``filename``-like query parameter, else the last path segment."""
    parts = urlsplit(url)
    for key, value in parse_qsl(parts.query):
        if key.lower() in ("filename", "file", "name", "fn") and split_ext(value)[1]:
            return posixpath.basename(value.replace("\\", "/"))
    return unquote(posixpath.basename(parts.path), errors="replace")


def with_suffix_tag(name: str, tag: str) -> str:
    """``name`` with ``_tag`` before its extension, still within the length limit."""
    stem, ext = split_ext(name)
    room = MAX_NAME_BYTES - len(ext.encode("utf-8")) - len(tag) - 1
    return f"{_truncate_utf8(stem, room)}_{tag}{ext}"


def confined(root: str | os.PathLike, *segments: str) -> Path:
    """``root/segments...``, refusing any result that resolves outside ``root``."""
    base = Path(root).resolve()
    path = base.joinpath(*segments).resolve()
    if path != base and base not in path.parents:
        raise UnsafePathError(f"{'/'.join(segments)!r} would be written outside {base}")
    return path
