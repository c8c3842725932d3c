"""Near-duplicates: items already on the parent platform, and the same article reposted by several sites.

An item whose text is a near-duplicate of a page of a site kept as it is (action ``keep``: the
parent portal, crawled like the others) is not exported again: it maps to that page's URL.
Items reposted across the closing sites are exported once: the earliest published copy (then
site code, then URL) is the original and the others map to it.

Candidates come from an index in SQLite of each fingerprint's 16 smallest MinHash values: two texts
with Jaccard similarity 0.8 share most of them, while unrelated texts share at most boilerplate
(values found in more than 50 documents are ignored) and templated pages a few, so candidates must
share ten. Memory stays flat however many items there are; each candidate pair is then confirmed with
the fingerprint similarity.
"""
from __future__ import annotations

from dataclasses import dataclass

from extractors.fingerprint import PREFIX, similarity

KEYS_PER_DOC = 16
MAX_POSTINGS = 50   # a key shared by more documents is boilerplate, not evidence
MIN_SHARED = 10     # of their 16 smallest hashes; texts >= 0.9 alike share 14 or more
THRESHOLD = 0.9  # stricter than the audit: a false match would leave content out of the package


@dataclass
class Duplicate:
    """``item_id`` duplicates ``of``: a parent page URL (kind parent) or another item's id (kind repost)."""

    item_id: str
    of: str
    kind: str
    similarity: float


def _keys(fp: str | None) -> list[int]:
    if not fp or not fp.startswith(PREFIX):
        return []
    body = fp[len(PREFIX):]
    return [int(body[i:i + 8], 16) for i in range(0, min(len(body), 8 * KEYS_PER_DOC), 8)]


def _load(db, plan_table: str, keep_codes: list[str]) -> None:
    """Fill the temporary document and key tables from the plan's exportable items and the kept sites' pages."""
    db.execute("DROP TABLE IF EXISTS temp.dup_docs")
    db.execute("DROP TABLE IF EXISTS temp.dup_keys")
    db.execute("CREATE TEMP TABLE dup_docs (doc INTEGER PRIMARY KEY, is_parent INTEGER, ref TEXT, site_code TEXT, "
               "fingerprint TEXT, sort_key TEXT)")
    db.execute("CREATE TEMP TABLE dup_keys (h INTEGER, doc INTEGER)")
    items = db.execute(
        f"SELECT item_id, site_code, fingerprint, coalesce(published, '9999') || '|' || site_code || '|' || source_url "
        f"FROM {plan_table} WHERE kind = 'item' AND status = 'export' AND fingerprint IS NOT NULL"
    )
    _insert(db, ((0, *row) for row in items))
    if keep_codes:
        marks = ",".join("?" for _ in keep_codes)
        parents = db.execute(
            f"SELECT url, site_code, fingerprint, url FROM records WHERE site_code IN ({marks}) "
            f"AND page_type = 'article' AND fingerprint IS NOT NULL",
            keep_codes,
        )
        _insert(db, ((1, *row) for row in parents))
    db.execute("CREATE INDEX temp.dup_keys_by_h ON dup_keys (h, doc)")


def _insert(db, rows) -> None:
    cursor = db.conn.cursor()
    for is_parent, ref, site_code, fp, sort_key in rows:
        cursor.execute("INSERT INTO dup_docs (is_parent, ref, site_code, fingerprint, sort_key) VALUES (?, ?, ?, ?, ?)",
                       [is_parent, ref, site_code, fp, sort_key])
        doc = cursor.lastrowid
        cursor.executemany("INSERT INTO dup_keys (h, doc) VALUES (?, ?)", [(h, doc) for h in _keys(fp)])


def _pairs(db, threshold: float):
    """Confirmed near-duplicate pairs across sites, at least one side an item: (a, b, similarity)."""
    rows = db.execute(
        f"""
        WITH common AS (SELECT h FROM dup_keys GROUP BY h HAVING count(*) > {MAX_POSTINGS}),
        cand AS (
            SELECT a.doc AS a, b.doc AS b FROM dup_keys a JOIN dup_keys b ON a.h = b.h AND a.doc < b.doc
            WHERE a.h NOT IN (SELECT h FROM common) GROUP BY a.doc, b.doc HAVING count(*) >= {MIN_SHARED}
        )
        SELECT cand.a, cand.b, da.fingerprint, db_.fingerprint FROM cand
        JOIN dup_docs da ON da.doc = cand.a JOIN dup_docs db_ ON db_.doc = cand.b
        WHERE da.site_code != db_.site_code AND NOT (da.is_parent AND db_.is_parent)
        """
    )
    for a, b, fa, fb in rows:
        score = similarity(fa, fb)
        if score >= threshold:
            yield a, b, score


def find_duplicates(db, plan_table: str, keep_codes: list[str], threshold: float = THRESHOLD) -> list[Duplicate]:
    """Every exportable item of ``plan_table`` that duplicates a parent page or an earlier repost."""
    _load(db, plan_table, keep_codes)
    docs = {}

    def doc(number: int) -> tuple:
        if number not in docs:
            docs[number] = db.execute("SELECT is_parent, ref, sort_key FROM dup_docs WHERE doc = ?", [number]).fetchone()
        return docs[number]

    best_parent: dict[int, tuple[float, str]] = {}
    edges: list[tuple[int, int, float]] = []
    for a, b, score in _pairs(db, threshold):
        (pa, ref_a, _), (pb, ref_b, _) = doc(a), doc(b)
        if pa or pb:
            item, parent_url = (b, ref_a) if pa else (a, ref_b)
            current = best_parent.get(item)
            if current is None or (-score, parent_url) < (-current[0], current[1]):
                best_parent[item] = (score, parent_url)
        else:
            edges.append((a, b, score))
    found = [Duplicate(doc(d)[1], url, "parent", score) for d, (score, url) in sorted(best_parent.items())]
    found.extend(_reposts(edges, set(best_parent), doc))
    db.execute("DROP TABLE IF EXISTS temp.dup_keys")
    db.execute("DROP TABLE IF EXISTS temp.dup_docs")
    return found


def _reposts(edges, parent_dupes: set[int], doc) -> list[Duplicate]:
    """Groups of reposts (union-find over confirmed pairs); all but the earliest copy are duplicates."""
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    scores: dict[int, float] = {}
    for a, b, score in edges:
        if a in parent_dupes or b in parent_dupes:
            continue
        parent[root(a)] = root(b)
        scores[a] = max(scores.get(a, 0), score)
        scores[b] = max(scores.get(b, 0), score)
    groups: dict[int, list[int]] = {}
    for member in list(parent):
        groups.setdefault(root(member), []).append(member)
    found = []
    for members in groups.values():
        members.sort(key=lambda d: doc(d)[2])
        original = doc(members[0])[1]
        found.extend(Duplicate(doc(m)[1], original, "repost", scores[m]) for m in members[1:])
    return sorted(found, key=lambda d: d.item_id)
