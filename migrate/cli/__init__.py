"""The ``govmigrate`` command line: a thin click layer over the library functions.

Each stage's commands live in a module of this package named for the stage; this module holds
the group, the workspace option, the exit codes and the output helpers they share.
"""
from __future__ import annotations

import functools
import importlib
import json
import sys

import click

from site_inventory.workspace import WorkspaceError, init_workspace, open_workspace
from site_inventory import resolve as resolve_mod

from .exit_codes import FAILED_CHECKS, NO_WORKSPACE, OK, SERVER_UNREACHABLE, USAGE  # noqa: F401

try:
    from importlib.metadata import version as _dist_version

    VERSION = _dist_version("govmigrate")
except Exception:  # not installed as a distribution (running from a checkout)
    VERSION = "0.1.0"

WORKFLOW = """\
Consolidate government websites into the parent platform (政府网站集约化, 关停上移).

\b
The workflow, in order (each stage reads and writes the workspace database,
and every stage can be re-run and resumed):
  1. govmigrate init DIR                 create a workspace (config + workspace.db)
  2. govmigrate inventory import FILE    load the sites (CSV/XLSX) to consolidate
  3. govmigrate crawl --all              crawl every site politely, with a WARC archive
  4. govmigrate extract --all            turn pages into records (title, dates, 文号 ...)
  5. govmigrate audit                    inspection report (blank/stale columns, broken links)
  6. govmigrate map suggest / check / apply   place items in the parent's column tree
  7. govmigrate export -o DIR            the migration package for the parent platform
  8. govmigrate redirects plan / lint / export / stage / verify   keep every old URL working
  9. govmigrate shutdown CODE            the closure checklist, site by site

Review it in a browser (mapping, redirects, old page beside new): govmigrate serve
Try it offline on the built-in sample county: govmigrate demo
"""


class Context:
    """What the group passes to commands: where the workspace is, opened on first use."""

    def __init__(self, workspace_dir):
        self.workspace_dir = workspace_dir
        self._workspace = None

    @property
    def workspace(self):
        if self._workspace is None:
            try:
                self._workspace = open_workspace(self.workspace_dir)
            except WorkspaceError as exc:
                raise WorkspaceMissing(str(exc)) from None
        return self._workspace


class WorkspaceMissing(click.ClickException):
    """No workspace where the command needs one."""

    exit_code = NO_WORKSPACE


def pass_workspace(func):
    """Decorator: call ``func(workspace, ...)`` with the opened workspace of the group."""

    @click.pass_obj
    @functools.wraps(func)
    def wrapper(obj: Context, *args, **kwargs):
        return func(obj.workspace, *args, **kwargs)

    return wrapper


def echo_json(data) -> None:
    """Print machine-readable output: UTF-8 JSON with Chinese kept as characters."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def call_with_usage_errors(errors: tuple, func, *args, **kwargs):
    """Run a library call; the listed exceptions (bad input, unknown site) become exit code 2."""
    try:
        return func(*args, **kwargs)
    except errors as exc:
        click.echo(f"Error: {exc}", err=True)
        raise click.exceptions.Exit(USAGE) from None


def cluster_options(func):
    """Decorator: the --workers/--scheduler pair of every per-site stage (site_inventory.campaign)."""
    func = click.option("--scheduler", metavar="ADDR",
                        help="One task per site on the Dask cluster at ADDR (tcp://127.0.0.1:8786); "
                             "its workers must run on this machine and see the workspace at the same "
                             "path (workspace.db is in WAL mode, which needs shared memory: not NFS).")(func)
    return click.option("--workers", type=click.IntRange(min=1),
                        help="One task per site on a Dask LocalCluster of N processes on this machine.")(func)


def progress_enabled(json_output: bool = False) -> bool:
    """Progress bars only for people watching a terminal, never in --json output."""
    return not json_output and sys.stderr.isatty()


# Each command (or group) -> the module of this package that defines it. Modules are imported
# only when their command runs (or --help lists them), so `govmigrate crawl` does not pay for
# trafilatura, and the list of commands stays in one place.
COMMAND_MODULES = {
    "inventory": "inventory",
    "columns": "columns",
    "map": "mapping",
    "audit": "audit",
    "crawl": "crawl",
    "crawl-report": "crawl",
    "demo": "demo",
    "export": "export",
    "rollback": "export",
    "status": "export",
    "receipts": "export",
    "preview": "export",
    "extract": "extract",
    "extract-page": "extract",
    "redirects": "redirects",
    "serve": "serve",
    "shutdown": "shutdown",
}


class LazyGroup(click.Group):
    """A click group that imports a command's module the first time the command is asked for."""

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(COMMAND_MODULES))

    def get_command(self, ctx, cmd_name):
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            importlib.import_module(f"{__name__}.{COMMAND_MODULES[cmd_name]}")
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, help=WORKFLOW, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(VERSION, prog_name="govmigrate")
@click.option(
    "-w",
    "--workspace",
    "workspace_dir",
    envvar="GOVMIGRATE_WORKSPACE",
    type=click.Path(file_okay=False),
    help="Workspace folder (default: $GOVMIGRATE_WORKSPACE, else the current folder).",
)
@click.pass_context
def cli(ctx, workspace_dir):
    ctx.obj = Context(workspace_dir)


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--platform-name", default="", help="Name of the parent platform, e.g. 某某县人民政府.")
@click.option("--base-url", default="", help="Base URL of the parent platform, e.g. https://www.example.gov.cn.")
@click.option("--contact", default="", help="Contact (email or phone) sent in the crawler's User-Agent.")
@click.option("--resolve", "rules", multiple=True, metavar="HOST:PORT:ADDR[:PORT2]",
              help="Send requests for HOST:PORT to ADDR (like curl --resolve); repeatable.")
@click.option("--force", is_flag=True, help="Rewrite the config of an existing workspace (the database is kept).")
def init(directory, platform_name, base_url, contact, rules, force):
    """Create a workspace in DIRECTORY: govmigrate.yaml and workspace.db."""
    try:
        parsed = [resolve_mod.parse_rule(r) for r in rules]
        ws = init_workspace(directory, platform_name, base_url, contact, force=force)
    except (WorkspaceError, resolve_mod.ResolveError) as exc:
        raise click.UsageError(str(exc)) from None
    resolve_mod.save_rules(ws.db, parsed)
    click.echo(f"Created workspace {ws.path}")
    click.echo(f"  config:   {ws.config_path}")
    click.echo(f"  database: {ws.db_path}")


@cli.command("resolve")
@click.argument("rules", nargs=-1, metavar="[HOST:PORT:ADDR[:PORT2]]...")
@click.option("--replace", is_flag=True, help="Drop the stored rules before adding these.")
@click.option("--json", "json_output", is_flag=True, help="Print the rules as JSON.")
@pass_workspace
def resolve_command(workspace, rules, replace, json_output):
    """Store host resolutions (like curl --resolve) in the workspace, or list them."""
    try:
        parsed = [resolve_mod.parse_rule(r) for r in rules]
    except resolve_mod.ResolveError as exc:
        raise click.UsageError(str(exc)) from None
    if parsed or replace:
        resolve_mod.save_rules(workspace.db, parsed, replace=replace)
    stored = sorted(str(r) for r in resolve_mod.load_rules(workspace.db).values())
    if json_output:
        echo_json(stored)
    else:
        for rule in stored:
            click.echo(rule)


def main():
    """Console-script entry point."""
    cli(prog_name="govmigrate")
