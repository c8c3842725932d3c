"""Suggestions, acceptance, apply and the coverage report on the mini county."""
import json

from click.testing import CliRunner

import mini_county
from mappings.apply import apply, assign
from mappings.report import coverage
from mappings.rules import Rule, load_rules, save_rules
from mappings.suggest import accept, suggest
from migrate.cli import cli


def item_urls(ws):
    return {row["page_id"]: row["url"] for row in ws.db.query(
        "SELECT page_id, r.url FROM records r JOIN sites s USING (site_code) "
        "WHERE page_type = 'article' AND s.action != 'keep'")}


def test_suggestions_alone_place_every_item_in_its_true_column(mini):
    suggestions = suggest(mini)
    rules = load_rules(mini.db)
    assert all(r.status == "suggested" and r.reason and 0 < r.confidence <= 1 for r in rules)
    placed = {a.page_id: a.target_id for a in assign(mini, rules=rules)}
    urls = item_urls(mini)
    wrong = {urls[p]: placed.get(p) for p in urls if placed.get(p) != mini_county.true_target(urls[p])}
    assert not wrong
    by_column = {(s.site_code, s.column_path): s for s in suggestions}
    town_news = by_column[(mini_county.TOWN, "政务公开 > 工作动态")]
    assert town_news.target_path == "信息发布/政务动态/乡镇动态/青溪县城关镇"
    assert "township sites' 工作动态 go to 乡镇动态" in town_news.rule.reason
    assert by_column[(mini_county.TOWN, "镇情简介")].rule.action == "static"
    tech = by_column[(mini_county.DEPT, "农技推广")]  # no name to go by: content decides, with less confidence
    assert tech.rule.target_id == "bmdt" and tech.rule.confidence < 0.8 and "content agrees" in tech.rule.reason
    assert {(s.rule.pattern, s.rule.action) for s in suggestions if s.rule.match == "page_type"} == {
        ("homepage", "homepage"), ("search_form", "drop")}


def test_accepting_above_a_threshold_keeps_the_rest_pending(mini):
    suggest(mini)
    accepted = accept(mini, above=0.8)
    assert accepted and all(r.confidence >= 0.8 for r in accepted)
    pending = load_rules(mini.db, status="suggested")
    assert pending and all(r.confidence < 0.8 for r in pending)
    again = suggest(mini)  # re-running replaces the pending suggestions only
    assert {s.rule.pattern for s in again} == {r.pattern for r in pending}
    assert len(load_rules(mini.db, status="accepted")) == len(accepted)


def test_decisions_for_other_sites_are_reused(mini):
    save_rules(mini.db, [Rule("column", "农技推广", "map", "bmdt", site_code=mini_county.DEPT)])
    mini.db["sites"].insert({"site_code": "3311270006", "name": "青溪县林业局", "url": "http://lyj2.example/",
                             "level": "department", "action": "migrate", "created_at": "x", "updated_at": "x"})
    b = mini_county.Builder(mini)
    b.next_id = 1000
    b.record("3311270006", "http://lyj2.example/njtg/index.html", "list", "农技推广", breadcrumb=["首页", "农技推广"])
    b.record("3311270006", "http://lyj2.example/njtg/202301/t20230101_1.html", title="林业技术培训", body="培训")
    mini.db.conn.commit()
    (s,) = [s for s in suggest(mini) if s.site_code == "3311270006"]
    assert s.rule.target_id == "bmdt" and s.rule.confidence >= 0.85
    assert "accepted for 1 other department site(s) with a column named 农技推广" in s.rule.reason


def test_apply_records_every_page_with_its_rule(mini):
    suggest(mini, accept_above=0.0)
    assignments = apply(mini)
    rows = {r["page_id"]: r for r in mini.db.query("SELECT * FROM item_mappings")}
    assert len(rows) == len(assignments) == mini.db.execute(
        "SELECT COUNT(*) FROM records WHERE site_code != ?", [mini_county.PORTAL]).fetchone()[0]
    rules = {r.id: r for r in load_rules(mini.db)}
    for row in rows.values():
        assert row["action"] != "unmapped" and rules[row["rule_id"]].action == row["action"]
    homepage = mini.db.execute("SELECT m.action, m.target_path FROM item_mappings m JOIN records r USING (page_id) "
                               "WHERE r.page_type = 'homepage'").fetchall()
    assert homepage == [("homepage", "信息发布/政务动态/乡镇动态/青溪县城关镇"),
                        ("homepage", "信息发布/政务动态/部门动态/青溪县农业农村局")]
    static = mini.db.execute("SELECT m.action, m.target_path FROM item_mappings m JOIN records r USING (page_id) "
                             "WHERE r.url LIKE '%col1279%'").fetchone()
    assert static == ("static", "信息发布/概况信息")


def test_unmatched_pages_are_recorded_as_unmapped_and_reported(mini):
    save_rules(mini.db, [Rule("column", "通知公告", "map", "tzgg", site_code=mini_county.TOWN),
                         Rule("column", "通知公告", "drop", site_code=mini_county.OLD)])
    apply(mini)
    counts = dict(mini.db.execute("SELECT action, COUNT(*) FROM item_mappings GROUP BY action").fetchall())
    assert counts == {"map": 4, "drop": 3, "unmapped": counts["unmapped"]} and counts["unmapped"] > 10
    report = coverage(mini)
    town = next(s for s in report["sites"] if s["site_code"] == mini_county.TOWN)
    assert town["items"] == {"total": 11, "mapped": 3, "dropped": 0, "homepage": 0, "unmapped": 8,
                             "coverage": round(3 / 11, 4)}
    assert town["columns"] == {"total": 3, "mapped": 1, "dropped": 0, "unmapped": 2}
    old = next(s for s in report["sites"] if s["site_code"] == mini_county.OLD)
    assert old["items"]["dropped"] == 2 and old["columns"]["dropped"] == 1
    assert report["total"]["items"]["total"] == 11 + 9 + 2
    assert mini_county.PORTAL not in {s["site_code"] for s in report["sites"]}


def test_cli_suggest_accept_export_import_apply_report(mini, tmp_path):
    runner = CliRunner()
    ws = ["-w", str(mini.path)]
    result = runner.invoke(cli, ws + ["map", "suggest", "--json"])
    assert result.exit_code == 0, result.output
    assert {s["target_id"] for s in json.loads(result.output)} >= {"xzdt", "bmdt", "tzgg", "zcwj", "gkxx"}
    result = runner.invoke(cli, ws + ["map", "accept", "--above", "0.9"])
    assert result.exit_code == 0 and "suggestion(s) accepted" in result.output
    assert runner.invoke(cli, ws + ["map", "check"]).exit_code == 1  # low-confidence columns still pending
    path = tmp_path / "mapping.xlsx"
    assert runner.invoke(cli, ws + ["map", "export", str(path)]).exit_code == 0
    assert runner.invoke(cli, ws + ["map", "import", str(path)]).output.endswith("0 added, 0 removed, "
                                                                                  f"{len(load_rules(mini.db))} unchanged\n")
    runner.invoke(cli, ws + ["map", "accept", "--above", "0"])
    result = runner.invoke(cli, ws + ["map", "apply"])
    assert result.exit_code == 0 and "TOTAL" in result.output and "100.0%" in result.output
    data = json.loads(runner.invoke(cli, ws + ["map", "report", "--json"]).output)
    assert data["total"]["items"]["unmapped"] == 0 and data["total"]["items"]["coverage"] == 1.0
