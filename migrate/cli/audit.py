"""``govmigrate audit``: the inspection report planners decide from (site_inventory.audit.run)."""
from __future__ import annotations

import click

from site_inventory.audit.run import AuditError, audit
from site_inventory.audit.formats import FORMATS, default_path, write
from site_inventory.audit.report import ReportError
from site_inventory.audit.rules import VERDICT_LABELS, AuditConfigError
from site_inventory.audit.link_check import SCOPES, check_links

from . import cli, cluster_options, echo_json, pass_workspace, progress_enabled


@cli.command("audit")
@click.argument("codes", nargs=-1, metavar="[CODE]...")
@click.option("--as-of", "as_of", metavar="DATE", help="Audit as of this date (YYYY-MM-DD; default today): reproducible reports.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="html", show_default=True,
              help="html: one self-contained page; xlsx: one sheet per table; csv: a folder of UTF-8-BOM CSVs; json.")
@click.option("-o", "--output", type=click.Path(), help="Where to write (default: reports/audit-DATE.FORMAT in the workspace).")
@click.option("--check-links", "check", type=click.Choice(SCOPES),
              help="First GET the external link targets no crawl fetched: on the inventory's hosts, or all hosts.")
@cluster_options
@click.option("--json", "json_output", is_flag=True, help="Print the verdicts and totals as JSON.")
@pass_workspace
def audit_command(workspace, codes, as_of, fmt, output, check, workers, scheduler, json_output):
    """Audit the sites (default: all) against the inspection rules and write the report.

    \b
    Per site: reachability, homepage freshness, columns (items, newest date, blank, stale by
    kind), broken links, undated items, soft 404s, attachments, reposts, size to migrate;
    every 单项否决 rule and deduction with its threshold and evidence, a verdict and a
    recommendation (planners decide with the inventory's action column).
    Column kinds come from their names; override in govmigrate.yaml:
    audit: {column_kinds: {"<site_code>/<column path or name>": dynamic|notice|policy|other}}
    """
    try:
        if check:
            checked = check_links(workspace, codes, scope=check, progress=progress_enabled(json_output),
                                  workers=workers, scheduler=scheduler)
            click.echo(f"Checked {checked.checked} external link targets, {len(checked.broken)} broken"
                       + (f" ({checked.skipped} on other hosts not checked)" if checked.skipped else ""), err=True)
        result = audit(workspace, codes, as_of=as_of, workers=workers, scheduler=scheduler,
                       progress=progress_enabled(json_output))
        path = write(result, fmt, output or default_path(workspace.path, result, fmt))
    except (AuditError, AuditConfigError, ReportError) as exc:
        raise click.UsageError(str(exc)) from None
    if json_output:
        echo_json({"report": str(path), "format": fmt, "as_of": result.as_of, "totals": result.totals,
                   "warnings": result.warnings,
                   "sites": [{"site_code": s.site_code, "name": s.name, "verdict": s.verdict,
                              "failed_rules": [f.rule for f in s.findings if f.status == "fail"],
                              "recommendation": s.recommendation, "action": s.action} for s in result.sites]})
        return
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    for s in result.sites:
        failed = "、".join(f.label for f in s.findings if f.status == "fail")
        click.echo(f"{s.site_code}  {VERDICT_LABELS[s.verdict]}  {s.name}" + (f"  ({failed})" if failed else ""))
    t = result.totals
    click.echo(f"{t['sites']} sites, {t['sites_failing']} failing; {t['pages']} pages, {t['items']} items, "
               f"{t['attachments']} attachments, {t['broken_links']} broken links (as of {result.as_of})")
    click.echo(f"Report: {path}")
