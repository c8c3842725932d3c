"""``govmigrate redirects plan / import-log / lint / export / stage / verify``: keep every old URL working."""
from __future__ import annotations

import functools
import signal
import threading

import click

from migrate.redirects.accesslog import LogError, import_logs, unseen
from migrate.export.newurls import URLTemplateError
from migrate.redirects.notice import NoticeError
from migrate.redirects.export import FORMATS, RedirectExportError, export_redirects
from migrate.redirects.lint import lint
from migrate.redirects.overrides import import_overrides
from migrate.redirects.plan import RedirectError, plan
from migrate.redirects.staging import StagingError, stage
from migrate.redirects.verify import VerifyUnreachable, verify

from . import call_with_usage_errors, FAILED_CHECKS, SERVER_UNREACHABLE, USAGE, cli, echo_json, pass_workspace, progress_enabled

USAGE_ERRORS = (RedirectError, LogError, RedirectExportError, NoticeError, URLTemplateError)


_guard = functools.partial(call_with_usage_errors, USAGE_ERRORS)


@cli.group("redirects")
def redirects_group():
    """Keep every old URL of the closing sites working: 301 to its new home, or 410 with links."""


@redirects_group.command("plan")
@click.argument("codes", nargs=-1, metavar="[CODE]...")
@click.option("--overrides", type=click.Path(exists=True, dir_okay=False),
              help="CSV old_url,status,target[,note] of planners' decisions, stored and applied on every plan.")
@click.option("--json", "json_output", is_flag=True, help="Print the counts as JSON.")
@pass_workspace
def plan_command(workspace, codes, overrides, json_output):
    """Decide every known old URL of the closing sites (default: all of them)."""
    if overrides:
        count = _guard(import_overrides, workspace, overrides)
        if not json_output:
            click.echo(f"{count} override(s) stored from {overrides}")
    sites = _guard(plan, workspace, codes, progress=progress_enabled(json_output))
    if json_output:
        echo_json([s.to_dict() for s in sites])
        return
    for s in sites:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(s.kinds.items()))
        sources = ", ".join(f"{k} {n}" for k, n in sorted(s.sources.items()))
        click.echo(f"{s.site_code} {s.name}: {s.urls} old URLs — 301: {s.statuses.get('301', 0)}, "
                   f"410: {s.statuses.get('410', 0)} ({kinds}); seen in: {sources}; fallback {s.fallback}"
                   + (f"; {s.unmatchable} no server can match" if s.unmatchable else ""))
    click.echo("The plan is in the redirects table; check it with 'govmigrate redirects lint'.")


@redirects_group.command("import-log")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--host", help="Host the log was written for (plain combined logs name none).")
@click.option("--top", type=click.IntRange(min=0), default=20, show_default=True,
              help="How many unseen URLs to list, most requested first (0: none).")
@click.option("--json", "json_output", is_flag=True, help="Print the counts and unseen URLs as JSON.")
@pass_workspace
def import_log_command(workspace, files, host, top, json_output):
    """Count requests per old URL from nginx/Apache access logs (combined or vhost_combined, gzip too)."""
    report = _guard(import_logs, workspace, files, host=host)
    ranked = unseen(workspace, limit=top) if top else []
    if json_output:
        echo_json(report.to_dict() | {"unseen": ranked})
        return
    for f in report.files:
        if f.already_imported:
            click.echo(f"{f.file}: already imported (same bytes), not counted again")
            continue
        click.echo(f"{f.file}: {f.lines} lines, {f.counted} counted, {f.other_hosts} for other hosts, "
                   f"{f.other_methods} other methods, {f.malformed} malformed")
        for example in f.malformed_examples:
            click.echo(f"  malformed {example}")
    click.echo(f"{report.urls} URL(s) counted, {report.new_urls} new. Re-run 'govmigrate redirects plan' to decide them.")
    if ranked:
        click.echo("Requested but never crawled (most requested first):")
        for row in ranked:
            click.echo(f"  {row['hits']:>7}  {row['url']}  (last {row['last_status'] or '-'} at {row['last_seen'] or '-'})")


