"""``govmigrate shutdown``: the closure checklist of each site, run and recorded step by step.

Automated steps: final delta crawl (crawl --refresh), WARC archive complete, export complete
with no failures, mapping check (strict), redirect lint clean, redirects verified against the
staging server (config ``redirects.staging``, ADDR:PORT), closure notice generated. Manual steps
(网站标识码, ICP and public-security filings, the domain, the 党政机关网站 mark) stay open tasks.
Without ``yes`` nothing is run or written: the checklist is read from the workspace as it is. With
``yes`` the final crawl, the plan and lint, the verification and the notice are run, and every
step's result is recorded in ``shutdown_steps``. One failing site never stops the others.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterable

from .export.idmap import now
from .redirects.notice import generate, recorded_notice
from .redirects.lint import lint
from .redirects.plan import RedirectError, plan, site_contexts
from .redirects.verify import VerifyUnreachable, verify

AUTOMATED = ("final_crawl", "warc_archive", "export_complete", "mapping_check", "redirect_lint", "redirect_verify",
             "closure_notice")
LABELS = {
    "final_crawl": "最终增量采集 final delta crawl",
    "warc_archive": "WARC 归档完整 archive complete",
    "export_complete": "内容导出完成 export complete, no failures",
    "mapping_check": "栏目映射检查 mapping check (strict)",
    "redirect_lint": "跳转规则检查 redirect lint clean",
    "redirect_verify": "跳转验证 redirects verified on staging",
    "closure_notice": "关停整合公告 closure notice generated",
}
MANUAL = (
    ("report_offline", "在全国政府网站信息报送系统申请永久下线 apply for permanent offline"),
    ("site_code", "注销网站标识码 cancel the site identifier code"),
    ("party_mark", "撤下党政机关网站标识 remove the 党政机关网站 mark"),
    ("icp_filing", "注销 ICP 备案 cancel the ICP filing"),
    ("police_filing", "注销公安机关互联网站备案 cancel the public-security filing"),
    ("domain", "注销域名（闲置域名注销，不转让）cancel the domain"),
)


@dataclass
class Step:
    """One line of a site's checklist."""

    step: str
    label: str
    status: str          # ok/failed/open/skipped
    detail: str = ""


@dataclass
class SiteChecklist:
    site_code: str
    name: str
    steps: list[Step] = field(default_factory=list)
    unreachable: bool = False    # the staging server could not be reached

    @property
    def ready(self) -> bool:
        """Every automated step ok (manual tasks may stay open)."""
        return all(s.status == "ok" for s in self.steps if s.step in AUTOMATED)

    def to_dict(self) -> dict:
        return {"site_code": self.site_code, "name": self.name, "ready": self.ready, "unreachable": self.unreachable,
                "steps": [s.__dict__ for s in self.steps]}


@dataclass
class ShutdownReport:
    performed: bool
    sites: list[SiteChecklist] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return bool(self.sites) and all(s.ready for s in self.sites)

    @property
    def unreachable(self) -> bool:
        return any(s.unreachable for s in self.sites)

    def to_dict(self) -> dict:
        return {"performed": self.performed, "ready": self.ready, "unreachable": self.unreachable,
                "sites": [s.to_dict() for s in self.sites]}


def shutdown(workspace, codes: Iterable[str] = (), all_closing: bool = False, yes: bool = False,
             progress: bool = False) -> ShutdownReport:
    """The checklist of sites CODE... (or every closing site); with ``yes`` run its steps and record them."""
    codes = list(dict.fromkeys(codes))
    if bool(codes) == bool(all_closing):
        raise RedirectError("name the sites to shut down (CODE...) or use --all-closing, not both")
    contexts = site_contexts(workspace, codes)
    report = ShutdownReport(yes)
    mapping = _mapping_problems(workspace)
    for context in contexts:
        checklist = SiteChecklist(context.code, context.name)
        report.sites.append(checklist)
        _Checklist(workspace, context, checklist, yes, progress, mapping).run()
        if yes:
            _record(workspace.db, checklist)
    return report


def _mapping_problems(workspace) -> dict | Exception:
    """The strict mapping check once for all sites: problems by site (None: every site)."""
    from mappings.check import check

    try:
        result = check(workspace, strict=True)
    except Exception as exc:  # a broken tree or rules file fails this step for every site, not the run
        return exc
    problems: dict = {}
    for problem in result.problems:
        problems.setdefault(problem.site_code, []).append(problem)
    return problems


