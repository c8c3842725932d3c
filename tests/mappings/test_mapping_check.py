"""map check: each planted mistake is reported; a reviewed mapping passes, strictly too."""
import json
from pathlib import Path

from click.testing import CliRunner

from mappings.check import check
from mappings.rules import Rule, import_rules, load_rules, save_rules
from migrate.cli import cli

DATA = Path(__file__).parent / "data"


def codes(result, level=None):
    return {(p.code, p.rule_position, p.column) for p in result.problems if level in (None, p.level)}


def test_each_planted_error_is_caught(mini):
    import_rules(mini, DATA / "mini_planted_errors.yaml")
    result = check(mini)
    assert not result.ok
    errors = {(p.code, p.rule_position) for p in result.errors}
    assert ("unknown_target", 4) in errors
    assert ("overlap_disagrees", 6) in errors
    assert ("unknown_site", 8) in errors
    assert ("never_matches", 7) in errors
    assert ("unmapped_column", None) in errors
    assert ("unplaced_items", None) in errors
    unmapped = {p.column for p in result.errors if p.code == "unmapped_column"}
    assert unmapped == {"农技推广", "通知公告"}
    warnings = {(p.code, p.rule_position) for p in result.warnings}
    assert ("overlap_disagrees", 12) in warnings
    messages = "\n".join(p.message for p in result.problems)
    assert "target id 'tzgz' is not in the target tree" in messages
    assert "never applies: earlier rules decide all its 7 page(s) differently" in messages
    assert "site 3311270003: source column '农技推广' has 3 item(s)" in messages


def test_reviewed_mapping_passes_strict(mini):
    import_rules(mini, DATA / "mini_reviewed.yaml")
    result = check(mini, strict=True)
    assert result.ok, [p.message for p in result.problems]
    assert result.problems == []


def test_strict_fails_on_warnings_only(mini):
    import_rules(mini, DATA / "mini_reviewed.yaml")
    save_rules(mini.db, load_rules(mini.db) + [Rule("page_type", "error", "drop")])  # no error pages here
    assert check(mini).ok
    strict = check(mini, strict=True)
    assert not strict.ok and [(p.level, p.code) for p in strict.problems] == [("warning", "never_matches")]


def test_a_sites_rule_that_matches_nothing_is_an_error(mini):
    import_rules(mini, DATA / "mini_reviewed.yaml")
    save_rules(mini.db, load_rules(mini.db) + [Rule("column", "无此栏目", "drop", site_code="3311270001")])
    result = check(mini)
    assert not result.ok
    assert [p.message for p in result.errors] == [
        "rule #11 (site 3311270001: column '无此栏目' -> drop) matches no page of site 3311270001"]


def test_pending_suggestions_are_a_warning_and_named_on_unmapped_columns(mini):
    save_rules(mini.db, [Rule("column", "通知公告", "map", "tzgg", site_code="3311270001", status="suggested",
                              confidence=0.7)])
    result = check(mini)
    assert ("pending_suggestions", None, None) in codes(result, "warning")
    note = next(p.message for p in result.errors if p.column == "通知公告" and p.site_code == "3311270001")
    assert "pending suggestion: map tzgg (confidence 0.7)" in note


def test_cli_exit_codes_and_json(mini):
    runner = CliRunner()
    ws = ["-w", str(mini.path)]
    assert runner.invoke(cli, ws + ["map", "import", str(DATA / "mini_planted_errors.yaml")]).exit_code == 0
    result = runner.invoke(cli, ws + ["map", "check"])
    assert result.exit_code == 1 and "ERROR   [unknown_target]" in result.output and "FAILED:" in result.output
    data = json.loads(runner.invoke(cli, ws + ["map", "check", "--json"]).output)
    assert data["ok"] is False and data["errors"] >= 5
    assert runner.invoke(cli, ws + ["map", "import", str(DATA / "mini_reviewed.yaml")]).exit_code == 0
    result = runner.invoke(cli, ws + ["map", "check", "--strict"])
    assert result.exit_code == 0 and "OK: 0 error(s), 0 warning(s)" in result.output