@redirects_group.command("lint")
@click.argument("codes", nargs=-1, metavar="[CODE]...")
@click.option("--json", "json_output", is_flag=True, help="Print the findings as JSON.")
@pass_workspace
def lint_command(workspace, codes, json_output):
    """Check the plan: chains, loops, allowlist, disagreeing duplicates, unsafe targets and old URLs."""
    report = _guard(lint, workspace, codes)
    if json_output:
        echo_json(report.to_dict())
    else:
        for problem in report.examples:
            click.echo(f"{problem.level}: {problem.site_code} [{problem.check}] {problem.old_url or ''} {problem.message}")
        counts = ", ".join(f"{k} {n}" for k, n in sorted(report.counts.items()) if not k.startswith("site:"))
        click.echo(f"{report.checked} old URLs checked: {report.errors} error(s), {report.warnings} warning(s)"
                   + (f" ({counts})" if counts else "") + ". All findings: the redirect_problems table.")
    if not report.ok:
        raise click.exceptions.Exit(FAILED_CHECKS)


@redirects_group.command("export")
@click.argument("codes", nargs=-1, metavar="[CODE]...")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True, help="Server config or planners' table.")
@click.option("-o", "--out", "out", required=True, type=click.Path(),
              help="Folder for nginx/apache (config, maps, pages); file for csv/json.")
@click.option("--listen", multiple=True, default=("80",), show_default=True,
              help="nginx listen / Apache VirtualHost address: PORT or ADDR:PORT; repeatable.")
@click.option("--pages-root", help="Where the pages folder will be on the server (default: its place under -o).")
@click.option("--tls-cert", metavar="FILE", help="Certificate (PEM, full chain) for https: one that covers every "
              "host and alias of the sites (SAN or wildcard), as a path on the server.")
@click.option("--tls-key", metavar="FILE", help="Its private key, as a path on the server.")
@click.option("--tls-listen", multiple=True, metavar="PORT|ADDR:PORT",
              help="Where https is answered (default 443 when --tls-cert is given); repeatable.")
@click.option("--json", "json_output", is_flag=True, help="Print what was written as JSON.")
@pass_workspace
def export_command(workspace, codes, fmt, out, listen, pages_root, tls_cert, tls_key, tls_listen, json_output):
    """Write the plan as nginx or Apache config (with the notice and 410 pages), or as CSV (BOM) / JSON.

    Old sites served over https keep their https links in bookmarks and search engines: give
    --tls-cert and --tls-key and the servers answer those the same way.
    """
    report = _guard(export_redirects, workspace, fmt, out, codes, listen=listen, pages_root=pages_root,
                    tls_listen=tls_listen, tls_cert=tls_cert, tls_key=tls_key)
    codes_written = [s.site_code for s in report.sites]
    errors = workspace.db.execute(
        f"SELECT count(*) FROM redirect_problems WHERE check_name = 'rejected' AND level = 'error' AND site_code IN "
        f"({','.join('?' for _ in codes_written)})", codes_written).fetchone()[0] if fmt in ("nginx", "apache") else 0
    if json_output:
        echo_json(report.to_dict() | {"rejected_changing_answers": errors})
    else:
        for s in report.sites:
            notice = f", notice on the homepage until {s.notice_until}" if s.notice_until else ""
            click.echo(f"{s.site_code}: {s.entries} entries" + (f", {s.same_as_fallback} left to the fallback, "
                       f"{s.rejected} rejected{notice}" if fmt in ("nginx", "apache") else ""))
        click.echo(f"Written: {report.files[0]}" + (f" (+{len(report.files) - 1} files)" if len(report.files) > 1 else ""))
        if report.rejected:
            click.echo(f"{report.rejected} old URL(s) could not be written safely and get the fallback; "
                       "see the redirect_problems table (check 'rejected').", err=True)
    if errors:
        raise click.exceptions.Exit(FAILED_CHECKS)


