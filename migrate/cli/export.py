"""``govmigrate export / rollback / status / receipts import / preview``: the migration package."""
from __future__ import annotations

import functools
import time

import click

from migrate.export.run import ExportError, export, rollback
from migrate.export.newurls import URLTemplateError
from migrate.export.package import PackageError
from migrate.export.preview import PreviewError, PreviewServer, preview
from migrate.export.receipts import ReceiptError, receipts_import
from migrate.export.status import status
from migrate.export.filenames import UnsafePathError
from mappings.target_tree import TreeError

from . import call_with_usage_errors, FAILED_CHECKS, USAGE, cli, echo_json, pass_workspace, progress_enabled

USAGE_ERRORS = (ExportError, URLTemplateError, PackageError, PreviewError, ReceiptError, UnsafePathError, TreeError)


_guard = functools.partial(call_with_usage_errors, USAGE_ERRORS)


@cli.command("export")
@click.argument("codes", nargs=-1, metavar="[CODE]...")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False),
              help="Package folder (default: the folder of the last export).")
@click.option("--dry-run", is_flag=True, help="Only count what would be written; change nothing.")
@click.option("--update", is_flag=True, help="Rewrite every item and file, changed or not.")
@click.option("--limit", type=click.IntRange(min=0), default=None, help="Process at most N items in this run (a trial).")
@click.option("--json", "json_output", is_flag=True, help="Print the report as JSON.")
@pass_workspace
def export_command(workspace, codes, out_dir, dry_run, update, limit, json_output):
    """Write the migration package: per site items.jsonl and attachments/, and manifest.json (last)."""
    report = _guard(export, workspace, codes, out_dir=out_dir, dry_run=dry_run, update=update, limit=limit,
                    progress=progress_enabled(json_output))
    if json_output:
        data = report.to_dict()
        for site in data["sites"]:
            site.pop("written_ids")
        echo_json(data)
    else:
        verb = "would write" if dry_run else "written"
        for s in report.sites:
            if not s.reached:
                click.echo(f"{s.site_code} {s.name}: not reached (--limit)")
                continue
            click.echo(f"{s.site_code} {s.name}: {s.items} items ({s.written} {verb}, {s.unchanged} unchanged, "
                       f"{s.removed} removed), {s.attachments} files ({s.attachments_written} {verb}), "
                       f"{s.skipped} skipped ({s.duplicates} duplicates), {s.failed} failed, "
                       f"{s.attachments_failed} files failed")
        if not dry_run:
            click.echo(f"Package: {report.out_dir}" + (" (manifest written)" if report.manifest_written else " (unchanged)"))
        click.echo("Messages per item (error/warning/notice): table id_map_messages of workspace.db.")
    if report.total("failed") or report.total("attachments_failed"):
        raise click.exceptions.Exit(FAILED_CHECKS)


@cli.command("rollback")
@click.argument("code")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False),
              help="Package folder (default: the folder of the last export).")
@click.option("--json", "json_output", is_flag=True, help="Print what was removed as JSON.")
@pass_workspace
def rollback_command(workspace, code, out_dir, json_output):
    """Remove site CODE's items from the package and from the id map."""
    result = _guard(rollback, workspace, code, out_dir=out_dir)
    if json_output:
        echo_json(result)
    else:
        click.echo(f"{code}: {result['files_removed']} file(s) removed from {result['out_dir'] or '(no package)'}, "
                   f"{result['id_map_rows_removed']} id map row(s) removed")


@cli.command("status")
@click.argument("codes", nargs=-1, metavar="[CODE]...")
@click.option("--json", "json_output", is_flag=True, help="Print the status as JSON.")
@pass_workspace
def status_command(workspace, codes, json_output):
    """Per site: total, exported, needing update, new, skipped, failed, last run."""
    rows = _guard(status, workspace, codes)
    if json_output:
        echo_json([r.to_dict() for r in rows])
        return
    click.echo(f"{'site':<11} {'total':>6} {'exported':>8} {'update':>6} {'new':>5} {'skipped':>7} {'failed':>6} "
               f"{'files':>6}  last run  name")
    for r in rows:
        click.echo(f"{r.site_code:<11} {r.total:>6} {r.exported:>8} {r.needs_update:>6} {r.new:>5} {r.skipped:>7} "
                   f"{r.failed:>6} {r.attachments:>6}  {r.last_run or '-'}  {r.name}")


@cli.group("receipts")
def receipts_group():
    """The parent platform's import receipts (item id -> new URL), which override the URL template."""


@receipts_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "json_output", is_flag=True, help="Print the counts as JSON.")
@pass_workspace
def receipts_import_command(workspace, file, json_output):
    """Read FILE (CSV item_id,new_url or JSON) into the id map; all-or-nothing."""
    report = _guard(receipts_import, workspace, file)
    if json_output:
        echo_json(report.to_dict())
    else:
        click.echo(f"{report.rows} receipt(s): {report.added} added, {report.updated} updated, "
                   f"{report.unchanged} unchanged. Run 'govmigrate export' to update the links in bodies.")


@cli.command("preview")
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for the static site (replaced if it holds an earlier preview).")
@click.option("--package", "package_dir", type=click.Path(file_okay=False, exists=True),
              help="Package folder (default: the folder of the last export).")
@click.option("--serve", "port", type=click.IntRange(0, 65535), default=None,
              help="Then serve it on 127.0.0.1:PORT until Ctrl-C (0: any free port).")
@click.option("--json", "json_output", is_flag=True, help="Print the report as JSON.")
@pass_workspace
def preview_command(workspace, out_dir, package_dir, port, json_output):
    """Render the package as a static site of the parent platform, at the new URLs' paths."""
    report = _guard(preview, workspace, out_dir, package_dir=package_dir)
    if json_output:
        echo_json(report.to_dict())
    else:
        click.echo(f"Preview: {report.out_dir}: {report.items} item page(s), {report.attachments} file(s), "
                   f"{report.columns} column(s), {report.parent_pages} parent page(s)")
        for url in report.unresolved:
            click.echo(f"  no page for {url}", err=True)
    if port is not None:
        with PreviewServer(report.out_dir, port=port) as server:
            click.echo(f"Serving {report.out_dir} at {server.url} (Ctrl-C stops)")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
