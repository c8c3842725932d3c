"""The target column tree: the shipped default, validation errors, display and per-site paths."""
import json

import pytest
from click.testing import CliRunner

from mappings.target_tree import TreeError, format_tree, load_tree, short_site_name, tree_for_workspace
from migrate.cli import cli
from site_inventory.workspace import init_workspace

STABLE_IDS = {"gzdt", "xzdt", "bmdt", "tzgg", "zcwj", "zcjd", "bszn", "fdzdgk", "xxgknb", "gkxx", "jgzn",
              "fzrxx", "ldxx", "zwdt", "xxgkzn", "xxgkzd", "zjdc", "zxzx", "wjzl", "hygz"}


def test_default_tree_has_the_structure_of_the_guideline():
    tree = load_tree()
    assert STABLE_IDS <= set(tree.by_id)
    assert [c.name for c in tree.children(None)] == ["信息发布", "通知公告", "政策文件", "解读回应", "办事服务",
                                                       "互动交流", "政府信息公开"]
    assert [c.name for c in tree.children("xxfb")] == ["概况信息", "机构职能", "负责人信息", "文件资料", "政务动态"]
    assert tree["xzdt"].template and "township" in tree["xzdt"].levels
    assert tree.names_path("xxgknb") == ["政府信息公开", "政府信息公开年报"]


def test_target_path_adds_the_per_site_child_only_for_template_columns():
    tree = load_tree()
    town = {"site_code": "3311270001", "name": "青溪县城关镇人民政府"}
    assert tree.target_path("xzdt", town) == "信息发布/政务动态/乡镇动态/青溪县城关镇"
    assert tree.target_path("tzgg", town) == "通知公告"
    assert short_site_name("青溪县农业农村局") == "青溪县农业农村局"


def test_format_tree_draws_branches_with_ids():
    lines = format_tree(load_tree())
    assert any(line.startswith("├── 信息发布 [xxfb]") for line in lines)
    assert any("└── 政府信息公开年报 [xxgknb] (notice)" in line for line in lines)
    assert any("│       ├── 工作动态 [gzdt]" in line for line in lines)


@pytest.mark.parametrize("columns, message", [
    ("- {id: a, name: A, kind: static}\n- {id: a, name: B, kind: static}", "duplicate id"),
    ("- {id: a, name: A, kind: static, parent: nope}", "unknown parent 'nope'"),
    ("- {id: a, name: A, kind: static, parent: b}\n- {id: b, name: B, kind: static, parent: a}", "cycle"),
    ("- {id: a, name: A, kind: news}", "kind 'news' is not one of"),
    ("- {id: 栏目, name: A, kind: static}", "id must be ASCII"),
    ("- {id: a, name: A, kind: static, template: '{town}'}", "unknown placeholder"),
    ("- {id: a, name: A, kind: static, levels: [village]}", "levels ['village']"),
    ("- {id: a, kind: static}", "'name' is required"),
    ("- {id: a, name: A, kind: static, colour: red}", "unknown field(s) colour"),
])
def test_invalid_trees_are_refused_naming_the_column(tmp_path, columns, message):
    path = tmp_path / "tree.yaml"
    path.write_text("columns:\n" + "\n".join("  " + line for line in columns.splitlines()), encoding="utf-8")
    with pytest.raises(TreeError) as info:
        load_tree(path)
    assert message in str(info.value) and str(path) in str(info.value)


def test_workspace_tree_from_config_relative_path(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    (ws.path / "province.yaml").write_text(
        "columns:\n  - {id: news, name: 新闻, kind: dynamic}\n  - {id: town, name: 镇街, kind: dynamic, parent: news,"
        " template: '{site_code}'}\n", encoding="utf-8")
    ws.config["mapping"]["target_tree"] = "province.yaml"
    ws.save_config()
    tree = tree_for_workspace(ws)
    assert list(tree.by_id) == ["news", "town"]
    assert tree.target_path("town", {"site_code": "3311270001", "name": "x"}) == "新闻/镇街/3311270001"
    result = CliRunner().invoke(cli, ["-w", str(ws.path), "columns", "target", "--json"])
    assert result.exit_code == 0, result.output
    assert [c["path"] for c in json.loads(result.output)["columns"]] == ["新闻", "新闻/镇街"]
    ws.close()


def test_columns_target_prints_the_default_tree(tmp_path):
    init_workspace(tmp_path / "ws").close()
    result = CliRunner().invoke(cli, ["-w", str(tmp_path / "ws"), "columns", "target"])
    assert result.exit_code == 0
    assert "乡镇动态 [xzdt]" in result.output and "per site: {short_name}" in result.output
