"""``govmigrate demo``: the whole workflow, offline, on the built-in sample county.

:func:`run_demo` runs :data:`STEPS` in order. Each step is one stage of the workflow: a function
taking the shared :class:`Demo` state and returning the lines that say what it did. A stage adds
itself to the demo as one ``Step`` in the list (after the steps it needs); the county server is
stopped by ``run_demo`` itself, whatever happens.
"""
from __future__ import annotations

import contextlib
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from extractors.runner import extract
from mappings.apply import apply
from mappings.check import check
from mappings.report import coverage, format_coverage
from mappings.suggest import suggest
from site_inventory import resolve
from site_inventory.audit.run import audit
from site_inventory.audit.formats import default_path, write
from site_inventory.audit.rules import VERDICT_LABELS
from site_inventory.crawl import crawl, crawl_report
from site_inventory.sample.server import CountyServer
from site_inventory.inventory import import_inventory, list_sites
from site_inventory.audit.link_check import check_links
from site_inventory.sample.county import PLANNER_COLUMN_KINDS, SampleCounty, generate, write_inventory_csv, write_manifest
from site_inventory.workspace import Workspace, init_workspace
from migrate.export.run import export
from migrate.export.package import verify
from migrate.export.preview import PreviewServer, preview

DEFAULT_DIR = "govmigrate-demo"
MARKER = ".govmigrate-demo"  # marks a folder the demo made, so a re-run may replace it
DEFAULT_SEED = 2026
CRAWL_DELAY = 0.02  # seconds between requests to one host: polite in form, quick on loopback
MAP_ACCEPT_ABOVE = 0.8  # the demo accepts mapping suggestions at least this confident


class DemoError(Exception):
    """The demo cannot run where it was asked to (a folder that is not a demo's)."""


@dataclass
class Demo:
    """What the steps share: the folder, the workspace, the county and its running server."""

    directory: Path
    seed: int = DEFAULT_SEED
    port: int = 0
    workspace: Workspace | None = None
    county: SampleCounty | None = None
    server: CountyServer | None = None
    preview_server: PreviewServer | None = None
    services: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)  # e.g. the staging nginx
    results: dict[str, list[str]] = field(default_factory=dict)  # step name -> what it reported

    @property
    def county_dir(self) -> Path:
        """Where the demo keeps the county's own files (inventory CSV, manifest)."""
        return self.directory / "sample-county"


@dataclass(frozen=True)
class Step:
    """One stage of the demo: a name for the results, a title to print, the function."""

    name: str
    title: str
    run: Callable[[Demo], list[str]]


def prepare_directory(directory: Path) -> Path:
    """An empty folder for the demo: new, empty, or an earlier demo's (replaced); never anything else."""
    directory = directory.resolve()
    if directory.exists() and not directory.is_dir():
        raise DemoError(f"{directory} is a file, not a folder; choose another --dir")
    if directory.is_dir() and any(directory.iterdir()):
        if not (directory / MARKER).exists():
            raise DemoError(f"{directory} is not empty and was not made by 'govmigrate demo'; "
                            "choose another --dir (the demo only replaces its own folders)")
        shutil.rmtree(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MARKER).write_text("made by 'govmigrate demo'; a re-run replaces this folder\n", encoding="utf-8")
    return directory


def step_workspace(demo: Demo) -> list[str]:
    """Create the workspace for the county portal as parent platform, with a small crawl delay."""
    demo.workspace = init_workspace(demo.directory, "青溪县人民政府", "http://www.qingxi.example.gov.cn",
                                    contact="govmigrate-demo@example.gov.cn")
    demo.workspace.config["crawl"]["delay"] = CRAWL_DELAY
    demo.workspace.save_config()
    return [f"workspace {demo.workspace.path}", f"config {demo.workspace.config_path} (crawl delay {CRAWL_DELAY}s)"]


def step_county(demo: Demo) -> list[str]:
    """Generate the sample county from the seed and serve it on loopback."""
    demo.county = generate(seed=demo.seed)
    demo.county_dir.mkdir(exist_ok=True)
    write_manifest(demo.county, demo.county_dir / "manifest.json")
    demo.server = CountyServer(demo.county, port=demo.port).start()
    return [f"{len(demo.county.builders)} sites (seed {demo.seed}) served on {demo.server.base_url}",
            f"manifest of what was planted: {demo.county_dir / 'manifest.json'}"]


