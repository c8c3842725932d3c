"""The offline demo: a real workspace, the sample county on a real loopback server, the real CLI."""
import os
import signal
import subprocess
import sys

import pytest
import requests
from click.testing import CliRunner

from migrate.cli import cli
from migrate.redirects.staging import nginx_binary
from migrate.demo import MARKER, STEPS, DemoError, Step, run_demo, step_county, step_workspace
from site_inventory.inventory import list_sites
from site_inventory.resolve import load_rules
from site_inventory.sample.county import inventory_rows
from site_inventory.workspace import open_workspace


def server_is_up(base_url):
    try:
        requests.get(base_url + "/", timeout=2)
    except requests.ConnectionError:
        return False
    return True


def test_demo_builds_a_workspace_with_the_county(tmp_path):
    lines = []
    demo = run_demo(tmp_path / "demo", echo=lines.append)
    assert list(demo.results) == [step.name for step in STEPS]
    with open_workspace(tmp_path / "demo") as ws:
        sites = {s.site_code: s for s in list_sites(ws)}
        expected = inventory_rows(demo.county)
        assert sorted(sites) == sorted(row["site_code"] for row in expected)
        for row in expected:
            assert sites[row["site_code"]].url == row["url"] and sites[row["site_code"]].name == row["name"]
        rules = load_rules(ws.db)
        assert {host for host, _ in rules} == set(demo.county.hosts)
        platform = "www.qingxi.example.gov.cn"   # the county portal; at the end the preview stands in for it
        county_rules = [r for (host, _), r in rules.items() if host != platform]
        assert {(r.address, r.target_port) for r in county_rules} == {("127.0.0.1", demo.server.port)}
        if nginx_binary():
            assert rules[(platform, 80)].target_port == demo.preview_server.httpd.server_address[1]
        assert 0 < ws.config["crawl"]["delay"] < 1
        assert ws.config["platform"]["name"] == "青溪县人民政府"
    assert (tmp_path / "demo" / "sample-county" / "manifest.json").exists()
    assert any(str(tmp_path / "demo") in line for line in lines)
    assert any("6 added" in line for line in lines)
    defects = demo.county.manifest["defects"]
    audited = f"{len(defects['blank_columns'])} blank and {len(defects['stale_columns'])} stale columns"
    assert any(audited in line for line in lines), [line for line in lines if "stale columns" in line]
    assert not server_is_up(demo.server.base_url)
    if nginx_binary():
        _redirects_were_verified_on_staging(tmp_path / "demo", lines)


def _redirects_were_verified_on_staging(folder, lines):
    """Step 11 ran the exported config in a real nginx, asked it every old URL, and stopped it."""
    with open_workspace(folder) as ws:
        staging = ws.config["redirects"]["staging"]
        planned = ws.db.execute("SELECT count(*) FROM redirects").fetchone()[0]
        rows = ws.db.execute("SELECT against, checked, failed FROM redirect_verifications").fetchall()
    assert rows and all(r[0] == staging and r[2] == 0 and r[1] > 0 for r in rows)
    assert sum(r[1] for r in rows) >= planned
    verified = [line for line in lines if "verified on a staging nginx" in line]
    assert verified and verified[0].endswith(", 0 wrong"), verified
    assert sum(1 for line in lines if "redirect_verify," in line and "ok " in line) == len(rows)
    assert not server_is_up(f"http://{staging}")


def test_demo_refuses_a_folder_it_did_not_make(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(DemoError, match="not made by 'govmigrate demo'"):
        run_demo(tmp_path, echo=lambda line: None)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_demo_replaces_its_own_earlier_folder(tmp_path):
    steps = [Step("workspace", "ws", step_workspace)]
    run_demo(tmp_path / "d", echo=lambda line: None, steps=steps)
    (tmp_path / "d" / "leftover.txt").write_text("old", encoding="utf-8")
    run_demo(tmp_path / "d", echo=lambda line: None, steps=steps)
    assert (tmp_path / "d" / MARKER).exists() and not (tmp_path / "d" / "leftover.txt").exists()


def test_server_stops_when_a_step_fails(tmp_path):
    def broken(demo):
        raise RuntimeError("stage failed")

    seen = {}

    def remember(demo):
        seen["url"] = demo.server.base_url
        assert server_is_up(demo.server.base_url)
        return []

    steps = [Step("workspace", "ws", step_workspace), Step("county", "county", step_county),
             Step("check", "check", remember), Step("broken", "broken", broken)]
    with pytest.raises(RuntimeError, match="stage failed"):
        run_demo(tmp_path / "d", echo=lambda line: None, steps=steps)
    assert not server_is_up(seen["url"])


def test_cli_demo(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["demo", "--dir", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    assert "Done. Everything is in" in result.output
    listed = runner.invoke(cli, ["-w", str(tmp_path / "demo"), "inventory", "list"])
    assert "青溪县农业农村局" in listed.output
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "data.csv").write_text("x", encoding="utf-8")
    refused = runner.invoke(cli, ["demo", "--dir", str(tmp_path / "other")])
    assert refused.exit_code == 2 and "not made by" in refused.output


def test_demo_serve_answers_until_interrupted():
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-c", "from migrate.cli import main; main()",
                             "demo", "serve", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        first = proc.stdout.readline()
        assert "Serving the sample county" in first, first + proc.stderr.read()
        base = first.rsplit(" ", 1)[1].strip()
        assert base.startswith("http://127.0.0.1:")
        rules = []
        line = proc.stdout.readline()
        while "Ctrl" not in line:
            rules.append(line.strip())
            line = proc.stdout.readline()
        assert any(r.startswith("www.qingxi.example.gov.cn:80:127.0.0.1:") for r in rules)
        home = requests.get(base + "/", headers={"Host": "www.qingxi.example.gov.cn"}, timeout=5)
        assert home.status_code == 200 and "青溪县人民政府" in home.content.decode("utf-8")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
    assert proc.returncode == 0
