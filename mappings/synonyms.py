"""Chinese-aware similarity of column names, backed by an editable synonym dictionary.

Names are compared after removing meaningless affixes (本镇, 栏目) and the site's own name, then
as whole names (same synonym group), and finally as character bigrams with interchangeable words
(动态 ~ 信息, 工作 ~ 政务) folded to one spelling, so 工作动态 ~ 政务动态 ~ 动态信息.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

PUNCTUATION = re.compile(r"[\s\u3000·•・、，,。.:：;；!！?？\-—_/\\|()（）\[\]【】〔〕<>《》\"'“”‘’]+")


class SynonymsError(Exception):
    """The synonym file is missing or has a wrong shape."""


@dataclass
class Synonyms:
    """Name groups, interchangeable terms and affixes to strip."""

    groups: list[list[str]] = field(default_factory=list)
    terms: list[list[str]] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    suffixes: list[str] = field(default_factory=list)

    def __post_init__(self):
        self._group_of: dict[str, set[int]] = {}
        for index, group in enumerate(self.groups):
            for name in group:
                self._group_of.setdefault(clean(name), set()).add(index)
        replacements = [(term, group[0]) for group in self.terms for term in group[1:]]
        self._replacements = sorted(replacements, key=lambda pair: -len(pair[0]))
        self._memo: dict[tuple[str, str], tuple[float, str]] = {}
        self._normalized: dict[tuple, str] = {}

    def groups_of(self, name: str) -> set[int]:
        return self._group_of.get(name, set())

    def fold(self, name: str) -> str:
        """The name with every interchangeable term written the canonical way."""
        for term, canonical in self._replacements:
            name = name.replace(term, canonical)
        return name

    def normalize(self, name: str, site_names: tuple[str, ...] = ()) -> str:
        """Strip punctuation, the site's own names and meaningless affixes (never to nothing)."""
        key = (name, site_names)
        if key not in self._normalized:
            self._normalized[key] = self._normalize(name, site_names)
        return self._normalized[key]

    def _normalize(self, name: str, site_names: tuple[str, ...]) -> str:
        text = clean(name)
        for site_name in sorted((n for n in site_names if n), key=len, reverse=True):
            if text.startswith(site_name) and len(text) > len(site_name) + 1:
                text = text[len(site_name):]
        for prefix in self.prefixes:
            if text.startswith(prefix) and len(text) > len(prefix) + 1:
                text = text[len(prefix):]
        for suffix in self.suffixes:
            if text.endswith(suffix) and len(text) > len(suffix) + 1:
                text = text[: -len(suffix)]
        return text

    def similarity(self, a: str, b: str, site_names: tuple[str, ...] = ()) -> tuple[float, str]:
        """Score in [0, 1] that two column names mean the same column, and why."""
        left, right = self.normalize(a, site_names), self.normalize(b, site_names)
        if not left or not right:
            return 0.0, "empty name"
        if left == right:
            return 1.0, "same name" if clean(a) == clean(b) else f"same name once '{a}' is trimmed to '{left}'"
        key = (left, right)
        if key not in self._memo:
            self._memo[key] = self._compare(left, right)
        return self._memo[key]

    def _compare(self, left: str, right: str) -> tuple[float, str]:
        """Similarity of two different normalized names: synonym groups, folded words, bigrams."""
        if self.groups_of(left) & self.groups_of(right):
            return 0.9, f"synonyms in the dictionary ({left} ~ {right})"
        folded_left, folded_right = self.fold(left), self.fold(right)
        if folded_left == folded_right:
            return 0.85, f"same words up to synonyms ({left} ~ {right})"
        score = dice(bigrams(folded_left), bigrams(folded_right))
        shorter, longer = sorted((folded_left, folded_right), key=len)
        if len(shorter) >= 2 and shorter in longer and 0.5 + 0.3 * len(shorter) / len(longer) > score:
            folded = " once synonyms are folded" if (folded_left, folded_right) != (left, right) else ""
            return round(0.5 + 0.3 * len(shorter) / len(longer), 3), f"'{shorter}' within '{longer}'{folded}"
        return round(score, 3), f"shared characters ({left} ~ {right})"


def clean(name: str) -> str:
    """The name without spaces and punctuation (full and half width)."""
    return PUNCTUATION.sub("", name or "")


def bigrams(text: str) -> set[str]:
    """Character bigrams; a single character stands for itself."""
    if len(text) < 2:
        return {text} if text else set()
    return {text[i: i + 2] for i in range(len(text) - 1)}


def dice(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def default_synonyms_path() -> Path:
    return Path(str(resources.files("mappings") / "data" / "synonyms.yaml"))


def load_synonyms(path: str | Path | None = None) -> Synonyms:
    """Read the synonym file (the shipped one when ``path`` is None) and check its shape."""
    file = Path(path) if path else default_synonyms_path()
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise SynonymsError(f"synonym file not found: {file}") from None
    except yaml.YAMLError as exc:
        raise SynonymsError(f"{file}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise SynonymsError(f"{file}: expected a mapping with 'groups', 'terms' and 'strip'")
    groups = _lists_of_text(file, data, "groups")
    terms = _lists_of_text(file, data, "terms")
    strip = data.get("strip") or {}
    if not isinstance(strip, dict):
        raise SynonymsError(f"{file}: 'strip' must be a mapping with 'prefixes' and 'suffixes'")
    affixes = {}
    for key in ("prefixes", "suffixes"):
        value = strip.get(key) or []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise SynonymsError(f"{file}: strip.{key} must be a list of text")
        affixes[key] = value
    return Synonyms(groups, terms, affixes["prefixes"], affixes["suffixes"])


def synonyms_for_workspace(workspace) -> Synonyms:
    """The workspace's dictionary: ``mapping.synonyms`` of its config, or the shipped one."""
    configured = (workspace.config.get("mapping") or {}).get("synonyms")
    if not configured:
        return load_synonyms()
    path = Path(configured)
    return load_synonyms(path if path.is_absolute() else workspace.path / path)


def _lists_of_text(file: Path, data: dict, key: str) -> list[list[str]]:
    value = data.get(key) or []
    if not isinstance(value, list):
        raise SynonymsError(f"{file}: '{key}' must be a list of lists of names")
    for number, group in enumerate(value, 1):
        if not isinstance(group, list) or len(group) < 2 or not all(isinstance(n, str) for n in group):
            raise SynonymsError(f"{file}: {key} #{number} must be a list of at least two names, got {group!r}")
    return [[str(name) for name in group] for group in value]
