"""What the dashboard and the site page read: each site's way through the pipeline, and its audit.

Progress is counted with one grouped query per table (indexes do the work, so 100,000 pages
stay fast); the app keeps the results until the workspace changes (see ``app.Memo``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from site_inventory.audit.report import LEVEL_LABELS
from site_inventory.audit.rules import ACTION_LABELS, KIND_LABELS, STATUS_LABELS, VERDICT_LABELS
from site_inventory.audit.run import audit

from ..shutdown import AUTOMATED

STEPS = (("crawl", "采集"), ("extract", "抽取"), ("map", "映射"), ("export", "导出"), ("plan", "跳转规划"),
         ("lint", "跳转检查"), ("verify", "跳转验证"), ("notice", "关停公告"), ("shutdown", "关停清单"))
STEP_LABELS = dict(STEPS, done="已完成")
LABELS = {"level": LEVEL_LABELS, "action": ACTION_LABELS, "verdict": VERDICT_LABELS, "blocked": STEP_LABELS,
          "kind": KIND_LABELS, "status": STATUS_LABELS}


@dataclass
class SiteProgress:
    """One site of the inventory and how far it is through the pipeline."""

    site_code: str
    name: str
    url: str
    level: str
    action: str
    verdict: str = "not_evaluated"
    pages: int = 0
    records: int = 0
    mapped: int = 0
    unmapped: int = 0
    exported: int = 0
    export_failed: int = 0
    redirects: int = 0
    lint_errors: int = 0
    lint_warnings: int = 0
    verified: int | None = None
    verify_failed: int | None = None
    notice: str | None = None
    shutdown_ok: int = 0
    done: dict = field(default_factory=dict)

    @property
    def blocked(self) -> str:
        """The first step not done ('done' when every step is; a kept site needs only its crawl)."""
        if self.action == "keep":
            return "crawl" if not self.done.get("crawl") else "done"
        return next((name for name, _ in STEPS if not self.done.get(name)), "done")


def _grouped(db, sql: str, args=()) -> dict:
    return {row[0]: row[1:] for row in db.execute(sql, args).fetchall()}


def progress(workspace, verdicts: dict[str, str]) -> list[SiteProgress]:
    """Every site of the inventory with its counts and the steps it has done."""
    db = workspace.db
    sites = [SiteProgress(*row) for row in db.execute(
        "SELECT site_code, name, url, level, action FROM sites ORDER BY site_code").fetchall()]
    pages = _grouped(db, "SELECT site_code, count(*) FROM pages GROUP BY site_code")
    records = _grouped(db, "SELECT site_code, count(*) FROM records GROUP BY site_code")
    mapped = _grouped(db, "SELECT site_code, sum(action != 'unmapped'), sum(action = 'unmapped') FROM item_mappings "
                          "GROUP BY site_code")
    exported = _grouped(db, "SELECT site_code, sum(status = 'exported'), sum(status = 'failed') FROM id_map "
                            "GROUP BY site_code")
    redirects = _grouped(db, "SELECT site_code, count(*) FROM redirects GROUP BY site_code")
    lint = _grouped(db, "SELECT site_code, sum(level = 'error'), sum(level = 'warning') FROM redirect_problems "
                        "GROUP BY site_code")
    verified = _grouped(db, "SELECT site_code, checked, failed FROM redirect_verifications v WHERE id = "
                            "(SELECT max(id) FROM redirect_verifications w WHERE w.site_code = v.site_code)")
    notices = _grouped(db, "SELECT site_code, published_on FROM closure_notices")
    marks = ",".join("?" for _ in AUTOMATED)
    shutdown = _grouped(db, f"SELECT site_code, count(*) FROM shutdown_steps WHERE status = 'ok' AND step IN ({marks}) "
                            "GROUP BY site_code", AUTOMATED)
    for s in sites:
        code = s.site_code
        s.verdict = verdicts.get(code, "not_evaluated")
        s.pages, = pages.get(code, (0,))
        s.records, = records.get(code, (0,))
        s.mapped, s.unmapped = (v or 0 for v in mapped.get(code, (0, 0)))
        s.exported, s.export_failed = (v or 0 for v in exported.get(code, (0, 0)))
        s.redirects, = redirects.get(code, (0,))
        s.lint_errors, s.lint_warnings = (v or 0 for v in lint.get(code, (0, 0)))
        s.verified, s.verify_failed = verified.get(code, (None, None))
        s.notice, = notices.get(code, (None,))
        s.shutdown_ok, = shutdown.get(code, (0,))
        s.done = {"crawl": s.pages > 0, "extract": s.records > 0, "map": s.mapped > 0 and not s.unmapped,
                  "export": s.exported > 0 and not s.export_failed, "plan": s.redirects > 0,
                  "lint": s.redirects > 0 and not s.lint_errors, "verify": bool(s.verified) and not s.verify_failed,
                  "notice": s.notice is not None, "shutdown": s.shutdown_ok == len(AUTOMATED)}
    return sites


FILTERS = ("level", "action", "verdict", "blocked")


def filtered(sites: list[SiteProgress], chosen: dict[str, str]) -> tuple[list[SiteProgress], dict]:
    """The sites matching every chosen filter, and for each filter the count of each value."""
    counts = {name: {} for name in FILTERS}
    for s in sites:
        for name in FILTERS:
            value = getattr(s, name)
            counts[name][value] = counts[name].get(value, 0) + 1
    shown = [s for s in sites if all(not chosen.get(n) or getattr(s, n) == chosen[n] for n in FILTERS)]
    return shown, counts


def verdicts(result) -> dict[str, str]:
    """Site code -> audit verdict, from an ``AuditResult``."""
    return {site.site_code: site.verdict for site in result.sites}


def site_audit(result, code: str):
    return next((site for site in result.sites if site.site_code == code), None)


def run_audit(workspace, as_of=None):
    """The audit of every site (``govmigrate audit``), as of a date (default: today)."""
    return audit(workspace, as_of=as_of)


def source_tree(db, code: str) -> list[dict]:
    """The site's source columns in tree order, with their counts and newest dates."""
    rows = db.execute("SELECT path, name, depth, item_count, total_count, newest_date, evidence FROM source_columns "
                      "WHERE site_code = ? ORDER BY path", [code]).fetchall()
    names = ("path", "name", "depth", "item_count", "total_count", "newest_date", "evidence")
    out = [dict(zip(names, row)) for row in rows]
    for row in out:
        row["evidence"] = ", ".join(json.loads(row["evidence"] or "[]"))
    return out
