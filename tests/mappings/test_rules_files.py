"""Rules: matching, and the planners' YAML/CSV/XLSX round trip (lossless, Chinese intact, BOM)."""
import csv

import pytest
from openpyxl import Workbook, load_workbook

from mappings.rules import Item, Rule, RuleError, first_match, import_rules, load_rules, read_rules_file, \
    save_rules, write_rules_file
from mappings.target_tree import load_tree

RULES = [
    Rule("page_type", "homepage", "homepage", status="accepted", confidence=0.95, reason="首页指向上级网站"),
    Rule("column", "政务公开 > 工作动态", "map", "xzdt", site_code="3311270001", status="suggested",
         confidence=0.873, reason='name 1.00 vs 工作动态: same name; "quoted", comma, 逗号，'),
    Rule("column_prefix", "政务公开", "map", "zfxxgk", site_code="3311270001"),
    Rule("url_regex", r"^http://lyj\.example\.gov\.cn/news_show\.asp\?id=6\d\d$", "drop", site_code="bm55000001"),
    Rule("title_keyword", "年度报告|年报", "static", "xxgknb", confidence=0.5, reason="多行\n原因"),
]


def fields(rule):
    return (rule.position, rule.site_code, rule.match, rule.pattern, rule.action, rule.target_id, rule.status,
            rule.confidence, rule.reason)


def numbered():
    for position, rule in enumerate(RULES, 1):
        rule.position = position
    return RULES


@pytest.mark.parametrize("suffix", [".yaml", ".csv", ".xlsx"])
def test_round_trip_is_lossless(tmp_path, suffix):
    path = write_rules_file(numbered(), tmp_path / f"mapping{suffix}", load_tree())
    assert [fields(r) for r in read_rules_file(path)] == [fields(r) for r in RULES]


def test_csv_is_utf8_with_bom_and_readable_by_excel_style_readers(tmp_path):
    path = write_rules_file(numbered(), tmp_path / "mapping.csv", load_tree())
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "政务公开 > 工作动态".encode() in raw
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines(keepends=True)))
    assert rows[1]["target_path"] == "信息发布/政务动态/乡镇动态" and rows[1]["site_code"] == "3311270001"


def test_xlsx_keeps_site_codes_as_text_and_accepts_numbers_typed_by_planners(tmp_path):
    path = write_rules_file(numbered(), tmp_path / "mapping.xlsx", load_tree())
    sheet = load_workbook(path).active
    assert sheet["B3"].value == "3311270001" and sheet["B3"].data_type == "s"
    book = Workbook()
    book.active.append(["position", "site_code", "match", "pattern", "action", "target_id"])
    book.active.append([1, 3311270001, "column", "通知公告", "map", "tzgg"])
    book.save(tmp_path / "typed.xlsx")
    (rule,) = read_rules_file(tmp_path / "typed.xlsx")
    assert rule.site_code == "3311270001" and rule.status == "accepted"


def test_positions_order_rules_and_blank_positions_follow_the_row_above(tmp_path):
    path = tmp_path / "edited.csv"
    path.write_text("position,match,pattern,action,target_id\n3,column,c,map,tzgg\n1,column,a,map,tzgg\n"
                    ",column,a2,map,tzgg\n2.5,column,b,map,tzgg\n", encoding="utf-8-sig")
    assert [(r.position, r.pattern) for r in read_rules_file(path)] == [(1, "a"), (2, "a2"), (3, "b"), (4, "c")]


