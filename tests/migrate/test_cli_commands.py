"""The command line loads command modules lazily: every command must still be reachable."""
from __future__ import annotations

import importlib
import subprocess
import sys

from click.testing import CliRunner

from migrate import cli as cli_mod


def test_every_registered_command_is_in_the_lazy_map():
    """A command added to a module but missing from COMMAND_MODULES would vanish from the CLI."""
    for module in set(cli_mod.COMMAND_MODULES.values()):
        importlib.import_module(f"migrate.cli.{module}")
    registered = set(cli_mod.cli.commands) - {"init", "resolve"}
    assert registered == set(cli_mod.COMMAND_MODULES)
    for name, module in cli_mod.COMMAND_MODULES.items():
        assert cli_mod.cli.commands[name].callback.__module__ == f"migrate.cli.{module}", name


def test_help_lists_every_command():
    result = CliRunner().invoke(cli_mod.cli, ["--help"])
    assert result.exit_code == 0
    listed = {line.split()[0] for line in result.output.split("Commands:")[1].splitlines() if line.strip()}
    assert listed == set(cli_mod.COMMAND_MODULES) | {"init", "resolve"}


def test_a_command_imports_only_its_own_module():
    """`govmigrate crawl-report --help` in a fresh interpreter does not import the extractors."""
    code = ("import sys; from migrate.cli import cli\n"
            "try:\n    cli(['crawl-report', '--help'], prog_name='govmigrate')\n"
            "except SystemExit:\n    pass\n"
            "print('LOADED', sorted(m for m in sys.modules if m.startswith(('migrate.cli.', 'trafilatura'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = out.split("LOADED", 1)[1]
    assert "migrate.cli.crawl" in loaded
    assert "migrate.cli.extract" not in loaded and "migrate.cli.demo" not in loaded
