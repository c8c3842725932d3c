"""Check the external links no crawl fetched, so the audit can count them when they are broken.

The crawl records out-of-scope links without fetching them. A planner still needs to know that
a township page links to a portal article that answers 404 (链接不可用 counts external links).
``check_links`` GETs each such target once (redirects followed, body capped, a delay between
requests to one host) and stores the outcome in ``links.target_status`` / ``target_state``,
which the audit reads. By default only targets on hosts of the inventory's sites are checked;
``scope="all"`` checks every external host.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from tqdm import tqdm

from ..campaign import run_per_site
from ..crawl.fetch import Fetcher, FetchError
from ..crawl.robots import tool_version, user_agent
from ..resolve import load_rules
from ..workspace import open_workspace

SCOPES = ("inventory", "all")
MAX_HOPS = 5
REDIRECTS = (301, 302, 303, 307, 308)
HOST_GROUPS = 64  # on a cluster, the target hosts go in at most this many tasks (each host in one)


@dataclass
class LinkCheckSummary:
    """How many external targets were checked and which were broken."""

    checked: int = 0
    broken: list[tuple[str, str]] = field(default_factory=list)   # (url, problem)
    skipped: int = 0     # targets on hosts outside the inventory (scope 'inventory')


def inventory_hosts(db) -> set[str]:
    """Hosts of every site in the inventory, aliases included (lower case)."""
    hosts = set()
    for url, aliases in db.execute("SELECT url, aliases FROM sites"):
        hosts.add((urlsplit(url).hostname or "").lower())
        try:
            names = json.loads(aliases or "[]")
        except ValueError:
            names = (aliases or "").replace(";", " ").split()
        hosts.update(str(a).lower().split(":")[0].strip("/").split("/")[-1] for a in names if a)
    return hosts - {""}


def unchecked_targets(db, codes: list[str]) -> list[str]:
    """External link targets of the sites that neither a crawl nor an earlier check answered."""
    marks = ",".join("?" for _ in codes)
    return [row[0] for row in db.execute(f"""
        SELECT DISTINCT l.target_url FROM links l
        WHERE l.site_code IN ({marks}) AND l.in_scope = 0 AND l.target_status IS NULL
          AND COALESCE(l.target_state, '') != 'failed'
          AND NOT EXISTS (SELECT 1 FROM pages p WHERE p.url = l.target_url)
        ORDER BY l.target_url""", codes)]


def _status(fetcher: Fetcher, url: str) -> tuple[int | None, str]:
    """The final status of a URL after redirects, or (None, why) when no response came."""
    for _ in range(MAX_HOPS + 1):
        try:
            resp = fetcher.get(url)
        except FetchError as exc:
            return None, str(exc)
        location = resp.header("Location")
        if resp.status not in REDIRECTS or not location:
            return resp.status, f"HTTP {resp.status}"
        url = urljoin(url, location)
    return None, f"more than {MAX_HOPS} redirects"


def check_links(workspace, codes=(), scope: str = "inventory", delay: float | None = None,
                progress: bool = False, workers: int | None = None, scheduler: str | None = None) -> LinkCheckSummary:
    """Check the audited sites' unchecked external link targets and store each outcome on the links.
    With ``workers`` or ``scheduler`` the target hosts are spread over Dask tasks
    (site_inventory.campaign), each host in one task only, so the delay between requests to a host
    holds across the cluster."""
    if scope not in SCOPES:
        raise ValueError(f"link check scope {scope!r}: use one of {', '.join(SCOPES)}")
    codes = list(codes) or workspace.site_codes()
    allowed = inventory_hosts(workspace.db) if scope == "inventory" else None
    by_host: dict[str, list[str]] = {}
    summary = LinkCheckSummary()
    for url in unchecked_targets(workspace.db, codes):
        host = (urlsplit(url).hostname or "").lower()
        if allowed is not None and host not in allowed:
            summary.skipped += 1
            continue
        by_host.setdefault(host, []).append(url)
    options = {"codes": codes, "delay": delay}
    if workers or scheduler:
        hosts = sorted(by_host)
        groups = [hosts[i::HOST_GROUPS] for i in range(min(HOST_GROUPS, len(hosts)))]
        parts = run_per_site("check-links", check_hosts, workspace, groups, options, workers=workers,
                             scheduler=scheduler, progress=progress, unit="host")
    else:
        parts = [_check(workspace, [url for host in sorted(by_host) for url in by_host[host]], delay, progress)]
    for part in parts:
        summary.checked += part.checked
        summary.broken += part.broken
    summary.broken.sort()
    return summary


def check_hosts(workspace_path: str, hosts: list[str], options: dict) -> LinkCheckSummary:
    """A campaign task: check the unchecked external targets on ``hosts``."""
    with open_workspace(workspace_path) as ws:
        wanted = set(hosts)
        urls = [url for url in unchecked_targets(ws.db, options["codes"])
                if (urlsplit(url).hostname or "").lower() in wanted]
        return _check(ws, urls, options["delay"], False)


def _check(workspace, urls: list[str], delay: float | None, progress: bool) -> LinkCheckSummary:
    """GET each URL (``delay`` seconds apart on one host) and store its outcome on the links."""
    db = workspace.db
    crawl = workspace.config.get("crawl") or {}
    wait = crawl.get("delay", 1.0) if delay is None else delay
    fetcher = Fetcher(load_rules(db), user_agent(tool_version(), crawl.get("contact", "")),
                      timeout=float(crawl.get("timeout", 15.0)), max_bytes=256 * 1024, max_seconds=30.0)
    summary, last_hit = LinkCheckSummary(), {}
    for url in tqdm(urls, desc="checking links", unit="url", disable=not progress):
        host = (urlsplit(url).hostname or "").lower()
        pause = wait - (time.monotonic() - last_hit.get(host, -1e9))
        if pause > 0:
            time.sleep(pause)
        status, problem = _status(fetcher, url)
        last_hit[host] = time.monotonic()
        with db.conn:
            db.execute("UPDATE links SET target_status = ?, target_state = ? WHERE in_scope = 0 AND target_url = ?",
                       (status, "fetched" if status is not None else "failed", url))
        summary.checked += 1
        if status is None or status >= 400:
            summary.broken.append((url, problem))
    return summary
