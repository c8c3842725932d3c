"""The crawl: polite, resumable, archival, across every site of the inventory at once.

One coordinating thread owns the database: it claims URLs from the frontier (``crawl_urls``),
hands them to long-lived host threads (worker) that fetch them and append each exchange to
the site's WARC, then reads and stores each outcome (page row, links, newly found URLs, the URL's
final state; outcomes). Transactions are batched (one commit every COMMIT_INTERVAL): the
WARC is the journal, so a kill loses nothing a commit did not reach (journal replays it).
Hosts are paced independently (worker.Host): at most ``per_host`` requests at a time, a
new one no sooner than ``max(delay, robots Crawl-delay)`` after the last one ended, longer
after 429/503/errors. Each host has claimed URLs waiting in its queue, so its next request never
waits for the coordinator. A crawl of one host, one request at a time, needs no threads: the
coordinator drives its socket itself (inline).
"""
from __future__ import annotations

import queue
import sys
import threading
import time
from dataclasses import asdict, dataclass, field

from . import journal, store, frontier, traps
from .handover import hand_over
from .inline import COMMIT_INTERVAL, IDLE_WAIT, InlineLoop
from .options import Options
from .outcomes import OutcomeRecorder, url_host
from .progress import Progress
from .report import CrawlSummary, SiteCrawl, crawl_report, site_counts
from .worker import Host, Outcome, Task, drain
from .fetch import Fetcher
from .frontier import Claim, SeenCache
from ..bodies import BodyError, page_body
from ..campaign import run_per_site, site_groups
from ..resolve import load_rules
from .robots import Robots, tool_version, user_agent
from ..urls import Scope, canonical_and_request, host_of, site_scope
from ..workspace import open_workspace
from .warc import WarcFile, cut_after, warc_name, write_index

__all__ = ["crawl", "crawl_report", "CrawlSummary", "SiteCrawl", "CrawlError"]

HANDOVER_ROUNDS = 4  # campaign rounds at most: links into other sites found by a round are crawled by the next
SEEN_CACHE = 20000  # (site, URL) pairs kept in memory to skip repeated look-ups
AHEAD = 2  # claimed URLs waiting per host beyond its running requests
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
    had_pages: bool = True  # False: no page of the site was stored before this run (none to compare with)
    warc_processed: int = 0  # end of the last WARC record whose outcome was stored
    warc_committed: int = 0  # ... as of the last commit
    counts: dict = field(default_factory=lambda: {"requests": 0, "fetched": 0, "changed": 0, "added": 0,
                                                  "failed": 0, "skipped": 0, "bytes": 0})


