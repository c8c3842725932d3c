"""The fetching side of the crawl: one long-lived thread per host (``per_host`` of them when more
requests at a time are allowed) that waits for the host's turn, fetches, archives, reports.

:class:`Host` is the pacing of one host shared between the coordinator and its threads. The
coordinator hands claimed URLs to a host through ``Host.tasks``; :func:`host_loop` fetches each
one, appends the exchange to the site's WARC at once (the WARC is the crawl's journal: a response
read before a kill is replayed from it, never fetched again) and queues the :class:`Outcome` for
the coordinator, which reads and stores it while the host's next request is already on its way.
"""
from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from . import warc
from .fetch import FetchError, Fetcher, Response, Sent
from .frontier import Claim
from .robots import Robots
from ..urls import URLError, canonicalize

RETRY_STATUSES = (429, 500, 502, 503, 504)
ROBOTS_REDIRECTS = 5
THREAD_STACK = 512 * 1024  # host threads run no deep recursion; many hosts mean many threads


@dataclass
class Host:
    """Pacing, robots rules and task queue of one host.

    ``slots`` allows ``per_host`` requests at once; a thread takes a slot, then its turn (no
    sooner than ``delay`` after the previous start, or after a backoff), and gives the slot back
    when the answer is read, or leaves that to the coordinator when the answer calls for a
    backoff first (429, 5xx, errors) or is robots.txt.
    """

    name: str
    sites: list[str]
    per_host: int = 1
    robots: Robots | None = None
    delay: float = 0.0
    next_time: float = 0.0
    in_flight: int = 0  # tasks handed to the host's threads and not stored yet (coordinator only)
    has_work: bool = True
    last_start: float = 0.0
    slots: threading.Semaphore = field(default=None, repr=False)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    tasks: queue.SimpleQueue = field(default_factory=queue.SimpleQueue, repr=False)
    threads: list = field(default_factory=list, repr=False)

    def __post_init__(self):
        self.slots = threading.Semaphore(self.per_host)

    def turn(self, stop: threading.Event) -> bool:
        """Wait for this host's next turn (slot taken); False when the crawl stops meanwhile."""
        while True:
            wait = self.try_turn()
            if not wait:
                return True
            if stop.wait(wait):
                return False

    def try_turn(self) -> float:
        """Take the host's turn if it has come (0.0), else the seconds until it comes."""
        with self.lock:
            now = time.monotonic()
            if now >= self.next_time:  # the gap counts from when the request really starts
                self.next_time = now + self.delay
                self.last_start = now
                return 0.0
            return self.next_time - now

    def finished(self) -> None:
        """A request of this host has ended: the delay also counts from its end (Crawl-delay is the
        pause between one download's end and the next one's start)."""
        with self.lock:
            self.next_time = max(self.next_time, time.monotonic() + self.delay)

    def hold_off(self, until: float) -> None:
        """No request before ``until`` (backoff, Retry-After)."""
        with self.lock:
            self.next_time = max(self.next_time, until)

    def set_delay(self, delay: float) -> None:
        """A new delay (robots Crawl-delay) counts from the last request's start."""
        with self.lock:
            self.delay = delay
            self.next_time = max(self.next_time, self.last_start + delay)

    def hand(self, task: "Task", fetcher: Fetcher, events: queue.SimpleQueue, stop: threading.Event) -> None:
        """Queue a task for this host's threads (started on first use)."""
        if not self.threads:
            old = threading.stack_size(THREAD_STACK)
            try:
                for i in range(self.per_host):
                    thread = threading.Thread(target=host_loop, args=(self, fetcher, events, stop),
                                              name=f"crawl-{self.name}-{i}", daemon=True)
                    thread.start()
                    self.threads.append(thread)
            finally:
                threading.stack_size(old)
        self.tasks.put(task)

    def close(self) -> None:
        """End the host's threads (after the tasks already queued)."""
        for _ in self.threads:
            self.tasks.put(None)
        for thread in self.threads:
            thread.join()
        self.threads = []


@dataclass
class Task:
    claim: Claim
    site: Any  # the crawler's per-site state
    headers: dict
    host: Host
    slot_held: bool = False
    previous: tuple | None = None  # (etag, last_modified, sha256, status) of the stored page, if any


