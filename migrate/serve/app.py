"""The review app: Starlette routes over the workspace, pages rendered by Jinja2 with autoescaping.

Every handler runs on the event loop's thread, one at a time, so the workspace's SQLite
connection is used by one thread only (it is opened there on the first request). Reads come
from ``progress``, ``columns``, ``decisions`` and ``archive``; every form posts to a handler
that checks the CSRF token and calls ``actions``, then sends the browser back (303).
"""
from __future__ import annotations

import getpass
import secrets
from dataclasses import dataclass
from functools import partial
from importlib import resources
from pathlib import Path
from urllib.parse import quote, unquote, urlencode

from jinja2 import Environment, FileSystemLoader
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from mappings.apply import MappingError
from mappings.check import check
from site_inventory.workspace import open_workspace

from ..export.preview import CONTENT_SECURITY_POLICY as PREVIEW_POLICY
from ..export.preview import MARKER as PREVIEW_MARKER
from ..redirects.plan import RedirectError
from ..redirects.verify import VerifyUnreachable
from . import actions, archive, columns, decisions, progress, reviewlog
from .security import ARCHIVE_POLICY, Guard, same

HERE = Path(str(resources.files("migrate.serve")))
RULES = ("rules",)  # results that change when the app writes mapping rules


@dataclass
class Settings:
    """How the app was started: the workspace, who is reviewing, the preview folder, the token."""

    workspace_dir: Path
    user: str = ""
    preview_dir: Path | None = None
    token: str | None = None
    as_of: str | None = None


class Memo:
    """Results kept until the workspace changes: another process's commit (SQLite's
    ``PRAGMA data_version``) or one of the app's own writes of a kind the result depends on."""

    def __init__(self):
        self.writes: dict[str, int] = {}
        self._kept: dict[str, tuple] = {}

    def wrote(self, *kinds: str) -> None:
        for kind in kinds:
            self.writes[kind] = self.writes.get(kind, 0) + 1

    def _key(self, db, depends: tuple) -> tuple:
        return (db.execute("PRAGMA data_version").fetchone()[0],) + tuple(self.writes.get(d, 0) for d in depends)

    def peek(self, db, name: str, depends: tuple = ()):
        kept = self._kept.get(name)
        return kept[1] if kept and kept[0] == self._key(db, depends) else None

    def get(self, db, name: str, compute, depends: tuple = ()):
        key = self._key(db, depends)
        kept = self._kept.get(name)
        if kept is None or kept[0] != key:
            kept = self._kept[name] = (key, compute())
        return kept[1]