class Crawler(OutcomeRecorder, InlineLoop):
    """One crawl run over a set of sites; use :func:`crawl`."""

    def __init__(self, workspace, codes: list[str], options: Options, progress: bool = False):
        self.ws = workspace
        self.conn = workspace.db.conn
        self.opts = options
        self.codes = codes
        self.limits = traps.TrapLimits(max_depth=options.max_depth)
        self.version = tool_version()
        self.fetcher = Fetcher(
            load_rules(workspace.db),
            user_agent(self.version, (workspace.config.get("crawl") or {}).get("contact", "")),
            timeout=options.timeout, max_bytes=options.max_response_bytes,
            max_seconds=options.max_fetch_seconds, verify_tls=options.verify_tls, per_host=options.per_host,
        )
        self.sites: dict[str, _Site] = {}
        self.hosts: dict[str, Host] = {}
        self.progress = Progress(self.conn, codes, enabled=progress)
        self.seen = SeenCache(SEEN_CACHE)
        self.stopped_by: str | None = None
        self.held: set[int] | None = None  # claims kept in memory, not marked in flight (inline)

    # -- setting up -------------------------------------------------------------------------
    def prepare(self) -> None:
        """Open a run and WARC per site, store what a killed run archived, reopen limit skips, seed."""
        self.conn.execute("PRAGMA synchronous = NORMAL")  # WAL: safe against kills, fewer fsyncs
        self.conn.execute("PRAGMA wal_autocheckpoint = 10000")
        for code in self.codes:
            row = self.conn.execute("SELECT url, aliases FROM sites WHERE site_code = ?", (code,)).fetchone()
            with self.conn:
                interrupted = store.interrupted_runs(self.conn, code)
                mode = "refresh" if self.opts.refresh else "crawl"
                run_id = store.start_run(self.conn, code, mode, asdict(self.opts))
                rel = f"warc/{warc_name(code, run_id)}"
                self.conn.execute("UPDATE crawl_runs SET warc_file = ? WHERE id = ?", (rel, run_id))
                site = self._site(code, row, run_id, rel)
                self.sites[code] = site
                for host in site.scope.hosts:
                    self._host(host, code)
                for old_run, old_rel, stored in interrupted:
                    self._close_interrupted(site, old_run, old_rel, stored)
                frontier.recover(self.conn, code)
                frontier.reopen_limited(self.conn, code)
                if self.opts.refresh:
                    frontier.requeue_all(self.conn, code)
                self._seed(site)
                site.had_pages = store.has_pages(self.conn, code)

    def _host(self, name: str, code: str) -> Host:
        """The pacing state of a host, registered for one more site if need be."""
        host = self.hosts.get(name)
        if host is None:
            host = self.hosts[name] = Host(name, [], per_host=self.opts.per_host)
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
                     WarcFile(self.ws.path / rel, f"govmigrate/{self.version}"), rel,
                     content or 0, files or 0, listed or 0)

    def _close_interrupted(self, site: _Site, run_id: int, rel: str | None, stored: int | None) -> None:
        """A run killed mid-way: store the exchanges its WARC holds past its last commit, cut a
        record the kill left half-written, index the WARC."""
        path = self.ws.path / rel if rel else None
        if path is not None and path.exists():
            start = stored if stored is not None else (store.warc_end(self.conn, rel) or 0)
            for item in journal.tail(path, start, self.opts.max_response_bytes):
                self._replay(site, rel, item)
            cut_after(path, journal.whole_end(path, start))
            write_index(path)
        store.finish_run(self.conn, run_id, "interrupted", {})

    def _replay(self, site: _Site, rel: str, item: journal.Archived) -> None:
        """Store an archived exchange as if just fetched (its URL is still to do in the frontier)."""
        claim = frontier.archived_claim(self.conn, site.code, item.response.url)
        if claim is None:
            return
        host = self._host(host_of(claim.url), site.code)
        task = self._task(claim)
        host.in_flight += 1
        site.in_flight += 1
        self._store(task, Outcome(response=item.response, warc=(rel, item.offset, item.length, item.end)))

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
        stop = threading.Event()
        try:
            hosts = list(self.hosts.values())
            if len(hosts) != 1 or self.opts.per_host != 1 or not self._run_inline(hosts[0], deadline):
                self._run_threads(deadline, stop)
        finally:
            stop.set()
            for host in self.hosts.values():
                host.close()
        self._commit()
        self._finish()
        summary = CrawlSummary(elapsed=time.monotonic() - started, stopped_by=self.stopped_by)
        for code, site in self.sites.items():
            summary.sites[code] = site_counts(self.conn, code, site.counts, site.run_id, site.warc_rel)
        self.progress.close()
        return summary

    def _run_threads(self, deadline: float | None, stop: threading.Event) -> None:
        """Hosts fetched by their own threads, outcomes stored here as they come."""
        events: queue.SimpleQueue = queue.SimpleQueue()
        outstanding = 0  # tasks handed to host threads whose outcome is not stored yet
        last_commit = time.monotonic()
        while True:
            if deadline and time.monotonic() >= deadline and self.stopped_by is None:
                self.stopped_by = "time-limit"
                stop.set()
            tasks = [] if self.stopped_by else self._dispatchable()
            outstanding += len(tasks)
            for task in tasks:
                task.host.hand(task, self.fetcher, events, stop)
            if not outstanding:
                if self.stopped_by or not any(h.has_work for h in self.hosts.values()):
                    break
                self._commit()
                last_commit = time.monotonic()
                time.sleep(IDLE_WAIT)
                continue
            wait = IDLE_WAIT
            if self.conn.in_transaction:
                wait = max(0.0, last_commit + COMMIT_INTERVAL - time.monotonic())
            batch = drain(events, wait)
            for task, outcome in batch:
                self._store(task, outcome)
            outstanding -= len(batch)
            if batch:
                self.progress.update(self.sites)
            if time.monotonic() - last_commit >= COMMIT_INTERVAL:
                self._commit()
                last_commit = time.monotonic()

    def _commit(self) -> None:
        """Commit, recording with it how far each site's WARC is stored (the journal's mark)."""
        for site in self.sites.values():
            if site.warc_processed != site.warc_committed:
                store.mark_stored(self.conn, site.run_id, site.warc_processed)
                site.warc_committed = site.warc_processed
        self.conn.commit()

    def _dispatchable(self) -> list[Task]:
        """Claim URLs so each host has AHEAD tasks beyond its running ones waiting in its queue."""
        tasks = []
        for host in self.hosts.values():
            while host.has_work and host.in_flight < self.opts.per_host + AHEAD:
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
                claim = frontier.claim(self.conn, host.name, codes, via="robots", held=self.held)
                if claim is None:
                    if host.in_flight:
                        return None  # robots.txt is being fetched; wait for it
                    self._load_robots(host)
                    continue
                return self._task(claim)
            claim = frontier.claim(self.conn, host.name, codes, held=self.held)
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
        old = store.previous(self.conn, claim.site_code, claim.url) if site.had_pages else None
        if old is not None:
            if old[0]:
                headers["If-None-Match"] = old[0]
            if old[1]:
                headers["If-Modified-Since"] = old[1]
        return Task(claim, site, headers, self.hosts[url_host(claim.url)], previous=old)

    def _load_robots(self, host: Host) -> None:
        """Rules of a host whose robots.txt was fetched in an earlier run (or could not be)."""
        row = self.conn.execute(
            "SELECT p.status, p.warc_file, p.warc_offset, p.warc_length, p.size FROM pages p"
            " JOIN crawl_urls c ON c.site_code = p.site_code AND c.url = p.url"
            " WHERE c.host = ? AND c.discovered_via = 'robots' ORDER BY p.fetched_at DESC LIMIT 1",
            (host.name,),
        ).fetchone()
        if row is not None:
            host.robots = Robots.from_response(row[0], self._stored_body(row) or b"")
        else:
            failed = self.conn.execute(
                "SELECT last_error FROM crawl_urls WHERE host = ? AND discovered_via = 'robots' AND state = 'failed'",
                (host.name,),
            ).fetchone()
            host.robots = Robots(unavailable=failed[0]) if failed else Robots.allow_all()
        self._robots_loaded(host)

    def _stored_body(self, row) -> bytes | None:
        """The bytes of a page stored by an earlier run (None when its WARC record is unreadable)."""
        pointer = dict(zip(("warc_file", "warc_offset", "warc_length", "size"), row[1:]))
        try:
            return page_body(self.ws, pointer)
        except BodyError:
            return None

    def _robots_loaded(self, host: Host) -> None:
        host.set_delay(max(self.opts.delay, host.robots.crawl_delay()))
        host.has_work = True

    # -- ending -----------------------------------------------------------------------------
    def _finish(self) -> None:
        """Close each site's run: time-limit skips, redirect chains, link statuses, WARC index."""
        for code, site in self.sites.items():
            with self.conn:
                if self.stopped_by:
                    site.counts["skipped"] += frontier.skip_queued(self.conn, code, self.stopped_by)
                frontier.recover(self.conn, code)
                store.resolve_redirects(self.conn, code)
                store.update_link_targets(self.conn, code)
                site.warc.close()
                store.finish_run(self.conn, site.run_id, self.stopped_by or "finished",
                                       {k: v for k, v in site.counts.items() if k != "added"})


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
          refresh=False, per_host=None, progress=False, workers=None, scheduler=None) -> CrawlSummary:
    """Crawl the named sites (or all migrate/close sites) into the workspace; resumable at any point.
    With ``workers`` or ``scheduler``, one Dask task per site (sites sharing a host: one task)."""
    chosen = resolve_codes(workspace, codes, all_sites)
    if workers or scheduler:
        options = {"max_pages": max_pages, "max_depth": max_depth, "delay": delay, "time_limit": time_limit,
                   "refresh": refresh, "per_host": per_host}
        return _on_cluster(workspace, chosen, options, workers, scheduler, progress)
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


