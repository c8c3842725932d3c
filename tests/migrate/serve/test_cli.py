"""``govmigrate serve``: the thin command starts the app on loopback and prints where to open it."""
from __future__ import annotations

import re
import subprocess
import sys

from click.testing import CliRunner

from migrate.cli import NO_WORKSPACE, cli

from conftest import fetch


def test_serve_without_a_workspace_says_so(tmp_path):
    result = CliRunner().invoke(cli, ["-w", str(tmp_path / "none"), "serve"])
    assert result.exit_code == NO_WORKSPACE and "no govmigrate workspace" in result.output


def test_serve_prints_the_url_and_answers_there(review):
    _, ws, _ = review
    proc = subprocess.Popen([sys.executable, "-c", "from migrate.cli import main; main()", "-w", str(ws.path),
                             "serve", "--port", "0", "--user", "cli"], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)
        assert "token" not in line
        status, headers, text = fetch(url)
        assert status == 200 and "站点总览" in text and "审核人：cli" in text
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_demo_builds_the_sample_county_and_serves_it(tmp_path):
    """``serve --demo``: the demo's workspace is built (offline, its own loopback servers), then the
    review app answers on loopback with the county's sites and the demo's audit date."""
    proc = subprocess.Popen([sys.executable, "-c", "from migrate.cli import main; main()", "serve", "--demo",
                             "--dir", str(tmp_path / "demo"), "--port", "0", "--user", "demo"],
                            stdout=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        lines = []
        for line in proc.stdout:  # the demo's steps, then the app's URL
            lines.append(line)
            if "review app:" in line:
                break
        url = re.search(r"http://127\.0\.0\.1:\d+/", lines[-1]).group(0)
        status, _, text = fetch(url)
        assert status == 200 and "站点总览" in text and "审核人：demo" in text
        assert (tmp_path / "demo" / "workspace.db").exists() and "青溪县" in text
    finally:
        proc.terminate()
        proc.wait(timeout=10)
