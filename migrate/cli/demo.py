"""``govmigrate demo``: run the workflow offline on the sample county, or just serve the county."""
from __future__ import annotations

import click

from site_inventory.sample.server import serve as serve_county

from migrate.demo import DEFAULT_DIR, DEFAULT_SEED, DemoError, run_demo

from . import cli


@cli.group(invoke_without_command=True)
@click.option("--dir", "directory", type=click.Path(file_okay=False), default=DEFAULT_DIR, show_default=True,
              help="Folder for the demo workspace (a folder made by an earlier demo is replaced).")
@click.option("--port", type=click.IntRange(0, 65535), default=0,
              help="Port for the sample county server on 127.0.0.1 (default: any free port).")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Seed of the sample county.")
@click.option("--keep-serving", is_flag=True, help="Keep the county served after the demo, until Ctrl+C.")
@click.pass_context
def demo(ctx, directory, port, seed, keep_serving):
    """Run every stage offline on the built-in sample county and say where the results are."""
    if ctx.invoked_subcommand is not None:
        return
    try:
        run_demo(directory, port=port, seed=seed, keep_serving=keep_serving, echo=click.echo)
    except DemoError as exc:
        raise click.UsageError(str(exc)) from None


@demo.command("serve")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1 (0: any free port).")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Seed of the sample county.")
def serve(port, seed):
    """Serve the sample county on 127.0.0.1 and print its resolve rules, until Ctrl+C."""
    serve_county(port=port, seed=seed)
