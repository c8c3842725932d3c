"""``govmigrate inventory``: import, list, export and show the sites being consolidated."""
from __future__ import annotations

import unicodedata

import click

from site_inventory.inventory import (
    ACTION_ZH,
    LEVEL_ZH,
    InventoryError,
    UnknownSite,
    export_inventory,
    get_site,
    import_inventory,
    list_sites,
)

from . import USAGE, cli, echo_json, pass_workspace


@cli.group()
def inventory():
    """The sites to consolidate: import a planner's CSV/XLSX sheet, list, show, export."""


def _fail(exc: InventoryError, json_output: bool):
    """Print every error of a bad file and exit with the usage code (nothing was written)."""
    if json_output:
        echo_json({"path": exc.path, "errors": [e.__dict__ for e in exc.errors]})
    else:
        click.echo(str(exc), err=True)
    raise click.exceptions.Exit(USAGE)


@inventory.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the file and show what would change; write nothing.")
@click.option("--json", "json_output", is_flag=True, help="Print the report as JSON.")
@pass_workspace
def import_command(workspace, file, dry_run, json_output):
    """Import sites from FILE (CSV in UTF-8/GBK, or XLSX); re-import updates by site_code.

    \b
    Columns (English or Chinese header): site_code 网站标识码, name 网站名称, url 网址,
    aliases 别名, level 级别, parent_code 上级标识码, action 处置方式, owner 主办单位.
    Any bad row stops the whole import; every error is listed with its row and column.
    """
    try:
        report = import_inventory(workspace, file, dry_run=dry_run)
    except InventoryError as exc:
        _fail(exc, json_output)
    if json_output:
        echo_json(report.to_dict())
        return
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for code in report.added:
        click.echo(f"+ {code}")
    for code in report.updated:
        changes = "; ".join(f"{k}: {old!r} -> {new!r}" for k, (old, new) in report.changes[code].items())
        click.echo(f"~ {code} {changes}")
    summary = f"{len(report.added)} added, {len(report.updated)} updated, {len(report.unchanged)} unchanged"
    click.echo(f"{'Dry run, would be: ' if dry_run else ''}{summary} ({file}, read as {report.encoding})")
    if report.not_in_file:
        click.echo(f"{len(report.not_in_file)} site(s) in the workspace are not in this file and were kept: "
                   + ", ".join(report.not_in_file))
    if dry_run:
        click.echo("Dry run: nothing was written.")


def _width(text: str) -> int:
    """Terminal columns a string takes: wide (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(header: list[str], rows: list[list[str]]) -> str:
    """A plain-text table whose columns line up with Chinese text in a terminal."""
    widths = [max(_width(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(_pad(str(c), w) for c, w in zip(row, widths)).rstrip() for row in [header] + rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


@inventory.command("list")
@click.option("--json", "json_output", is_flag=True, help="Print the sites as JSON.")
@pass_workspace
def list_command(workspace, json_output):
    """List the sites of the inventory."""
    sites = list_sites(workspace)
    if json_output:
        echo_json([s.to_dict() for s in sites])
        return
    if not sites:
        click.echo("The inventory is empty; load it with 'govmigrate inventory import FILE'.")
        return
    rows = [[s.site_code, s.name, f"{s.level} {LEVEL_ZH.get(s.level, '')}", f"{s.action} {ACTION_ZH.get(s.action, '')}",
             s.parent_code or "", s.url] for s in sites]
    click.echo(format_table(["site_code", "name", "level", "action", "parent", "url"], rows))
    click.echo(f"{len(sites)} site(s)")


@inventory.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--chinese", is_flag=True, help="Chinese headers and values (网站标识码, 县级, 迁移 ...).")
@pass_workspace
def export_command(workspace, file, chinese):
    """Write the inventory to FILE: .csv (UTF-8 with BOM, opens in Excel) or .xlsx."""
    try:
        count = export_inventory(workspace, file, chinese=chinese)
    except InventoryError as exc:
        _fail(exc, False)
    click.echo(f"Wrote {count} site(s) to {file}")


@inventory.command("show")
@click.argument("code")
@click.option("--json", "json_output", is_flag=True, help="Print the site as JSON.")
@pass_workspace
def show_command(workspace, code, json_output):
    """Show one site by its site code, with the sites under it."""
    try:
        site = get_site(workspace, code)
    except UnknownSite as exc:
        raise click.UsageError(str(exc)) from None
    children = [s for s in list_sites(workspace) if s.parent_code == site.site_code]
    if json_output:
        echo_json({**site.to_dict(), "children": [c.site_code for c in children]})
        return
    parent = get_site(workspace, site.parent_code).name if site.parent_code else ""
    fields = [
        ("网站标识码 site_code", site.site_code),
        ("网站名称 name", site.name),
        ("网址 url", site.url),
        ("别名 aliases", " ".join(site.aliases)),
        ("级别 level", f"{site.level} ({LEVEL_ZH.get(site.level, '')})"),
        ("上级 parent", f"{site.parent_code} {parent}" if site.parent_code else ""),
        ("处置方式 action", f"{site.action} ({ACTION_ZH.get(site.action, '')})"),
        ("主办单位 owner", site.owner or ""),
        ("下级 children", ", ".join(f"{c.site_code} {c.name}" for c in children)),
    ]
    width = max(_width(label) for label, _ in fields)
    for label, value in fields:
        click.echo(f"{_pad(label, width)}  {value}")