class _Checklist:
    """The steps of one site; each step's error fails that step only."""

    def __init__(self, workspace, context, checklist: SiteChecklist, yes: bool, progress: bool, mapping):
        self.ws, self.db, self.site, self.out = workspace, workspace.db, context, checklist
        self.yes, self.progress, self.mapping = yes, progress, mapping

    def run(self) -> None:
        for name in AUTOMATED:
            try:
                status, detail = getattr(self, name)()
            except VerifyUnreachable as exc:
                self.out.unreachable = True
                status, detail = "failed", str(exc)
            except Exception as exc:  # one step's trouble is that step's failure, never the whole run's
                status, detail = "failed", f"{type(exc).__name__}: {exc}"
            self.out.steps.append(Step(name, LABELS[name], status, detail))
        for name, label in MANUAL:
            self.out.steps.append(Step(name, label, "open", "manual task: record it when done"))

    def final_crawl(self):
        if self.yes:
            from site_inventory.crawl import crawl

            crawl(self.ws, [self.site.code], refresh=True, progress=self.progress)
        row = self.db.execute("SELECT id, status, requests, fetched, changed, failed, finished_at FROM crawl_runs "
                              "WHERE site_code = ? AND mode = 'refresh' ORDER BY id DESC LIMIT 1", [self.site.code]).fetchone()
        if not row:
            return "open", "no final delta crawl yet ('shutdown --yes' runs crawl --refresh)"
        run, state, requests, fetched, changed, failed, finished = row
        detail = f"refresh run {run} {state} {finished or ''}: {requests} requests, {changed} changed, {failed} failed"
        if state != "finished":
            return "failed", detail
        return ("failed", detail + "; the site did not answer") if requests and not fetched else ("ok", detail)

    def warc_archive(self):
        code = self.site.code
        stored, missing = self.db.execute(
            "SELECT count(*), sum(warc_file IS NULL) FROM pages WHERE site_code = ? AND status IS NOT NULL",
            [code]).fetchone()
        files = [f for (f,) in self.db.execute("SELECT DISTINCT warc_file FROM pages WHERE site_code = ? "
                                               "AND warc_file IS NOT NULL", [code])]
        absent = [f for f in files if not (Path(self.ws.path) / f).is_file()]
        detail = f"{stored} responses, {missing or 0} not archived, {len(files)} WARC file(s)"
        if not stored:
            return "failed", "nothing crawled"
        if missing or absent:
            return "failed", detail + (f"; missing files: {', '.join(absent[:3])}" if absent else "")
        return "ok", detail

    def export_complete(self):
        from .export.status import status

        counts = status(self.ws, [self.site.code])[0]
        detail = (f"{counts.exported} exported, {counts.needs_update} need update, {counts.new} new, "
                  f"{counts.failed} failed, {counts.attachments_failed} files failed, last run {counts.last_run or '-'}")
        bad = counts.needs_update or counts.new or counts.failed or counts.attachments_failed or not counts.exported
        return ("failed" if bad else "ok"), detail

    def mapping_check(self):
        if isinstance(self.mapping, Exception):
            return "failed", f"the mapping check could not run: {self.mapping}"
        problems = self.mapping.get(self.site.code, []) + self.mapping.get(None, [])
        if not problems:
            return "ok", "no errors or warnings"
        errors = sum(p.level == "error" for p in problems)
        first = "; ".join(p.message for p in problems[:3])
        return "failed", f"{errors} error(s), {len(problems) - errors} warning(s): {first}"

    def redirect_lint(self):
        code = self.site.code
        if self.yes:
            plan(self.ws, [code])
        result = lint(self.ws, [code], record=self.yes)
        rejected = self.db.execute("SELECT count(*) FROM redirect_problems WHERE site_code = ? AND check_name = "
                                   "'rejected' AND level = 'error'", [code]).fetchone()[0]
        detail = f"{result.checked} old URLs, {result.errors} error(s), {result.warnings} warning(s)"
        if rejected:
            detail += f"; {rejected} URL(s) left out of the exported server config answer differently than planned"
        return ("ok" if result.ok and not rejected else "failed"), detail

    def redirect_verify(self):
        staging = (self.ws.config.get("redirects") or {}).get("staging")
        if not staging:
            return "failed", "no staging server configured (redirects.staging: ADDR:PORT in govmigrate.yaml)"
        code = self.site.code
        if self.yes:
            result = verify(self.ws, str(staging), [code], progress=self.progress)
            first = "; ".join(f"{f.old_url}: {f.problem}" for f in result.failures[:3])
            detail = f"{result.checked} checked against {staging}, {len(result.failures)} failed" + (f": {first}" if first else "")
            return ("ok" if result.ok else "failed"), detail
        row = self.db.execute("SELECT against, checked, failed, verified_at, failures FROM redirect_verifications "
                              "WHERE site_code = ? ORDER BY id DESC LIMIT 1", [code]).fetchone()
        planned = self.db.execute("SELECT max(planned_at) FROM redirects WHERE site_code = ?", [code]).fetchone()[0]
        if not row:
            return "open", f"not verified yet ('shutdown --yes' verifies against {staging})"
        against, checked, failed, at, failures = row
        detail = f"{checked} checked against {against} at {at}, {failed} failed"
        if failed:
            return "failed", detail + ": " + "; ".join(f"{f['old_url']}: {f['problem']}" for f in json.loads(failures)[:3])
        if planned and at < planned:
            return "open", detail + "; the plan changed since (verify again)"
        return ("ok" if checked else "open"), detail

    def closure_notice(self):
        if self.yes:
            generate(self.ws, self.site.code, self.site.home_url)
        notice = recorded_notice(self.db, self.site.code)
        if not notice:
            return "open", "not generated yet ('shutdown --yes' or 'redirects export' generates it)"
        state = "notice period running" if notice.active() else (
            "notice period over" if notice.ends_on <= date.today() else "not shown yet")
        return "ok", f"公示 {notice.published_on} – {notice.ends_on} ({state}); links to {notice.new_url}"


def _record(db, checklist: SiteChecklist) -> None:
    at = now()
    with db.conn:
        for step in checklist.steps:
            db.execute("INSERT INTO shutdown_steps (site_code, step, status, detail, checked_at) VALUES (?, ?, ?, ?, ?) "
                       "ON CONFLICT (site_code, step) DO UPDATE SET status = excluded.status, detail = excluded.detail, "
                       "checked_at = excluded.checked_at",
                       [checklist.site_code, step.step, step.status, step.detail, at])
