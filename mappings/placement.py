"""Site placement: where each migrating or closing site belongs as a whole in the parent's tree.

Before its columns are matched one by one, a site gets a home column (its 主栏目 on the parent),
from three clues, each with its share of the reason: the parent's pages that link to the site
(the strongest clue: a parent page about a unit links to the unit's site; a page linking to every
satellite, such as a links footer, counts for little), the content of the site's items against
each column's subtree, and names (the site's own name, and columns made for its level such as
乡镇动态 for townships). Column suggestions then prefer the home column's subtree, and the site's
homepage (so its fallback redirect) goes to the home column's page. Stored in ``site_placements``.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from site_inventory.urls import Scope, canonicalize

from . import source_columns as sc
from .classifier import item_text
from .rules import Rule, now
from .target_tree import SITE_NAME_SUFFIXES, TargetTree, short_site_name

LINK_WEIGHT, CONTENT_WEIGHT, NAME_WEIGHT = 0.45, 0.25, 0.3
CONTENT_TRUST = 0.2  # below this best cosine, content counts proportionally less
CONTENT_SAMPLE = 120
SUBTREE_SHARE = 0.9  # a column's content score from its best sub-column, slightly less than the sub-column's
ANCESTOR_SHARE = 0.5  # links in a sub-column count half for its parent
LEVEL_WORDS = {"township": ("乡镇", "镇街", "街道", "镇村"), "department": ("部门", "单位")}


@dataclass
class Placement:
    """A site's home column with the confidence and the clues behind it (a row of ``site_placements``)."""

    site_code: str
    column_id: str | None
    target_path: str | None
    confidence: float
    reasons: list[str]
    alternatives: list[tuple[str, float]] = field(default_factory=list)
    status: str = "suggested"
    dedicated: bool = False  # the parent has a section of the site's own (linked from it, named for it)

    def as_dict(self) -> dict:
        return {"type": "placement", "site_code": self.site_code, "target_id": self.column_id,
                "target_path": self.target_path, "confidence": self.confidence, "reasons": self.reasons,
                "dedicated": self.dedicated,
                "status": self.status, "alternatives": [{"target_id": t, "score": s} for t, s in self.alternatives]}


def place_sites(context, db, parent_targets: dict, codes=(), accepted_rules: list[Rule] = ()) -> list[Placement]:
    """The home column of every migrating or closing site (or of ``codes``): the planner's choice
    when there is one (an accepted placement, a whole-site rule or a homepage rule with a target),
    else the best-scoring column of the tree."""
    tree = context.tree
    stored = load_placements(db)
    chosen = planner_homes(accepted_rules, tree)
    links = parent_links(db, context.sites, tree, parent_targets)
    items: dict[str, list[dict]] = defaultdict(list)
    for record in context.records:
        if record["page_type"] in sc.ITEM_TYPES and len((record["body"] or "").strip()) >= 40:
            items[record["site_code"]].append(record)
    out = []
    for code, site in sorted(context.sites.items()):
        if site["action"] == "keep" or (codes and code not in codes):
            continue
        if code in chosen:
            rule = chosen[code]
            out.append(Placement(code, rule.target_id, tree.target_path(rule.target_id, site), 1.0,
                                 [f"planner's {rule.describe()}"], status="accepted"))
        elif code in stored and stored[code].status == "accepted" and stored[code].column_id in tree:
            fresh = place_site(context, site, links.get(code, []), items[code])
            stored[code].dedicated = fresh.dedicated and fresh.column_id == stored[code].column_id
            out.append(stored[code])
        else:
            out.append(place_site(context, site, links.get(code, []), items[code]))
    return out


def planner_homes(rules, tree: TargetTree) -> dict[str, Rule]:
    """Sites whose accepted rules already say where they go: a whole-site rule, a homepage rule."""
    homes = {}
    for rule in rules:
        if rule.site_code and rule.target_id in tree and (
                (rule.match == "site" and rule.action in ("map", "static"))
                or (rule.match == "page_type" and rule.pattern == "homepage" and rule.action == "homepage")):
            homes.setdefault(rule.site_code, rule)
    return homes


