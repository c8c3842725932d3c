"""``govmigrate redirects verify``: every old URL sent to a staging or live server, answers checked.

Each old URL goes to ``--against ADDR:PORT`` with its own Host header (so it works before DNS
moves). A 301 must carry the planned Location, and the target must answer 200; a 410 must show
the 410 page with the URL's suggested and archive links, and both must answer 200; during the
notice period the homepage must show the closure notice. Every target is really fetched, http
and https alike, through the workspace's resolve rules (so a local preview of the parent
platform can stand in for it), an https target's certificate checked with ``--ca-file`` or the
workspace's ``crawl.verify_tls``. URLs the server config could not hold are expected to get
the site's fallback. Requests run in parallel with a bound; every failure is reported and
recorded per site. With an https side (``--against-tls``) each old URL is also asked over TLS,
its certificate checked for the old host.
"""
from __future__ import annotations

import html
import http.client
import json
import random
import socket
import ssl
import threading
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Iterable
from urllib.parse import urlsplit

from site_inventory import resolve as resolve_mod

from ..export.idmap import now
from .notice import NOTICE_TITLE, recorded_notice
from .plan import RedirectError, canonical_or_none, fold_url, site_contexts
from .tls import SNIConnection, TLSError, client_context, target_context

USER_AGENT = "govmigrate-verify/1"
MAX_BODY = 2 * 1024 * 1024
RECORDED_FAILURES = 100


class VerifyUnreachable(Exception):
    """The server to verify against cannot be reached at all."""


@dataclass(frozen=True)
class Expected:
    """What the server should answer for one old URL."""

    site_code: str
    old_url: str
    status: int                  # 301/410, or 200 for the notice
    target: str | None = None    # 301: Location; 200: the link the notice must carry
    archive_url: str | None = None
    suggested_url: str | None = None
    refusable: bool = False      # no server can match it: the server refusing it (400, Apache: 404) is fine too


@dataclass
class Failure:
    site_code: str
    old_url: str
    problem: str


@dataclass
class VerifyReport:
    against: str
    checked: int = 0
    failures: list[Failure] = field(default_factory=list)
    unreachable: int = 0
    sites: dict = field(default_factory=dict)   # site_code -> {"checked": n, "failed": n}

    @property
    def passed(self) -> int:
        return self.checked - len(self.failures)

    @property
    def ok(self) -> bool:
        return not self.failures and self.checked > 0

    def to_dict(self) -> dict:
        return {"against": self.against, "ok": self.ok, "checked": self.checked, "passed": self.passed,
                "failed": len(self.failures), "unreachable": self.unreachable, "sites": self.sites,
                "failures": [f.__dict__ for f in self.failures]}


def parse_against(text: str) -> tuple[str, int]:
    """ADDR:PORT (ADDR may be a name, an IPv4 address or [IPv6])."""
    host, sep, port = text.strip().rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise RedirectError(f"--against {text!r}: expected ADDR:PORT, e.g. 127.0.0.1:8080")
    return host.strip("[]"), int(port)


def probe(address: tuple[str, int], timeout: float) -> None:
    """Fail with :class:`VerifyUnreachable` unless a TCP connection to ``address`` opens."""
    try:
        socket.create_connection(address, timeout=timeout).close()
    except OSError as exc:
        raise VerifyUnreachable(f"cannot reach {address[0]}:{address[1]}: {exc}") from None


