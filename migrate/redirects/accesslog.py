"""``govmigrate redirects import-log``: old URLs people still request, from nginx/Apache access logs.

Reads the combined log format and Apache's vhost_combined (``%v:%p`` first), plain or gzipped.
The host comes from the vhost field, an absolute request target, or ``--host`` (plain combined
logs name none). Request targets are taken byte for byte (the servers' ``\\xHH`` escapes undone,
GBK bytes kept as ``%XX``) and canonicalised with the site's significant parameters onto the
site's main host. GET/HEAD requests for closing sites add to ``access_log_urls.hits``; other
methods, other hosts and malformed lines are counted and reported, never dropped silently. A
file already imported (same bytes) is not counted twice. All files are read before anything
is written, so a bad file leaves the workspace as it was.
"""
from __future__ import annotations

import gzip
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from site_inventory.urls import URLError, canonicalize

from ..export.idmap import now
from .plan import SiteContext, fold_url, site_contexts

_LINE = re.compile(rb'^(?P<pre>(?:\S+ ){3,4})\[(?P<time>[^\]]*)\] "(?P<request>(?:[^"\\]|\\.)*)" '
                   rb'(?P<status>\d{3}|-) ')
_ESCAPE = re.compile(rb"\\(x[0-9a-fA-F]{2}|.)")
_METHODS = (b"GET", b"HEAD")
EXAMPLES = 5


class LogError(ValueError):
    """A log that cannot be read as asked (no host to put its paths on, unreadable file)."""


@dataclass
class FileResult:
    """What one log file held."""

    file: str
    lines: int = 0
    counted: int = 0
    other_hosts: int = 0
    other_methods: int = 0
    malformed: int = 0
    already_imported: bool = False
    sha256: str | None = None
    malformed_examples: list[str] = field(default_factory=list)


@dataclass
class LogReport:
    files: list[FileResult] = field(default_factory=list)
    urls: int = 0            # distinct URLs counted in this import
    new_urls: int = 0        # of those, not in access_log_urls before

    def to_dict(self) -> dict:
        return {"urls": self.urls, "new_urls": self.new_urls, "files": [f.__dict__ for f in self.files]}


def _unescape(data: bytes) -> bytes:
    """Undo the log's escapes: \\xHH is a byte, \\" and \\\\ are the character."""
    def one(match):
        text = match.group(1)
        return bytes([int(text[1:], 16)]) if len(text) == 3 and text[:1] == b"x" else text
    return _ESCAPE.sub(one, data) if b"\\" in data else data


def _target_text(target: bytes) -> str:
    """A request target as ASCII: bytes outside printable ASCII percent-encoded, as they were."""
    return "".join(chr(b) if 0x21 <= b <= 0x7E else f"%{b:02X}" for b in target)


def _when(text: bytes) -> str | None:
    try:
        return datetime.strptime(text.decode("ascii"), "%d/%b/%Y:%H:%M:%S %z").astimezone(timezone.utc).isoformat()
    except (ValueError, UnicodeDecodeError):
        return None


def _open(path: Path):
    with open(path, "rb") as probe:
        magic = probe.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")


class _Collector:
    """Hits per (site, host, URL) across all files, with first/last seen and the newest status."""

    def __init__(self, sites: list[SiteContext], host: str | None):
        self.sites, self.host = sites, host
        self.by_host = {h: s for s in sites for h in s.hosts}
        self.urls: dict[tuple[str, str, str], list] = {}

    def site_for(self, url: str) -> SiteContext | None:
        host = url.split("/")[2].split(":")[0] if "//" in url else ""
        site = self.by_host.get(host)
        return site if site and site.scope.contains(url) else None

    def line(self, raw: bytes, number: int, result: FileResult, path: Path) -> None:
        match = _LINE.match(raw)
        parts = _unescape(match.group("request")).split(b" ") if match else []
        if not match or len(parts) < 2:
            return self._malformed(raw, number, result)
        method, target = parts[0], b" ".join(parts[1:-1] if len(parts) > 2 and parts[-1].startswith(b"HTTP/") else parts[1:])
        if method not in _METHODS:
            result.other_methods += 1
            return None
        pre = match.group("pre").split()
        url = self._url(target, pre[0].decode("latin-1") if len(pre) == 4 else None, number, path)
        site = self.site_for(url) if url else None
        folded = fold_url(site, url) if site else None
        if url is None:
            return self._malformed(raw, number, result)
        if not folded:
            result.other_hosts += 1
            return None
        result.counted += 1
        status = match.group("status")
        when = _when(match.group("time"))
        key = (site.code, url.split("/")[2].split(":")[0], folded)
        entry = self.urls.setdefault(key, [0, when, when, None])
        entry[0] += 1
        if when and (entry[1] is None or when < entry[1]):
            entry[1] = when
        if when and (entry[2] is None or when >= entry[2]):
            entry[2] = when
            entry[3] = int(status) if status.isdigit() else None
        return None

    def _url(self, target: bytes, vhost: str | None, number: int, path: Path) -> str | None:
        text = _target_text(target)
        if text.lower().startswith(("http://", "https://")):
            absolute = text
        elif text.startswith("/"):
            host = vhost.rsplit(":", 1)[0] if vhost and vhost not in ("-", "_") else self.host
            if not host:
                raise LogError(f"{path}:{number}: the line names no host (plain combined format); give --host HOST, "
                               "the host this log was written for")
            absolute = f"http://{host}{text}"
        else:
            return None
        try:
            return canonicalize(absolute)
        except (URLError, ValueError):
            return None

    @staticmethod
    def _malformed(raw: bytes, number: int, result: FileResult) -> None:
        result.malformed += 1
        if len(result.malformed_examples) < EXAMPLES:
            result.malformed_examples.append(f"line {number}: {raw[:120].decode('utf-8', 'replace').rstrip()}")


