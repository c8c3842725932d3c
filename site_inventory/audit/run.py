"""The inventory audit: what every site holds and how it stands against the inspection rules.

It reads only the workspace tables the crawl and extraction filled (``sites``, ``crawl_urls``,
``pages``, ``links``, ``records``) with set-based SQL over all audited sites at once, so its cost
grows with the rows stored, never with a per-page Python loop. The rules live in
:mod:`site_inventory.audit.rules`; the formats in :mod:`site_inventory.audit.report`.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone

from . import rules
from .queries import Queries
from ..campaign import run_per_site
from ..workspace import Workspace, open_workspace

ARTICLE = "article"


class AuditError(ValueError):
    """The audit cannot run as asked (unknown site code, bad date)."""


@dataclass
class ColumnAudit:
    """One column (栏目) of a site: its list pages, items and freshness."""

    path: str            # breadcrumb names below 首页 joined with ' > ' (or the list URL's folder)
    name: str
    kind: str            # dynamic/notice/policy/other
    kind_source: str     # name, or config:<key> when overridden
    list_pages: int
    url: str             # the column's first list page
    items: int
    undated_items: int
    newest: str | None   # newest publish date not after the audit date
    age_days: int | None
    blank: bool
    has_subcolumns: bool
    stale: bool
    stale_limit: str


@dataclass
class BrokenLink:
    """A link target that cannot be opened, with the pages that link to it."""

    target_url: str
    scope: str           # internal/external
    status: int | None
    problem: str
    link_count: int
    source_urls: list[str]


@dataclass
class ItemRef:
    """An item named in evidence (undated items)."""

    url: str
    title: str | None
    column: str | None


@dataclass
class Repost:
    """An item of this site whose text nearly duplicates an item of another site in the inventory."""

    url: str
    title: str | None
    other_site_code: str
    other_url: str
    similarity: float    # estimated Jaccard similarity of the two texts (0..1)


@dataclass
class AttachmentType:
    """Attachments of one type (file extension) on a site."""

    type: str
    count: int
    bytes: int


@dataclass
class SiteAudit:
    """Everything the audit found for one site, and its verdict."""

    site_code: str
    name: str
    url: str
    level: str
    action: str                       # the planner's decision in the inventory
    requests: int = 0
    request_failures_count: int = 0
    request_failures: list[tuple[str, str]] = field(default_factory=list)
    homepage_url: str | None = None
    homepage_status: int | None = None
    homepage_ok: bool = False
    homepage_basis: str = "none"      # homepage/second_level/none
    homepage_newest: str | None = None
    homepage_newest_url: str | None = None
    homepage_age_days: int | None = None
    pages: int = 0
    items: int = 0
    attachments: int = 0
    attachment_bytes: int = 0
    migrate_bytes: int = 0
    attachment_types: list[AttachmentType] = field(default_factory=list)
    items_by_year: dict[str, int] = field(default_factory=dict)
    columns: list[ColumnAudit] = field(default_factory=list)
    blank_columns: int = 0
    stale_columns: int = 0
    broken_links: list[BrokenLink] = field(default_factory=list)
    external_links_unchecked: int = 0
    soft_404_urls: list[str] = field(default_factory=list)
    undated_items: list[ItemRef] = field(default_factory=list)
    reposts: list[Repost] = field(default_factory=list)
    findings: list[rules.Finding] = field(default_factory=list)
    verdict: str = "not_evaluated"
    recommendation: str = ""
    recommendation_reason: str = ""


@dataclass
class AuditResult:
    """The audit of a set of sites on one date, with totals across them."""

    as_of: str
    generated_at: str
    sites: list[SiteAudit]
    totals: dict
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Plain data in the shape of ``site_inventory/audit/data/audit.schema.json``."""
        return {"schema_version": 1, **asdict(self)}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


def parse_as_of(value: str | date | None) -> date:
    """The audit date: a date, an ISO string, or today (local time) when None."""
    if value is None:
        return date.today()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise AuditError(f"--as-of {value!r}: expected a date like 2024-06-30") from None


