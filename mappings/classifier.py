"""Content classifier: TF-IDF over character n-grams, nearest target-column profile by cosine.

Works for Chinese without word segmentation (character bigrams and trigrams) and for any other
language the same way. A target column's profile is its name, aliases and keywords, plus the
items already in that column on the parent platform or placed there for other sites, which are
the best examples of what belongs there.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

RUNS = re.compile(r"[^\W\d_]+", re.UNICODE)
PROFILE_WEIGHT = 0.6
EXAMPLES_PER_TARGET = 200
FULL_WEIGHT_EXAMPLES = 5


def ngrams(text: str) -> Counter:
    """Character bigrams and trigrams of every run of letters (CJK or not), digits removed."""
    grams: list[str] = []
    for run in RUNS.findall((text or "").lower()):
        if len(run) == 1:
            grams.append(run)
        grams.extend([run[i: i + 2] for i in range(len(run) - 1)])
        grams.extend([run[i: i + 3] for i in range(len(run) - 2)])
    return Counter(grams)


def item_text(title: str | None, body: str | None, body_chars: int = 300) -> str:
    """What stands for an item: its title twice (titles say most) and the start of its text."""
    title = title or ""
    return f"{title} {title} {(body or '')[:body_chars]}"


@dataclass
class ContentClassifier:
    """Target profiles built from names/aliases/keywords and example items; scores by cosine."""

    profiles: dict[str, str]
    examples: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self):
        self._profile_grams = {tid: ngrams(text) for tid, text in self.profiles.items()}
        self._example_grams = {tid: [ngrams(t) for t in texts[:EXAMPLES_PER_TARGET]]
                               for tid, texts in self.examples.items()}
        documents = list(self._profile_grams.values()) + [g for gs in self._example_grams.values() for g in gs]
        frequency: Counter = Counter()
        for grams in documents:
            frequency.update(grams.keys())
        total = len(documents)
        self._idf = {gram: math.log((1 + total) / (1 + df)) + 1 for gram, df in frequency.items()}
        self._default_idf = math.log(1 + total) + 1
        self.vectors = {tid: self._target_vector(tid) for tid in self.profiles}

    def example_count(self, target_id: str) -> int:
        return len(self._example_grams.get(target_id, ()))

    def vector(self, grams: Counter) -> dict[str, float]:
        """Unit-length TF-IDF vector of n-gram counts (sublinear term frequency)."""
        weights = {g: (1 + math.log(c)) * self._idf.get(g, self._default_idf) for g, c in grams.items()}
        return normalized(weights)

    def _target_vector(self, target_id: str) -> dict[str, float]:
        profile = self.vector(self._profile_grams[target_id])
        examples = [self.vector(g) for g in self._example_grams.get(target_id, ())]
        if not examples:
            return profile
        centroid = mean(examples)
        weight = min(1.0, len(examples) / FULL_WEIGHT_EXAMPLES)  # one odd example must not decide a column
        return normalized({g: PROFILE_WEIGHT * profile.get(g, 0) + weight * centroid.get(g, 0)
                           for g in set(profile) | set(centroid)})

    def scores(self, texts: list[str]) -> dict[str, float]:
        """Cosine of the texts' centroid to every target profile (empty when no text)."""
        vectors = [self.vector(ngrams(text)) for text in texts if text and text.strip()]
        if not vectors:
            return {}
        centroid = normalized(mean(vectors))
        return {tid: round(cosine(centroid, vector), 4) for tid, vector in self.vectors.items()}


def normalized(vector: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {k: v / norm for k, v in vector.items()} if norm else {}


def mean(vectors: list[dict[str, float]]) -> dict[str, float]:
    total: Counter = Counter()
    for vector in vectors:
        total.update(vector)
    return {k: v / len(vectors) for k, v in total.items()}


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(k, 0.0) for k, v in a.items())
