"""The crawl: polite, resumable, archival, across every site of the inventory at once.

One coordinating thread owns the database and the WARC files: it claims URLs from the
frontier (``crawl_urls``), hands them to worker threads that fetch and read them, and stores
each result (page row, links, newly found URLs, the URL's final state) in one transaction.
Hosts are paced independently (crawl_worker.Host): at most ``per_host`` requests at a time, a
new one no sooner than ``max(delay, robots Crawl-delay)`` after the last one ended, longer
after 429/503/errors. Each host has one claimed URL waiting in a worker for its turn, so the next
request never waits for the coordinator.
"""
from __future__ import annotations

import queue
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

from . import crawl_store, frontier, traps
from .analysis import Analysis
from .crawl_options import Options
from .crawl_progress import Progress
from .crawl_report import CrawlSummary, SiteCrawl, crawl_report, site_counts
from .crawl_worker import RETRY_STATUSES, Host, Outcome, Task, drain, work
from .fetch import Fetcher, Response
from .frontier import Claim, SeenCache
from .resolve import load_rules
from .robots import Robots, tool_version, user_agent
from .urls import Scope, canonical_and_request, host_of, site_scope
from .warc import WarcFile, cut_after, warc_name, write_index

__all__ = ["crawl", "crawl_report", "CrawlSummary", "SiteCrawl", "CrawlError"]

IDLE_WAIT = 0.5
SEEN_CACHE = 20000  # (site, URL) pairs kept in memory to skip repeated look-ups
MAX_THREADS = 512
SWITCH_INTERVAL = 0.0005  # seconds; Python's default 5 ms makes each hand-off between threads slow


class CrawlError(ValueError):
    """The crawl cannot start: unknown site codes, nothing to crawl."""


@dataclass
class _Site:
    """A site being crawled in this run."""

    code: str
    url: str
    scope: Scope
    significant: list[str] | None
    run_id: int
    warc: WarcFile
    warc_rel: str
    content_pages: int  # pages and attachments stored so far (the page cap counts these)
    sitemap_files: int  # sitemap files known (the sitemap cap counts these)
    sitemap_urls: int  # URLs recorded from sitemaps (capped at the page cap: a sitemap bomb stops there)
    in_flight: int = 0
    capped: bool = False
    counts: dict = field(default_factory=lambda: {"requests": 0, "fetched": 0, "changed": 0, "added": 0,
                                                  "failed": 0, "skipped": 0, "bytes": 0})