def audit(workspace: Workspace, codes=(), as_of: str | date | None = None, workers: int | None = None,
          scheduler: str | None = None, progress: bool = False) -> AuditResult:
    """Audit the named sites (default: every site in the inventory) as of a date. With ``workers``
    or ``scheduler`` the per-site figures are one Dask task per site (site_inventory.campaign);
    reposts, which span sites, are found once after, from the records' fingerprints."""
    day = parse_as_of(as_of)
    overrides = rules.kind_overrides(workspace.config)
    known = set(workspace.site_codes())
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise AuditError(f"unknown site code(s) {', '.join(unknown)}: not in the inventory (govmigrate inventory list)")
    selected = list(dict.fromkeys(codes)) or sorted(known)
    if workers or scheduler:
        options = {"as_of": day.isoformat(), "overrides": overrides}  # the caller's config, not the file's
        parts = run_per_site("audit", audit_sites, workspace, [[c] for c in selected], options,
                             workers=workers, scheduler=scheduler, progress=progress,
                             pages=lambda part: sum(site.pages for site in part))
        sites = {site.site_code: site for part in parts for site in part}
    else:
        sites = site_audits(workspace.db.conn, selected, day, overrides)
    with Queries(workspace.db.conn, selected, day, sets=False) as q:
        for row in q.reposts():
            sites[row.pop("site_code")].reposts.append(Repost(**row))
        unknown_fp = q.unknown_fingerprints()
    result_sites = [sites[c] for c in selected]
    for site in result_sites:
        site.findings = rules.evaluate(site)
        site.verdict = rules.verdict(site.findings)
        site.recommendation, site.recommendation_reason = rules.recommend(site)
    return AuditResult(
        as_of=day.isoformat(),
        generated_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        sites=result_sites,
        totals=totals(result_sites),
        warnings=_unused_overrides(overrides, result_sites) + (
            [f"{unknown_fp} items have a fingerprint in an unknown format: not compared for reposts"]
            if unknown_fp else []),
    )


def site_audits(conn, codes: list[str], day: date, overrides: dict) -> dict[str, SiteAudit]:
    """Every figure of the sites ``codes`` that their own rows decide (all but reposts), by site code."""
    with Queries(conn, codes, day) as q:
        sites = _sites(q)
        _fill(q, sites, day, overrides)
    return sites


def audit_sites(workspace_path: str, codes: list[str], options: dict) -> list[SiteAudit]:
    """A campaign task: the per-site figures of the sites ``codes`` of the workspace at ``workspace_path``."""
    with open_workspace(workspace_path) as ws:
        return list(site_audits(ws.db.conn, codes, parse_as_of(options["as_of"]), options["overrides"]).values())


def _sites(q: Queries) -> dict[str, SiteAudit]:
    return {row["site_code"]: SiteAudit(**row) for row in q.sites()}


def _fill(q: Queries, sites: dict[str, SiteAudit], day: date, overrides: dict) -> None:
    """Run each set-based query once and hand its rows to the sites they belong to."""
    for row in q.request_stats():
        site = sites[row["site_code"]]
        site.requests, site.request_failures_count = row["requests"], row["failures"]
    for code, url, why in q.request_failures():
        sites[code].request_failures.append((url, why))
    for row in q.homepages():
        site = sites[row["site_code"]]
        site.homepage_url, site.homepage_status = row["url"], row["status"]
        site.homepage_ok = row["ok"] == 1
    for row in q.homepage_freshness():
        site = sites[row["site_code"]]
        site.homepage_basis, site.homepage_newest = row["basis"], row["newest"]
        site.homepage_newest_url = row["newest_url"]
        site.homepage_age_days = _age(row["newest"], day)
    for row in q.volumes():
        site = sites[row["site_code"]]
        for key in ("pages", "items", "attachments", "attachment_bytes", "migrate_bytes"):
            setattr(site, key, row[key] or 0)
    for code, kind, count, size in q.attachment_types():
        sites[code].attachment_types.append(AttachmentType(kind, count, size or 0))
    for code, year, count in q.items_by_year():
        sites[code].items_by_year[year] = count
    _columns(q, sites, day, overrides)
    for row in q.broken_links():
        sites[row.pop("site_code")].broken_links.append(BrokenLink(**row))
    for code, count in q.external_unchecked():
        sites[code].external_links_unchecked = count
    for code, url in q.soft_404s():
        sites[code].soft_404_urls.append(url)
    for code, url, title, column in q.undated_items():
        sites[code].undated_items.append(ItemRef(url, title, column))


