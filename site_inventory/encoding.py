"""Decode HTML bytes to text the way Chinese government sites need it.

Precedence: explicit override > byte-order mark > HTTP charset > meta/XML charset > detection.
GB2312/GBK labels decode as GB18030 (a superset). A declaration that does not fit the bytes is
replaced by what does fit, with a warning; undecodable bytes are replaced only as a last
resort and always with a warning, so nothing is dropped silently.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

GB_LABELS = {
    "gb2312", "gbk", "x-gbk", "gb_2312", "gb_2312-80", "gb2312-80", "csgb2312", "euc-cn",
    "x-euc-cn", "cp936", "ms936", "windows-936", "chinese", "iso-ir-58", "csiso58gb231280",
    "gb18030", "gb-18030", "936",
}
LATIN_LABELS = {
    "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "ascii", "us-ascii", "iso_8859-1",
    "windows-1252", "cp1252", "x-cp1252", "cp819", "ibm819", "iso-ir-100", "csisolatin1",
}
BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
SNIFF_BYTES = 8192
DETECT_SAMPLE = 65536
# A declaration is judged wrong when more than this share of non-ASCII bytes fail to decode.
WRONG_SHARE = 0.002

_META_RE = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE
)
_XML_RE = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9._:\-]+)""", re.IGNORECASE)
_HEADER_RE = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE)
_NON_ASCII = re.compile(rb"[\x80-\xff]")


@dataclass
class Decoded:
    """Decoded page text plus how the charset was chosen."""

    text: str
    declared: str | None = None  # the label the page declared (HTTP header or meta), lowercased
    detected: str | None = None  # the codec actually used to decode
    warnings: list[str] = field(default_factory=list)
    basis: str = "detected"  # override / bom / http / meta / detected / fallback


def normalize_charset(label: str | None) -> str | None:
    """Map a charset label to a Python codec name (GB labels -> gb18030), None if unknown."""
    if not label:
        return None
    key = label.strip().strip("\"'").lower()
    if key in GB_LABELS:
        return "gb18030"
    if key in LATIN_LABELS:
        return "cp1252"
    if key in {"big5", "big5-hkscs", "x-x-big5", "cn-big5", "csbig5"}:
        return "big5hkscs"
    try:
        name = codecs.lookup(key).name
    except LookupError:
        return None
    if name in {"gb2312", "gbk", "hz"}:
        return "gb18030"
    return name


def sniff_meta_charset(data: bytes) -> str | None:
    """The charset label a page declares in its first bytes (meta charset, http-equiv or XML)."""
    head = data[:SNIFF_BYTES]
    m = _XML_RE.search(head) or _META_RE.search(head)
    return m.group(1).decode("ascii", "replace").lower() if m else None


def header_charset(value: str | None) -> str | None:
    """Accept either a bare label or a full Content-Type header value; return the label."""
    if not value:
        return None
    if "=" in value or ";" in value:
        m = _HEADER_RE.search(value)
        return m.group(1).lower() if m else None
    return value.strip().lower() or None


def _errors(data: bytes, codec: str) -> tuple[str, int]:
    """Decode with replacement and count the replaced sequences."""
    try:
        return data.decode(codec), 0
    except UnicodeDecodeError:
        text = data.decode(codec, errors="replace")
        return text, max(1, text.count("\ufffd") - data.count(b"\xef\xbf\xbd"))


def _is_utf8_multibyte(data: bytes) -> bool:
    """True when the bytes are valid UTF-8 and contain non-ASCII characters."""
    if not _NON_ASCII.search(data):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _detect(data: bytes) -> str:
    """Guess a codec for undeclared bytes: UTF-8, then GB18030, then charset_normalizer."""
    if not _NON_ASCII.search(data):
        return "utf-8"
    if _is_utf8_multibyte(data):
        return "utf-8"
    _, gb_err = _errors(data, "gb18030")
    if gb_err == 0:
        return "gb18030"
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:DETECT_SAMPLE]).best()
        guess = normalize_charset(best.encoding) if best else None
    except Exception:  # detection is best effort; fall back below
        guess = None
    candidates = [c for c in (guess, "gb18030", "utf-8", "big5hkscs") if c]
    return min(candidates, key=lambda c: _errors(data, c)[1])