@dataclass
class Outcome:
    response: Response | None = None
    error: FetchError | None = None
    warc: tuple | None = None  # (WARC file relative path, offset, length, end) of the response record
    cancelled: bool = False  # the crawl stopped before the host's turn came


def host_loop(host: Host, fetcher: Fetcher, events: queue.SimpleQueue, stop: threading.Event) -> None:
    """A host thread: do the host's tasks one after the other until handed None."""
    while True:
        task = host.tasks.get()
        if task is None:
            return
        work(fetcher, task, events, stop)


def work(fetcher: Fetcher, task: Task, events: queue.SimpleQueue, stop: threading.Event) -> None:
    """Wait for the host's turn, fetch one URL, archive the exchange, report the outcome.

    A plain answer frees the host's slot at once, so the next request goes out while this one is
    read and stored; errors, 429/5xx and robots.txt keep it until the coordinator has set the
    backoff or the robots rules. Never raises: a failure is part of the outcome.
    """
    host = task.host

    def report(outcome: Outcome) -> None:
        events.put((task, outcome))

    try:
        host.slots.acquire()
        task.slot_held = True
        if stop.is_set() or not host.turn(stop):
            report(Outcome(cancelled=True))
            return
        sent = send(fetcher, task)
        if isinstance(sent, Outcome):
            report(sent)
        else:
            receive(fetcher, task, sent, report)
    except BaseException as exc:  # a bug or an unexpected library error must not lose the URL
        report(internal_error(exc))


def internal_error(exc: BaseException) -> Outcome:
    return Outcome(error=FetchError("internal", f"{exc.__class__.__name__}: {exc}"))


def send(fetcher: Fetcher, task: Task) -> Sent | Outcome:
    """Send the task's request (its host's slot and turn taken); the error outcome when it cannot go."""
    try:
        return fetcher.send(task.claim.request_url, task.headers)
    except FetchError as exc:
        task.host.finished()
        return Outcome(error=exc)


def receive(fetcher: Fetcher, task: Task, sent: Sent, report: Callable[[Outcome], None]) -> None:
    """Read the answer to a sent request, archive it and ``report`` the outcome (see read, archive)."""
    got = read(fetcher, task, sent)
    if isinstance(got, Outcome):
        report(got)
    else:
        archive(task, got, report)


def read(fetcher: Fetcher, task: Task, sent: Sent) -> Response | Outcome:
    """Read the answer to a sent request (robots.txt: through its redirects), the error outcome when
    none came. A plain answer frees the host's slot: the host may be asked again at once."""
    host = task.host
    try:
        resp = fetcher.receive(sent)
        if task.claim.via == "robots":
            resp = follow_robots_redirects(fetcher, resp)
    except FetchError as exc:
        host.finished()
        return Outcome(error=exc)
    host.finished()
    if task.claim.via != "robots" and resp.status not in RETRY_STATUSES and not resp.truncated:
        task.slot_held = False
        host.slots.release()
    return resp


def archive(task: Task, resp: Response, report: Callable[[Outcome], None]) -> None:
    """Append the exchange to the site's WARC and ``report`` its outcome (under the WARC's lock: in
    file order)."""
    site = task.site
    site.warc.append(warc.records(resp), written=lambda offset, length, end: report(
        Outcome(response=resp, warc=(site.warc_rel, offset, length, end))))


def follow_robots_redirects(fetcher: Fetcher, resp: Response) -> Response:
    """robots.txt behind a redirect (http -> https, www): follow up to five hops (RFC 9309 2.3.1.2)."""
    for _ in range(ROBOTS_REDIRECTS):
        location = resp.header("Location") if 300 <= resp.status < 400 else None
        if not location:
            break
        try:
            resp = fetcher.get(canonicalize(location, base=resp.url))
        except URLError:
            break
    return resp


def drain(events: queue.SimpleQueue, timeout: float) -> list:
    """Wait up to ``timeout`` for one worker event, then take every event already waiting."""
    try:
        batch = [events.get(timeout=max(timeout, 0.001))]
    except queue.Empty:
        return []
    while True:
        try:
            batch.append(events.get_nowait())
        except queue.Empty:
            return batch