def parent_links(db, sites: dict, tree: TargetTree, parent_targets: dict) -> dict[str, list[tuple]]:
    """Per migrating site: (parent page URL, its column id or None, weight) for every page of a
    kept site linking into it; a page linking to n of the sites weighs 1/n."""
    kept = [code for code, site in sites.items() if site["action"] == "keep"]
    scopes = {code: Scope.for_site(site["url"], json.loads(site.get("aliases") or "[]"))
              for code, site in sites.items() if site["action"] != "keep"}
    if not kept or not scopes:
        return {}
    marks = ",".join("?" for _ in kept)
    rows = db.execute(
        f"SELECT l.site_code, l.source_url, l.target_url, i.column_path FROM links l "
        f"LEFT JOIN records r ON r.url = l.source_url AND r.site_code = l.site_code "
        f"LEFT JOIN item_source_columns i ON i.page_id = r.page_id "
        f"WHERE l.site_code IN ({marks}) AND l.in_scope = 0", kept).fetchall()
    by_url = {canonicalize(c.url): c.id for c in tree.columns if c.url}
    targets_of_page: dict[tuple, set] = defaultdict(set)
    for parent, source, target, column_path in rows:
        for code, scope in scopes.items():
            if scope.contains(target):
                targets_of_page[(parent, source, column_path)].add(code)
    out: dict[str, list[tuple]] = defaultdict(list)
    for (parent, source, column_path), codes in targets_of_page.items():
        column = by_url.get(source) or (parent_targets.get((parent, column_path)) if column_path else None)
        for code in codes:
            out[code].append((source, column, 1 / len(codes)))
    return out


def place_site(context, site: dict, links: list[tuple], items: list[dict]) -> Placement:
    """The best home column for one site from its links, content (its readable items) and names."""
    tree = context.tree
    link = link_scores(tree, links)
    content, top = content_scores(context, items)
    named = name_scores(tree, site)
    weights = {"link": LINK_WEIGHT if link else 0.0,
               "content": CONTENT_WEIGHT * min(1.0, top / CONTENT_TRUST) if content else 0.0,
               "name": NAME_WEIGHT}
    total = sum(weights.values())
    scored = {cid: (weights["link"] * link.get(cid, 0.0) + weights["content"] * content.get(cid, 0.0)
                    + weights["name"] * named.get(cid, (0.0, ""))[0]) / total for cid in tree.by_id}
    ranked = sorted(scored.items(), key=lambda kv: (-kv[1], -len(tree.ancestors(kv[0]))))
    best_id, best = ranked[0]
    if best <= 0:
        return Placement(site["site_code"], None, None, 0.0, ["no clue: no parent page links to the site, no "
                                                             "readable items, no column named for it or its level"])
    margin = best - (ranked[1][1] if len(ranked) > 1 else 0.0)
    confidence = round(max(0.0, min(0.97, best * (0.6 + 0.4 * min(1.0, margin / 0.3)))), 3)
    reasons = explain(tree, best_id, links, link, content, named, top)
    home = tree.subtree(best_id)
    own = any(column in home for _, column, _ in links) or named.get(best_id, (0.0,))[0] >= 1.0
    dedicated = own and (len(home) > 1 or tree[best_id].kind != "static")  # a section, not one page about the unit
    if dedicated:
        reasons.append("the parent has a section of the site's own: its columns stay under it")
    return Placement(site["site_code"], best_id, tree.target_path(best_id, site), confidence, reasons,
                     [(cid, round(score, 3)) for cid, score in ranked[1:3]], dedicated=dedicated)


def link_scores(tree: TargetTree, links: list[tuple]) -> dict[str, float]:
    """Each column's share of the weight of the parent pages linking to the site (its own pages
    fully, its sub-columns' pages by half per level), scaled so the best column has 1."""
    weight: Counter = Counter()
    for _, column, share in links:
        if column not in tree:
            continue
        weight[column] += share
        factor = ANCESTOR_SHARE
        for ancestor in reversed(tree.ancestors(column)):
            weight[ancestor.id] += share * factor
            factor *= ANCESTOR_SHARE
    top = max(weight.values(), default=0.0)
    return {cid: value / top for cid, value in weight.items()} if top else {}


