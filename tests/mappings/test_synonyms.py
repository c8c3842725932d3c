"""Chinese-aware name similarity and the editable synonym dictionary."""
import pytest

from mappings.synonyms import SynonymsError, load_synonyms, synonyms_for_workspace
from site_inventory.workspace import init_workspace


@pytest.fixture(scope="module")
def synonyms():
    return load_synonyms()


@pytest.mark.parametrize("a, b", [("工作动态", "政务动态"), ("政务动态", "动态信息"), ("工作动态", "动态信息"),
                                  ("通知公告", "公示公告"), ("镇情简介", "概况信息"), ("政务资讯", "工作动态"),
                                  ("本镇工作动态", "工作动态"), ("通知公告栏目", "通知公告")])
def test_names_meaning_the_same_column_score_high(synonyms, a, b):
    score, reason = synonyms.similarity(a, b)
    assert score >= 0.85, reason


@pytest.mark.parametrize("a, b", [("通知公告", "办事指南"), ("领导信箱", "政策文件"), ("机构职能", "工作动态")])
def test_unrelated_names_score_low(synonyms, a, b):
    assert synonyms.similarity(a, b)[0] < 0.3


def test_the_sites_own_name_is_ignored(synonyms):
    score, reason = synonyms.similarity("城关镇动态", "工作动态", site_names=("城关镇",))
    assert score >= 0.85 and "动态" in reason
    assert synonyms.similarity("城关镇", "城关镇", site_names=("城关镇",))[0] == 1.0  # never trimmed to nothing


def test_partial_overlap_scores_between(synonyms):
    score, _ = synonyms.similarity("监管动态", "部门动态")
    assert 0.3 < score < 0.85


def test_workspace_dictionary_replaces_the_shipped_one(tmp_path):
    ws = init_workspace(tmp_path / "ws")
    (ws.path / "syn.yaml").write_text("groups:\n  - [农技推广, 部门动态]\n", encoding="utf-8")
    ws.config["mapping"]["synonyms"] = "syn.yaml"
    assert synonyms_for_workspace(ws).similarity("农技推广", "部门动态")[0] == 0.9
    ws.close()


@pytest.mark.parametrize("text, message", [("groups: [[工作动态]]", "at least two names"),
                                           ("groups: 工作动态", "must be a list"),
                                           ("strip: {prefixes: 本镇}", "strip.prefixes must be a list"),
                                           ("groups: [", "not valid YAML")])
def test_bad_dictionary_is_refused(tmp_path, text, message):
    path = tmp_path / "syn.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SynonymsError, match=message):
        load_synonyms(path)