class _Fetcher:
    """GET requests with an explicit Host; targets through the resolve rules, cached.

    ``tls_context`` checks the closed sites' own https side (``--against-tls``); ``target_context``
    checks the targets' certificates (the parent platform's), as the crawl would.
    """

    def __init__(self, rules, timeout: float, tls_context=None, target_context=None):
        self.rules, self.timeout, self.tls_context = rules, timeout, tls_context
        self.target_context = target_context or client_context()
        self.cache: dict[str, str | None] = {}
        self.lock = threading.Lock()

    def get(self, address: tuple[str, int], host_header: str, target: str, body: bool, tls: bool = False,
            context=None):
        """(status, Location, body) of one GET; over TLS with the Host's name as SNI when ``tls``."""
        context = context or self.tls_context
        if tls and context is not None:
            name = urlsplit(f"//{host_header}").hostname or ""
            conn = SNIConnection(address, name, context, self.timeout)
        else:
            conn = http.client.HTTPConnection(address[0], address[1], timeout=self.timeout)
        try:
            conn.request("GET", target, headers={"Host": host_header, "User-Agent": USER_AGENT, "Connection": "close"})
            response = conn.getresponse()
            data = response.read(MAX_BODY) if body else b""
            return response.status, response.getheader("Location"), data
        finally:
            conn.close()

    def check_page(self, url: str) -> str | None:
        """None when ``url`` answers 200 (through the resolve rules, https certificate checked), else why not; cached."""
        with self.lock:
            if url in self.cache:
                return self.cache[url]
        problem = self._fetch_problem(url)
        with self.lock:
            self.cache[url] = problem
        return problem

    def _fetch_problem(self, url: str) -> str | None:
        """What is wrong with one target: not http(s), unreachable, a bad certificate, or not 200."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return f"target {url} is not http(s)"
        https = parts.scheme == "https"
        address = resolve_mod.lookup(self.rules, parts.hostname, parts.port or (443 if https else 80))
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            status, location, _ = self.get(address, parts.netloc, target, False, tls=https,
                                           context=self.target_context)
        except ssl.SSLCertVerificationError as exc:
            return f"target {url}: the certificate is not valid for {parts.hostname}: {exc.verify_message}"
        except (OSError, http.client.HTTPException) as exc:
            return f"target {url} unreachable ({address[0]}:{address[1]}): {exc}"
        if status != 200:
            where = f" (Location {location})" if location else ""
            return f"target {url} answers {status}{where}, not 200"
        return None


def check(fetcher: _Fetcher, against: tuple[str, int], expected: Expected) -> str | None:
    """None when the server answers ``expected.old_url`` as planned, else the problem (https URLs over TLS)."""
    parts = urlsplit(expected.old_url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        status, location, body = fetcher.get(against, parts.netloc, target, expected.status != 301,
                                             tls=parts.scheme == "https")
    except ssl.SSLCertVerificationError as exc:
        return f"the certificate is not valid for {parts.hostname}: {exc.verify_message}"
    except OSError as exc:
        return f"unreachable: {exc}"
    if expected.refusable and status in (400, 404):
        return None
    if status != expected.status:
        where = f" (Location {location})" if location else ""
        return f"answers {status}{where}, planned {expected.status}" + (f" to {expected.target}" if expected.target else "")
    if status == 301:
        if location != expected.target:
            return f"Location is {location}, planned {expected.target}"
        return fetcher.check_page(expected.target)
    text = body.decode("utf-8", "replace")
    if status == 200:
        if NOTICE_TITLE not in text or html.escape(expected.target or "") not in text:
            return "the homepage does not show the closure notice with the link to the new site"
        return fetcher.check_page(expected.target)
    links = [url for url in (expected.suggested_url, expected.archive_url) if url]
    for what, url in (("suggested", expected.suggested_url), ("archive", expected.archive_url)):
        if url and html.escape(url) not in text:
            return f"the 410 page does not link the {what} URL {url}"
    return next((problem for problem in map(fetcher.check_page, links) if problem), None)


class _Expectations:
    """The expected answer of every planned row, with the fallback for rows left out of the config."""

    def __init__(self, workspace, codes):
        self.db = workspace.db
        self.sites = {s.code: s for s in site_contexts(workspace, codes)}
        self.notices = {c: recorded_notice(self.db, c) for c in self.sites}
        self.rejected: set[tuple[str, str]] = set()
        marks = ",".join("?" for _ in self.sites)
        for code, url in self.db.execute(f"SELECT site_code, old_url FROM redirect_problems WHERE check_name = "
                                         f"'rejected' AND site_code IN ({marks})", list(self.sites)):
            self.rejected.add((code, url))

    def of(self, row) -> Expected:
        code, old, status, target, kind, archive, suggested, problem = row
        site = self.sites[code]
        notice = self.notices.get(code)
        if not problem and (code, old) in self.rejected:
            holder = self._holder(code, old)
            if holder:
                return replace(self.of(holder), old_url=old)
        if problem or (code, old) in self.rejected:
            home = site.home_url
            fallback = (301, home, None) if site.fallback == 301 else (410, None, home)
            return Expected(code, old, fallback[0], fallback[1], None, fallback[2], refusable=bool(problem))
        if kind == "homepage" and status == 301 and notice and notice.active():
            return Expected(code, old, 200, notice.new_url)
        return Expected(code, old, status, target, archive, suggested)

    def _holder(self, code: str, old: str):
        """The row whose entry a server answers for ``old`` when another URL with its key is in the map."""
        for row in self.db.execute(
                "SELECT h.site_code, h.old_url, h.status, h.target, h.kind, h.archive_url, h.suggested_url, "
                "h.key_problem FROM redirects r JOIN redirects h ON h.site_code = r.site_code AND h.match_key = "
                "r.match_key AND h.old_url != r.old_url WHERE r.site_code = ? AND r.old_url = ?", [code, old]):
            if (code, row[1]) not in self.rejected:
                return row
        return None

    def rows(self, priority: list[str], sample: int | None):
        """Priority URLs first, then every row (or a deterministic sample of ``sample`` rows in all)."""
        marks = ",".join("?" for _ in self.sites)
        columns = "site_code, old_url, status, target, kind, archive_url, suggested_url, key_problem"
        seen: set[tuple[str, str]] = set()
        for url in priority:
            for code, site in self.sites.items():
                folded = fold_url(site, url)
                row = self.db.execute(f"SELECT {columns} FROM redirects WHERE site_code = ? AND old_url = ?",
                                      [code, folded]).fetchone() if folded else None
                if row and (code, folded) not in seen:
                    seen.add((code, folded))
                    yield self.of(row)
        for alias in self._alias_rows():
            yield alias
        cursor = self.db.execute(f"SELECT {columns} FROM redirects WHERE site_code IN ({marks}) "
                                 f"ORDER BY site_code, old_url", list(self.sites))
        rest = (row for row in cursor if (row[0], row[1]) not in seen)
        if sample is None:
            yield from (self.of(row) for row in rest)
            return
        left = max(0, sample - len(seen))
        picked, rng = [], random.Random(0)
        for number, row in enumerate(rest):
            if len(picked) < left:
                picked.append(row)
            elif left and rng.randrange(number + 1) < left:
                picked[rng.randrange(left)] = row
        yield from (self.of(row) for row in picked)

    def _alias_rows(self):
        """The homepage once more on every alias host: each must be served by the site's server."""
        for code, site in self.sites.items():
            row = self.db.execute("SELECT site_code, old_url, status, target, kind, archive_url, suggested_url, "
                                  "key_problem FROM redirects WHERE site_code = ? AND old_url = ?", [code, site.url]).fetchone()
            if not row:
                continue
            expected = self.of(row)
            for host in site.hosts[1:]:
                path = site.url[len(site.origin):]
                yield Expected(code, f"http://{host}{path}", expected.status, expected.target, expected.archive_url,
                               expected.suggested_url, expected.refusable)


