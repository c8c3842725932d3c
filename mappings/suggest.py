"""Suggest a mapping rule for every source column not yet covered by an accepted rule.

Signals, each with its share of the reason: precedent (what planners accepted for a same-named
column of another site of the same level), the column's name against the target columns' names
and aliases (synonym-aware), and the column's content (its items' titles and text) against the
target columns' profiles and examples. A site's news land in the column made for its level
(乡镇动态/{site} for townships, 部门动态/{site} for departments) when the tree declares one.
First each site is placed as a whole (``placement``): its columns then prefer its home column's
subtree, and its homepage goes to the home column's page.
"""
from __future__ import annotations

import json
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from tqdm import tqdm

from . import source_columns as sc
from .classifier import ContentClassifier, item_text
from .placement import Placement, accept_placements, place_sites, save_placements
from .rules import Item, Rule, RuleIndex, load_rules, save_rules
from .synonyms import Synonyms, synonyms_for_workspace
from .target_tree import TargetTree, tree_for_workspace

NAME_WEIGHT = 0.55
CONTENT_WEIGHT = 0.45
CONTENT_SAMPLE = 60  # items read per source column
MIN_TEXT = 40  # characters of text an item needs to count as content or as an example
CONTENT_TRUST = 0.2  # below this best cosine, content counts proportionally less
PARENT_NAME_MIN = 0.85
BLANK_FLOOR = 0.3  # a blank column matching nothing better than this points to the site's parent page
HOME_BONUS = 0.12  # added (times the placement's confidence) to targets in the site's home subtree
STRUCTURE_ACTIONS = {"homepage": ("homepage", "a closed site's homepage points to the parent's page for the site"),
                     "search_form": ("drop", "search and form pages cannot be migrated; 410 with an archive link"),
                     "error": ("drop", "error pages hold nothing to migrate"),
                     **{kind: ("drop", "machine files of the old site (robots.txt, sitemaps, feeds) are not migrated")
                        for kind in sc.MACHINE_KINDS}}


@dataclass
class Suggestion:
    """A proposed rule with what it covers and the runner-up targets."""

    rule: Rule
    site_code: str | None
    column_path: str | None
    items: int
    pages: int
    target_path: str = ""
    alternatives: list[tuple[str, float]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"site_code": self.site_code, "column": self.column_path, "items": self.items, "pages": self.pages,
                "match": self.rule.match, "pattern": self.rule.pattern, "action": self.rule.action,
                "target_id": self.rule.target_id, "target_path": self.target_path,
                "confidence": self.rule.confidence, "reason": self.rule.reason, "status": self.rule.status,
                "alternatives": [{"target_id": t, "score": s} for t, s in self.alternatives]}


@dataclass
class Context:
    """Everything suggestions are computed from, loaded once."""

    tree: TargetTree
    synonyms: Synonyms
    sites: dict[str, dict]
    records: list[dict]
    accepted: list[Rule]
    classifier: ContentClassifier
    precedents: dict[tuple, Counter]
    parent_targets: dict[tuple, str] = field(default_factory=dict)
    homes: dict[str, Placement] = field(default_factory=dict)


def suggest(workspace, accept_above: float | None = None, codes=(), progress: bool = False) -> list[Suggestion]:
    """Place each site as a whole (stored in ``site_placements``), then replace the pending
    suggestions with fresh ones; optionally accept those (and placements) above a confidence."""
    sc.discover(workspace, progress=progress)
    context = load_context(workspace)
    placements = place_sites(context, workspace.db, context.parent_targets, codes, context.accepted)
    if accept_above is not None:
        for placement in placements:
            if placement.confidence >= accept_above:
                placement.status = "accepted"
    save_placements(workspace.db, placements)
    context.homes = {p.site_code: p for p in placements if p.column_id}
    index = RuleIndex(context.accepted)
    covered = {r["page_id"] for r in context.records if index.first(as_item(r))}
    open_records = [r for r in context.records if r["page_id"] not in covered
                    and r["site_code"] in context.sites and (not codes or r["site_code"] in codes)
                    and context.sites[r["site_code"]]["action"] != "keep"]
    suggestions = structure_suggestions(open_records, context.homes) + column_suggestions(context, open_records, progress)
    for suggestion in suggestions:
        if accept_above is not None and (suggestion.rule.confidence or 0) >= accept_above:
            suggestion.rule.status = "accepted"
        if suggestion.rule.target_id:
            site = context.sites.get(suggestion.site_code or "")
            suggestion.target_path = context.tree.target_path(suggestion.rule.target_id, site)
    save_rules(workspace.db, context.accepted + [s.rule for s in suggestions])
    return suggestions