@redirects_group.command("verify")
@click.argument("codes", nargs=-1, metavar="[CODE]...")
@click.option("--against", required=True, metavar="ADDR:PORT", help="The staging or live server to send old URLs to.")
@click.option("--sample", type=click.IntRange(min=1), help="Check only N old URLs (priority ones first).")
@click.option("--priority", type=click.Path(exists=True, dir_okay=False), help="File of old URLs to check first.")
@click.option("--workers", type=click.IntRange(min=1, max=64), default=8, show_default=True,
              help="Requests in parallel.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True, help="Seconds per request.")
@click.option("--against-tls", metavar="ADDR:PORT", help="The same server's https side: every old URL is asked "
              "there over https too, and the certificate must be valid for each old host.")
@click.option("--ca-file", type=click.Path(exists=True, dir_okay=False),
              help="CA certificates (PEM) to trust for --against-tls and for https targets (default for "
              "targets: the workspace's crawl.verify_tls), e.g. a staging CA.")
@click.option("--insecure", is_flag=True, help="With --against-tls: do not check the certificate.")
@click.option("--json", "json_output", is_flag=True, help="Print the result as JSON.")
@pass_workspace
def verify_command(workspace, codes, against, sample, priority, workers, timeout, against_tls, ca_file, insecure,
                   json_output):
    """Send each old URL to ADDR:PORT with its Host header and check status, Location and target."""
    try:
        report = _guard(verify, workspace, against, codes, sample=sample, priority=priority, workers=workers,
                        timeout=timeout, progress=progress_enabled(json_output), against_tls=against_tls,
                        ca_file=ca_file, insecure=insecure)
    except VerifyUnreachable as exc:
        if json_output:
            echo_json({"against": against, "ok": False, "unreachable": True, "error": str(exc)})
        else:
            click.echo(f"Error: {exc}", err=True)
        raise click.exceptions.Exit(SERVER_UNREACHABLE) from None
    _print_verification(report, against, json_output)


def _print_verification(report, against: str, json_output: bool) -> None:
    """Every failure, then the counts; exit 4 when nothing answered, 1 when any answer was wrong."""
    if json_output:
        echo_json(report.to_dict())
    else:
        for failure in report.failures:
            click.echo(f"FAIL {failure.site_code} {failure.old_url}: {failure.problem}")
        click.echo(f"{report.checked} checked against {against}: {report.passed} passed, {len(report.failures)} failed")
    if report.unreachable and report.unreachable == report.checked:
        raise click.exceptions.Exit(SERVER_UNREACHABLE)
    if not report.ok:
        raise click.exceptions.Exit(FAILED_CHECKS)


@redirects_group.command("stage")
@click.argument("codes", nargs=-1, metavar="[CODE]...")
@click.option("-o", "--out", "out", required=True, type=click.Path(file_okay=False),
              help="Folder for the exported config (nginx/) and nginx's run files (run/).")
@click.option("--port", type=click.IntRange(min=0, max=65535), default=0, show_default=True,
              help="Port on 127.0.0.1 (0: any free port).")
@click.option("--verify", "then_verify", is_flag=True, help="Ask it every old URL (like 'redirects verify'), then stop.")
@click.option("--json", "json_output", is_flag=True, help="With --verify: print the result as JSON.")
@pass_workspace
def stage_command(workspace, codes, out, port, then_verify, json_output):
    """Serve the closing sites' redirects in a real nginx on loopback, as a staging server.

    Exports the nginx config to OUT, checks it with 'nginx -t' and runs nginx until Ctrl+C (or,
    with --verify, until every old URL has been checked). The address is stored as
    redirects.staging, which 'govmigrate shutdown --yes' verifies against.
    """
    previous = None if then_verify else signal.signal(signal.SIGTERM, _interrupt)  # a TERM must stop nginx too
    try:
        with stage(workspace, out, codes, port=port) as staging:
            if then_verify:
                report = verify(workspace, staging.address, codes, progress=progress_enabled(json_output))
                _print_verification(report, staging.address, json_output)
                return
            click.echo(f"Staging nginx on {staging.address} serving {staging.export.files[0]} "
                       f"(redirects.staging set); press Ctrl+C to stop.")
            click.echo(f"Check it with: govmigrate -w {workspace.path} redirects verify --against {staging.address}")
            threading.Event().wait()
    except KeyboardInterrupt:
        if then_verify:
            raise click.Abort() from None
        click.echo("Staging nginx stopped.")
    except StagingError as exc:
        click.echo(f"Error: {exc}", err=True)
        raise click.exceptions.Exit(FAILED_CHECKS) from None
    except USAGE_ERRORS as exc:
        click.echo(f"Error: {exc}", err=True)
        raise click.exceptions.Exit(USAGE) from None
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)   # the caller's handler back (a test runner's, say)


def _interrupt(signum, frame):
    """SIGTERM handled like Ctrl+C, so the staging nginx is stopped on the way out."""
    raise KeyboardInterrupt
