"""``govmigrate redirects lint``: the plan checked before any server sees it.

Errors: chains (a target that is itself an old URL, or on a closing site's host), loops,
targets and suggested links outside the allowlist of hosts (config ``redirects.allowlist``;
default: the parent platform's host), targets that are not safe absolute http(s) URLs, old URLs
that share one server key with different decisions, old URLs no server can match safely when
their decision differs from the fallback (warnings when the fallback answers them the same
way), and host names that cannot be a server's name or that a kept site still uses.
Findings go to ``redirect_problems`` (planners browse them) unless ``record`` is False.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Iterable
from urllib.parse import urlsplit

from site_inventory.urls import site_scope

from ..export.idmap import now
from .plan import closing_sites, fallback_of, site_contexts

EXAMPLES = 50
_SAFE_URL = re.compile(r"https?://[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::\d{1,5})?(?:/[A-Za-z0-9\-._~!$&'()*+,;=:@/%?]*)?\Z")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
HOST_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::\d{1,5})?\Z")
CHECKS = ("chain", "loop", "allowlist", "duplicate", "target", "unsafe", "host")


@dataclass
class Problem:
    """One finding: which site and old URL, which check, how bad, and what to do."""

    site_code: str
    old_url: str | None
    check: str
    level: str
    message: str


@dataclass
class LintReport:
    """Counts per check and level, and the first findings of each check."""

    sites: list[str]
    counts: dict = field(default_factory=dict)      # "error:chain" -> n
    examples: list[Problem] = field(default_factory=list)
    checked: int = 0

    @property
    def errors(self) -> int:
        return sum(n for key, n in self.counts.items() if key.startswith("error:"))

    @property
    def warnings(self) -> int:
        return sum(n for key, n in self.counts.items() if key.startswith("warning:"))

    @property
    def ok(self) -> bool:
        return self.errors == 0

    def errors_for(self, code: str) -> int:
        return self.counts.get(f"site:{code}", 0)

    def to_dict(self) -> dict:
        return {"ok": self.ok, "sites": self.sites, "checked": self.checked, "errors": self.errors,
                "warnings": self.warnings, "counts": self.counts, "examples": [asdict(p) for p in self.examples]}


def safe_url(url: str | None) -> bool:
    """An absolute http(s) URL made only of characters that are safe in a Location header and a config."""
    return bool(url) and bool(_SAFE_URL.match(url)) and not _BAD_ESCAPE.search(url)


def allowlist(config: dict) -> list[str]:
    """The hosts redirects may point to: redirects.allowlist, else the parent platform's host."""
    hosts = [h.strip().lower() for h in (config.get("redirects") or {}).get("allowlist") or [] if h and h.strip()]
    if not hosts:
        base = urlsplit((config.get("platform") or {}).get("base_url") or "").hostname
        hosts = [base] if base else []
    return hosts


def url_host(url: str) -> str:
    """The lower-case host of an absolute URL (no user, no port), quickly: this runs once per planned URL."""
    start = url.find("//") + 2
    end = len(url)
    for sep in "/?#":
        found = url.find(sep, start)
        if 0 <= found < end:
            end = found
    netloc = url[start:end].rpartition("@")[2]
    return (netloc.rsplit(":", 1)[0] if netloc.count(":") == 1 else netloc).lower()


def allowed(url: str, hosts: list[str]) -> bool:
    host = url_host(url)
    return host in hosts or any(h.startswith("*.") and host.endswith(h[1:]) for h in hosts)


class _Recorder:
    """Counts findings, keeps the first of each check, and writes them in batches."""

    def __init__(self, db, report: LintReport, record: bool, at: str):
        self.db, self.report, self.record, self.at, self.batch = db, report, record, at, []
        self.seen_examples: dict[str, int] = {}

    def add(self, problem: Problem) -> None:
        key = f"{problem.level}:{problem.check}"
        self.report.counts[key] = self.report.counts.get(key, 0) + 1
        if problem.level == "error":
            site_key = f"site:{problem.site_code}"
            self.report.counts[site_key] = self.report.counts.get(site_key, 0) + 1
        if self.seen_examples.get(problem.check, 0) < EXAMPLES:
            self.seen_examples[problem.check] = self.seen_examples.get(problem.check, 0) + 1
            self.report.examples.append(problem)
        if self.record:
            self.batch.append((problem.site_code, problem.old_url, problem.check, problem.level, problem.message, self.at))
            if len(self.batch) >= 5000:
                self.flush()

    def flush(self) -> None:
        if self.batch:
            self.db.conn.executemany("INSERT INTO redirect_problems (site_code, old_url, check_name, level, message, "
                                     "found_at) VALUES (?, ?, ?, ?, ?, ?)", self.batch)
            self.batch = []


def lint(workspace, codes: Iterable[str] = (), record: bool = True) -> LintReport:
    """Check the stored plan of the named closing sites (default: all); returns the report."""
    db = workspace.db
    sites = site_contexts(workspace, codes)
    codes = [s.code for s in sites]
    report = LintReport(codes)
    out = _Recorder(db, report, record, now())
    marks = ",".join("?" for _ in codes)
    with db.conn:
        if record:
            db.execute(f"DELETE FROM redirect_problems WHERE site_code IN ({marks}) AND check_name != 'rejected'", codes)
        _hosts(workspace, sites, out)
        for site in sites:
            if not db.execute("SELECT 1 FROM redirects WHERE site_code = ? LIMIT 1", [site.code]).fetchone():
                out.add(Problem(site.code, None, "target", "error", "no redirect plan for this site: run "
                                "'govmigrate redirects plan'"))
        report.checked = db.execute(f"SELECT count(*) FROM redirects WHERE site_code IN ({marks})", codes).fetchone()[0]
        _targets(workspace, sites, out)
        _chains(db, codes, out)
        _duplicates(db, codes, out)
        _unsafe(workspace, codes, out)
        out.flush()
    return report