def _columns(q: Queries, sites: dict[str, SiteAudit], day: date, overrides: dict) -> None:
    """Column figures from SQL; kind, blankness and staleness decided here, once per column."""
    rows = q.columns()
    parents = set()
    for code, path in q.record_paths():
        names = path.split(" > ")
        parents.update((code, " > ".join(names[:n])) for n in range(1, len(names)))
    for r in rows:
        code = r["site_code"]
        kind, source = rules.column_kind(code, r["path"], r["name"], overrides)
        has_sub = (code, r["path"]) in parents or bool(r["url_parent"])
        blank = r["items"] == 0 and not has_sub
        cutoff = rules.stale_cutoff(kind, day)
        stale = bool(cutoff and r["items"] and (r["newest"] is None or r["newest"] < cutoff.isoformat()))
        sites[code].columns.append(ColumnAudit(
            path=r["path"], name=r["name"], kind=kind, kind_source=source, list_pages=r["list_pages"],
            url=r["url"], items=r["items"], undated_items=r["undated"], newest=r["newest"],
            age_days=_age(r["newest"], day), blank=blank, has_subcolumns=has_sub, stale=stale,
            stale_limit=rules.stale_limit_label(kind),
        ))
    for site in sites.values():
        site.blank_columns = sum(c.blank for c in site.columns)
        site.stale_columns = sum(c.stale for c in site.columns)


def _age(newest: str | None, day: date) -> int | None:
    return None if newest is None else (day - date.fromisoformat(newest)).days


def totals(sites: list[SiteAudit]) -> dict:
    """Figures across the audited sites, and how many sites fail each rule."""
    failing: dict[str, int] = {}
    for site in sites:
        for f in site.findings:
            failing.setdefault(f.rule, 0)
            failing[f.rule] += f.status in ("fail", "deduct")
    return {
        "sites": len(sites),
        "sites_failing": sum(s.verdict == "fail" for s in sites),
        "sites_passing": sum(s.verdict == "pass" for s in sites),
        "sites_not_evaluated": sum(s.verdict == "not_evaluated" for s in sites),
        "pages": sum(s.pages for s in sites),
        "items": sum(s.items for s in sites),
        "attachments": sum(s.attachments for s in sites),
        "attachment_bytes": sum(s.attachment_bytes for s in sites),
        "migrate_bytes": sum(s.migrate_bytes for s in sites),
        "columns": sum(len(s.columns) for s in sites),
        "blank_columns": sum(s.blank_columns for s in sites),
        "stale_columns": sum(s.stale_columns for s in sites),
        "broken_links": sum(len(s.broken_links) for s in sites),
        "undated_items": sum(len(s.undated_items) for s in sites),
        "soft_404s": sum(len(s.soft_404_urls) for s in sites),
        "reposts": sum(len(s.reposts) for s in sites),
        "sites_failing_rule": failing,
    }


def _unused_overrides(overrides: dict, sites: list[SiteAudit]) -> list[str]:
    """Config overrides that matched no audited column: said, never silently ignored."""
    used = {c.kind_source[len("config:"):] for s in sites for c in s.columns if c.kind_source.startswith("config:")}
    audited = {s.site_code for s in sites}
    return [
        f"audit.column_kinds[{key!r}] matches no column of the audited sites"
        for key in overrides
        if key not in used and (key.split("/", 1)[0] in audited or key.startswith("*/"))
    ]
