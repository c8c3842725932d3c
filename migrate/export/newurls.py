"""New URLs on the parent platform: from the platform's import receipts, else from the URL template.

The template lives in the workspace config (``export.url_template``), e.g.
``{base}/{column_path}/{yyyy}{mm}/t{yyyymmdd}_{item_id}.html``; placeholders: base, column_path,
column_url, target_id, site_code, item_id, yyyy, mm, dd, yyyymmdd. Column pages are
``{base}/{column_path}/`` and attachments ``export.attachment_url_template`` (default below).
When the target tree gives columns their pages on the parent (a tree from ``columns target
--from-site``), ``{column_url}`` is the column's folder path there (``/xwzx/xzdt``), column pages
are the parent's real pages, and the default template puts items in those folders. Every URL is
returned in the crawler's canonical form (Chinese column names percent-encoded as UTF-8), the
form redirects use.
"""
from __future__ import annotations

import re
import string
from urllib.parse import quote, unquote, urlsplit

from mappings.target_tree import TargetTree, TreeError, tree_for_workspace
from site_inventory.urls import URLError, canonicalize

ITEM_FIELDS = ("base", "column_path", "column_url", "target_id", "site_code", "item_id", "yyyy", "mm", "dd",
               "yyyymmdd")
DEFAULT_ITEM_TEMPLATE = "{base}/{column_path}/{yyyy}{mm}/t{yyyymmdd}_{item_id}.html"
COLUMN_URL_TEMPLATE = "{base}{column_url}/{yyyy}{mm}/t{yyyymmdd}_{item_id}.html"
INDEX_FILE = re.compile(r"/(?:index|default|list)\.\w+$", re.IGNORECASE)
ATTACHMENT_FIELDS = ("base", "site_code", "file_name", "sha256")
DEFAULT_ATTACHMENT_TEMPLATE = "{base}/attachments/{site_code}/{file_name}"
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?")


class URLTemplateError(ValueError):
    """The workspace's URL template or base URL cannot produce valid URLs."""


def _check_template(template: str, known: tuple[str, ...], key: str) -> None:
    """Every placeholder is known and the template starts with {base} or an absolute URL."""
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise URLTemplateError(f"export.{key} {template!r}: {exc}") from None
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise URLTemplateError(
            f"export.{key} {template!r}: unknown placeholder(s) {', '.join(unknown)}; known: {', '.join(known)}"
        )