def accept(workspace, above: float = 0.8) -> list[Rule]:
    """Accept every pending suggestion (and site placement) whose confidence is at least ``above``;
    returns the rules accepted."""
    accept_placements(workspace.db, above)
    rules = load_rules(workspace.db)
    accepted = [r for r in rules if r.status == "suggested" and (r.confidence or 0) >= above]
    with workspace.db.conn:
        workspace.db.conn.executemany("UPDATE mapping_rules SET status = 'accepted' WHERE id = ?",
                                      [(r.id,) for r in accepted])
    for rule in accepted:
        rule.status = "accepted"
    return accepted


def load_records(db) -> list[dict]:
    """Every record with its source column (after discovery) and the start of its text."""
    return list(db.query(
        f"SELECT r.page_id, r.site_code, r.url, r.title, {sc.PAGE_TYPE_SQL} AS page_type, "
        "substr(r.body_text, 1, 400) AS body, i.column_path FROM records r "
        "LEFT JOIN item_source_columns i ON i.page_id = r.page_id LEFT JOIN pages p ON p.id = r.page_id "
        "ORDER BY r.page_id"))


def as_item(record: dict) -> Item:
    return Item(record["page_id"], record["site_code"], record["url"], record["title"], record["page_type"],
                record["column_path"])


def load_context(workspace) -> Context:
    tree, synonyms = tree_for_workspace(workspace), synonyms_for_workspace(workspace)
    sites = {row["site_code"]: row for row in workspace.db["sites"].rows}
    records = load_records(workspace.db)
    accepted = load_rules(workspace.db, status="accepted")
    targets = parent_targets(workspace.db, tree, synonyms, sites)
    examples = parent_examples(targets, records)
    for target, texts in decided_examples(accepted, records).items():
        examples.setdefault(target, []).extend(texts)
    profiles = {c.id: " ".join([c.name] * 2 + c.aliases + c.keywords) for c in tree.columns}
    classifier = ContentClassifier(profiles, examples)
    return Context(tree, synonyms, sites, records, accepted, classifier, precedents(accepted, sites, synonyms),
                   targets)


def parent_targets(db, tree, synonyms, sites) -> dict[tuple, str]:
    """(kept site, its source column path) -> the target column it is: the same path of names or
    the same page (a tree read from the parent's crawl), else the one target its name matches."""
    kept = [code for code, site in sites.items() if site["action"] == "keep"]
    by_names = {tuple(tree.names_path(c.id)): c.id for c in tree.columns}
    by_url = {c.url: c.id for c in tree.columns if c.url}
    out = {}
    for code in kept:
        for row in sc.load_columns(db, code):
            path = tuple(row["path"].split(sc.PATH_SEPARATOR))
            pages = [by_url[url] for url in json.loads(row["list_urls"] or "[]") if url in by_url]
            target = by_names.get(path) or (pages[0] if pages else None) or name_target(path[-1], tree, synonyms)
            if target:
                out[(code, row["path"])] = target
    return out


def name_target(name: str, tree, synonyms) -> str | None:
    """The one target column a name matches well (a tie means none)."""
    ranked = sorted(name_scores([name], (), tree, synonyms).items(), key=lambda kv: -kv[1][0])
    if not ranked or ranked[0][1][0] < PARENT_NAME_MIN or (len(ranked) > 1 and ranked[1][1][0] >= ranked[0][1][0]):
        return None
    return ranked[0][0]


