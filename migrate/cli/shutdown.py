"""``govmigrate shutdown``: the closure checklist, site by site."""
from __future__ import annotations

import click

from migrate.redirects.plan import RedirectError
from migrate.shutdown import shutdown

from . import FAILED_CHECKS, SERVER_UNREACHABLE, USAGE, cli, echo_json, pass_workspace, progress_enabled

MARKS = {"ok": "✓", "failed": "✗", "open": "·", "skipped": "-"}


@cli.command("shutdown")
@click.argument("codes", nargs=-1, metavar="[CODE]...")
@click.option("--all-closing", is_flag=True, help="Every site whose action is migrate or close.")
@click.option("--yes", is_flag=True, help="Run the steps (final crawl, plan and lint, verify on staging, notice) "
              "and record them; without it the checklist is only reported.")
@click.option("--json", "json_output", is_flag=True, help="Print the checklists as JSON.")
@pass_workspace
def shutdown_command(workspace, codes, all_closing, yes, json_output):
    """The closure checklist of sites CODE... or --all-closing.

    Exit code 0 when every automated step of every site is ok, 1 when any failed or is still
    open, 4 when the staging server (redirects.staging) could not be reached, 2 for usage errors.
    """
    try:
        report = shutdown(workspace, codes, all_closing=all_closing, yes=yes, progress=progress_enabled(json_output))
    except RedirectError as exc:
        click.echo(f"Error: {exc}", err=True)
        raise click.exceptions.Exit(USAGE) from None
    if json_output:
        echo_json(report.to_dict())
    else:
        for site in report.sites:
            click.echo(f"{site.site_code} {site.name}: {'ready to close' if site.ready else 'not ready'}")
            for step in site.steps:
                click.echo(f"  {MARKS.get(step.status, '?')} {step.status:<6} {step.label}: {step.detail}")
        if not yes:
            click.echo("Only reported: 'govmigrate shutdown ... --yes' runs the steps and records them.")
    if report.unreachable:
        raise click.exceptions.Exit(SERVER_UNREACHABLE)
    if not report.ready:
        raise click.exceptions.Exit(FAILED_CHECKS)