class Crawler:
    """One crawl run over a set of sites; use :func:`crawl`."""

    def __init__(self, workspace, codes: list[str], options: Options, progress: bool = False):
        self.ws = workspace
        self.conn = workspace.db.conn
        self.opts = options
        self.codes = codes
        self.limits = traps.TrapLimits(max_depth=options.max_depth)
        self.version = tool_version()
        self.fetcher = Fetcher(
            load_rules(workspace.db), user_agent(self.version, (workspace.config.get("crawl") or {}).get("contact", "")),
            timeout=options.timeout, max_bytes=options.max_response_bytes,
            max_seconds=options.max_fetch_seconds, verify_tls=options.verify_tls, per_host=options.per_host,
        )
        self.sites: dict[str, _Site] = {}
        self.hosts: dict[str, Host] = {}
        self.progress = Progress(self.conn, codes, enabled=progress)
        self.seen = SeenCache(SEEN_CACHE)
        self.stopped_by: str | None = None

    # -- setting up -------------------------------------------------------------------------
    def prepare(self) -> None:
        """Recover from a killed run, reopen limit skips, open a run and WARC per site, seed."""
        self.conn.execute("PRAGMA synchronous = NORMAL")  # WAL: safe against kills, fewer fsyncs
        self.conn.execute("PRAGMA wal_autocheckpoint = 10000")
        for code in self.codes:
            row = self.conn.execute("SELECT url, aliases FROM sites WHERE site_code = ?", (code,)).fetchone()
            with self.conn:
                self._close_interrupted(code)
                frontier.recover(self.conn, code)
                frontier.reopen_limited(self.conn, code)
                if self.opts.refresh:
                    frontier.requeue_all(self.conn, code)
                mode = "refresh" if self.opts.refresh else "crawl"
                run_id = crawl_store.start_run(self.conn, code, mode, asdict(self.opts))
                rel = f"warc/{warc_name(code, run_id)}"
                self.conn.execute("UPDATE crawl_runs SET warc_file = ? WHERE id = ?", (rel, run_id))
                site = self._site(code, row, run_id, rel)
                self.sites[code] = site
                for host in site.scope.hosts:
                    self._host(host, code)
                self._seed(site)

    def _host(self, name: str, code: str) -> Host:
        """The pacing state of a host, registered for one more site if need be."""
        host = self.hosts.setdefault(name, Host(name, [], per_host=self.opts.per_host))
        if code not in host.sites:
            host.sites.append(code)
        host.has_work = True
        return host

    def _site(self, code, row, run_id, rel) -> _Site:
        conf = (self.ws.config.get("sites") or {}).get(code) or {}
        significant = conf.get("significant_params")
        content = self.conn.execute(
            "SELECT SUM(kind IN ('page', 'attachment')) FROM pages WHERE site_code = ?", (code,)).fetchone()[0]
        files, listed = self.conn.execute(
            "SELECT SUM(discovered_via = 'sitemap-file'), SUM(discovered_via = 'sitemap') FROM crawl_urls"
            " WHERE site_code = ?", (code,)).fetchone()
        return _Site(code, row[0], site_scope({"url": row[0], "aliases": row[1]}), significant, run_id,
                     WarcFile(self.ws.path / rel, f"govmigrate/{self.version}"), rel, content or 0, files or 0, listed or 0)

    def _close_interrupted(self, code: str) -> None:
        """A run killed mid-way: cut its WARC after the last stored record and index it."""
        for run_id, rel in crawl_store.interrupted_runs(self.conn, code):
            if rel and (self.ws.path / rel).exists():
                end = crawl_store.warc_end(self.conn, rel)
                if end is not None:
                    cut_after(self.ws.path / rel, end)
                write_index(self.ws.path / rel)
            crawl_store.finish_run(self.conn, run_id, "interrupted", {})

    def _seed(self, site: _Site) -> None:
        """Site URL, aliases and extra start URLs; robots.txt and /sitemap.xml of every host."""
        conf = (self.ws.config.get("sites") or {}).get(site.code) or {}
        seeds = [site.url] + [f"http://{h}/" for h in site.scope.hosts[1:]] + list(conf.get("start_urls") or [])
        origins = {}
        for host, port, _prefix in site.scope.entries:
            scheme = site.url.split(":", 1)[0] if host == site.scope.hosts[0] else "http"
            origins.setdefault(host, f"{scheme}://{host}{f':{port}' if port else ''}")
        for origin in origins.values():
            robots_url = f"{origin}/robots.txt"
            if not frontier.add(self.conn, site.code, robots_url, depth=0, via="robots"):
                self.conn.execute(
                    "UPDATE crawl_urls SET state = 'queued', attempts = 0 WHERE site_code = ? AND url = ?"
                    " AND (state = 'failed' OR ?)", (site.code, robots_url, int(self.opts.refresh)))
        for url in seeds:
            canonical, request = canonical_and_request(url, significant_params=site.significant)
            self._add(site, canonical, depth=0, via="seed", request_url=request)
        for origin in origins.values():
            self._add(site, f"{origin}/sitemap.xml", depth=0, via="sitemap-file")

    # -- the loop ---------------------------------------------------------------------------
    def run(self) -> CrawlSummary:
        started = time.monotonic()
        deadline = started + self.opts.time_limit if self.opts.time_limit else None
        workers = max(1, min(MAX_THREADS, len(self.hosts) * (self.opts.per_host + 1)))
        events: queue.SimpleQueue = queue.SimpleQueue()
        stop = threading.Event()
        outstanding = 0  # tasks handed to workers whose outcome is not stored yet
        batch: list = []  # outcomes waiting to be stored
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="crawl") as pool:
            while True:
                if deadline and time.monotonic() >= deadline and self.stopped_by is None:
                    self.stopped_by = "time-limit"
                    stop.set()
                with self.conn:  # store what came back and claim what goes out: one transaction
                    for _, task, outcome in batch:
                        self._store(task, outcome)
                    tasks = [] if self.stopped_by else self._dispatchable()
                outstanding += len(tasks) - len(batch)
                for task in tasks:  # claims are committed before any request is made
                    pool.submit(work, self.fetcher, task, events, stop)
                if batch:
                    self.progress.update(self.sites)
                if not outstanding:
                    if self.stopped_by or not any(h.has_work for h in self.hosts.values()):
                        break
                    time.sleep(self._idle_wait())
                    batch = []
                    continue
                batch = drain(events, self._idle_wait())
        self._finish()
        summary = CrawlSummary(elapsed=time.monotonic() - started, stopped_by=self.stopped_by)
        for code, site in self.sites.items():
            summary.sites[code] = site_counts(self.conn, code, site.counts, site.run_id, site.warc_rel)
        self.progress.close()
        return summary

    def _idle_wait(self) -> float:
        """How long the coordinator may wait for worker events (workers wait for their hosts' turns)."""
        return IDLE_WAIT

    def _dispatchable(self) -> list[Task]:
        """Claim URLs so each host has one task beyond its running ones, waiting in a worker for its turn."""
        tasks = []
        for host in self.hosts.values():
            while host.has_work and host.in_flight <= self.opts.per_host:
                task = self._next_task(host)
                if task is None:
                    break
                tasks.append(task)
                host.in_flight += 1
                task.site.in_flight += 1
        return tasks

    def _active_sites(self, host: Host) -> list[str]:
        return [c for c in host.sites if not self.sites[c].capped]

    def _next_task(self, host: Host) -> Task | None:
        """The next URL of the host that passes the claim-time checks; others are closed as skipped."""
        while True:
            codes = self._active_sites(host)
            if not codes:
                host.has_work = False
                return None
            if host.robots is None:
                claim = frontier.claim(self.conn, host.name, codes, via="robots")
                if claim is None:
                    if host.in_flight:
                        return None  # robots.txt is being fetched; wait for it
                    self._load_robots(host)
                    continue
                return self._task(claim)
            claim = frontier.claim(self.conn, host.name, codes)
            if claim is None:
                host.has_work = False
                return None
            site = self.sites[claim.site_code]
            reason = self._claim_reason(host, site, claim)
            if reason == "wait":
                self.conn.execute("UPDATE crawl_urls SET state = 'queued' WHERE id = ?", (claim.id,))
                return None
            if reason:
                frontier.finish(self.conn, claim.id, "skipped", reason=reason)
                site.counts["skipped"] += 1
                continue
            return self._task(claim)

    def _claim_reason(self, host: Host, site: _Site, claim: Claim) -> str | None:
        """Why a claimed URL is not fetched now: a limit, robots, or 'wait' (cap nearly reached)."""
        if claim.via == "robots":
            return None
        if site.content_pages >= self.opts.max_pages:
            site.capped = True
            frontier.skip_queued(self.conn, site.code, "max-pages")
            return "max-pages"
        if site.content_pages + site.in_flight >= self.opts.max_pages:
            return "wait"
        if claim.depth > self.opts.max_depth:
            return "max-depth"
        if claim.via == "sitemap-file" and site.sitemap_urls >= self.opts.max_pages:
            return "sitemap-url-limit"
        if self.opts.respect_robots and not host.robots.allowed(claim.url):
            return "robots-unavailable" if host.robots.unavailable else "robots"
        return None

    def _task(self, claim: Claim) -> Task:
        site = self.sites[claim.site_code]
        headers = {}
        old = crawl_store.previous(self.conn, claim.site_code, claim.url)
        if old is not None:
            if old[0]:
                headers["If-None-Match"] = old[0]
            if old[1]:
                headers["If-Modified-Since"] = old[1]
        return Task(claim, site, headers, self.hosts[host_of(claim.url)], previous=old)

    def _load_robots(self, host: Host) -> None:
        """Rules of a host whose robots.txt was fetched in an earlier run (or could not be)."""
        row = self.conn.execute(
            "SELECT p.status, p.body FROM pages p JOIN crawl_urls c ON c.site_code = p.site_code AND c.url = p.url"
            " WHERE c.host = ? AND c.discovered_via = 'robots' ORDER BY p.fetched_at DESC LIMIT 1",
            (host.name,),
        ).fetchone()
        if row is not None:
            host.robots = Robots.from_response(row[0], row[1] or b"")
        else:
            failed = self.conn.execute(
                "SELECT last_error FROM crawl_urls WHERE host = ? AND discovered_via = 'robots' AND state = 'failed'",
                (host.name,),
            ).fetchone()
            host.robots = Robots(unavailable=failed[0]) if failed else Robots.allow_all()
        self._robots_loaded(host)

    def _robots_loaded(self, host: Host) -> None:
        host.set_delay(max(self.opts.delay, host.robots.crawl_delay()))
        host.has_work = True

    # -- storing results --------------------------------------------------------------------
    def _store(self, task: Task, outcome: Outcome) -> None:
        """Write one fetch's result; decide fetched / failed / retry."""
        task.host.in_flight -= 1
        task.site.in_flight -= 1
        try:
            self._store_outcome(task, outcome)
        finally:
            if task.slot_held:  # backoff and robots rules are in place: the host may be asked again
                task.slot_held = False
                task.host.slots.release()

    def _store_outcome(self, task: Task, outcome: Outcome) -> None:
        claim, site, host = task.claim, task.site, task.host
        if outcome.cancelled:
            self.conn.execute("UPDATE crawl_urls SET state = 'queued' WHERE id = ?", (claim.id,))
            return
        attempts = claim.attempts + 1
        if outcome.error is not None:
            self._failed_attempt(host, site, claim, attempts, outcome.error.kind, str(outcome.error), None)
            return
        resp, result = outcome.response, outcome.analysis
        site.counts["requests"] += 1
        site.counts["bytes"] += len(resp.raw)
        retry = resp.status in RETRY_STATUSES or (resp.truncated and not resp.limited)
        if retry and attempts <= self.opts.retries:
            site.warc.append(outcome.records)
            kind = f"http-{resp.status}" if resp.status in RETRY_STATUSES else "incomplete-body"
            self._failed_attempt(host, site, claim, attempts, kind, _describe(resp), resp.retry_after)
            return
        offset, length = site.warc.append(outcome.records)
        stored = crawl_store.store_page(self.conn, claim, resp, result, site.run_id, (site.warc_rel, offset, length),
                                         task.previous)
        if result.kind in ("page", "attachment") and stored.new:
            site.content_pages += 1
        site.counts["changed"] += stored.changed
        site.counts["added"] += stored.new and self.opts.refresh
        if claim.via == "robots" and host.robots is None:
            host.robots = result.robots or Robots.allow_all()
            self._robots_loaded(host)
        if resp.status != 304:
            self._discovered(site, claim, result)
        self._close(site, claim, resp, attempts)

    def _close(self, site: _Site, claim: Claim, resp: Response, attempts: int) -> None:
        """Final state of a URL that got an answer."""
        status = resp.status
        if claim.via == "sitemap-file" and claim.referrer is None and status in (404, 410):
            frontier.finish(self.conn, claim.id, "skipped", reason="no-sitemap-at-default-path", attempts=attempts)
            site.counts["skipped"] += 1
        elif claim.via == "pagination" and status in (404, 405, 410):
            frontier.finish(self.conn, claim.id, "skipped", reason="generated-page-not-served", attempts=attempts)
            site.counts["skipped"] += 1
        elif status >= 400 and claim.via != "robots":
            frontier.finish(self.conn, claim.id, "failed", reason=f"http-{status}", error=_describe(resp),
                            attempts=attempts)
            site.counts["failed"] += 1
        elif resp.truncated and not resp.limited:
            frontier.finish(self.conn, claim.id, "failed", reason="incomplete-body", error=resp.error,
                            attempts=attempts)
            site.counts["failed"] += 1
        else:
            frontier.finish(self.conn, claim.id, "fetched", reason="truncated-at-limit" if resp.truncated else None,
                            attempts=attempts)
            site.counts["fetched"] += 1

    def _failed_attempt(self, host, site, claim, attempts, kind, message, retry_after) -> None:
        """Retry later with per-host backoff, or give up and record the last error."""
        wait_s = self.opts.backoff * (2 ** (attempts - 1))
        if kind == "timeout":  # the server is slow and may still be working on our request
            wait_s = max(wait_s, self.opts.timeout)
        if retry_after is not None:
            wait_s = max(wait_s, retry_after)
        host.hold_off(time.monotonic() + min(wait_s, self.opts.max_retry_after))
        if attempts <= self.opts.retries:
            frontier.retry_later(self.conn, claim.id, attempts, message)
            host.has_work = True
            return
        frontier.finish(self.conn, claim.id, "failed", reason=kind, error=message, attempts=attempts)
        site.counts["failed"] += 1
        if claim.via == "robots" and host.robots is None:
            host.robots = Robots(unavailable=f"robots.txt could not be read: {message}")
            self._robots_loaded(host)

    def _discovered(self, site: _Site, claim: Claim, result: Analysis) -> None:
        """Links to the links table; new URLs to the frontier (queued, or skipped with a reason)."""
        links, unread = [], 0
        for found in result.found:
            if found.via == "sitemap":
                if site.sitemap_urls >= self.opts.max_pages:
                    unread += 1
                    continue
                site.sitemap_urls += 1
            scoped = found.valid and (site.scope.contains(found.url) or (
                claim.via == "robots" and host_of(found.url) in site.scope.hosts))
            if found.via != "pagination":
                links.append((found.url, found.text, found.tag, scoped))
            if not found.valid:
                continue
            depth, chain = claim.depth + 1, 0
            if found.via == "redirect":
                depth, chain = claim.depth, claim.chain + 1
            elif found.via == "sitemap-file":
                depth, chain = claim.depth, claim.chain + 1
            self._add(site, found.url, depth=depth, via=found.via, referrer=claim.url, chain=chain,
                      scoped=scoped, request_url=found.request_url)
        if links:
            crawl_store.store_links(self.conn, site.code, claim.url, links)
        if unread:
            crawl_store.add_note(self.conn, site.code, claim.url,
                                 f"{unread} sitemap URLs not recorded: the site's limit of "
                                 f"{self.opts.max_pages} URLs from sitemaps (the page cap) was reached")

    def _add(self, site: _Site, url: str, *, depth: int, via: str, referrer: str | None = None,
             chain: int = 0, scoped: bool | None = None, request_url: str | None = None) -> None:
        if self.seen.known((site.code, url)) or frontier.exists(self.conn, site.code, url):
            return
        if scoped is None:
            scoped = site.scope.contains(url) or via == "sitemap-file"
        reason = self._trap_reason(site, url, depth, via, chain, scoped)
        if reason == "out-of-scope":
            self._hand_over(site, url, depth, via, referrer, request_url)
        state = "skipped" if reason else "queued"
        frontier.add(self.conn, site.code, url, depth=depth, via=via, referrer=referrer, chain=chain,
                     state=state, reason=reason, request_url=request_url)
        if reason:
            site.counts["skipped"] += 1
        else:
            self._host(host_of(url), site.code)

    def _hand_over(self, site: _Site, url: str, depth: int, via: str, referrer: str | None,
                   request_url: str | None) -> None:
        """A link into another site of this crawl is a discovery for that site (its crawl checks it)."""
        if via not in ("link", "redirect"):
            return
        for other in self.sites.values():
            if other is not site and other.scope.contains(url):
                self._add(other, url, depth=depth, via=via, referrer=referrer, request_url=request_url, scoped=True)
                return

    def _trap_reason(self, site, url, depth, via, chain, scoped) -> str | None:
        if not scoped:
            return "out-of-scope"
        if via == "redirect" and chain > self.opts.max_redirects:
            return "too-many-redirects"
        if via == "sitemap-file":
            if chain > self.opts.max_sitemap_levels:
                return "sitemap-nested-too-deep"
            if site.sitemap_files >= self.opts.max_sitemaps:
                return "too-many-sitemaps"
            site.sitemap_files += 1
        reason = traps.static_reason(url, depth, self.limits)
        if reason is None and "?" in url:
            reason = traps.variant_reason(url, frontier.query_variants(self.conn, site.code, frontier.path_key(url)),
                                          self.limits)
        return reason

    # -- ending -----------------------------------------------------------------------------
    def _finish(self) -> None:
        """Close each site's run: time-limit skips, redirect chains, link statuses, WARC index."""
        for code, site in self.sites.items():
            with self.conn:
                if self.stopped_by:
                    site.counts["skipped"] += frontier.skip_queued(self.conn, code, self.stopped_by)
                frontier.recover(self.conn, code)
                crawl_store.resolve_redirects(self.conn, code)
                crawl_store.update_link_targets(self.conn, code)
                site.warc.close()
                crawl_store.finish_run(self.conn, site.run_id, self.stopped_by or "finished",
                                       {k: v for k, v in site.counts.items() if k != "added"})