def step_resolve(demo: Demo) -> list[str]:
    """Send requests for the county's real host names to the loopback server (like curl --resolve)."""
    rules = [resolve.parse_rule(rule) for rule in demo.server.resolve_rules()]
    resolve.save_rules(demo.workspace.db, rules, replace=True)
    return [f"{len(rules)} resolve rules, e.g. {rules[0]}"]


def step_inventory(demo: Demo) -> list[str]:
    """Import the county's inventory CSV, as a planner would."""
    path = write_inventory_csv(demo.county, demo.county_dir / "inventory.csv")
    report = import_inventory(demo.workspace, path)
    lines = [f"{len(report.added)} added, {len(report.updated)} updated, {len(report.unchanged)} unchanged "
             f"from {path}"]
    lines += [f"{s.site_code}  {s.action:<7}  {s.name}  {s.url}" for s in list_sites(demo.workspace)]
    return lines


def step_crawl(demo: Demo) -> list[str]:
    """Crawl every site of the county, the parent portal too, politely, with a WARC per site."""
    summary = crawl(demo.workspace, demo.workspace.site_codes())
    lines = [f"{summary.requests} requests in {summary.elapsed:.1f} s; archives in {demo.workspace.path / 'warc'}"]
    for site in crawl_report(demo.workspace):
        skipped = ", ".join(f"{reason} {n}" for reason, n in sorted(site["skipped"].items())) or "none"
        lines.append(f"{site['site_code']}  {site['fetched']} fetched ({site['attachments']} attachments, "
                     f"{site['soft_404']} soft 404), {site['failed']} failed, {site['broken_links']} broken links;"
                     f" skipped: {skipped}")
    return lines


def step_extract(demo: Demo) -> list[str]:
    """Turn every stored page into a record (title, dates, source, 文号, breadcrumb, attachments)."""
    summary = extract(demo.workspace, all_sites=False, codes=demo.workspace.site_codes())
    types = ", ".join(f"{kind} {n}" for kind, n in sorted(summary.by_type.items()))
    return [f"{summary.extracted} records from {summary.pages} pages in {summary.elapsed:.1f} s ({types}); "
            f"{summary.warnings} with warnings, {summary.crashed} crashed; table records"]


def step_audit(demo: Demo) -> list[str]:
    """The inspection audit as of the county's own date: external links checked, HTML report written.

    The planner's column kinds go into the config first, as a planner would set them before an audit.
    """
    checked = check_links(demo.workspace, scope="inventory")
    demo.workspace.config["audit"]["column_kinds"] = PLANNER_COLUMN_KINDS
    demo.workspace.save_config()
    result = audit(demo.workspace, as_of=demo.county.as_of)
    path = write(result, "html", default_path(demo.workspace.path, result, "html"))
    t = result.totals
    lines = [] if t["items"] else ["no extracted records yet: columns, freshness and reposts need the extract step"]
    lines += [f"{len(PLANNER_COLUMN_KINDS)} column kinds set as a planner would, for columns whose names do not say "
              "it (audit.column_kinds in govmigrate.yaml)",
              f"{checked.checked} external link targets checked ({len(checked.broken)} broken)",
              f"{t['sites']} sites, {t['sites_failing']} failing; {t['blank_columns']} blank and "
              f"{t['stale_columns']} stale columns, {t['broken_links']} broken links, {t['undated_items']} undated "
              f"items, {t['reposts']} items that repeat another site's item (as of {result.as_of})"]
    for site in result.sites:
        failed = "、".join(f.label for f in site.findings if f.status == "fail")
        lines.append(f"{site.site_code}  {VERDICT_LABELS[site.verdict]}  {site.name}" + (f"（{failed}）" if failed else ""))
    return lines + [f"report: {path}"]


def step_map(demo: Demo) -> list[str]:
    """Map the items into the parent's column tree: suggest, accept above 0.8, check, apply."""
    if not demo.workspace.db.execute("SELECT COUNT(*) FROM records").fetchone()[0]:
        return ["nothing to map yet: no extracted records (the crawl and extract steps come first)"]
    suggestions = suggest(demo.workspace, accept_above=MAP_ACCEPT_ABOVE)
    accepted = sum(1 for s in suggestions if s.rule.status == "accepted")
    result = check(demo.workspace)
    report = coverage(demo.workspace, apply(demo.workspace))
    lines = [f"{len(suggestions)} rules suggested, {accepted} accepted (confidence >= {MAP_ACCEPT_ABOVE})",
             f"check: {len(result.errors)} error(s), {len(result.warnings)} warning(s)"
             + (" — columns left for planners: 'govmigrate map export mapping.xlsx'" if result.errors else "")]
    return lines + format_coverage(report)


