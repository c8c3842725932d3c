"""The page language: what the page declares, else what its body text is written in."""
from __future__ import annotations

import re

CJK_RE = re.compile(r"[\u4e00-\u9fff]")
KANA_RE = re.compile(r"[\u3040-\u30ff]")
HANGUL_RE = re.compile(r"[\uac00-\ud7af]")
LATIN_RE = re.compile(r"[A-Za-z]")
DECLARED_RE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")


def declared_language(tree, meta: dict) -> str | None:
    """<html lang> or Content-Language meta, normalised (zh-CN, en ...)."""
    value = tree.get("lang") or tree.get("xml:lang") or meta.get("content-language") or meta.get("language")
    if not value:
        return None
    value = value.split(",")[0].strip().replace("_", "-")
    if not DECLARED_RE.match(value.lower()):
        return None
    head, _, rest = value.partition("-")
    return head.lower() + ("-" + rest if rest else "")


def text_language(text: str) -> str | None:
    """'zh' when CJK ideographs dominate the letters, 'ja'/'ko' for kana/hangul, 'latin' otherwise."""
    sample = text[:5000]
    cjk, kana = len(CJK_RE.findall(sample)), len(KANA_RE.findall(sample))
    hangul, latin = len(HANGUL_RE.findall(sample)), len(LATIN_RE.findall(sample))
    total = cjk + kana + hangul + latin
    if not total:
        return None
    if kana > total * 0.05:
        return "ja"
    if hangul > total * 0.2:
        return "ko"
    if cjk * 4 >= total:
        return "zh"
    return "latin"


def detect_language(declared: str | None, body_text: str) -> str | None:
    """Declared language when it agrees with the text; the text's language when they disagree."""
    seen = text_language(body_text)
    if declared and (seen is None or seen == "latin" and not declared.startswith(("zh", "ja", "ko"))
                     or declared.startswith(seen or "")):
        return declared
    if seen == "latin":
        return declared
    return seen or declared
