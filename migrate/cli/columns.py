"""``govmigrate columns``: the parent platform's target tree and each site's discovered columns."""
from __future__ import annotations

from collections import defaultdict

import click

from mappings.site_tree import SiteTreeError, site_tree
from mappings.source_columns import source_columns, unplaced_count
from mappings.target_tree import TreeError, format_tree, tree_as_json, tree_for_workspace, write_tree

from . import USAGE, cli, cluster_options, echo_json, pass_workspace, progress_enabled


@cli.group()
def columns():
    """Columns (栏目): the parent's target tree and the old sites' own columns."""


@columns.command("target")
@click.option("--from-site", "from_site", metavar="CODE",
              help="Read the tree from the crawl of site CODE (the kept parent) instead of the config.")
@click.option("--depth", type=click.IntRange(1), default=None, help="With --from-site: keep N levels.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write the tree as YAML (the format mapping.target_tree loads).")
@click.option("--json", "json_output", is_flag=True, help="Print the columns as JSON.")
@pass_workspace
def target_command(workspace, from_site, depth, output, json_output):
    """Print the target column tree (config mapping.target_tree, else the default tree), or with
    --from-site the parent's own columns from its crawl, each with its URL there."""
    try:
        tree = site_tree(workspace, from_site, depth=depth) if from_site else tree_for_workspace(workspace)
    except (TreeError, SiteTreeError) as exc:
        raise click.ClickException(str(exc)) from None
    if output:
        header = (f"Columns of site {from_site}, read from its crawl by 'govmigrate columns target --from-site'.\n"
                  "Edit names, kinds and levels, then load it with  mapping: {target_tree: THIS_FILE}"
                  if from_site else f"Target tree ({tree.source})")
        write_tree(tree, output, header)
        click.echo(f"Wrote {len(tree.columns)} column(s) to {output}", err=json_output)
    if json_output:
        echo_json({"source": tree.source, "columns": tree_as_json(tree)})
    elif not output:
        for line in format_tree(tree):
            click.echo(line)


@columns.command("source")
@click.argument("code", required=False)
@click.option("--force", is_flag=True, help="Discover again even when no record changed.")
@cluster_options
@click.option("--json", "json_output", is_flag=True, help="Print the columns as JSON.")
@pass_workspace
def source_command(workspace, code, force, workers, scheduler, json_output):
    """Discover and print the columns of site CODE (default: every site) with item counts."""
    names = {row["site_code"]: row["name"] for row in workspace.db["sites"].rows}
    if code and code not in names:
        click.echo(f"site {code} is not in the inventory (see 'govmigrate inventory list')", err=True)
        raise click.exceptions.Exit(USAGE)
    found = source_columns(workspace, code, force=force, progress=progress_enabled(json_output),
                           workers=workers, scheduler=scheduler)
    if json_output:
        echo_json({c: {"name": names.get(c), "unplaced_items": unplaced_count(workspace.db, c), "columns": cols}
                   for c, cols in found.items()})
        return
    if not found or not any(found.values()):
        click.echo("No columns found: run 'govmigrate crawl' and 'govmigrate extract' first.")
    for site_code, cols in found.items():
        for line in format_columns(site_code, names.get(site_code, ""), cols, unplaced_count(workspace.db, site_code)):
            click.echo(line)
        click.echo()


def format_columns(code: str, site_name: str, columns: list[dict], unplaced: int = 0) -> list[str]:
    """One site's column tree as indented lines: name, items (direct/total), newest date, clues."""
    lines = [f"{site_name or code} ({code}): {len(columns)} columns, "
             f"{sum(c['item_count'] for c in columns)} items in columns"
             + (f", {unplaced} items in no column" if unplaced else "")]
    children = defaultdict(list)
    for column in columns:
        children[column["parent_path"]].append(column)

    def walk(parent, prefix):
        kids = children.get(parent, [])
        for index, column in enumerate(kids):
            last = index == len(kids) - 1
            count = f"{column['item_count']} items"
            if column["total_count"] != column["item_count"]:
                count += f" ({column['total_count']} with sub-columns)"
            newest = f", newest {column['newest_date']}" if column["newest_date"] else ""
            lines.append(f"{prefix}{'└── ' if last else '├── '}{column['name']}  {count}{newest}"
                         f"  [{', '.join(column['evidence'])}]")
            walk(column["path"], prefix + ("    " if last else "│   "))

    walk(None, "")
    return lines