def parent_examples(targets: dict[tuple, str], records) -> dict[str, list[str]]:
    """Items of the parent portal (sites kept as they are) filed under the target column their
    source column is: the best examples of what belongs in each target."""
    examples: dict[str, list[str]] = defaultdict(list)
    for record in records:
        if record["page_type"] not in sc.ITEM_TYPES or not record["column_path"]:
            continue
        target = targets.get((record["site_code"], record["column_path"]))
        if target and readable(record):
            examples[target].append(item_text(record["title"], record["body"]))
    return examples


def decided_examples(accepted: list[Rule], records: list[dict]) -> dict[str, list[str]]:
    """Items already placed by accepted rules, as examples of their target column."""
    examples: dict[str, list[str]] = defaultdict(list)
    index = RuleIndex(accepted)
    for record in records:
        if record["page_type"] not in sc.ITEM_TYPES:
            continue
        rule = index.first(as_item(record))
        if rule and rule.target_id and rule.action in ("map", "static") and readable(record):
            examples[rule.target_id].append(item_text(record["title"], record["body"]))
    return examples


def precedents(accepted: list[Rule], sites: dict, synonyms: Synonyms) -> dict[tuple, Counter]:
    """(site level, normalized column name) -> outcomes accepted for such columns on other sites."""
    found: dict[tuple, Counter] = defaultdict(Counter)
    for rule in accepted:
        if rule.site_code and rule.match in ("column", "column_prefix"):
            site = sites.get(rule.site_code, {})
            name = synonyms.normalize(rule.pattern.split(sc.PATH_SEPARATOR)[-1], sc.site_names(site))
            found[(site.get("level"), name)][(rule.action, rule.target_id, rule.site_code)] += 1
    return found


def structure_suggestions(records: list[dict], homes: dict[str, Placement] | None = None) -> list[Suggestion]:
    """One rule for all sites per structure page type with no column (homepage, search, error);
    a placed site's homepage goes to its home column's page."""
    homes = homes or {}
    counts = Counter(r["page_type"] for r in records if not r["column_path"] and r["page_type"] in STRUCTURE_ACTIONS
                     and not (r["page_type"] == "homepage" and r["site_code"] in homes))
    out = []
    placed = Counter(r["site_code"] for r in records if r["page_type"] == "homepage" and not r["column_path"]
                     and r["site_code"] in homes)
    for code, pages in sorted(placed.items()):
        home = homes[code]
        rule = Rule("page_type", "homepage", "homepage", home.column_id, site_code=code, status="suggested",
                    confidence=home.confidence, reason=f"the site's homepage goes to its home column "
                                                       f"({'; '.join(home.reasons)})")
        out.append(Suggestion(rule, code, None, 0, pages))
    for page_type, pages in sorted(counts.items()):
        action, reason = STRUCTURE_ACTIONS[page_type]
        rule = Rule("page_type", page_type, action, status="suggested", confidence=0.95, reason=reason)
        out.append(Suggestion(rule, None, None, 0, pages))
    return out


