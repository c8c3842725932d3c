"""Near-duplicate fingerprints that work for Chinese: a bottom-k MinHash over character shingles.

Chinese has no spaces, so words are not the unit: the text is reduced to letters/digits/CJK
characters and cut into overlapping 4-character shingles. The fingerprint keeps the k smallest
32-bit hashes (CRC32 of the UTF-32 shingle, stable across processes); two fingerprints estimate the Jaccard
similarity of the shingle sets. Format: "mh2:" + k hex words.
"""
from __future__ import annotations

import heapq
import re
import zlib

SHINGLE = 4
K = 64
PREFIX = "mh2:"
MAX_CHARS = 30_000  # beyond this a page's identity is settled; bounds the cost on very long pages
NON_WORD_RE = re.compile(r"[\W_]+")


def _normalise(text: str) -> str:
    """Letters, digits and CJK only, lowercased: layout and punctuation do not make pages differ."""
    return NON_WORD_RE.sub("", text.lower())


def fingerprint(text: str | None, k: int = K) -> str | None:
    """The fingerprint of a text, or None when it has fewer than one shingle of content."""
    norm = _normalise((text or "")[:MAX_CHARS])
    if len(norm) < SHINGLE:
        return None
    data = norm.encode("utf-32-le")  # four bytes a character: a shingle is a fixed-width slice
    crc, width = zlib.crc32, 4 * SHINGLE
    shingles = {data[i:i + width] for i in range(0, len(data) - width + 4, 4)}
    smallest = heapq.nsmallest(k, set(map(crc, shingles)))
    return PREFIX + "".join(f"{h:08x}" for h in smallest)


def _decode(fp: str) -> list[int]:
    if not fp or not fp.startswith(PREFIX):
        raise ValueError(f"not a govmigrate fingerprint: {fp!r}")
    body = fp[len(PREFIX):]
    return [int(body[i:i + 8], 16) for i in range(0, len(body), 8)]


def similarity(a: str, b: str) -> float:
    """Estimated Jaccard similarity (0..1) of the two texts' shingle sets."""
    sa, sb = _decode(a), _decode(b)
    if not sa or not sb:
        return 0.0
    k = min(len(sa), len(sb), K)
    union_smallest = heapq.nsmallest(k, set(sa) | set(sb))
    both = set(sa) & set(sb)
    return sum(1 for h in union_smallest if h in both) / len(union_smallest)


def is_near_duplicate(a: str | None, b: str | None, threshold: float = 0.8) -> bool:
    """True when both fingerprints exist and their similarity reaches the threshold."""
    return bool(a and b) and similarity(a, b) >= threshold
