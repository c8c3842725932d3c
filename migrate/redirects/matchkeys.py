"""What a web server compares when an old URL comes back: the match key, mirrored exactly.

nginx matches the decoded path (``$uri``: percent escapes decoded, so ``%e6`` and ``%E6`` and
raw bytes all meet) followed by the site's query parameters in sorted order, each taken with
``$arg_NAME`` (so their order in the request and tracking parameters do not matter). Python
computes the same bytes here, so the plan can tell in advance which old URLs a server can
match, which collide, and which cannot be written into a server config safely at all.

The key is stored as text: bytes 0x21-0x7E (except ``%``) as they are, every other byte as
``%XX``; :func:`key_bytes` gives the bytes back.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable
from urllib.parse import quote_from_bytes, unquote_to_bytes, urlsplit

_PRINTABLE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) != "%")
_NAME = re.compile(r"[A-Za-z0-9_]+")
_CONTROL = re.compile(rb"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class MatchKey:
    """The key of one old URL, or the reason no server config can match it safely."""

    key: str | None
    problem: str | None = None


def encode_key(data: bytes) -> str:
    """Bytes as key text: printable ASCII kept (``%`` excepted), everything else ``%XX``."""
    return quote_from_bytes(data, safe=_PRINTABLE)


def key_bytes(key: str) -> bytes:
    """The bytes a key text stands for (what the server compares)."""
    return unquote_to_bytes(key)


def query_pairs(query: str) -> list[tuple[str, str, bool]]:
    """(name, value, had '=') of a canonical query string, in order."""
    pairs = []
    for part in query.split("&"):
        if part:
            name, eq, value = part.partition("=")
            pairs.append((name, value, bool(eq)))
    return pairs


def query_names(url: str) -> list[str]:
    """The query parameter names of a (canonical) URL."""
    return [name for name, _, _ in query_pairs(urlsplit(url).query)]


def usable_names(names: Iterable[str]) -> list[str]:
    """Parameter names a server can pick out one by one (``$arg_NAME``), sorted like the canonical query.

    A name must be letters, digits and ``_``, and no other name may differ from it only in case
    (servers look parameters up case-insensitively).
    """
    valid = sorted({n for n in names if _NAME.fullmatch(n)})
    lowered: dict[str, int] = {}
    for name in valid:
        lowered[name.lower()] = lowered.get(name.lower(), 0) + 1
    return [n for n in valid if lowered[n.lower()] == 1]


def _path_problem(path: bytes) -> str | None:
    if _CONTROL.search(path):
        return "its path decodes to a control character (newline, NUL, ...) that no server config can match safely"
    segments = path.split(b"/")
    if any(seg in (b".", b"..") for seg in segments):
        return "its path decodes to '.' or '..' segments (from %2F or %2E), which servers resolve before matching"
    return None


def _split(url: str) -> tuple[str, str]:
    """(path, query) of a canonical URL (no fragment), without the cost of urlsplit."""
    start = url.find("/", url.find("//") + 2)
    if start < 0:
        return "/", ""
    path, _, query = url[start:].partition("?")
    return path, query


def match_key(url: str, names: Iterable[str]) -> MatchKey:
    """The key a server computes for the canonical ``url`` given the site's usable parameter ``names``."""
    path_text, query_text = _split(url)
    if "%" in path_text:
        path = unquote_to_bytes(path_text)
        problem = _path_problem(path)
        if problem:
            return MatchKey(None, problem)
    else:
        path = None   # printable ASCII already: the key is the text itself
    query = ""
    if query_text:
        allowed = names if isinstance(names, (list, tuple)) else list(names)
        present: dict[str, str] = {}
        for name, value, _ in query_pairs(query_text):
            if name not in allowed:
                return MatchKey(None, f"query parameter {name!r} cannot be matched on its own by a server "
                                      "(only letters, digits and _, and unique ignoring case)")
            if name in present:
                return MatchKey(None, f"query parameter {name!r} is given twice; a server sees only the first")
            present[name] = value
        query = "&".join(f"{name}={present[name]}" for name in allowed if present.get(name))
    if path is None:
        return MatchKey(path_text + ("?" + encode_key(query.encode("ascii")) if query else ""))
    return MatchKey(encode_key(path + (b"?" + query.encode("ascii") if query else b"")))