def test_gbk_csv_saved_by_excel_is_read(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("match,pattern,action,target_id\ncolumn,通知公告,map,tzgg\n".encode("gbk"))
    assert read_rules_file(path)[0].pattern == "通知公告"


@pytest.mark.parametrize("body, message", [
    ("match,pattern,action,target_id\ncolumn,通知公告,move,tzgg\n", "row 2: action 'move' is not one of"),
    ("match,pattern,action,target_id\ncolumn,a,map,tzgg\ncolumn,b,map,\n", "row 3: action 'map' needs a target_id"),
    ("match,pattern,action\nurl_regex,(,drop\n", "row 2: url_regex '(' does not compile"),
    ("match,pattern,action\nshape,x,drop\n", "row 2: match 'shape' is not one of"),
    ("match,pattern,action,confidence\ncolumn,x,drop,high\n", "row 2: confidence 'high' is not a number"),
    ("match,pattern\ncolumn,x\n", "header row lacks column(s) action"),
    ("match,pattern,action,colour\ncolumn,x,drop,red\n", "unknown column(s) colour"),
])
def test_bad_rows_are_named_and_nothing_is_imported(tmp_path, mini, body, message):
    save_rules(mini.db, [Rule("column", "通知公告", "map", "tzgg")])
    path = tmp_path / "bad.csv"
    path.write_text(body, encoding="utf-8-sig")
    with pytest.raises(RuleError) as info:
        import_rules(mini, path)
    assert message in str(info.value) and str(path) in str(info.value)
    assert [r.pattern for r in load_rules(mini.db)] == ["通知公告"]


def test_unknown_file_type_and_bad_yaml(tmp_path):
    with pytest.raises(RuleError, match="unknown rules file type .txt"):
        write_rules_file(RULES, tmp_path / "m.txt")
    (tmp_path / "m.yaml").write_text("rules:\n  - {match: column, pattern: x, action: map, target: tzgg, "
                                     "colour: red}\n", encoding="utf-8")
    with pytest.raises(RuleError, match="rule #1: unknown field"):
        read_rules_file(tmp_path / "m.yaml")


def test_import_replaces_rules_and_counts_changes(tmp_path, mini):
    save_rules(mini.db, [Rule("column", "通知公告", "map", "tzgg"), Rule("column", "旧栏目", "drop")])
    path = write_rules_file([Rule("column", "通知公告", "map", "tzgg"), Rule("column", "镇情简介", "static", "gkxx")],
                            tmp_path / "m.yaml")
    assert import_rules(mini, path) == {"rules": 2, "added": 1, "removed": 1, "unchanged": 1}
    assert [(r.position, r.pattern) for r in load_rules(mini.db)] == [(1, "通知公告"), (2, "镇情简介")]


def test_first_match_follows_order_site_and_kind():
    item = Item(1, "3311270001", "http://x/art/2023/1/1/art_1_2.html", "2022年政府信息公开工作年度报告", "article",
                "政务公开 > 通知公告")
    rules = [Rule("column", "政务公开 > 通知公告", "map", "tzgg", site_code="3311270002"),
             Rule("title_keyword", "年度报告|年报", "map", "xxgknb"),
             Rule("column_prefix", "政务公开", "map", "zfxxgk")]
    assert first_match(rules, item).target_id == "xxgknb"
    assert first_match(rules[2:], item).target_id == "zfxxgk"
    assert not Rule("column_prefix", "政务", "map", "x").matches(item)  # prefixes match whole names
    assert Rule("url_regex", r"art_1_\d+", "drop").matches(item)
    assert Rule("page_type", "article", "drop").matches(item)


def test_rule_index_agrees_with_trying_every_rule_in_order():
    import itertools
    import random

    from mappings.rules import RuleIndex

    rng = random.Random(7)
    paths = ["政务公开", "政务公开 > 通知公告", "政务公开 > 工作动态", "通知公告", "办事服务 > 办事指南", None]
    sites = ["3311270001", "3311270002"]
    rules = []
    for _ in range(40):
        kind = rng.choice(["column", "column_prefix", "url_regex", "title_keyword", "page_type"])
        pattern = {"column": rng.choice(paths[:-1]), "column_prefix": rng.choice(["政务公开", "通知公告", "办事服务"]),
                   "url_regex": rng.choice([r"/art/", r"id=\d$", r"col12"]), "title_keyword": rng.choice(["通知", "年报|公示"]),
                   "page_type": rng.choice(["list", "article"])}[kind]
        rules.append(Rule(kind, pattern, "drop", site_code=rng.choice(sites + [None])))
    index = RuleIndex(rules)
    for n, (path, site) in enumerate(itertools.product(paths, sites)):
        for url, title, page_type in [("http://x/art/1.html", "关于x的通知", "article"), ("http://x/col12/?id=3", "年报", "list")]:
            item = Item(n, site, url, title, page_type, path)
            brute = [i for i, r in enumerate(rules) if r.applies_to_site(site) and r.matches(item)]
            assert index.matching(item) == brute
            assert index.first(item) is first_match(rules, item)
