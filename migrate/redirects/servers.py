"""The server model the nginx and Apache writers share: sites, map entries, rejections, reports.

A closing site as a server sees it (:class:`ServerSite`), its map entries in key order with the
URLs that cannot be written safely left out and recorded (:class:`Rejections`), and the checks on
names and paths that go into a config.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Iterable, Iterator

from ..export.idmap import now
from .lint import HOST_NAME, allowed, safe_url
from .matchkeys import key_bytes
from .notice import Notice, notice_days, notice_for
from .plan import SiteContext, site_contexts


class RedirectExportError(Exception):
    """The export cannot be written as asked (bad format, listen address, folder, notice period)."""


@dataclass
class Entry:
    """One map entry: the server key (bytes) and the decision for it."""

    key: bytes
    old_url: str
    status: int
    target: str | None
    kind: str
    archive_url: str | None
    suggested_url: str | None


@dataclass
class ExportedSite:
    """What the export wrote for one site."""

    site_code: str
    entries: int = 0
    same_as_fallback: int = 0
    rejected: int = 0
    notice_until: str | None = None
    hosts: list[str] = field(default_factory=list)


@dataclass
class ExportReport:
    format: str
    path: str
    files: list[str] = field(default_factory=list)
    sites: list[ExportedSite] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return sum(s.rejected for s in self.sites)

    def to_dict(self) -> dict:
        return {"format": self.format, "path": self.path, "files": self.files, "rejected": self.rejected,
                "sites": [s.__dict__ for s in self.sites]}


@dataclass
class ServerSite:
    """A closing site as a server config sees it: names, fallback, notice, and a safe variable suffix."""

    context: SiteContext
    suffix: str
    server_names: list[str]
    notice: Notice | None
    result: ExportedSite

    @property
    def code(self) -> str:
        return self.context.code

    def fallback_entry(self) -> tuple[int, str | None, str | None]:
        """(status, target, suggested) the server answers for anything not in the map."""
        home = self.context.home_url
        return (301, home, None) if self.context.fallback == 301 else (410, None, home)

    def same_as_fallback(self, entry: Entry) -> bool:
        status, target, suggested = self.fallback_entry()
        if entry.kind == "homepage" and self.notice_active():
            return False
        if entry.status != status:
            return False
        if status == 301:
            return entry.target == target
        return not entry.archive_url and entry.suggested_url == suggested

    def notice_active(self) -> bool:
        return bool(self.notice and self.notice.active())


def server_sites(workspace, codes: Iterable[str] = (), notices: bool = True, today: date | None = None) -> list[ServerSite]:
    """The closing sites with their server names and notice (recorded now when new, if ``notices``)."""
    if notices:
        notice_days(workspace.config)
    out = []
    for index, context in enumerate(site_contexts(workspace, codes), start=1):
        context.names = [n for (n,) in workspace.db.execute(
            "SELECT name FROM redirect_params WHERE site_code = ? ORDER BY name", [context.code])]
        suffix = context.code if context.code.isalnum() and context.code.isascii() else f"site{index}"
        names = list(dict.fromkeys(h.split(":")[0] for h in context.hosts))
        notice = notice_for(workspace, context.code, context.home_url, today) if notices else None
        result = ExportedSite(context.code, hosts=names,
                              notice_until=notice.ends_on.isoformat() if notice and notice.active(today) else None)
        out.append(ServerSite(context, suffix, names, notice, result))
    return out


class Rejections:
    """Records entries left out of a server config, replacing the sites' earlier rejections."""

    def __init__(self, db, codes: list[str]):
        self.db, self.at, self.batch = db, now(), []
        marks = ",".join("?" for _ in codes)
        with db.conn:
            db.execute(f"DELETE FROM redirect_problems WHERE check_name = 'rejected' AND site_code IN ({marks})", codes)

    def add(self, site: ServerSite, old_url: str, why: str, differs: bool) -> None:
        site.result.rejected += 1
        tail = "the fallback answers it instead" if differs else "the fallback answers it the same way"
        self.batch.append((site.code, old_url, "rejected", "error" if differs else "warning",
                           f"left out of the server config: {why}; {tail}", self.at))
        if len(self.batch) >= 5000:
            self.flush()

    def flush(self) -> None:
        if self.batch:
            with self.db.conn:
                self.db.conn.executemany("INSERT INTO redirect_problems (site_code, old_url, check_name, level, "
                                         "message, found_at) VALUES (?, ?, ?, ?, ?, ?)", self.batch)
            self.batch = []


def entries(db, site: ServerSite, rejections: Rejections, key_ok, hosts: list[str]) -> Iterator[Entry]:
    """The site's map entries, one per server key, in key order; rejections recorded on the way.

    Of several old URLs with one key the first crawled, shortest URL wins (``/a/b`` over ``/a%2Fb``).
    ``key_ok(bytes)`` rejects keys a given server cannot hold (returns why, or None); targets and
    suggested links must be safe URLs on the allowlisted ``hosts`` (lint says so first; this makes sure).
    """
    rows = db.execute("SELECT old_url, match_key, key_problem, status, target, kind, archive_url, suggested_url "
                      "FROM redirects WHERE site_code = ? ORDER BY match_key IS NULL, match_key, "
                      "instr(coalesce(source, ''), 'crawl') = 0, length(old_url), old_url", [site.code])
    last_key, holder = None, None
    for old, key, problem, status, target, kind, archive, suggested in rows:
        entry = Entry(b"", old, status, target, kind, archive, suggested)
        differs = not site.same_as_fallback(entry)
        if key is None:
            rejections.add(site, old, problem or "no server key", differs)
            continue
        if key == last_key:
            rejections.add(site, old, f"a server sees it as {holder}, which is already in the map", differs)
            continue
        entry.key = key_bytes(key)
        why = key_ok(entry.key) or _unsafe_links(entry, hosts)
        if why:
            rejections.add(site, old, why, differs)
            continue
        last_key, holder = key, old
        if not differs:
            site.result.same_as_fallback += 1
            continue
        site.result.entries += 1
        yield entry


def _unsafe_links(entry: Entry, hosts: list[str]) -> str | None:
    for what, url in (("target", entry.target), ("archive link", entry.archive_url),
                      ("suggested link", entry.suggested_url)):
        if url and not safe_url(url):
            return f"its {what} {url!r} is not a safe absolute http(s) URL"
        if url and what != "archive link" and not allowed(url, hosts):
            return f"its {what} {url} is on a host outside the allowlist"
    if entry.status == 301 and not entry.target:
        return "301 without a target"
    return None


def check_names(site: ServerSite) -> None:
    for name in site.server_names:
        if not HOST_NAME.match(name):
            raise RedirectExportError(f"site {site.code}: host {name!r} cannot be a server name (govmigrate redirects lint)")


def check_config_path(path: str, what: str = "pages folder") -> str:
    """A file or folder path that can be written into a server config as it is."""
    if any(ch in path for ch in '"\\$;{}\'') or any(ord(ch) < 0x20 for ch in path) or " " in path:
        raise RedirectExportError(f"{what} {path!r}: use a path without spaces, quotes, $, ;, braces or "
                                  "backslashes (it goes into the server config)")
    return path


def check_pages_root(path: str) -> str:
    """The pages folder as the server config names it."""
    return check_config_path(path)