def import_logs(workspace, files: Iterable, host: str | None = None) -> LogReport:
    """Count the GET/HEAD requests of the logs per old URL of the closing sites; all files or none."""
    sites = site_contexts(workspace)
    collector = _Collector(sites, host.lower().rstrip(".") if host else None)
    report, digests = LogReport(), []
    for name in files:
        path = Path(name)
        result = FileResult(str(path))
        report.files.append(result)
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            raise LogError(f"{path}: cannot read it ({exc.strerror})") from None
        if digest in digests or workspace.db.execute("SELECT 1 FROM access_log_imports WHERE sha256 = ?",
                                                     [digest]).fetchone():
            result.already_imported = True
            continue
        digests.append(digest)
        try:
            with _open(path) as handle:
                for number, raw in enumerate(handle, start=1):
                    result.lines += 1
                    collector.line(raw.rstrip(b"\r\n"), number, result, path)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise LogError(f"{path}: cannot read it to the end ({exc})") from None
        result.sha256 = digest
    _store(workspace.db, collector, report, [f for f in report.files if not f.already_imported])
    return report


def _store(db, collector: _Collector, report: LogReport, results: list[FileResult]) -> None:
    at = now()
    with db.conn:
        for (code, host, url), (hits, first, last, status) in collector.urls.items():
            old = db.execute("SELECT hits, first_seen, last_seen FROM access_log_urls WHERE host = ? AND url = ?",
                             [host, url]).fetchone()
            report.urls += 1
            if old is None:
                report.new_urls += 1
                db.execute("INSERT INTO access_log_urls (site_code, host, url, hits, first_seen, last_seen, last_status) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?)", [code, host, url, hits, first, last, status])
                continue
            firsts = [t for t in (old[1], first) if t]
            newer = bool(last) and (old[2] is None or last >= old[2])
            db.execute("UPDATE access_log_urls SET hits = hits + ?, first_seen = ?, last_seen = ?, "
                       "last_status = CASE WHEN ? THEN ? ELSE last_status END WHERE host = ? AND url = ?",
                       [hits, min(firsts) if firsts else None, last if newer else old[2], newer, status, host, url])
        for result in results:
            db.execute("INSERT INTO access_log_imports (file, sha256, lines, counted, other_hosts, other_methods, "
                       "malformed, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       [result.file, result.sha256, result.lines, result.counted, result.other_hosts,
                        result.other_methods, result.malformed, at])


def unseen(workspace, codes: Iterable[str] = (), limit: int | None = 50) -> list[dict]:
    """Logged URLs of the sites the crawl never saw, most requested first (planners decide these)."""
    codes = [s.code for s in site_contexts(workspace, codes)]
    marks = ",".join("?" for _ in codes)
    rows = workspace.db.execute(
        f"SELECT a.site_code, a.url, sum(a.hits) AS hits, max(a.last_seen), max(a.last_status) FROM access_log_urls a "
        f"WHERE a.site_code IN ({marks}) AND NOT EXISTS (SELECT 1 FROM pages p WHERE p.url = a.url) "
        f"AND NOT EXISTS (SELECT 1 FROM crawl_urls c WHERE c.site_code = a.site_code AND c.url = a.url) "
        f"GROUP BY a.site_code, a.url ORDER BY hits DESC, a.url" + (" LIMIT ?" if limit else ""),
        [*codes, *([limit] if limit else [])])
    return [{"site_code": c, "url": u, "hits": h, "last_seen": s, "last_status": st} for c, u, h, s, st in rows]
