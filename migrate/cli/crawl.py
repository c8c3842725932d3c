"""``govmigrate crawl`` and ``govmigrate crawl-report``: the polite, resumable, archival crawl."""
from __future__ import annotations

import click

from site_inventory.crawl import CrawlError, crawl, crawl_report

from . import FAILED_CHECKS, cli, cluster_options, echo_json, pass_workspace, progress_enabled


def _skipped(counts: dict) -> str:
    return ", ".join(f"{reason} {n}" for reason, n in sorted(counts.items(), key=lambda kv: -kv[1])) or "-"


def _print_site(site: dict) -> None:
    click.echo(
        f"{site['site_code']}: {site['fetched']} fetched ({site['pages']} pages, {site['attachments']} attachments, "
        f"{site['bytes']:,} bytes), {site['failed']} failed, {sum(site['skipped'].values())} skipped, "
        f"{site['queued']} queued"
    )
    if site["skipped"]:
        click.echo(f"  skipped: {_skipped(site['skipped'])}")
    if site["failed_by_error"]:
        click.echo(f"  failed:  {_skipped(site['failed_by_error'])}")
    if site.get("run_id"):
        click.echo(f"  last run {site['run_id']} ({site['run_status']}), {site['requests']} requests, "
                   f"{site['changed']} changed; archive {site['warc_file']}")


@cli.command("crawl")
@click.argument("codes", nargs=-1, metavar="[CODE]...")
@click.option("--all", "all_sites", is_flag=True, help="Crawl every site whose action is migrate or close.")
@click.option("--max-pages", type=click.IntRange(min=1), help="Pages and attachments per site (config crawl.max_pages).")
@click.option("--max-depth", type=click.IntRange(min=0), help="Links away from the start URL (config crawl.max_depth).")
@click.option("--delay", type=click.FloatRange(min=0), help="Seconds between requests to one host (config crawl.delay).")
@click.option("--time-limit", type=click.FloatRange(min=0), help="Stop after this many seconds; the rest is skipped "
              "with reason time-limit and crawled by the next run.")
@click.option("--refresh", is_flag=True, help="Fetch everything again with ETag/If-Modified-Since; record what changed.")
@cluster_options
@click.option("--json", "json_output", is_flag=True, help="Print the summary as JSON.")
@pass_workspace
def crawl_command(workspace, codes, all_sites, max_pages, max_depth, delay, time_limit, refresh, workers, scheduler,
                  json_output):
    """Crawl sites CODE... (any action) or --all; resumes where a killed crawl stopped.

    Every URL found ends fetched, skipped (with its reason) or failed (with its last error);
    responses go to the workspace database and to a WARC archive per site under warc/.
    """
    try:
        summary = crawl(workspace, codes, all_sites=all_sites, max_pages=max_pages, max_depth=max_depth,
                        delay=delay, time_limit=time_limit, refresh=refresh, workers=workers, scheduler=scheduler,
                        progress=progress_enabled(json_output))
    except CrawlError as exc:
        raise click.UsageError(str(exc)) from None
    sites = [s.as_dict() for s in summary.sites.values()]
    if json_output:
        echo_json({"elapsed": round(summary.elapsed, 3), "stopped_by": summary.stopped_by, "sites": sites})
        return
    for site in sites:
        _print_site(site)
    if summary.stopped_by:
        click.echo(f"Stopped by the {summary.stopped_by}; run 'govmigrate crawl' again to go on.")


@cli.command("crawl-report")
@click.argument("code", required=False)
@click.option("--json", "json_output", is_flag=True, help="Print the report as JSON.")
@pass_workspace
def crawl_report_command(workspace, code, json_output):
    """Per-site crawl accounting: fetched, skipped by reason, failed by error, queued, pages, attachments."""
    if code and code not in workspace.site_codes():
        raise click.UsageError(f"not in the inventory: {code}")
    report = crawl_report(workspace, [code] if code else ())
    if json_output:
        echo_json(report)
        return
    if not report:
        click.echo("Nothing crawled yet; run 'govmigrate crawl --all'.")
        raise click.exceptions.Exit(FAILED_CHECKS)
    for site in report:
        _print_site(site)