class State:
    """What the handlers share: the settings, the workspace (opened on first use), the memo, the CSRF token."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.csrf = secrets.token_urlsafe(32)
        self.memo = Memo()
        self._workspace = None

    @property
    def workspace(self):
        if self._workspace is None:
            self._workspace = open_workspace(self.settings.workspace_dir)
        return self._workspace

    @property
    def preview_dir(self) -> Path | None:
        if self.settings.preview_dir:
            return Path(self.settings.preview_dir)
        default = Path(self.settings.workspace_dir) / "preview"
        return default if (default / PREVIEW_MARKER).exists() else None


def create_app(settings: Settings) -> Guard:
    """The ASGI app for ``settings``, wrapped in the security guard."""
    settings.user = settings.user or getpass.getuser()
    state = State(settings)
    env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=True, trim_blocks=True,
                      lstrip_blocks=True)
    env.globals.update(labels=progress.LABELS, steps=progress.STEPS, filters=decisions.FILTERS)
    env.filters["readable"] = lambda url: unquote(url, errors="replace") if url else url  # 中文 paths as text
    handlers = Handlers(state, env)
    routes = [
        Route("/", handlers.dashboard),
        Route("/site/{code}", handlers.site),
        Route("/site/{code}/mapping", handlers.mapping),
        Route("/site/{code}/mapping", handlers.decide, methods=["POST"]),
        Route("/site/{code}/mapping/bulk", handlers.bulk, methods=["POST"]),
        Route("/site/{code}/mapping/placement", handlers.placement, methods=["POST"]),
        Route("/site/{code}/check", handlers.check_fragment),
        Route("/site/{code}/mapping/apply", handlers.apply, methods=["POST"]),
        Route("/redirects", handlers.redirects),
        Route("/redirects/override", handlers.override, methods=["POST"]),
        Route("/redirects/plan", handlers.replan, methods=["POST"]),
        Route("/redirects/test", handlers.ask_now, methods=["POST"]),
        Route("/undo", handlers.undo, methods=["POST"]),
        Route("/item/{page_id:int}", handlers.item),
        Route("/archive/{page_id:int}", handlers.old_page),
        Route("/preview/{path:path}", handlers.new_page),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(routes=routes)
    app.state.review = state
    return Guard(app, settings.token)


def back_to(path: str, **query) -> RedirectResponse:
    """303 to one of our own pages (never elsewhere), with a message in the query."""
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        path = "/"
    query = {k: v for k, v in query.items() if v not in (None, "")}
    sep = "&" if "?" in path else "?"
    return RedirectResponse(path + (sep + urlencode(query) if query else ""), status_code=303)


class Handlers:
    """The route handlers (async, so they all run on the loop's thread)."""

    def __init__(self, state: State, env: Environment):
        self.state = state
        self.env = env

    @property
    def ws(self):
        return self.state.workspace

    def remember(self, name: str, compute, depends: tuple = ()):
        return self.state.memo.get(self.ws.db, name, compute, depends)

    def audit(self):
        """The audit of every site: it reads only what the crawl and extraction write, never the app."""
        return self.remember("audit", lambda: progress.run_audit(self.ws, self.state.settings.as_of))

    def sites(self):
        return self.remember("progress", lambda: progress.progress(self.ws, progress.verdicts(self.audit())),
                             ("apply", "plan"))

    def check(self):
        """``map check`` of the workspace (all sites), rerun after the rules change."""
        return self.remember("check", lambda: check(self.ws), RULES)

    def render(self, request, name: str, site_code: str | None = None, status: int = 200, **context) -> HTMLResponse:
        db = self.ws.db
        context.update(request=request, csrf=self.state.csrf, user=self.state.settings.user,
                       log=reviewlog.recent(db, site_code), undo=reviewlog.last_undoable(db),
                       message=request.query_params.get("msg", ""), error=request.query_params.get("error", ""),
                       here=request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        return HTMLResponse(self.env.get_template(name).render(**context), status_code=status)

    def site_row(self, code: str) -> dict:
        row = self.ws.db.execute("SELECT * FROM sites WHERE site_code = ?", [code])
        names = [d[0] for d in row.description]
        found = row.fetchone()
        if found is None:
            raise HTTPException(404, f"清单中没有站点 {code}")
        return dict(zip(names, found))

    async def form(self, request) -> dict:
        """The posted form, after the CSRF token and (when sent) the Origin are checked."""
        origin = request.headers.get("origin")
        if origin and origin != f"{request.url.scheme}://{request.headers.get('host', '')}":
            raise HTTPException(403, "来源校验失败（Origin）")
        form = await request.form()
        if not same(form.get("csrf"), self.state.csrf):
            raise HTTPException(403, "CSRF 校验失败：请刷新页面后重试")
        return {key: form.getlist(key) if key == "old_url" else form.get(key) for key in form.keys()}

    async def dashboard(self, request):
        sites = self.sites()
        chosen = {name: request.query_params.get(name, "") for name in progress.FILTERS}
        shown, counts = progress.filtered(sites, chosen)
        return self.render(request, "dashboard.html", sites=shown, total=len(sites), counts=counts, chosen=chosen)

    async def site(self, request):
        code = request.path_params["code"]
        site = self.site_row(code)
        row = next(s for s in self.sites() if s.site_code == code)
        tree = self.remember(f"tree {code}", lambda: progress.source_tree(self.ws.db, code), RULES)
        return self.render(request, "site.html", site_code=code, site=site, progress=row,
                           audit=progress.site_audit(self.audit(), code), tree=tree)

    async def mapping(self, request):
        code = request.path_params["code"]
        site = self.site_row(code)
        rows = self.remember(f"columns {code}", lambda: columns.column_rows(self.ws, site), RULES)
        targets = self.remember("targets", lambda: columns.targets(self.ws))
        checked = self.state.memo.peek(self.ws.db, "check", RULES)
        return self.render(request, "mapping.html", site_code=code, site=site, rows=rows,
                           others=columns.other_rules(self.ws, code), home=columns.home_column(self.ws, site),
                           placement=columns.placement(self.ws, site),
                           targets=targets, check=checked,
                           problems=columns.problems_for(checked, code) if checked else [])

    async def check_fragment(self, request):
        """``map check`` for the mapping page: a part of the page (for its script) or a page of its own."""
        code = request.path_params["code"]
        site = self.site_row(code)
        checked = self.check()
        context = dict(site=site, check=checked, problems=columns.problems_for(checked, code))
        if request.headers.get("x-fragment") == "check":
            return HTMLResponse(self.env.get_template("_check.html").render(**context))
        return self.render(request, "check.html", site_code=code, **context)

    async def decide(self, request):
        code = request.path_params["code"]
        form = await self.form(request)
        key = (form.get("rule_site") or "", form.get("match") or "", form.get("pattern") or "")
        back = f"/site/{code}/mapping"
        try:
            actions.decide(self.ws, self.state.settings.user, code, key, form.get("what") or "", form.get("target_id"))
        except actions.ReviewError as exc:
            return back_to(back, error=str(exc))
        finally:
            self.state.memo.wrote("rules")
        return back_to(back, msg="已保存")

    async def placement(self, request):
        code = request.path_params["code"]
        await self.form(request)
        try:
            actions.accept_placement(self.ws, self.state.settings.user, code)
        except actions.ReviewError as exc:
            return back_to(f"/site/{code}/mapping", error=str(exc))
        finally:
            self.state.memo.wrote("rules")
        return back_to(f"/site/{code}/mapping", msg="已接受站点归属栏目")

    async def bulk(self, request):
        code = request.path_params["code"]
        form = await self.form(request)
        try:
            above = float(form.get("above") or "")
        except ValueError:
            return back_to(f"/site/{code}/mapping", error="阈值应为 0 到 1 之间的数")
        if not 0 <= above <= 1:
            return back_to(f"/site/{code}/mapping", error="阈值应为 0 到 1 之间的数")
        entry = actions.bulk_accept(self.ws, self.state.settings.user, code, above)
        self.state.memo.wrote("rules")
        return back_to(f"/site/{code}/mapping", msg="已批量接受" if entry else "没有达到阈值的待定建议")

    async def apply(self, request):
        code = request.path_params["code"]
        await self.form(request)
        try:
            actions.apply_site(self.ws, self.state.settings.user, code)
        except MappingError as exc:
            return back_to(f"/site/{code}/mapping", error=f"无法应用规则：{exc}")
        finally:
            self.state.memo.wrote("apply")
        return back_to(f"/site/{code}/mapping", msg="已按规则为每个页面分配目标（map apply）")

    async def redirects(self, request):
        params = request.query_params
        code = params.get("site") or None
        site = self.site_row(code) if code else None
        kind = params.get("f", "")
        if kind not in decisions.FILTERS:
            kind = ""
        query = params.get("q", "").strip()
        counted = partial(self.remember, f"redirect counts {code}", lambda: decisions.counts(self.ws.db, code),
                          ("overrides", "plan"))
        result = decisions.page(self.ws.db, code, kind, query, params.get("after"), params.get("before"),
                                counted=counted)
        base = {"site": code or "", "f": kind, "q": query}
        staging = (self.ws.config.get("redirects") or {}).get("staging") or ""
        return self.render(request, "redirects.html", site_code=code, site=site, page=result, kind=kind, query=query,
                           staging=staging,
                           base=base, link=lambda **extra: "/redirects?" + urlencode(
                               {k: v for k, v in {**base, **extra}.items() if v}))

    async def override(self, request):
        form = await self.form(request)
        code, back = form.get("site") or "", form.get("back") or "/redirects"
        status = form.get("status") or ""
        if status not in ("301", "410"):
            return back_to(back, error="状态应为 301 或 410")
        try:
            actions.override(self.ws, self.state.settings.user, code, form.get("old_url") or [], int(status),
                             (form.get("target") or "").strip() or None, (form.get("note") or "").strip() or None)
        except actions.ReviewError as exc:
            return back_to(back, error=str(exc))
        finally:
            self.state.memo.wrote("overrides")
        return back_to(back, msg="已覆盖；下次 redirects plan（或“重新规划”）时生效")

    async def ask_now(self, request):
        """Ask the staging server the chosen old URLs now (``redirects verify``, nothing recorded)."""
        form = await self.form(request)
        code, back = form.get("site") or "", form.get("back") or "/redirects"
        urls, against = form.get("old_url") or [], (form.get("against") or "").strip()
        if not urls or not against:
            return back_to(back, error="请选择旧网址并填写测试服务器（ADDR:PORT）")
        try:
            answers = decisions.ask_now(self.ws, code, urls, against)
        except (RedirectError, VerifyUnreachable) as exc:
            return back_to(back, error=f"无法测试：{exc}")
        wrong = [f"{url}：{problem}" for url, problem in answers.items() if problem]
        if wrong:
            return back_to(back, error=f"{len(wrong)}/{len(answers)} 个旧网址与规划不符（{against}）：" + "；".join(wrong))
        return back_to(back, msg=f"{len(answers)} 个旧网址在 {against} 上都与规划相符")

    async def replan(self, request):
        form = await self.form(request)
        code, back = form.get("site") or "", form.get("back") or "/redirects"
        self.site_row(code)
        try:
            actions.replan(self.ws, self.state.settings.user, code)
        except actions.ReviewError as exc:
            return back_to(back, error=str(exc))
        finally:
            self.state.memo.wrote("plan")
        return back_to(back, msg="已重新规划（redirects plan）")

    async def undo(self, request):
        form = await self.form(request)
        back = form.get("back") or "/"
        try:
            done = actions.undo(self.ws, self.state.settings.user)
        except actions.ReviewError as exc:
            return back_to(back, error=str(exc))
        finally:
            self.state.memo.wrote("rules", "overrides")
        return back_to(back, msg="已撤销上一次修改" if done else "没有可撤销的修改")

    async def item(self, request):
        page_id = request.path_params["page_id"]
        db = self.ws.db
        cursor = db.execute("SELECT r.page_id, r.site_code, r.url, r.title, r.page_type, r.published, m.action, "
                            "m.target_path, i.new_url, i.status FROM records r "
                            "LEFT JOIN item_mappings m ON m.page_id = r.page_id "
                            "LEFT JOIN id_map i ON i.source_url = r.url AND i.page_id = r.page_id "
                            "WHERE r.page_id = ?", [page_id])
        names = [d[0] for d in cursor.description]
        found = cursor.fetchone()
        if found is None:
            raise HTTPException(404, "没有这个页面的抽取记录")
        record = dict(zip(names, found))
        new_file = archive.preview_file(self.state.preview_dir, record["new_url"])
        new_src = "/preview/" + quote(new_file.relative_to(self.state.preview_dir.resolve()).as_posix()) if new_file else None
        return self.render(request, "item.html", site_code=record["site_code"], record=record, new_src=new_src,
                           site=self.site_row(record["site_code"]))

    async def old_page(self, request):
        found = archive.old_page(self.ws, request.path_params["page_id"])
        if found is None:
            raise HTTPException(404, "没有可回放的归档网页")
        body, charset = found
        return Response(body, media_type=f"text/html; charset={charset}",
                        headers={"Content-Security-Policy": ARCHIVE_POLICY})

    async def new_page(self, request):
        root = self.state.preview_dir
        file = archive.confined_file(root, request.path_params["path"]) if root else None
        if file is None:
            raise HTTPException(404, "预览中没有这个页面（先运行 govmigrate export 和 preview）")
        return FileResponse(file, headers={"Content-Security-Policy": PREVIEW_POLICY + "; sandbox"})