class URLBuilder:
    """Builds item, column and attachment URLs from one workspace's config (and target tree, whose
    columns may say where their pages are on the parent)."""

    def __init__(self, config: dict, tree: TargetTree | None = None):
        export = config.get("export") or {}
        self.base = ((config.get("platform") or {}).get("base_url") or "").rstrip("/")
        if not self.base or urlsplit(self.base).scheme not in ("http", "https"):
            raise URLTemplateError(
                f"platform.base_url in govmigrate.yaml must be the parent platform's http(s) address "
                f"(got {self.base!r}); new URLs are built from it"
            )
        self.pages = column_pages(tree) if tree is not None else {}
        self.item_template = export.get("url_template") or DEFAULT_ITEM_TEMPLATE
        if self.pages and self.item_template == DEFAULT_ITEM_TEMPLATE:
            self.item_template = COLUMN_URL_TEMPLATE
        self.attachment_template = export.get("attachment_url_template") or DEFAULT_ATTACHMENT_TEMPLATE
        _check_template(self.item_template, ITEM_FIELDS, "url_template")
        _check_template(self.attachment_template, ATTACHMENT_FIELDS, "attachment_url_template")

    def _finish(self, url: str, what: str) -> str:
        try:
            out = canonicalize(url)
        except URLError as exc:
            raise URLTemplateError(f"{what}: the template gave {url!r}, not a valid URL ({exc})") from None
        if urlsplit(out).scheme not in ("http", "https"):
            raise URLTemplateError(f"{what}: the template gave {url!r}, not an absolute http(s) URL")
        return out

    def item_url(self, item_id: str, site_code: str, target_id: str | None, target_path: str | None,
                 published: str | None) -> str:
        """The template URL of an item (dates from ``published``; 0000/00/00 when it has none)."""
        yyyy, mm, dd = date_parts(published)
        fields = {
            "base": self.base, "column_path": path_segments(target_path),
            "column_url": self.column_folder(target_path), "target_id": target_id or "",
            "site_code": site_code, "item_id": item_id, "yyyy": yyyy, "mm": mm, "dd": dd,
            "yyyymmdd": yyyy + mm + dd,
        }
        return self._finish(self.item_template.format(**fields), f"item {item_id}")

    def column_url(self, target_path: str | None) -> str:
        """The list page of a target column: its page on the parent when the tree says, else
        ``{base}/{column_path}/`` (the platform home for none)."""
        page = self.parent_page(target_path)
        if page:
            return self._finish(self.base + page, f"column {target_path!r}")
        path = path_segments(target_path)
        return self._finish(f"{self.base}/{path}/" if path else f"{self.base}/", f"column {target_path!r}")

    def parent_page(self, target_path: str | None) -> str | None:
        """The path of the column's page on the parent (a per-site child: a folder under its
        column's folder), or None when the tree does not say."""
        names = [part.strip() for part in (target_path or "").split("/") if part.strip()]
        if not names:
            return None
        page = self.pages.get("/".join(names))
        if page:
            return page
        parent = self.pages.get("/".join(names[:-1])) if len(names) > 1 else None
        if parent and folder_of(parent):
            return f"{folder_of(parent)}/{quote(names[-1], safe='')}/"
        return None

    def column_folder(self, target_path: str | None) -> str:
        """``{column_url}``: the folder of the column's page on the parent (``/xwzx/xzdt``), else
        its path of names (``/信息发布/通知公告``, percent-encoded)."""
        page = self.parent_page(target_path)
        folder = folder_of(page) if page else None
        if folder:
            return folder
        path = path_segments(target_path)
        return f"/{path}" if path else ""

    def attachment_url(self, site_code: str, file_name: str, sha256: str = "") -> str:
        fields = {"base": self.base, "site_code": site_code, "file_name": quote(file_name, safe=""), "sha256": sha256}
        return self._finish(self.attachment_template.format(**fields), f"attachment {file_name!r}")

    def local_path(self, url: str) -> str | None:
        """The decoded path of a URL on the platform (what a static server maps to a file), else None."""
        if not url or not same_site(url, self.base):
            return None
        return unquote(urlsplit(url).path, errors="strict")


def url_builder(workspace) -> URLBuilder:
    """The URL builder of a workspace: its config and its target tree (``mapping.target_tree``)."""
    try:
        tree = tree_for_workspace(workspace)
    except TreeError as exc:
        raise URLTemplateError(str(exc)) from None
    return URLBuilder(workspace.config, tree)


def column_pages(tree: TargetTree) -> dict[str, str]:
    """Path of names ('/'-joined) -> the path (and query) of the column's page on the parent."""
    pages = {}
    for column in tree.columns:
        if column.url:
            parts = urlsplit(column.url)
            pages["/".join(tree.names_path(column.id))] = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return pages


def folder_of(page: str) -> str | None:
    """The folder a column's page stands for, without the trailing '/': ``/a/b/index.html`` and
    ``/a/b/`` give ``/a/b``; a page known only by a query (``/list.asp?classid=6``) gives None."""
    if "?" in page:
        return None
    folder = INDEX_FILE.sub("", page) if INDEX_FILE.search(page) else page
    if not folder.endswith("/"):
        folder = folder.rsplit(".", 1)[0] if "." in folder.rsplit("/", 1)[-1] else folder
    folder = folder.rstrip("/")
    return folder or None


def same_site(url: str, base: str) -> bool:
    """True when ``url`` is on the host (and port) of ``base``."""
    a, b = urlsplit(url), urlsplit(base)
    return (a.hostname or "") == (b.hostname or "") and a.port == b.port


def path_segments(target_path: str | None) -> str:
    """A target path (names joined with '/') as URL path segments, each percent-encoded."""
    return "/".join(quote(part.strip(), safe="") for part in (target_path or "").split("/") if part.strip())


def date_parts(published: str | None) -> tuple[str, str, str]:
    """(yyyy, mm, dd) of an ISO date or datetime, as precise as it is; zeros where it says nothing."""
    match = _DATE.match((published or "").strip())
    if not match:
        return "0000", "00", "00"
    year, month, day = match.groups()
    return year, f"{int(month):02d}" if month else "00", f"{int(day):02d}" if day else "00"
