"""Workspace creation, discovery, config and schema upgrades on real SQLite files."""
import sqlite3

import pytest
import sqlite_utils
from click.testing import CliRunner

from migrate.cli import cli
from site_inventory import schema
from site_inventory.resolve import ResolveError, load_rules, lookup, parse_rule, save_rules
from site_inventory.workspace import WorkspaceError, connect, init_workspace, open_workspace


def test_init_creates_config_and_current_schema(tmp_path):
    ws = init_workspace(tmp_path / "ws", "青溪县人民政府", "https://www.qingxi.example.gov.cn")
    assert ws.config_path.exists() and ws.db_path.exists()
    assert schema.version(ws.db) == schema.SCHEMA_VERSION
    assert ws.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    again = open_workspace(tmp_path / "ws")
    assert again.config["platform"]["name"] == "青溪县人民政府"
    assert again.config["crawl"]["delay"] == 1.0  # defaults filled in


def test_init_refuses_existing_without_force(tmp_path):
    init_workspace(tmp_path)
    with pytest.raises(WorkspaceError, match="already holds a workspace"):
        init_workspace(tmp_path)


def test_open_missing_workspace_says_how_to_create(tmp_path):
    with pytest.raises(WorkspaceError, match="govmigrate init"):
        open_workspace(tmp_path)


def test_workspace_from_env(tmp_path, monkeypatch):
    init_workspace(tmp_path)
    monkeypatch.setenv("GOVMIGRATE_WORKSPACE", str(tmp_path))
    assert open_workspace().path == tmp_path.resolve()


def test_older_workspace_is_upgraded_keeping_data(tmp_path):
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    schema.migrate(old, target=1)
    old["sites"].insert({"site_code": "3311270001", "name": "青溪镇", "url": "http://a/", "level": "township",
                         "action": "migrate", "created_at": "2020-01-01", "updated_at": "2020-01-01"})
    old.conn.close()
    db = connect(path)
    assert schema.version(db) == schema.SCHEMA_VERSION
    assert db["sites"].get("3311270001")["name"] == "青溪镇"
    assert "pages" in db.table_names() and "redirects" in db.table_names()


def test_newer_workspace_is_refused(tmp_path):
    conn = sqlite3.connect(tmp_path / "new.db")
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(schema.SchemaError, match="newer"):
        connect(tmp_path / "new.db")


def test_failed_migration_rolls_back(tmp_path, monkeypatch):
    db = sqlite_utils.Database(tmp_path / "x.db")
    schema.migrate(db, target=1)
    broken = list(schema.MIGRATIONS)
    broken[1] = lambda: "CREATE TABLE half (x); SELECT * FROM nowhere;"
    monkeypatch.setattr(schema, "MIGRATIONS", broken)
    with pytest.raises(sqlite3.OperationalError):
        schema.migrate(db)
    assert schema.version(db) == 1 and "half" not in db.table_names()


@pytest.mark.parametrize("rule,expected", [
    ("zhen1.example.gov.cn:80:127.0.0.1", ("127.0.0.1", 80)),
    ("Zhen1.Example.gov.cn:80:127.0.0.1:8123", ("127.0.0.1", 8123)),
    ("a.gov.cn:443:[::1]:8443", ("::1", 8443)),
])
def test_parse_resolve_rules(rule, expected, tmp_path):
    ws = init_workspace(tmp_path)
    save_rules(ws.db, [parse_rule(rule)])
    host = rule.split(":")[0]
    assert lookup(load_rules(ws.db), host, int(rule.split(":")[1])) == expected
    assert lookup(load_rules(ws.db), "other.gov.cn", 80) == ("other.gov.cn", 80)


@pytest.mark.parametrize("rule", ["nohost", "a:x:127.0.0.1", "a:80:not-an-ip", "a:80:127.0.0.1:99999"])
def test_bad_resolve_rules(rule):
    with pytest.raises(ResolveError, match="--resolve"):
        parse_rule(rule)


def test_cli_init_and_resolve(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["init", str(tmp_path / "w"), "--resolve", "a.gov.cn:80:127.0.0.1:9000"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["-w", str(tmp_path / "w"), "resolve", "--json"])
    assert '"a.gov.cn:80:127.0.0.1:9000"' in result.output
    missing = runner.invoke(cli, ["-w", str(tmp_path / "none"), "resolve"])
    assert missing.exit_code == 3 and "govmigrate init" in missing.output
