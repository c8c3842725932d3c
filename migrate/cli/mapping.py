"""``govmigrate map``: suggest, accept, export/import, check, apply and report the column mapping."""
from __future__ import annotations

import click

from mappings.apply import MappingError, apply
from mappings.check import check, format_check
from mappings.placement import format_placement, load_placements
from mappings.report import coverage, format_coverage
from mappings.rules import RuleError, export_rules, import_rules
from mappings.suggest import accept, suggest
from mappings.synonyms import SynonymsError
from mappings.target_tree import TreeError

from . import FAILED_CHECKS, USAGE, cli, echo_json, pass_workspace, progress_enabled


class CheckFailed(click.ClickException):
    exit_code = FAILED_CHECKS


def _guard(func, *args, **kwargs):
    """Run a library call, turning bad tree/synonym/rule files into clear usage errors."""
    try:
        return func(*args, **kwargs)
    except (TreeError, SynonymsError, RuleError) as exc:
        click.echo(str(exc), err=True)
        raise click.exceptions.Exit(USAGE) from None
    except MappingError as exc:
        raise CheckFailed(str(exc)) from None


@cli.group("map")
def map_group():
    """Place every item of the old sites in the parent's column tree (mapping rules)."""


@map_group.command("suggest")
@click.option("--accept-above", type=click.FloatRange(0, 1), default=None,
              help="Also accept the suggestions with at least this confidence.")
@click.option("--site", "codes", multiple=True, metavar="CODE", help="Only these sites (repeatable).")
@click.option("--json", "json_output", is_flag=True, help="Print the suggestions as JSON.")
@pass_workspace
def suggest_command(workspace, accept_above, codes, json_output):
    """Place each site as a whole in the parent's tree (its home column), then suggest a rule for
    every source column no accepted rule covers, each with confidence and reason."""
    suggestions = _guard(suggest, workspace, accept_above=accept_above, codes=codes,
                         progress=progress_enabled(json_output))
    placements = [p for code, p in sorted(load_placements(workspace.db).items()) if not codes or code in codes]
    if json_output:
        echo_json([p.as_dict() for p in placements] + [dict(s.as_dict(), type="rule") for s in suggestions])
        return
    names = {row["site_code"]: row["name"] for row in workspace.db["sites"].rows}
    for placement in placements:
        click.echo(format_placement(placement, names.get(placement.site_code, "")))
    for s in suggestions:
        where = s.column_path or (s.rule.pattern if s.rule.match != "page_type" else f"page type {s.rule.pattern}")
        counts = ", ".join(part for part in (f"{s.items} items" if s.items or not s.pages else "",
                                             f"{s.pages} other pages" if s.pages else "") if part)
        then = f"{s.rule.action} {s.target_path}" if s.target_path else s.rule.action
        click.echo(f"{s.site_code or 'all sites':<11} {where} ({counts}) -> {then}  "
                   f"[{s.rule.confidence:.2f} {s.rule.status}] {s.rule.reason}")
    accepted = sum(1 for s in suggestions if s.rule.status == "accepted")
    click.echo(f"{len(suggestions)} suggestion(s)" + (f", {accepted} accepted" if accept_above is not None else "")
               + "; review with 'govmigrate map export mapping.xlsx', then 'map import', 'map check'.")


@map_group.command("accept")
@click.option("--above", type=click.FloatRange(0, 1), default=0.8, show_default=True,
              help="Accept suggestions with at least this confidence.")
@click.option("--json", "json_output", is_flag=True, help="Print the accepted rules as JSON.")
@pass_workspace
def accept_command(workspace, above, json_output):
    """Accept the pending suggestions whose confidence is at least --above."""
    accepted = accept(workspace, above=above)
    if json_output:
        echo_json([r.__dict__ for r in accepted])
        return
    for rule in accepted:
        click.echo(f"accepted {rule.describe()}")
    click.echo(f"{len(accepted)} suggestion(s) accepted")


@map_group.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
@pass_workspace
def export_command(workspace, file):
    """Write the rules to FILE (.yaml, .csv with BOM for Excel, or .xlsx) for planners to edit."""
    rules = _guard(export_rules, workspace, file)
    click.echo(f"Wrote {len(rules)} rule(s) to {file}")


@map_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@click.option("--json", "json_output", is_flag=True, help="Print the counts as JSON.")
@pass_workspace
def import_command(workspace, file, json_output):
    """Replace the workspace's rules with those of FILE (all-or-nothing: any bad row stops it)."""
    counts = _guard(import_rules, workspace, file)
    if json_output:
        echo_json(counts)
    else:
        click.echo(f"Imported {counts['rules']} rule(s): {counts['added']} added, {counts['removed']} removed, "
                   f"{counts['unchanged']} unchanged")


@map_group.command("check")
@click.option("--strict", is_flag=True, help="Warnings fail too (for CI of a migration).")
@click.option("--json", "json_output", is_flag=True, help="Print the problems as JSON.")
@pass_workspace
def check_command(workspace, strict, json_output):
    """Check the accepted rules; exit code 1 when there are errors (or warnings with --strict)."""
    result = _guard(check, workspace, strict=strict)
    if json_output:
        echo_json(result.as_dict())
    else:
        for line in format_check(result):
            click.echo(line)
    if not result.ok:
        raise click.exceptions.Exit(FAILED_CHECKS)


@map_group.command("apply")
@click.option("--site", "codes", multiple=True, metavar="CODE", help="Only these sites (repeatable).")
@click.option("--json", "json_output", is_flag=True, help="Print the coverage as JSON.")
@pass_workspace
def apply_command(workspace, codes, json_output):
    """Assign every page of the migrating sites its target (or drop/homepage) from the accepted rules."""
    assignments = _guard(apply, workspace, codes=codes)
    report = coverage(workspace, assignments)
    if json_output:
        echo_json(report)
        return
    click.echo(f"Applied the rules to {len(assignments)} page(s) (table item_mappings)")
    for line in format_coverage(report):
        click.echo(line)


@map_group.command("report")
@click.option("--json", "json_output", is_flag=True, help="Print the coverage as JSON.")
@pass_workspace
def report_command(workspace, json_output):
    """Coverage: items and columns mapped, dropped and unmapped, per site and in total."""
    report = _guard(coverage, workspace)
    if json_output:
        echo_json(report)
    else:
        for line in format_coverage(report):
            click.echo(line)