def column_suggestions(context: Context, records: list[dict], progress: bool = False) -> list[Suggestion]:
    """One rule per source column holding uncovered records; one per unplaced item."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for record in records:
        if record["column_path"]:
            groups[(record["site_code"], record["column_path"])].append(record)
    out = [suggest_column(context, code, path, members) for (code, path), members in
           tqdm(sorted(groups.items()), desc="suggest", unit="column", disable=not progress, file=sys.stderr)]
    for record in records:
        if not record["column_path"] and record["page_type"] in sc.ITEM_TYPES + ("attachment",):
            out.append(suggest_item(context, record))
    return out


def suggest_column(context: Context, code: str, path: str, records: list[dict]) -> Suggestion:
    """The best target for one source column, with confidence and reason."""
    site = context.sites[code]
    names = path.split(sc.PATH_SEPARATOR)
    items = [r for r in records if r["page_type"] in sc.ITEM_TYPES]
    precedent = precedent_for(context, site, names[-1])
    if precedent:
        action, target, reason, confidence, alternatives = precedent
    else:
        target, confidence, reason, alternatives = rank_targets(context, site, names, items)
        action = "static" if context.tree[target].kind == "static" and len(items) == 1 else "map"
        if not items and confidence < BLANK_FLOOR:
            action, target, confidence = "homepage", None, 0.5
            reason = (f"blank column and no target column resembles {names[-1]}: its pages point to the site's "
                      "page on the parent platform")
    rule = Rule("column", path, action, target, site_code=code, status="suggested",
                confidence=confidence, reason=reason)
    return Suggestion(rule, code, path, len(items), len(records) - len(items), alternatives=alternatives)


def suggest_item(context: Context, record: dict) -> Suggestion:
    """An item no clue placed in a column: an exact-URL rule from its content alone."""
    site = context.sites[record["site_code"]]
    scores = context.classifier.scores([item_text(record["title"], record["body"])])
    home, inside = home_subtree(context, site)
    if home and home.dedicated:
        scores = {tid: score for tid, score in scores.items() if tid in inside} or scores
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    target = ranked[0][0] if ranked else context.tree.columns[0].id
    target, level_note = level_target(context.tree, target, site.get("level"))
    reason = f"no source column found; content resembles {context.tree[target].name}" + level_note
    rule = Rule("url_regex", f"^{re.escape(record['url'])}$", "map", target, site_code=record["site_code"],
                status="suggested", confidence=0.4, reason=reason)
    return Suggestion(rule, record["site_code"], None, 1, 0, alternatives=[(t, s) for t, s in ranked[1:3]])


def precedent_for(context: Context, site: dict, name: str):
    """What planners accepted for a same-named column of another site of the same level."""
    key = (site.get("level"), context.synonyms.normalize(name, sc.site_names(site)))
    outcomes = Counter()
    for (action, target, other), count in context.precedents.get(key, Counter()).items():
        if other != site["site_code"]:
            outcomes[(action, target)] += count
    if not outcomes:
        return None
    (action, target), count = outcomes.most_common(1)[0]
    agreeing = count / sum(outcomes.values())
    confidence = round(min(0.97, 0.85 + 0.04 * count) * agreeing, 3)
    reason = (f"accepted for {count} other {site.get('level') or ''} site(s) with a column named {name}"
              + (f" ({sum(outcomes.values()) - count} decided otherwise)" if agreeing < 1 else ""))
    alternatives = [(t, round(c / sum(outcomes.values()), 3)) for (_, t), c in outcomes.most_common()[1:3] if t]
    return action, target, reason, confidence, alternatives


def readable(record: dict) -> bool:
    """An item with enough text to say what it is about (not an empty list page taken for an article)."""
    return len((record["body"] or "").strip()) >= MIN_TEXT


def sample(items: list, size: int = CONTENT_SAMPLE) -> list:
    """At most ``size`` items spread evenly over the column (its content, read quickly)."""
    if len(items) <= size:
        return items
    step = len(items) / size
    return [items[int(i * step)] for i in range(size)]


def name_scores(names: list[str], site_names: tuple, tree: TargetTree, synonyms: Synonyms) -> dict:
    """Best name similarity of the column's name to each target's name and aliases, with a small
    bonus when a parent name of the column matches the target's parent."""
    scores = {}
    for column in tree.columns:
        best, why = 0.0, ""
        for alias in [column.name] + column.aliases:
            score, how = synonyms.similarity(names[-1], alias, site_names)
            if score > best:
                best, why = score, how if alias == column.name else f"{how}, alias {alias}"
        if best and len(names) > 1 and column.parent:
            parent = tree[column.parent]
            if any(synonyms.similarity(n, a, site_names)[0] >= 0.85 for n in names[:-1]
                   for a in [parent.name] + parent.aliases):
                best, why = min(1.0, best + 0.05), why + f"; under {parent.name} on both sides"
        scores[column.id] = (best, why)
    return scores