def step_export(demo: Demo) -> list[str]:
    """Write the migration package: items.jsonl and attachments per site, manifest.json last."""
    if not demo.workspace.db.execute("SELECT COUNT(*) FROM item_mappings").fetchone()[0]:
        return ["nothing to export yet: no mapping decisions (the map step comes first)"]
    out = demo.directory / "package"
    report = export(demo.workspace, out_dir=out)
    lines = [f"{s.site_code}  {s.items} items, {s.attachments} files, {s.failed + s.attachments_failed} failed; "
             f"{s.skipped} other pages not exported (list pages, dropped, {s.duplicates} duplicates)  {s.name}"
             for s in report.sites]
    problems = verify(out)
    rows = demo.workspace.db.execute("SELECT COUNT(*) FROM id_map").fetchone()[0]
    return lines + [f"package {out}: manifest {'verified' if not problems else 'has problems: ' + problems[0]}",
                    f"id map: {rows} old URLs with their new URLs (table id_map; messages in id_map_messages)"]


def step_preview(demo: Demo) -> list[str]:
    """Render the package as a static copy of the parent platform and serve it on loopback."""
    if not (demo.directory / "package" / "manifest.json").exists():
        return ["nothing to preview yet: no package (the export step comes first)"]
    report = preview(demo.workspace, demo.directory / "preview", package_dir=demo.directory / "package")
    demo.preview_server = PreviewServer(report.out_dir).start()
    return [f"{report.items} item pages, {report.columns} column pages, {report.attachments} files in {report.out_dir}",
            f"preview served at {demo.preview_server.url} while the demo runs; later: "
            f"govmigrate -w {demo.directory} preview -o {report.out_dir} --serve 8080"]



def step_redirects(demo: Demo) -> list[str]:
    """Plan a decision for every old URL, lint it, write the nginx config and the planners' CSV."""
    from migrate.redirects.export import export_redirects
    from migrate.redirects.lint import lint
    from migrate.redirects.plan import plan

    sites = plan(demo.workspace)
    checked = lint(demo.workspace)
    folder = demo.directory / "redirects"
    export_redirects(demo.workspace, "csv", folder / "redirects.csv")
    staging, problem = _start_staging(demo, folder)
    nginx = staging.export if staging else export_redirects(demo.workspace, "nginx", folder / "nginx")
    lines = [f"{s.site_code}  {s.urls} old URLs: 301 {s.statuses.get('301', 0)}, 410 {s.statuses.get('410', 0)}  {s.name}"
             for s in sites]
    lines += [f"lint: {checked.errors} error(s), {checked.warnings} warning(s) in {checked.checked} old URLs",
              f"nginx config (maps, one server per site, notice and 410 pages): {nginx.files[0]}, "
              f"{sum(s.entries for s in nginx.sites)} map entries, {nginx.rejected} rejected",
              f"planners' table (UTF-8 with BOM): {folder / 'redirects.csv'}"]
    return lines + ([_verify_on_staging(demo, staging.address)] if staging else [problem])


def _start_staging(demo: Demo, folder: Path):
    """The exported config in a real nginx on loopback for the rest of the demo: (staging, None) or (None, why not)."""
    from migrate.redirects.staging import StagingError, stage

    try:
        return demo.services.enter_context(stage(demo.workspace, folder)), None
    except StagingError as exc:
        return None, f"redirects not verified: {exc}; run the demo again to verify them in nginx"


def _verify_on_staging(demo: Demo, staging: str) -> str:
    """Ask the staging nginx every old URL; the preview stands in for the parent platform's host."""
    from migrate.redirects.plan import RedirectError
    from migrate.redirects.verify import VerifyUnreachable, verify

    if demo.preview_server:
        platform = urlsplit(demo.workspace.config["platform"]["base_url"]).hostname
        rule = f"{platform}:80:127.0.0.1:{demo.preview_server.httpd.server_address[1]}"
        resolve.save_rules(demo.workspace.db, [resolve.parse_rule(rule)])
    try:
        result = verify(demo.workspace, staging)
    except (RedirectError, VerifyUnreachable) as exc:
        return f"redirects not verified: {exc}"
    first = "; ".join(f"{f.old_url}: {f.problem}" for f in result.failures[:2])
    return (f"verified on a staging nginx at {staging} (the preview as the parent platform): "
            f"{result.checked} old URLs asked, {len(result.failures)} wrong" + (f": {first}" if first else ""))


