"""``govmigrate preview``: the package rendered as a static copy of the parent platform.

Every item and attachment lands at the path of its new URL (so paths on disk mirror URL paths,
Chinese folder names included), every column of the target tree gets a list page
(``index.html``, ``index_1.html`` ... like TRS sites), and the tree is the navigation. Pages of
the parent portal that duplicates point to are rendered too, so every new URL in the id map
leads to a real page: planners browse it, and the redirect verification follows redirects to it.
Any static server can serve the folder; :class:`PreviewServer` is one on loopback.
"""
from __future__ import annotations

import html
import json
import os
import shutil
import threading
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from string import Template

from mappings.target_tree import tree_for_workspace
from site_inventory.bodies import BodyError, page_body

from . import idmap, package
from .filenames import confined
from .newurls import URLBuilder, url_builder

PER_PAGE = 20
MARKER = ".govmigrate-preview"
# Bodies come from untrusted sites: the preview runs no script and embeds no plugin, whatever a
# body still holds. Inline styles are the template's own; images may come from the parent portal.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'none'; object-src 'none'; frame-ancestors 'self'; "
                           "base-uri 'none'; form-action 'none'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data: http: https:")


class PreviewError(Exception):
    """No package to preview, or a destination that is not ours to replace."""


@dataclass
class PreviewReport:
    out_dir: str
    package_dir: str
    items: int = 0
    attachments: int = 0
    columns: int = 0
    parent_pages: int = 0
    elsewhere: list[str] = field(default_factory=list)   # new URLs on another host (from receipts)
    unresolved: list[str] = field(default_factory=list)  # id map URLs on the platform with no page

    def to_dict(self) -> dict:
        return dict(self.__dict__)


class _Site:
    """The static site being written: columns, pages, and the page template."""

    def __init__(self, root: Path, builder: URLBuilder, platform: str, tree):
        self.root, self.builder, self.platform, self.tree = root, builder, platform, tree
        self.template = Template((resources.files("migrate") / "templates" / "preview_page.html").read_text("utf-8"))
        self.columns: dict[str, list] = {}
        for column in tree.columns:
            self.columns.setdefault("/".join(tree.names_path(column.id)), [])
        self.order = {path: number for number, path in enumerate(self.columns)}
        self.base_prefix = builder.column_url(None)  # canonical base with a trailing slash

    def local(self, url: str | None) -> Path | None:
        path = self.builder.local_path(url) if url else None
        if path is None:
            return None
        parts = [p for p in path.split("/") if p]
        file = confined(self.root, *parts)
        return file / "index.html" if path.endswith("/") or not parts else file

    def relative(self, url: str) -> str:
        """A platform URL as a root-relative link, so the preview works on any host and port."""
        return "/" + url[len(self.base_prefix):] if url.startswith(self.base_prefix) else url

    def column_link(self, path: str) -> str:
        return self.relative(self.builder.column_url(path))

    def nav(self) -> str:
        tops = [c for c in self.tree.columns if not c.parent]
        return "".join(f'<a href="{html.escape(self.column_link(c.name))}">{html.escape(c.name)}</a>' for c in tops)

    def tree_key(self, path: str) -> tuple:
        """Tree file order; per-site columns (not in the file) by name under their parent."""
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        return tuple((self.order.get(p, len(self.order)), p) for p in prefixes)

    def tree_html(self) -> str:
        paths = sorted(self.columns, key=self.tree_key)
        out = ["<ul>"]
        for path in paths:
            depth = path.count("/")
            name = path.rsplit("/", 1)[-1]
            out.append(f'<li style="margin-left:{depth * 12}px"><a href="{html.escape(self.column_link(path))}">'
                       f"{html.escape(name)}</a> ({len(self.columns[path])})</li>")
        out.append("</ul>")
        return "".join(out)

    def breadcrumb(self, target_path: str | None) -> str:
        crumbs = ['<a href="/">首页</a>']
        parts = [p for p in (target_path or "").split("/") if p]
        for i in range(len(parts)):
            sub = "/".join(parts[: i + 1])
            crumbs.append(f'<a href="{html.escape(self.column_link(sub))}">{html.escape(parts[i])}</a>')
        return " &gt; ".join(crumbs)

    def write(self, file: Path, title: str, target_path: str | None, content: str, nav_tree: str) -> None:
        page = self.template.substitute(title=html.escape(title), platform=html.escape(self.platform), nav=self.nav(),
                                        tree=nav_tree, breadcrumb=self.breadcrumb(target_path), content=content)
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(page, encoding="utf-8")

    def add_to_column(self, target_path: str | None, published: str | None, title: str, url: str) -> None:
        path = "/".join(p for p in (target_path or "").split("/") if p)
        parts = path.split("/")
        for i in range(1, len(parts)):
            self.columns.setdefault("/".join(parts[:i]), [])
        self.columns.setdefault(path, []).append((published or "", title, self.relative(url)))


