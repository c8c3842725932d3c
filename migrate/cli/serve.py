"""``govmigrate serve``: the planners' review app over the workspace (a thin wrapper over migrate.serve)."""
from __future__ import annotations

import click

from migrate.serve.server import DEFAULT_HOST, DEFAULT_PORT, serve as serve_app

from . import Context, cli


@cli.command("serve")
@click.option("--host", default=DEFAULT_HOST, show_default=True,
              help="Address to bind; any address but loopback requires the access token printed at start-up.")
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True,
              help="Port (0: any free port).")
@click.option("--token", default=None, help="Access token to require (default: made up for a non-loopback --host).")
@click.option("--user", default="", help="Reviewer's name for the review log (default: the login name).")
@click.option("--preview", "preview_dir", type=click.Path(file_okay=False, exists=True), default=None,
              help="Preview folder for the new pages (default: the workspace's preview/ when it holds one).")
@click.option("--as-of", default=None, help="Audit date for the verdicts (default: today).")
@click.option("--demo", is_flag=True, help="Build the sample county's workspace with 'govmigrate demo' first, then serve it.")
@click.option("--dir", "demo_dir", type=click.Path(file_okay=False), default=None,
              help="With --demo: the demo's folder (default: govmigrate-demo).")
@click.pass_obj
def serve(obj: Context, host, port, token, user, preview_dir, as_of, demo, demo_dir):
    """Review the workspace in a browser: dashboard, mapping, redirects, old page beside new page."""
    if demo:
        from migrate.demo import DEFAULT_DIR, DemoError, run_demo

        try:
            finished = run_demo(demo_dir or DEFAULT_DIR, echo=click.echo)
        except DemoError as exc:
            raise click.UsageError(str(exc)) from None
        folder, as_of = finished.directory, as_of or (finished.county.as_of if finished.county else None)
    else:
        workspace = obj.workspace
        folder = workspace.path
        workspace.close()
    serve_app(folder, host=host, port=port, token=token, user=user, preview_dir=preview_dir,
              as_of=str(as_of) if as_of else None, echo=click.echo)
