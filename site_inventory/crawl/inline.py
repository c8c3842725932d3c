"""The crawl of a single host on the coordinator's own thread: no hand-offs between threads.

With one host and one request at a time there is nothing for threads to overlap but the server's
work with ours, and a thread hand-off per page (and the GIL passing back and forth) costs more
than it gains. So the coordinator drives the socket itself, keeping the server busy: the next URL
is claimed while a request is on its way, and as soon as answer N is read, request N+1 goes out;
then N is archived and stored while the server prepares N+1. Politeness is unchanged: one request
in flight (N is read in full before N+1 is sent), the host's delay and backoff honoured (an
answer that calls for a backoff, an error and robots.txt are stored before the next request is
sent), the same claims, outcomes, WARC journal and commits as the threaded loop.
"""
from __future__ import annotations

import time

from .worker import Host, Outcome, Task, archive, internal_error, read, send
from .fetch import Response, Sent

IDLE_WAIT = 0.5
COMMIT_INTERVAL = 0.2  # seconds between commits; what a kill loses is replayed from the WARC


class InlineLoop:
    """The single-host loop; mixed into crawler.Crawler (uses its claims, ``_store`` and ``_commit``)."""

    def _run_inline(self, host: Host, deadline: float | None) -> bool:
        """Crawl ``host`` until it has no work; False when a second host appears (the threaded
        loop takes over, with nothing in flight). Claims are held here, not marked in the frontier."""
        self.held = set()
        try:
            return self._inline_loop(host, deadline)
        finally:
            self.held = None

    def _inline_loop(self, host: Host, deadline: float | None) -> bool:
        flight: tuple[Task, Sent] | None = None  # the request on its way
        ready: Task | None = None  # claimed, to be sent next
        last_commit = time.monotonic()
        while True:
            if deadline and time.monotonic() >= deadline and self.stopped_by is None:
                self.stopped_by = "time-limit"
            alone = len(self.hosts) == 1
            if flight is None:
                if self.stopped_by or not alone:
                    if ready is not None:
                        self._settle(ready, Outcome(cancelled=True))
                    return alone or self.stopped_by is not None
                ready = ready or self._claim_one(host)
                if ready is None:
                    if not host.has_work:
                        return True
                    self._commit()
                    last_commit = time.monotonic()
                    time.sleep(IDLE_WAIT)
                    continue
                flight, ready = self._launch(ready, deadline, wait=True), None
                continue
            if ready is None and not self.stopped_by and alone:
                ready = self._claim_one(host)  # while the server works
            task, sent = flight
            got = self._read(task, sent)
            flight = None
            if ready is not None and isinstance(got, Response) and not task.slot_held and not self.stopped_by:
                flight = self._launch(ready, deadline, wait=False)  # the next request at once
                if flight is not None:
                    ready = None
            self._settle(task, got if isinstance(got, Outcome) else self._archive(task, got))
            if time.monotonic() - last_commit >= COMMIT_INTERVAL:
                self._commit()
                last_commit = time.monotonic()
            self.progress.update(self.sites)

    def _claim_one(self, host: Host) -> Task | None:
        task = self._next_task(host)
        if task is not None:
            host.in_flight += 1
            task.site.in_flight += 1
            self.held.add(task.claim.id)
        return task

    def _settle(self, task: Task, outcome: Outcome) -> None:
        """Store the outcome of a claimed task; its URL is no longer held."""
        try:
            self._store(task, outcome)
        finally:
            self.held.discard(task.claim.id)

    def _launch(self, task: Task, deadline: float | None, wait: bool) -> tuple[Task, Sent] | None:
        """Send the task's request when the host's turn comes: at once or not at all unless ``wait``
        (then committing first, and giving the URL back to the queue at the time limit). None when
        nothing is on its way: not sent, or the failure to send stored."""
        host = task.host
        if not host.slots.acquire(blocking=False):
            raise RuntimeError(f"{host.name}: a request is already on its way")
        task.slot_held = True
        if host.try_turn():
            if not wait:
                task.slot_held = False
                host.slots.release()
                return None
            if not self._wait_turn(host, deadline):
                self._settle(task, Outcome(cancelled=True))
                return None
        sent = send(self.fetcher, task)
        if isinstance(sent, Outcome):
            self._settle(task, sent)
            return None
        return task, sent

    def _wait_turn(self, host: Host, deadline: float | None) -> bool:
        """Wait for the host's turn (delay, backoff), committing first; False at the time limit."""
        if self.conn.in_transaction:
            self._commit()
        while True:
            wait = host.try_turn()
            if not wait:
                return True
            if deadline:
                wait = min(wait, deadline - time.monotonic())
                if wait <= 0:
                    return False
            time.sleep(wait)

    def _read(self, task: Task, sent: Sent) -> Response | Outcome:
        """The answer to the task's request, or its failure; never raises (like a host thread)."""
        try:
            return read(self.fetcher, task, sent)
        except Exception as exc:  # a bug or an unexpected library error must not lose the URL
            return internal_error(exc)

    def _archive(self, task: Task, resp: Response) -> Outcome:
        """Append the exchange to the WARC; the outcome to store."""
        got: list[Outcome] = []
        try:
            archive(task, resp, got.append)
        except Exception as exc:
            if not got:
                got.append(internal_error(exc))
        return got[0]
