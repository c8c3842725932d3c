"""Reposts: items whose text nearly duplicates an item of another site in the inventory.

``records.fingerprint`` (written by extraction) is a bottom-k MinHash of the text's 4-character
shingles, documented as a version prefix (``"mh1:"``, ``"mh2:"`` ...) followed by up to 64
eight-digit hex CRC32 values, smallest first; only fingerprints of one version are compared. Two texts are near-duplicates when the estimated Jaccard similarity reaches 0.8: of the
k smallest hashes of both sketches together, the share found in both.

Candidate pairs come from SQL: the 8 smallest hashes of each sketch are exploded into rows and
joined across sites; a pair is a candidate when it shares at least 3 of them (a pair at the 0.9
threshold shares about 7 of the 8 smallest hashes of the two sketches together). Hashes
carried by very many items are boilerplate shingles and are not used as join keys, which keeps
the join linear. Only candidate pairs are compared in Python.
"""
from __future__ import annotations

import heapq
import re
import sqlite3

FORMAT_RE = re.compile(r"^(mh\d+:)((?:[0-9a-f]{8})*)$")
K = 64
KEYS_PER_ITEM = 8          # smallest hashes used as join keys
MAX_ITEMS_PER_KEY = 50     # a hash shared by more items is boilerplate, not evidence of a repost
MIN_SHARED_KEYS = 3        # a near-duplicate pair shares far more of its smallest hashes than this
THRESHOLD = 0.9         # reposts are copies; templated texts (办事指南) of different sites reach 0.8


def decode(fp: str) -> tuple[str, list[int]]:
    """The version prefix and hashes of a fingerprint; ValueError for anything not in the documented format."""
    match = FORMAT_RE.match(fp or "")
    if not match:
        raise ValueError(f"not a MinHash fingerprint: {(fp or '')[:20]!r}")
    body = match.group(2)
    return match.group(1), [int(body[i:i + 8], 16) for i in range(0, len(body), 8)]


def similarity(a: str, b: str) -> float:
    """Estimated Jaccard similarity of two fingerprints (the estimator extraction documents)."""
    (va, sa), (vb, sb) = decode(a), decode(b)
    if va != vb or not sa or not sb:
        return 0.0
    k = min(len(sa), len(sb), K)
    both = set(sa) & set(sb)
    smallest = heapq.nsmallest(k, set(sa) | set(sb))
    return sum(1 for h in smallest if h in both) / len(smallest)


def repost_pairs(conn: sqlite3.Connection, make_temp) -> list[dict]:
    """Every (audited item, other site's item) pair at or above the threshold, best match first."""
    conn.execute("DROP TABLE IF EXISTS temp.audit_key_numbers")
    conn.execute("CREATE TEMP TABLE audit_key_numbers (n INTEGER PRIMARY KEY)")
    conn.executemany("INSERT INTO audit_key_numbers VALUES (?)", [(n,) for n in range(KEYS_PER_ITEM)])
    make_temp("audit_fps", """
        SELECT page_id, site_code, fingerprint, instr(fingerprint, ':') AS colon FROM records
        WHERE page_type = 'article' AND fingerprint LIKE 'mh%:%'""")
    make_temp("audit_fp_keys", """
        SELECT f.page_id, f.site_code, substr(f.fingerprint, 1, f.colon) || substr(f.fingerprint, f.colon + 1 + 8 * k.n, 8) AS h
        FROM audit_fps f CROSS JOIN audit_key_numbers k ON f.colon + 8 * (k.n + 1) <= length(f.fingerprint)""")
    make_temp("audit_fp_rare", f"""
        SELECT k.page_id, k.site_code, k.h FROM audit_fp_keys k
        WHERE k.h IN (SELECT h FROM audit_fp_keys GROUP BY h
                      HAVING min(site_code) != max(site_code) AND count(*) <= {MAX_ITEMS_PER_KEY})""", ("h",))
    rows = conn.execute(f"""
        SELECT a.site_code, a.page_id, b.site_code, b.page_id
        FROM audit_fp_rare a CROSS JOIN audit_fp_rare b ON b.h = a.h AND b.site_code != a.site_code
        WHERE a.site_code IN (SELECT site_code FROM audit_selected)
        GROUP BY a.page_id, b.page_id HAVING count(*) >= {MIN_SHARED_KEYS}""").fetchall()
    conn.execute("DROP TABLE IF EXISTS temp.audit_key_numbers")
    if not rows:
        return []
    ids = sorted({r[1] for r in rows} | {r[3] for r in rows})
    info = _items(conn, ids)
    pairs = []
    for code, page_id, other_code, other_id in rows:
        mine, other = info[page_id], info[other_id]
        try:
            score = similarity(mine[2], other[2])
        except ValueError as exc:
            raise ValueError(f"records.fingerprint of {mine[0]} or {other[0]}: {exc}") from None
        if score >= THRESHOLD:
            pairs.append({"site_code": code, "url": mine[0], "title": mine[1], "other_site_code": other_code,
                          "other_url": other[0], "similarity": round(score, 3)})
    pairs.sort(key=lambda p: (p["site_code"], p["url"], -p["similarity"], p["other_site_code"], p["other_url"]))
    return pairs


def _items(conn: sqlite3.Connection, ids: list[int]) -> dict[int, tuple]:
    """URL, title and fingerprint of the candidate items, read in one pass through a TEMP id list."""
    conn.execute("DROP TABLE IF EXISTS temp.audit_candidate_ids")
    conn.execute("CREATE TEMP TABLE audit_candidate_ids (page_id INTEGER PRIMARY KEY)")
    conn.executemany("INSERT INTO audit_candidate_ids VALUES (?)", [(i,) for i in ids])
    rows = conn.execute("""
        SELECT r.page_id, p.url, r.title, r.fingerprint FROM audit_candidate_ids c
        JOIN records r ON r.page_id = c.page_id JOIN pages p ON p.id = r.page_id""").fetchall()
    conn.execute("DROP TABLE temp.audit_candidate_ids")
    return {row[0]: row[1:] for row in rows}


def unknown_fingerprints(conn: sqlite3.Connection) -> int:
    """Audited items whose fingerprint is in no format this module knows (they cannot be compared)."""
    return conn.execute("""
        SELECT count(*) FROM records r JOIN audit_selected s ON s.site_code = r.site_code
        WHERE r.page_type = 'article' AND r.fingerprint IS NOT NULL AND r.fingerprint NOT LIKE 'mh%:%'""").fetchone()[0]