def step_shutdown(demo: Demo) -> list[str]:
    """The closure checklist of every closing site, reported only (no --yes)."""
    from migrate.shutdown import AUTOMATED, shutdown

    report = shutdown(demo.workspace, all_closing=True)
    lines = []
    for site in report.sites:
        steps = {s.step: s for s in site.steps}
        done = [n for n in AUTOMATED if steps[n].status == "ok"]
        todo = [f"{n} ({steps[n].status})" for n in AUTOMATED if steps[n].status != "ok"]
        manual = sum(1 for s in site.steps if s.step not in AUTOMATED)
        lines.append(f"{site.site_code}  {'ready' if site.ready else 'not ready'}: ok {', '.join(done) or '-'}; "
                     f"to do {', '.join(todo) or '-'}; {manual} manual tasks open  {site.name}")
    return lines + [f"full checklist: govmigrate -w {demo.directory} shutdown --all-closing (add --yes to run it)"]

STEPS: list[Step] = [
    Step("workspace", "Create the workspace", step_workspace),
    Step("county", "Generate and serve the sample county", step_county),
    Step("resolve", "Point the county's host names at the server", step_resolve),
    Step("inventory", "Import the inventory", step_inventory),
    Step("crawl", "Crawl every site (politely, archived as WARC)", step_crawl),
    Step("extract", "Extract a record from every page", step_extract),
    Step("audit", "Audit every site against the inspection rules", step_audit),
    Step("map", "Map items into the parent's column tree", step_map),
    Step("export", "Export the migration package", step_export),
    Step("preview", "Preview the package as the parent platform", step_preview),
    Step("redirects", "Plan, lint and export the redirects of every old URL", step_redirects),
    Step("shutdown", "The closure checklist of every closing site", step_shutdown),
]


def run_demo(directory: str | Path | None = None, port: int = 0, seed: int = DEFAULT_SEED,
             keep_serving: bool = False, echo: Callable[[str], None] = print,
             steps: list[Step] | None = None) -> Demo:
    """Run every step of the demo in a fresh folder and say what each did; returns the shared state.

    With ``keep_serving`` the county stays up after the steps until Ctrl-C, so the workspace
    can be explored against it.
    """
    demo = Demo(prepare_directory(Path(directory or DEFAULT_DIR)), seed=seed, port=port)
    steps = STEPS if steps is None else steps
    try:
        for number, step in enumerate(steps, start=1):
            echo(f"[{number}/{len(steps)}] {step.title}")
            demo.results[step.name] = step.run(demo)
            for line in demo.results[step.name]:
                echo(f"      {line}")
        _echo_where(demo, echo, serving=keep_serving and demo.server is not None)
        if keep_serving and demo.server:
            echo(f"Serving the sample county on {demo.server.base_url}; press Ctrl+C to stop.")
            _wait_for_interrupt()
    finally:
        if demo.server:
            demo.server.stop()
        if demo.preview_server:
            demo.preview_server.stop()
        demo.services.close()
        if demo.workspace:
            demo.workspace.close()
    return demo


def _echo_where(demo: Demo, echo: Callable[[str], None], serving: bool) -> None:
    """Tell the user where the results are and how to look at them."""
    folder = demo.directory
    echo("")
    echo(f"Done. Everything is in {folder}")
    echo(f"  govmigrate -w {folder} inventory list")
    echo(f"  datasette {folder / 'workspace.db'}    (browse the database, if datasette is installed)")
    as_of = f" --as-of {demo.county.as_of}" if demo.county else ""
    echo("Review it in a browser (dashboard, mapping, redirects, old page beside new):")
    echo(f"  govmigrate -w {folder} serve{as_of}    then open http://127.0.0.1:8765/")
    if not serving:
        echo("The county server stops now. 'govmigrate demo serve --port N' serves the county again and prints")
        echo(f"the rules to store with 'govmigrate -w {folder} resolve --replace RULE...'.")


def _wait_for_interrupt() -> None:
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
