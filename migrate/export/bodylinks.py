"""Links inside item bodies, rewritten for the parent platform.

A link to another migrated item points at its new URL, a link to an attachment at the file's new
URL, a link to a dropped page at where the redirect plan sends it (the site's page on the parent
platform, or the archive); links to the kept parent portal and to the outside web stay as they
are, and a link into a closing site that leads nowhere (never crawled, failed, 404) is reported.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from site_inventory.urls import URLError, canonicalize, site_scope, unsafe_link_scheme

LINK_ATTRIBUTES = {"a": "href", "area": "href", "img": "src", "iframe": "src", "embed": "src", "source": "src",
                   "video": "src", "audio": "src", "object": "data"}
SKIPPED_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "#", "about:")
REMOVED_LINK = "unsafe link removed"  # how the extractor's warning about a script-capable link starts


@dataclass
class Target:
    """Where a link goes now. ``how``: item/attachment/page/dropped/duplicate/unmapped/nowhere/kept/outside."""

    url: str | None
    how: str
    note: str = ""


@dataclass
class Rewritten:
    """A body after rewriting, with its messages (level, text) and the canonical links it holds."""

    html: str
    messages: list[tuple[str, str]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


class LinkResolver:
    """Finds the new home of an old URL from the export plan (a table with source_url and new_url)."""

    def __init__(self, db, plan_table: str, sites: list[dict], config: dict, home_urls: dict[str, str],
                 archive_template: str | None = None):
        self.db, self.plan_table = db, plan_table
        self.by_host: dict[str, list] = {}
        for site in sites:
            scope = site_scope(site)
            for host in scope.hosts:
                self.by_host.setdefault(host, []).append((site, scope))
        self.significant = {code: (conf or {}).get("significant_params") for code, conf in (config.get("sites") or {}).items()}
        self.home_urls, self.archive_template = home_urls, archive_template
        self.resolve = functools.lru_cache(maxsize=8192)(self._resolve)
        self.canonical = functools.lru_cache(maxsize=8192)(self._canonical)

    def site_of(self, url: str) -> dict | None:
        """The inventory site whose hosts and path prefix hold ``url`` (canonical), if any."""
        for site, scope in self.by_host.get(urlsplit(url).hostname or "", ()):
            if scope.contains(url):
                return site
        return None

    def _canonical(self, url: str) -> str | None:
        """The canonical form of a link, with the significant parameters of the site it points into."""
        try:
            plain = canonicalize(url)
            site = self.site_of(plain)
            params = self.significant.get(site["site_code"]) if site else None
            return canonicalize(url, significant_params=params) if params is not None else plain
        except (URLError, ValueError):
            return None

    def _plan_row(self, url: str):
        return self.db.execute(
            f"SELECT new_url, status, kind, action, duplicate_of FROM {self.plan_table} WHERE source_url = ? "
            f"ORDER BY kind = 'attachment' DESC LIMIT 1", [url]
        ).fetchone()

    def _dropped_target(self, site_code: str, url: str) -> str | None:
        if self.archive_template:
            return self.archive_template.replace("{url}", url).replace("{site_code}", site_code)
        return self.home_urls.get(site_code)

    def _resolve(self, url: str) -> Target:
        row = self._plan_row(url)
        if row is None:
            page = self.db.execute("SELECT final_url FROM pages WHERE url = ? AND final_url IS NOT NULL "
                                   "AND final_url != url LIMIT 1", [url]).fetchone()
            if page:
                row = self._plan_row(page[0])
        site = self.site_of(url)
        if row is not None:
            new_url, status, kind, action, duplicate_of = row
            if new_url:
                how = "duplicate" if duplicate_of else kind
                return Target(new_url, how)
            if action == "drop" or status == "skipped":
                return Target(self._dropped_target(site["site_code"] if site else "", url), "dropped",
                              f"link to dropped page {url} now points where its redirect goes")
            return Target(None, "nowhere", f"link to {url}: its export failed, left as it was")
        if site is None:
            return Target(None, "outside")
        if site.get("action") == "keep":
            return Target(None, "kept")
        return self._unplanned(url, site)

    def _unplanned(self, url: str, site: dict) -> Target:
        """A link into a closing site that the export has no row for: a structure page, or a dead end."""
        page = self.db.execute("SELECT status, soft_404, kind FROM pages WHERE url = ? LIMIT 1", [url]).fetchone()
        code = site["site_code"]
        if page and page[2] == "attachment" and page[0] and 200 <= page[0] < 300:
            return Target(None, "nowhere", f"link to file {url}, which the extraction did not list as an attachment "
                                           f"of any exported item: not in the package; left as it was")
        if page and page[0] is not None and 200 <= page[0] < 400 and not page[1]:
            return Target(self.home_urls.get(code), "unmapped",
                          f"link to {url} (a page with no mapping) now points to the site's page on the parent platform")
        state = self.db.execute("SELECT state, reason, last_error FROM crawl_urls WHERE site_code = ? AND url = ? LIMIT 1", [code, url]).fetchone()
        if page and page[0]:
            why = f"HTTP {page[0]}" + (" (soft 404)" if page[1] else "")
        elif page and page[1]:
            why = "a soft 404"
        elif state:
            why = f"crawl {state[0]}" + (f": {state[1] or state[2]}" if (state[1] or state[2]) else "")
        else:
            why = "never crawled"
        return Target(None, "nowhere", f"link to {url} goes nowhere ({why}); left as it was")


def _parse(body_html: str):
    return lxml.html.fragment_fromstring(body_html, create_parent="div")


def _serialize(root) -> str:
    out = [root.text or ""]
    out.extend(etree.tostring(child, encoding="unicode", method="html") for child in root)
    return "".join(out)


def rewrite_links(body_html: str, base_url: str, resolver: LinkResolver) -> Rewritten:
    """The body with every link moved to its new home; the original string when nothing changes."""
    if not body_html or not body_html.strip():
        return Rewritten(body_html or "")
    try:
        root = _parse(body_html)
    except (etree.ParserError, ValueError) as exc:
        return Rewritten(body_html, [("warning", f"body HTML could not be parsed, links left as they were ({exc})")])
    result, changed = Rewritten(""), False
    for element in root.iter(*LINK_ATTRIBUTES):
        attribute = LINK_ATTRIBUTES[element.tag]
        raw = (element.get(attribute) or "").strip()
        unsafe = unsafe_link_scheme(raw, image=element.tag == "img") if raw else None
        if unsafe:  # a record extracted before links were screened: never into the package
            del element.attrib[attribute]
            where = f"({unsafe}: in <{element.tag} {attribute}>)"
            result.messages.append(("warning", f"{REMOVED_LINK} from the body {where}: {raw[:80]!r}"))
            changed = True
            continue
        if not raw or raw.lower().startswith(SKIPPED_SCHEMES):
            continue
        try:
            absolute = urljoin(base_url, raw)
        except ValueError:
            result.messages.append(("warning", f"link {raw!r} is not a URL; left as it was"))
            continue
        if urlsplit(absolute).scheme not in ("http", "https"):
            continue
        url = resolver.canonical(absolute)
        if url is None:
            result.messages.append(("warning", f"link {raw!r} is not a valid URL; left as it was"))
            continue
        result.links.append(url)
        target = resolver.resolve(url)
        if target.note:
            result.messages.append(("warning" if target.how == "nowhere" else "notice", target.note))
        if target.url and target.url != raw:
            fragment = urlsplit(absolute).fragment
            element.set(attribute, target.url + (f"#{fragment}" if fragment and target.how in ("item", "page") else ""))
            changed = True
    result.html = _serialize(root) if changed else body_html
    return result


def removed_link_messages(warnings_json: str | None) -> list[tuple[str, str]]:
    """The extractor's warnings about links it removed from a body, as export messages, so the
    id map's message table lists every script-capable link kept out of the package."""
    try:
        warnings = json.loads(warnings_json) if warnings_json else []
    except json.JSONDecodeError:
        return []
    return [("warning", w) for w in warnings if isinstance(w, str) and w.startswith(REMOVED_LINK)] \
        if isinstance(warnings, list) else []