def _item_html(site: _Site, item: dict) -> str:
    rows = [("发布时间", item.get("published")), ("来源", item.get("source")), ("作者", item.get("author")),
            ("文号", item.get("doc_number")), ("索引号", item.get("index_number")), ("成文日期", item.get("written_date"))]
    meta = "".join(f"<tr><td>{k}</td><td>{html.escape(str(v))}</td></tr>" for k, v in rows if v)
    body = item.get("body_html") or ""
    base = site.base_prefix
    body = body.replace(f'href="{base}', 'href="/').replace(f'src="{base}', 'src="/')
    files = "".join(
        f'<li><a href="{html.escape(site.relative(a["new_url"]))}">{html.escape(a.get("title") or a["new_url"])}</a></li>'
        for a in item.get("attachments", []) if a.get("new_url") and a.get("role") != "image")
    attachments = f'<h3>附件</h3><ul class="attachments">{files}</ul>' if files else ""
    return (f"<h1>{html.escape(item.get('title') or '')}</h1><table class=\"meta\">{meta}</table>"
            f'<div class="body">{body}</div>{attachments}'
            f'<p class="notice">原网址 (old URL): {html.escape(item.get("source_url") or "")}</p>')


def _column_pages(site: _Site, nav_tree: str) -> int:
    count = 0
    for path, entries in site.columns.items():
        entries.sort(key=lambda e: (e[0], e[1]), reverse=True)
        children = [p for p in site.columns if p.startswith(path + "/") and p.count("/") == path.count("/") + 1]
        sub = "".join(f'<li><a href="{html.escape(site.column_link(c))}">{html.escape(c.rsplit("/", 1)[-1])}</a></li>'
                      for c in sorted(children))
        pages = max(1, -(-len(entries) // PER_PAGE))
        folder = site.local(site.builder.column_url(path)).parent
        for number in range(pages):
            chunk = entries[number * PER_PAGE:(number + 1) * PER_PAGE]
            items = "".join(f'<li><a href="{html.escape(u)}">{html.escape(t)}</a><span>{html.escape(d[:10])}</span></li>'
                            for d, t, u in chunk)
            links = "".join(f'<a href="{"index" if n == 0 else f"index_{n}"}.html">{n + 1}</a>' for n in range(pages))
            name = path.rsplit("/", 1)[-1]
            content = (f"<h1>{html.escape(name)}</h1>" + (f'<ul class="sub">{sub}</ul>' if sub else "")
                       + (f'<ul class="list">{items}</ul>' if items else "<p>本栏目暂无信息。</p>")
                       + (f'<div class="pages">{links}</div>' if pages > 1 else ""))
            file = folder / ("index.html" if number == 0 else f"index_{number}.html")
            site.write(file, name, path, content, nav_tree)
        count += 1
    return count


def _prepare(out: Path) -> Path:
    """A fresh build folder next to ``out``; ``out`` itself must be empty, missing, or an earlier preview."""
    if out.exists() and any(out.iterdir()) and not (out / MARKER).exists():
        raise PreviewError(f"{out} is not empty and is not a govmigrate preview; choose another folder")
    build = out.with_name(f".{out.name}{package.TMP_MARK}{os.getpid()}")
    if build.exists():
        shutil.rmtree(build)
    build.mkdir(parents=True)
    return build


def _swap(build: Path, out: Path) -> None:
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    if out.exists():
        out.rename(old)
    build.rename(out)
    if old.exists():
        shutil.rmtree(old)


def preview(workspace, out_dir, package_dir=None) -> PreviewReport:
    """Render the package (default: the last export's folder) as a static site in ``out_dir``."""
    package_dir = package_dir or idmap.last_out_dir(workspace.db)
    if not package_dir or package.read_manifest(Path(package_dir)) is None:
        raise PreviewError(f"no complete package at {package_dir or '(none exported yet)'}: run 'govmigrate export -o DIR'")
    pkg, out = Path(package_dir).resolve(), Path(out_dir).resolve()
    manifest = package.read_manifest(pkg)
    report = PreviewReport(str(out), str(pkg))
    build = _prepare(out)
    try:
        builder = url_builder(workspace)
        site = _Site(build, builder, (workspace.config.get("platform") or {}).get("name") or "上级平台", tree_for_workspace(workspace))
        items_pass(site, pkg, manifest, report)
        _parent_pages(workspace, site, report)
        nav_tree = site.tree_html()
        items_pass(site, pkg, manifest, report, nav_tree=nav_tree)
        report.columns = _column_pages(site, nav_tree)
        _home(site, nav_tree)
        _check_urls(workspace, site, report)
        (build / MARKER).write_text(json.dumps({"package": str(pkg)}, ensure_ascii=False), encoding="utf-8")
        _swap(build, out)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    return report


def items_pass(site: _Site, pkg: Path, manifest: dict, report: PreviewReport, nav_tree: str | None = None) -> None:
    """First pass (no nav_tree): collect the columns. Second pass: write item pages and copy files."""
    for entry in manifest.get("sites", []):
        items_file = pkg / entry["items_file"]
        with open(items_file, encoding="utf-8") as handle:
            for line in handle:
                item = json.loads(line)
                if nav_tree is None:
                    if site.local(item["new_url"]) is not None:
                        site.add_to_column(item.get("target_path"), item.get("published"), item.get("title") or "",
                                           item["new_url"])
                    continue
                _write_item(site, pkg, item, report, nav_tree)


def _write_item(site: _Site, pkg: Path, item: dict, report: PreviewReport, nav_tree: str) -> None:
    file = site.local(item["new_url"])
    if file is None:
        report.elsewhere.append(item["new_url"])
        return
    for attachment in item.get("attachments", []):
        target = site.local(attachment.get("new_url")) if attachment.get("path") else None
        if target and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            source = confined(pkg, *attachment["path"].split("/"))
            try:
                os.link(source, target)
            except OSError:
                shutil.copyfile(source, target)
            report.attachments += 1
    if item.get("kind") == "file":
        return
    site.write(file, item.get("title") or "", item.get("target_path"), _item_html(site, item), nav_tree)
    report.items += 1


def _parent_pages(workspace, site: _Site, report: PreviewReport) -> None:
    """Pages of the kept parent portal that duplicates map to, at their own URLs."""
    rows = workspace.db.execute(
        "SELECT DISTINCT m.new_url, r.title, r.body_html, r.published, r.source FROM id_map m "
        "JOIN records r ON r.url = m.new_url JOIN sites s ON s.site_code = r.site_code "
        "WHERE m.duplicate_of = m.new_url AND s.action = 'keep'")
    for url, title, body, published, source in rows:
        file = site.local(url)
        if file is None or file.exists():
            continue
        item = {"title": title, "body_html": body, "published": published, "source": source, "source_url": url}
        site.write(file, title or "", None, _item_html(site, item) + '<p class="notice">本平台已有页面 (existing page of '
                   "the parent platform).</p>", "")
        report.parent_pages += 1


def _home(site: _Site, nav_tree: str) -> None:
    latest = sorted((e for entries in site.columns.values() for e in entries), reverse=True)[:PER_PAGE]
    items = "".join(f'<li><a href="{html.escape(u)}">{html.escape(t)}</a><span>{html.escape(d[:10])}</span></li>'
                    for d, t, u in latest)
    site.write(site.root / "index.html", site.platform, None, f'<h1>{html.escape(site.platform)}</h1>'
               f'<h2>最新信息</h2><ul class="list">{items}</ul>', nav_tree)


def _check_urls(workspace, site: _Site, report: PreviewReport) -> None:
    """Every new URL of the id map on the platform leads to a page: column URLs get an empty column page."""
    for (url,) in workspace.db.execute("SELECT DISTINCT new_url FROM id_map WHERE new_url IS NOT NULL ORDER BY new_url"):
        file = site.local(url)
        if file is None or file.exists():
            continue
        if url.endswith("/"):
            path = site.builder.local_path(url).strip("/")
            site.write(file, path.rsplit("/", 1)[-1] or site.platform, path, "<p>本栏目暂无信息。</p>", "")
        elif not _parent_file(workspace, url, file):
            report.unresolved.append(url)


def _parent_file(workspace, url: str, file: Path) -> bool:
    """A file of the kept parent portal (an attachment a duplicate points to), copied from the crawl."""
    cursor = workspace.db.execute(
        "SELECT p.url, p.size, p.warc_file, p.warc_offset, p.warc_length FROM pages p JOIN sites s "
        "ON s.site_code = p.site_code WHERE p.url = ? AND s.action = 'keep' "
        "AND p.status BETWEEN 200 AND 299 AND p.warc_file IS NOT NULL LIMIT 1", [url])
    row = cursor.fetchone()
    if not row:
        return False
    try:
        body = page_body(workspace, dict(zip([d[0] for d in cursor.description], row)))
    except BodyError:
        return False
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_bytes(body)
    return True


class PreviewServer:
    """A threaded static server for a preview folder on loopback (port 0: any free port)."""

    def __init__(self, directory, host: str = "127.0.0.1", port: int = 0):
        handler = partial(_QuietHandler, directory=str(directory))
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> "PreviewServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> "PreviewServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class _QuietHandler(SimpleHTTPRequestHandler):
    def end_headers(self):
        self.send_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def log_message(self, format, *args):  # the CLI prints the address; request lines would drown it
        pass
