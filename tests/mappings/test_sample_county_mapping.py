"""Mapping the sample county: suggestions alone vs the planted true columns, and a reviewed mapping file.

The workspace comes from a real crawl and extraction of the county served on loopback (or, while
those stages are not in the tree, from records built out of what the pages show). Only this test
reads the manifest's true target columns.
"""
from pathlib import Path

import county_workspace
from mappings.apply import apply, assign
from mappings.check import check
from mappings.report import coverage
from mappings.rules import import_rules, load_rules
from mappings.suggest import suggest

DATA = Path(__file__).parent / "data"




def placed_correctly(ws, truth, rules=None):
    placed = {a.page_id: a.target_id for a in assign(ws, rules=rules)}
    return [p for p, target in truth.items() if placed.get(p) == target]


def test_suggestions_alone_place_at_least_90_percent_of_items_correctly(county_ws, sample_county):
    truth = county_workspace.true_targets(county_ws, sample_county.manifest)
    assert len(truth) >= 200
    suggest(county_ws)
    correct = placed_correctly(county_ws, truth, rules=load_rules(county_ws.db))
    assert len(correct) / len(truth) >= 0.9, f"{len(correct)}/{len(truth)}"


def test_reviewed_mapping_file_places_every_item(county_ws, sample_county):
    truth = county_workspace.true_targets(county_ws, sample_county.manifest)
    import_rules(county_ws, DATA / "county_reviewed.yaml")
    result = check(county_ws)
    assert result.ok, [p.message for p in result.errors]
    apply(county_ws)
    assert len(placed_correctly(county_ws, truth)) == len(truth)
    stored = dict(county_ws.db.execute("SELECT page_id, target_id FROM item_mappings").fetchall())
    assert all(stored[p] == t for p, t in truth.items())
    assert coverage(county_ws)["total"]["items"]["unmapped"] == 0


def test_accept_above_threshold_then_check_names_the_pending_columns(county_ws):
    suggest(county_ws, accept_above=0.8)
    result = check(county_ws)
    unmapped = [p for p in result.errors if p.code == "unmapped_column"]
    assert all("pending suggestion" in p.message for p in unmapped)
    pending = {(r.site_code, r.pattern) for r in load_rules(county_ws.db, status="suggested")}
    assert {(p.site_code, p.column) for p in unmapped} <= pending
    apply(county_ws)
    total = coverage(county_ws)["total"]["items"]
    assert total["mapped"] + total["unmapped"] == total["total"] and total["mapped"] > 0.8 * total["total"]


def test_demo_map_step_suggests_accepts_checks_and_applies(county_ws, tmp_path):
    from migrate.demo import MAP_ACCEPT_ABOVE, Demo, step_map

    lines = step_map(Demo(directory=tmp_path, workspace=county_ws))
    accepted = load_rules(county_ws.db, status="accepted")
    assert accepted and all(r.confidence >= MAP_ACCEPT_ABOVE for r in accepted)
    assert lines[0].endswith(f"{len(accepted)} accepted (confidence >= {MAP_ACCEPT_ABOVE})")
    assert lines[1].startswith("check: ") and lines[-1].startswith("TOTAL")
    applied = county_ws.db.execute("SELECT COUNT(*) FROM item_mappings").fetchone()[0]
    assert applied == county_ws.db.execute(
        "SELECT COUNT(*) FROM records WHERE site_code != '3311270000'").fetchone()[0]