def _too_many(errors: int, data: bytes) -> bool:
    """A declared codec is wrong when its errors are more than a tiny share of non-ASCII bytes."""
    if errors == 0:
        return False
    non_ascii = len(_NON_ASCII.findall(data[:DETECT_SAMPLE * 4])) or 1
    return errors > 2 and errors / non_ascii > WRONG_SHARE


def _strip_bom(data: bytes) -> tuple[bytes, str | None]:
    for bom, codec in BOMS:
        if data.startswith(bom):
            return data[len(bom):], codec
    return data, None


def decode_html(data: bytes, http_charset: str | None = None, override: str | None = None) -> Decoded:
    """Decode page bytes to text; see the module docstring for the order of evidence."""
    warnings: list[str] = []
    if data is None:
        data = b""
    body, bom_codec = _strip_bom(bytes(data))
    header_label = header_charset(http_charset)
    meta_label = sniff_meta_charset(body)
    declared = header_label or meta_label

    if override:
        codec = normalize_charset(override)
        if codec is None:
            warnings.append(f"unknown override encoding {override!r}; ignored")
        else:
            return _finish(body, codec, declared, "override", warnings)
    if bom_codec:
        return _finish(body, bom_codec, declared, "bom", warnings)

    for label, basis in ((header_label, "http"), (meta_label, "meta")):
        if not label:
            continue
        codec = normalize_charset(label)
        if codec is None:
            warnings.append(f"unknown charset label {label!r} ({basis}); ignored")
            continue
        if codec.startswith("utf-16") or codec.startswith("utf-32"):
            if basis == "meta" or b"\x00" not in body[:200]:
                warnings.append(f"{basis} declares {label} but the bytes are ASCII-compatible; read as utf-8")
                codec = "utf-8"
        return _checked(body, codec, label, basis, declared, warnings)
    codec = _detect(body)
    if _NON_ASCII.search(body):
        warnings.append(f"no charset declared; detected {codec}")
    return _finish(body, codec, declared, "detected", warnings)


def _checked(body: bytes, codec: str, label: str, basis: str, declared, warnings) -> Decoded:
    """Use the declared codec unless the bytes show it is wrong; then detect and warn."""
    if codec != "utf-8" and _is_utf8_multibyte(body):
        warnings.append(f"{basis} declares {label} but the bytes are valid UTF-8; decoded as utf-8")
        return _finish(body, "utf-8", declared, "detected", warnings)
    text, errors = _errors(body, codec)
    if codec == "cp1252" and _NON_ASCII.search(body):
        if _errors(body, "gb18030")[1] == 0 and _has_cjk(body.decode("gb18030")):
            warnings.append(f"{basis} declares {label} but the bytes are GB18030 Chinese; decoded as gb18030")
            return _finish(body, "gb18030", declared, "detected", warnings)
    if not _too_many(errors, body):
        return _finish(body, codec, declared, basis, warnings, text=text, errors=errors)
    guess = _detect(body)
    guess_errors = _errors(body, guess)[1]
    if guess != codec and guess_errors < errors:
        warnings.append(
            f"{basis} declares {label} but {errors} byte sequences do not decode; detected {guess}"
        )
        return _finish(body, guess, declared, "detected", warnings)
    return _finish(body, codec, declared, basis, warnings, text=text, errors=errors)


def _has_cjk(text: str) -> bool:
    """True when at least half of the non-ASCII characters are CJK ideographs or punctuation."""
    non_ascii = [c for c in text if ord(c) > 127]
    if not non_ascii:
        return False
    cjk = sum(1 for c in non_ascii if "\u3000" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef")
    return cjk * 2 >= len(non_ascii)


def _finish(body, codec, declared, basis, warnings, text=None, errors=None) -> Decoded:
    """Decode (if not done yet) and record replaced bytes as a warning."""
    if text is None:
        text, errors = _errors(body, codec)
    if errors:
        warnings.append(f"{errors} undecodable byte sequence(s) in {codec} replaced with U+FFFD")
    return Decoded(text=text, declared=declared, detected=codec, warnings=warnings, basis=basis)
