"""``govmigrate extract`` and ``govmigrate extract-page``: stored pages, or one file, to records."""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import click

from extractors import extract_page as extract_page_bytes
from extractors.runner import ExtractError, extract
from site_inventory.workspace import WorkspaceError, open_workspace

from . import cli, cluster_options, echo_json, pass_workspace, progress_enabled


@cli.command("extract")
@click.argument("codes", nargs=-1, metavar="[CODE]...")
@click.option("--all", "all_sites", is_flag=True, help="Every site of the inventory.")
@click.option("--processes", "-p", type=click.IntRange(min=1), help="Worker processes (default: one per CPU).")
@cluster_options
@click.option("--json", "json_output", is_flag=True, help="Print the summary as JSON.")
@pass_workspace
def extract_command(workspace, codes, all_sites, processes, workers, scheduler, json_output):
    """Turn the stored pages of sites CODE... (or --all) into records.

    Only pages whose bytes or extractor version changed since their record was written are
    extracted again; a stopped run resumes where it was.
    """
    try:
        summary = extract(workspace, codes, all_sites=all_sites, processes=processes, workers=workers,
                          scheduler=scheduler, progress=progress_enabled(json_output))
    except ExtractError as exc:
        raise click.UsageError(str(exc)) from None
    if json_output:
        echo_json(summary.as_dict())
        return
    types = ", ".join(f"{kind} {n}" for kind, n in summary.by_type.most_common()) or "-"
    click.echo(f"{summary.extracted} records extracted, {summary.up_to_date} up to date "
               f"({summary.pages} stored pages of {len(summary.sites)} sites) in {summary.elapsed:.1f} s")
    click.echo(f"  page types: {types}")
    click.echo(f"  with warnings: {summary.warnings}" + (f", crashed: {summary.crashed}" if summary.crashed else ""))


@cli.command("extract-page")
@click.argument("source", metavar="FILE_OR_URL")
@click.option("--url", help="The page's URL (for relative links and URL dates) when SOURCE is a file.")
@click.option("--encoding", help="Decode with this encoding, whatever the page declares.")
@click.option("--site", "site_code", help="Apply this site's extraction overrides from the workspace config.")
@click.option("--json", "json_output", is_flag=True, help="Print the record as JSON (keys are the field names).")
@click.pass_obj
def extract_page_command(obj, source, url, encoding, site_code, json_output):
    """Extract one page (a saved file, or a URL fetched now) and print its record.

    This is how an override is tested: with a workspace, the body/noise XPaths configured for the
    page's site (found by host, or --site) are applied.
    """
    data, content_type, page_url = _read_source(source, url)
    overrides = _overrides_for(getattr(obj, "workspace_dir", None), page_url, site_code)
    record = extract_page_bytes(data, page_url, content_type=content_type, encoding=encoding, overrides=overrides)
    if json_output:
        echo_json(record.to_dict())
        return
    for key, value in record.to_dict().items():
        if key in ("body_html", "fingerprint"):
            continue
        if key == "body_text":
            value = (value[:300] + " ...") if value and len(value) > 300 else value
        click.echo(f"{key}: {value}")


def _read_source(source: str, url: str | None) -> tuple[bytes, str | None, str]:
    """Bytes, content type and URL of a file or an http(s) URL."""
    if source.startswith(("http://", "https://")):
        import requests

        try:
            resp = requests.get(source, timeout=30, headers={"User-Agent": "govmigrate extract-page"})
        except requests.RequestException as exc:
            raise click.ClickException(f"could not fetch {source}: {exc}") from None
        return resp.content, resp.headers.get("Content-Type"), url or resp.url
    path = Path(source)
    if not path.is_file():
        raise click.UsageError(f"no such file: {source}")
    return path.read_bytes(), None, url or path.resolve().as_uri()


def _overrides_for(workspace_dir, page_url: str, site_code: str | None) -> dict:
    """The site's extraction overrides, when a workspace is at hand; {} otherwise."""
    try:
        ws = open_workspace(workspace_dir)
    except WorkspaceError:
        if site_code:
            raise click.UsageError("--site needs a workspace (-w DIR)") from None
        return {}
    try:
        overrides = ((ws.config or {}).get("extraction") or {}).get("overrides") or {}
        code = site_code or _site_by_host(ws, page_url)
        if site_code and site_code not in ws.site_codes():
            raise click.UsageError(f"not in the inventory: {site_code}")
        return overrides.get(code) or {} if code else {}
    finally:
        ws.close()


def _site_by_host(ws, page_url: str) -> str | None:
    """The inventory site whose URL or aliases have the page's host."""
    host = (urlsplit(page_url).hostname or "").lower()
    if not host:
        return None
    for row in ws.db.execute("SELECT site_code, url, aliases FROM sites"):
        hosts = {(urlsplit(row[1]).hostname or "").lower()}
        try:
            hosts |= {h.lower() for h in json.loads(row[2] or "[]")}
        except ValueError:
            pass
        if host in hosts:
            return row[0]
    return None