def _describe(resp: Response) -> str:
    text = f"HTTP {resp.status} {resp.reason}".strip()
    return f"{text}; {resp.error}" if resp.error else text


def resolve_codes(workspace, codes=(), all_sites: bool = False) -> list[str]:
    """The sites to crawl: the named ones (any action), or with --all every migrate/close site."""
    known = set(workspace.site_codes())
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise CrawlError(f"not in the inventory: {', '.join(unknown)} (see 'govmigrate inventory list')")
    chosen = list(dict.fromkeys(codes))
    if all_sites:
        chosen += [c for c in workspace.site_codes(("migrate", "close")) if c not in chosen]
    if not chosen:
        raise CrawlError("no sites to crawl: name site codes or use --all (sites with action migrate/close)")
    return chosen


def crawl(workspace, codes=(), all_sites=False, max_pages=None, max_depth=None, delay=None, time_limit=None,
          refresh=False, per_host=None, progress=False) -> CrawlSummary:
    """Crawl the named sites (or all migrate/close sites) into the workspace; resumable at any point."""
    chosen = resolve_codes(workspace, codes, all_sites)
    options = Options.from_config(
        workspace.config, max_pages=max_pages, max_depth=max_depth, delay=delay, time_limit=time_limit,
        refresh=refresh, per_host_concurrency=per_host,
    )
    crawler = Crawler(workspace, chosen, options, progress=progress)
    crawler.prepare()
    switch = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        return crawler.run()
    finally:
        sys.setswitchinterval(switch)

