"""The crawl of a single host on the coordinator's own thread: no hand-offs between threads.

With one host and one request at a time there is nothing for threads to overlap but the server's
work with ours, and a thread hand-off per page (and the GIL passing back and forth) costs more
than it gains. So the coordinator drives the socket itself: it sends request N+1, stores and reads
page N while the server prepares the answer, then reads answer N+1. Politeness is unchanged: one
request in flight (N is read in full before N+1 is sent), the host's delay and backoff honoured
(an answer that calls for a backoff, and robots.txt, are stored before the next request is
sent), the same claims, outcomes, WARC journal and commits as the threaded loop.
"""
from __future__ import annotations

import time

from .crawl_worker import Host, Outcome, Task, internal_error, receive, send

IDLE_WAIT = 0.5
COMMIT_INTERVAL = 0.2  # seconds between commits; what a kill loses is replayed from the WARC


class InlineLoop:
    """The single-host loop; mixed into crawler.Crawler (uses its claims, ``_store`` and ``_commit``)."""

    def _run_inline(self, host: Host, deadline: float | None) -> bool:
        """Crawl ``host`` until it has no work; False when a second host appears (the threaded
        loop takes over, with nothing in flight)."""
        pending: tuple[Task, Outcome] | None = None  # read and archived, not stored yet
        last_commit = time.monotonic()
        while True:
            if deadline and time.monotonic() >= deadline and self.stopped_by is None:
                self.stopped_by = "time-limit"
            if pending is not None and pending[0].slot_held:  # backoff or robots rules first
                self._store(*pending)
                pending = None
            task = None if self.stopped_by or len(self.hosts) > 1 else self._claim_one(host)
            if task is None:
                if pending is not None:
                    self._store(*pending)  # its links may be the next work
                    pending = None
                    continue
                if len(self.hosts) > 1 and not self.stopped_by:
                    return False
                if self.stopped_by or not host.has_work:
                    return True
                self._commit()
                time.sleep(IDLE_WAIT)
                continue
            host.slots.acquire()
            task.slot_held = True
            if host.try_turn():
                pending = self._flush(pending)
                if not self._wait_turn(host, deadline):
                    self._store(task, Outcome(cancelled=True))
                    continue
            sent = send(self.fetcher, task)
            pending = self._flush(pending)  # the server works on the request meanwhile
            if isinstance(sent, Outcome):
                self._store(task, sent)
            else:
                pending = self._read(task, sent)
            if time.monotonic() - last_commit >= COMMIT_INTERVAL:
                self._commit()
                last_commit = time.monotonic()
            self.progress.update(self.sites)

    def _claim_one(self, host: Host) -> Task | None:
        task = self._next_task(host)
        if task is not None:
            host.in_flight += 1
            task.site.in_flight += 1
        return task

    def _flush(self, pending: tuple[Task, Outcome] | None) -> None:
        """Store the outcome read last, if any (returns the new, empty, pending)."""
        if pending is not None:
            self._store(*pending)

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

    def _read(self, task: Task, sent) -> tuple[Task, Outcome]:
        """Read and archive the answer to the task's request; never raises (like a host thread)."""
        got: list[Outcome] = []
        try:
            receive(self.fetcher, task, sent, got.append)
        except Exception as exc:  # a bug or an unexpected library error must not lose the URL
            if not got:
                got.append(internal_error(exc))
        return task, got[0]
