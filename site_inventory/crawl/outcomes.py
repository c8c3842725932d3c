"""What a fetch's outcome does to the workspace: page row, links, new URLs, the URL's final state.

:class:`OutcomeRecorder` is the storing half of the crawler (crawler.Crawler mixes it in): it runs
on the coordinator, inside the open transaction, for outcomes of this run and for exchanges
replayed from a killed run's WARC alike.
"""
from __future__ import annotations

import time

from . import store, frontier, traps
from .analysis import Analysis, analyze
from .worker import RETRY_STATUSES, Outcome, Task
from .fetch import Response
from .frontier import Claim
from .robots import Robots
from ..urls import Scope, host_of


class OutcomeRecorder:
    """Storing outcomes; expects the crawler's ``conn``, ``opts``, ``sites``, ``seen``, ``limits``."""

    def _store(self, task: Task, outcome: Outcome) -> None:
        """Write one fetch's result; decide fetched / failed / retry."""
        if outcome.warc is not None and outcome.warc[0] == task.site.warc_rel:
            task.site.warc_processed = outcome.warc[3]  # in the tables once the transaction commits
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
        resp = outcome.response
        site.counts["requests"] += 1
        site.counts["bytes"] += len(resp.raw)
        retry = resp.status in RETRY_STATUSES or (resp.truncated and not resp.limited)
        if retry and attempts <= self.opts.retries:
            kind = f"http-{resp.status}" if resp.status in RETRY_STATUSES else "incomplete-body"
            self._failed_attempt(host, site, claim, attempts, kind, _describe(resp), resp.retry_after)
            return
        result = _analysis(resp, claim.via, site.significant)
        stored = store.store_page(self.conn, claim, resp, result, site.run_id, outcome.warc[:3], task.previous)
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

    def _close(self, site, claim: Claim, resp: Response, attempts: int) -> None:
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

    def _discovered(self, site, claim: Claim, result: Analysis) -> None:
        """Links to the links table; new URLs to the frontier (queued, or skipped with a reason)."""
        links, unread = [], 0
        for found in result.found:
            if found.via == "sitemap":
                if site.sitemap_urls >= self.opts.max_pages:
                    unread += 1
                    continue
                site.sitemap_urls += 1
            scoped = found.valid and (in_scope(site.scope, found.url) or (
                claim.via == "robots" and url_host(found.url) in site.scope.hosts))
            if found.via != "pagination":
                links.append((found.url, found.text, found.tag, scoped))
            if not found.valid:
                continue
            depth, chain = claim.depth + 1, 0
            if found.via == "redirect":
                depth, chain = claim.depth, claim.chain + 1
            elif found.via == "sitemap-file":
                depth, chain = claim.depth, claim.chain + 1
            if found.skip:
                self._record_skipped_link(site, found, depth, claim.url, chain)
                continue
            self._add(site, found.url, depth=depth, via=found.via, referrer=claim.url, chain=chain,
                      scoped=scoped, request_url=found.request_url)
        if links:
            store.store_links(self.conn, site.code, claim.url, links)
        if unread:
            store.add_note(self.conn, site.code, claim.url,
                                 f"{unread} sitemap URLs not recorded: the site's limit of "
                                 f"{self.opts.max_pages} URLs from sitemaps (the page cap) was reached")

    def _record_skipped_link(self, site, found, depth: int, referrer: str, chain: int) -> None:
        """A link not to follow (frontier.LINK_REASONS): its URL is recorded as skipped for that reason,
        unless known already (a plain link to it has it fetched, now or when found later)."""
        if frontier.add(self.conn, site.code, found.url, depth=depth, via=found.via, referrer=referrer,
                        chain=chain, state="skipped", reason=found.skip, request_url=found.request_url):
            site.counts["skipped"] += 1

    def _add(self, site, url: str, *, depth: int, via: str, referrer: str | None = None,
             chain: int = 0, scoped: bool | None = None, request_url: str | None = None) -> None:
        if self.seen.known((site.code, url)) or frontier.exists(self.conn, site.code, url):
            return
        if scoped is None:
            scoped = in_scope(site.scope, url) or via == "sitemap-file"
        reason = self._trap_reason(site, url, depth, via, chain, scoped)
        if reason == "out-of-scope":
            self._hand_over(site, url, depth, via, referrer, request_url)
        state = "skipped" if reason else "queued"
        frontier.add(self.conn, site.code, url, depth=depth, via=via, referrer=referrer, chain=chain,
                     state=state, reason=reason, request_url=request_url)
        if reason:
            site.counts["skipped"] += 1
        else:
            self._host(url_host(url), site.code)

    def _hand_over(self, site, url: str, depth: int, via: str, referrer: str | None,
                   request_url: str | None) -> None:
        """A link into another site of this crawl is a discovery for that site (its crawl checks it)."""
        if via not in ("link", "redirect"):
            return
        for other in self.sites.values():
            if other is not site and in_scope(other.scope, url):
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


def _describe(resp: Response) -> str:
    text = f"HTTP {resp.status} {resp.reason}".strip()
    return f"{text}; {resp.error}" if resp.error else text


def _bare_netloc(url: str) -> tuple[str, str] | None:
    """(host, path and query) of a canonical http(s) URL without port or user, else None."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in ("http", "https"):
        return None
    netloc, _, path = rest.partition("/")
    if not netloc or ":" in netloc or "@" in netloc:
        return None
    return netloc, "/" + path


def url_host(url: str) -> str:
    """host_of for a canonical URL, without a full parse in the common case."""
    bare = _bare_netloc(url)
    return bare[0] if bare else host_of(url)


def in_scope(scope: Scope, url: str) -> bool:
    """Scope.contains for a canonical URL, without a full parse in the common case (default port, no
    user: only entries without a port can match, and the path with its query starts with a prefix
    exactly when the path does, prefixes ending in '/')."""
    bare = _bare_netloc(url)
    if bare is None:
        return scope.contains(url)
    host, path = bare
    return any(want_port is None and host == name and path.startswith(prefix)
               for name, want_port, prefix in scope.entries)


def _analysis(resp: Response, via: str, significant) -> Analysis:
    """The reading of a response; a response the reader chokes on is still stored, with a note."""
    try:
        return analyze(resp, via, significant)
    except Exception as exc:
        return Analysis(notes=[f"could not read the response: {exc.__class__.__name__}: {exc}"])