def crawl_sites(workspace_path: str, codes: list[str], options: dict) -> CrawlSummary:
    """A campaign task: crawl the sites ``codes`` of the workspace at ``workspace_path`` in this process."""
    with open_workspace(workspace_path) as ws:
        return crawl(ws, codes, **options)


def _on_cluster(workspace, chosen: list[str], options: dict, workers, scheduler, progress: bool) -> CrawlSummary:
    """Rounds of one task per site group; after each, links into other sites are handed over and
    the sites that got some crawl again (up to HANDOVER_ROUNDS rounds)."""
    started = time.monotonic()
    summary = CrawlSummary()
    groups = site_groups(workspace, chosen)
    for _ in range(HANDOVER_ROUNDS):
        for part in run_per_site("crawl", crawl_sites, workspace, groups, options, workers=workers,
                                 scheduler=scheduler, progress=progress, pages=lambda part: part.fetched):
            summary.sites.update(part.sites)
            summary.stopped_by = summary.stopped_by or part.stopped_by
        again = hand_over(workspace.db.conn, chosen) if not summary.stopped_by else set()
        groups = [group for group in groups if again & set(group)]
        if not groups:
            break
    summary.sites = {code: summary.sites[code] for code in chosen if code in summary.sites}
    summary.elapsed = time.monotonic() - started
    return summary