def level_target(tree: TargetTree, target_id: str, level: str | None) -> tuple[str, str]:
    """The column made for this site level among the target's siblings (乡镇动态 for a township's
    工作动态), else the target itself; plus a note for the reason."""
    if not level:
        return target_id, ""
    made = tree.__dict__.setdefault("_level_columns", {})  # the columns made for each level, found once
    if level not in made:
        made[level] = [column for column in tree.columns if level in column.levels]
    target = tree[target_id]
    for column in made[level]:
        if column.id != target_id and column.kind == target.kind and (
                target_id == column.parent or (target.parent is not None and target.parent == column.parent)):
            return column.id, f"; {level} sites' {target.name} go to {column.name}"
    return target_id, ""


def rank_targets(context: Context, site: dict, names: list[str], items: list[dict]):
    """(target, confidence, reason, alternatives): each possible outcome (after the level redirect)
    takes the best name score and the best content score among the targets that lead to it."""
    tree = context.tree
    named = name_scores(names, sc.site_names(site), tree, context.synonyms)
    raw = context.classifier.scores([item_text(r["title"], r["body"]) for r in sample([r for r in items if readable(r)])])
    top = max(raw.values(), default=0)
    content = {tid: (score / top if top else 0.0) for tid, score in raw.items()}
    content_weight = CONTENT_WEIGHT * min(1.0, top / CONTENT_TRUST) if content else 0.0
    outcomes: dict[str, dict] = {}
    for tid in tree.by_id:
        final, _ = level_target(tree, tid, site.get("level"))
        entry = outcomes.setdefault(final, {"name": (0.0, tid), "content": (0.0, tid)})
        entry["name"] = max(entry["name"], (named[tid][0], tid), key=lambda pair: pair[0])
        entry["content"] = max(entry["content"], (content.get(tid, 0.0), tid), key=lambda pair: pair[0])
    scored = {final: (NAME_WEIGHT * e["name"][0] + content_weight * e["content"][0]) / (NAME_WEIGHT + content_weight)
              for final, e in outcomes.items()}
    home, inside = home_subtree(context, site)
    if home and home.dedicated:  # the site moves whole into its own section on the parent
        scored = {final: score for final, score in scored.items() if final in inside} or scored
    for final in scored:
        if final in inside:
            scored[final] = min(1.0, scored[final] + HOME_BONUS * home.confidence)
    ranked = sorted(scored.items(), key=lambda kv: -kv[1])
    target, best = ranked[0]
    margin = best - (ranked[1][1] if len(ranked) > 1 else 0.0)
    confidence = round(max(0.0, min(0.97, best * (0.6 + 0.4 * min(1.0, margin / 0.3)))), 3)
    reason = explain(context, site, names[-1], target, outcomes[target], named, raw)
    if target in inside:
        reason += f"; within the site's home column {tree[home.column_id].name}"
    alternatives = [(tid, round(score, 3)) for tid, score in ranked[1:3]]
    return target, confidence, reason, alternatives


def home_subtree(context: Context, site: dict) -> tuple[Placement | None, set[str]]:
    """The site's placement and the ids of its home column and every column below it."""
    home = context.homes.get(site["site_code"])
    if home is None or home.column_id not in context.tree:
        return None, set()
    return home, context.tree.subtree(home.column_id)


def explain(context: Context, site: dict, name: str, target: str, evidence: dict, named: dict, raw: dict) -> str:
    """Why: the name evidence, the content evidence, and the level redirect if any."""
    tree = context.tree
    parts = []
    name_score, name_via = evidence["name"]
    if name_score >= 0.3:
        parts.append(f"name {name_score:.2f} vs {tree[name_via].name}: {named[name_via][1]}")
    else:
        parts.append(f"name {name} resembles no target column")
    if raw:
        best_content = max(raw, key=raw.get)
        examples = context.classifier.example_count(best_content)
        basis = f", {examples} example items" if examples else ", names and keywords only"
        lands = level_target(tree, best_content, site.get("level"))[0] == target
        agree = "agrees" if lands else f"points to {tree[best_content].name}"
        parts.append(f"content {agree} ({tree[best_content].name}, cosine {raw[best_content]:.2f}{basis})")
    else:
        parts.append("no items to read")
    via = name_via if name_score >= 0.3 or not raw else max(raw, key=raw.get)
    _, note = level_target(tree, via, site.get("level"))
    return "; ".join(parts) + note