def content_scores(context, items: list[dict]) -> tuple[dict[str, float], float]:
    """Cosine of the site's items to each column, a column taking the better of its own score and
    its best sub-column's (slightly less); scaled so the best column has 1. Also the best raw cosine."""
    step = max(1, len(items) // CONTENT_SAMPLE)
    raw = context.classifier.scores([item_text(r["title"], r["body"]) for r in items[::step]])
    if not raw:
        return {}, 0.0
    tree = context.tree
    subtree = {cid: max(raw.get(cid, 0.0), SUBTREE_SHARE * max((raw.get(d, 0.0) for d in tree.subtree(cid)
                                                                if d != cid), default=0.0))
               for cid in tree.by_id}
    top = max(subtree.values())
    return ({cid: score / top for cid, score in subtree.items()} if top else {}), max(raw.values())


def name_scores(tree: TargetTree, site: dict) -> dict[str, tuple[float, str]]:
    """Columns named for the site (its name or short name) or made for its level."""
    name = site.get("name") or ""
    short = short_site_name(name)
    level = site.get("level")
    out = {}
    for column in tree.columns:
        if column.name in (short, name) or (len(column.name) >= 3 and column.name in name
                                            and column.name not in SITE_NAME_SUFFIXES):
            out[column.id] = (1.0, f"column {column.name} is named for the site")
        elif level and level in column.levels:
            out[column.id] = (0.9, f"{column.name} is made for {level} sites")
        elif level and any(word in column.name for word in LEVEL_WORDS.get(level, ())):
            out[column.id] = (0.7, f"{column.name} is named for {level} sites")
    return out


def explain(tree, best_id, links, link, content, named, top) -> list[str]:
    """The clues for the chosen column, strongest first."""
    reasons = []
    home = tree.subtree(best_id)
    linking = [source for source, column, _ in links if column in home]
    if linking:
        reasons.append(f"linked from {len(linking)} parent page(s) in this column, e.g. {sorted(linking)[0]}")
    elif links:
        reasons.append(f"{len(links)} parent page(s) link to the site, none in this column"
                       if link else f"{len(links)} parent page(s) link to the site, in no column")
    else:
        reasons.append("no parent page links to the site")
    if content:
        best_content = max(content, key=content.get)
        agree = "agrees" if best_content in home else f"points to {tree[best_content].name}"
        reasons.append(f"content {agree} (best cosine {top:.2f}, this column {content.get(best_id, 0):.2f} of best)")
    else:
        reasons.append("no items to read")
    if best_id in named:
        reasons.append(named[best_id][1])
    return reasons


def save_placements(db, placements: list[Placement]) -> None:
    """Store the placements, replacing those of the same sites."""
    stamp = now()
    with db.conn:
        db.conn.executemany(
            "INSERT OR REPLACE INTO site_placements (site_code, column_id, target_path, confidence, reason, "
            "alternatives, status, placed_at) VALUES (?,?,?,?,?,?,?,?)",
            [(p.site_code, p.column_id, p.target_path, p.confidence, json.dumps(p.reasons, ensure_ascii=False),
              json.dumps(p.alternatives), p.status, stamp) for p in placements])


def load_placements(db, status: str | None = None) -> dict[str, Placement]:
    """The stored placements by site code (optionally only those with one status)."""
    sql = "SELECT * FROM site_placements" + (" WHERE status = ?" if status else "")
    out = {}
    for row in db.query(sql, [status] if status else []):
        out[row["site_code"]] = Placement(row["site_code"], row["column_id"], row["target_path"], row["confidence"],
                                          json.loads(row["reason"] or "[]"),
                                          [tuple(pair) for pair in json.loads(row["alternatives"] or "[]")],
                                          row["status"])
    return out


def accept_placements(db, above: float) -> list[Placement]:
    """Accept the suggested placements whose confidence is at least ``above``."""
    chosen = [p for p in load_placements(db, status="suggested").values() if (p.confidence or 0) >= above]
    with db.conn:
        db.conn.executemany("UPDATE site_placements SET status = 'accepted' WHERE site_code = ?",
                            [(p.site_code,) for p in chosen])
    for placement in chosen:
        placement.status = "accepted"
    return chosen


def format_placement(placement: Placement, name: str = "") -> str:
    """One line for ``map suggest``: the site, its home column, confidence, status and clues."""
    where = placement.target_path or "(no column)"
    return (f"{placement.site_code:<11} {name} belongs under {where}  "
            f"[{placement.confidence:.2f} {placement.status}] {'; '.join(placement.reasons)}")