def read_priority(path) -> list[str]:
    """Old URLs to check first: one per line (or the first CSV column); '#' starts a comment."""
    urls = []
    with open(path, encoding="utf-8-sig") as handle:
        for line in handle:
            text = line.strip().split(",")[0].strip()
            if text and not text.startswith("#") and canonical_or_none(text):
                urls.append(canonical_or_none(text))
    return urls


def as_https(expected: Expected) -> Expected:
    """The same old URL asked over https: the closed site's server must answer it the same way."""
    return replace(expected, old_url="https://" + expected.old_url.split("://", 1)[1])


def verify(workspace, against: str, codes: Iterable[str] = (), sample: int | None = None, priority=None,
           workers: int = 8, timeout: float = 10.0, record: bool = True, progress: bool = False,
           against_tls: str | None = None, ca_file: str | None = None, insecure: bool = False) -> VerifyReport:
    """Send the old URLs of the closing sites (default: all) to ``against`` and check every answer.

    With ``against_tls`` (ADDR:PORT of the https side) every old URL is asked over https too, the
    old host as SNI name and the certificate checked against it (``ca_file``; ``insecure`` skips it).
    Every target (301 Location, notice link, a 410 page's suggested and archive links) is fetched
    through the resolve rules and must answer 200; an https target's certificate is checked with
    ``ca_file`` when given, else the workspace's ``crawl.verify_tls``.
    """
    address = parse_against(against)
    tls_address = parse_against(against_tls) if against_tls else None
    try:
        context = client_context(ca_file, insecure) if tls_address else None
        targets = target_context((workspace.config.get("crawl") or {}).get("verify_tls", True), ca_file)
    except TLSError as exc:
        raise RedirectError(str(exc)) from None
    expectations = _Expectations(workspace, codes)
    probe(address, timeout)
    if tls_address:
        probe(tls_address, timeout)
    fetcher = _Fetcher(resolve_mod.load_rules(workspace.db), timeout, context, targets)
    report = VerifyReport(against + (f" + https {against_tls}" if against_tls else ""))
    for code in expectations.sites:
        report.sites[code] = {"checked": 0, "failed": 0, "unreachable": 0}
    urls = read_priority(priority) if priority else []
    bar = _bar(progress)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        pending = {}
        for expected in _asked(expectations.rows(urls, sample), tls_address is not None):
            server = tls_address if expected.old_url.startswith("https://") and tls_address else address
            pending[pool.submit(check, fetcher, server, expected)] = expected
            if len(pending) >= workers * 4:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    _count(report, pending.pop(future), future.result(), bar)
        for future in list(pending):
            _count(report, pending.pop(future), future.result(), bar)
    if bar:
        bar.close()
    if record:
        _record(workspace.db, report)
    return report


def _asked(rows, https: bool):
    """Each expected answer as planned, and once more over https when an https side is verified."""
    for expected in rows:
        if not https or not expected.old_url.startswith("https://"):
            yield expected
        if https:
            yield as_https(expected)


def _bar(enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(desc="verify", unit="url", leave=False)


def _count(report: VerifyReport, expected: Expected, problem: str | None, bar) -> None:
    report.checked += 1
    site = report.sites[expected.site_code]
    site["checked"] += 1
    if problem:
        report.failures.append(Failure(expected.site_code, expected.old_url, problem))
        site["failed"] += 1
        if problem.startswith("unreachable"):
            report.unreachable += 1
            site["unreachable"] += 1
    if bar:
        bar.update()


def _record(db, report: VerifyReport) -> None:
    at = now()
    with db.conn:
        for code, counts in report.sites.items():
            failures = [f.__dict__ for f in report.failures if f.site_code == code][:RECORDED_FAILURES]
            db.execute("INSERT INTO redirect_verifications (site_code, against, checked, failed, unreachable, failures, "
                       "verified_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       [code, report.against, counts["checked"], counts["failed"], counts["unreachable"],
                        json.dumps(failures, ensure_ascii=False), at])