def _hosts(workspace, sites, out: _Recorder) -> None:
    """Host names that cannot be a server_name, and hosts a kept site still answers on."""
    kept = {}
    for row in workspace.db.query("SELECT * FROM sites WHERE action NOT IN ('migrate', 'close')"):
        for host in site_scope(row).hosts:
            kept[host] = row["site_code"]
    for site in sites:
        for host in site.hosts:
            if not HOST_NAME.match(host):
                out.add(Problem(site.code, None, "host", "error", f"host {host!r} is not a plain host name; "
                                "no server block can be written for it"))
            elif host in kept:
                out.add(Problem(site.code, None, "host", "error", f"host {host} also serves kept site {kept[host]}: "
                                "the closed site's URLs must be added to that server's own config"))


def _targets(workspace, sites, out: _Recorder) -> None:
    """Targets and links: safe absolute http(s) URLs on allowed hosts, never on a closing site's host."""
    hosts = allowlist(workspace.config)
    closing = {}
    for row in closing_sites(workspace):
        for host in site_scope(row).hosts:
            closing[host] = row["site_code"]
    for site in sites:
        rows = workspace.db.execute("SELECT old_url, status, target, archive_url, suggested_url FROM redirects "
                                    "WHERE site_code = ? ORDER BY old_url", [site.code])
        for old, status, target, archive, suggested in rows:
            links = [("target", target)] if status == 301 else [("suggested link", suggested), ("archive link", archive)]
            if status == 301 and not target:
                out.add(Problem(site.code, old, "target", "error", "301 without a target"))
            for what, url in links:
                if not url:
                    continue
                if not safe_url(url):
                    out.add(Problem(site.code, old, "target", "error", f"{what} {url!r} is not a safe absolute http(s) URL"))
                    continue
                host = url_host(url)
                if what != "archive link" and host in closing:
                    out.add(Problem(site.code, old, "chain", "error", f"{what} {url} is on host {host} of closing site "
                                    f"{closing[host]}, which is being redirected itself"))
                elif what != "archive link" and not allowed(url, hosts):
                    out.add(Problem(site.code, old, "allowlist", "error", f"{what} {url} is on host {host}, not in "
                                    f"the allowlist ({', '.join(hosts) or 'empty: set platform.base_url'})"))


def _chains(db, codes: list[str], out: _Recorder) -> None:
    """A target that is itself a planned old URL: a chain, or a loop when it leads back."""
    marks = ",".join("?" for _ in codes)
    rows = db.execute(f"SELECT r.site_code, r.old_url, r.target FROM redirects r JOIN redirects t "
                      f"ON t.old_url = r.target WHERE r.site_code IN ({marks}) AND r.status = 301", codes).fetchall()
    for code, old, target in rows:
        path, url = [old], target
        while url and url not in path and len(path) < 20:
            path.append(url)
            hop = db.execute("SELECT target FROM redirects WHERE old_url = ? AND status = 301 LIMIT 1", [url]).fetchone()
            url = hop[0] if hop else None
        if url in path:
            out.add(Problem(code, old, "loop", "error", "redirect loop: " + " -> ".join(path + [url])))
        else:
            out.add(Problem(code, old, "chain", "error", f"chain: target {target} is itself redirected: "
                            + " -> ".join(path)))


def _duplicates(db, codes: list[str], out: _Recorder) -> None:
    """Old URLs a server sees as one (same host and key, or the same URL in two sites) with different decisions."""
    marks = ",".join("?" for _ in codes)
    origin = "substr(old_url, 1, 7 + instr(substr(old_url, 9), '/'))"
    groups = db.execute(
        f"SELECT {origin} AS origin, match_key FROM redirects WHERE site_code IN ({marks}) AND match_key IS NOT NULL "
        f"GROUP BY origin, match_key HAVING count(DISTINCT status || ' ' || coalesce(target, '')) > 1", codes).fetchall()
    for origin_value, key in groups:
        rows = db.execute(f"SELECT site_code, old_url, status, target FROM redirects WHERE match_key = ? AND "
                          f"{origin} = ? ORDER BY old_url", [key, origin_value]).fetchall()
        described = "; ".join(f"{old} -> {status} {target or ''}".rstrip() for _, old, status, target in rows)
        for code, old, _, _ in rows:
            out.add(Problem(code, old, "duplicate", "error", f"a server cannot tell these apart (same key {key}) "
                            f"but they are planned differently: {described}"))


def _unsafe(workspace, codes: list[str], out: _Recorder) -> None:
    """Old URLs no server config can match: an error only when the fallback would answer them differently."""
    for code in codes:
        fallback = fallback_of(workspace.config, code)
        rows = workspace.db.execute("SELECT old_url, status, kind, key_problem FROM redirects WHERE site_code = ? "
                                    "AND key_problem IS NOT NULL ORDER BY old_url", [code])
        for old, status, kind, problem in rows:
            same = status == fallback and (status == 410 or kind in ("unknown", "homepage"))
            level = "warning" if same else "error"
            tail = "the fallback answers it the same way" if same else f"the fallback ({fallback}) would answer it instead"
            out.add(Problem(code, old, "unsafe", level, f"cannot be expressed safely: {problem}; {tail}"))
