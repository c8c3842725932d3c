"""The parent's tree from its crawl on a real county portal (柘城县, EmpireCMS, an HTTrack mirror in
../shared/estates) served over https on loopback; skipped with the reason when the mirror is absent."""
import re

from click.testing import CliRunner

from mappings.target_tree import load_tree
from migrate.cli import cli
from real_estate import ZHECHENG, zhecheng_workspace  # noqa: F401  (fixture)

TOP = {"ywdt": "要闻动态", "xxgk": "信息公开"}


def test_every_section_page_of_its_two_main_columns_is_in_the_tree_with_its_https_url(zhecheng_workspace, tmp_path):
    folder, _, mirror = zhecheng_workspace
    out = tmp_path / "tree.yaml"
    result = CliRunner().invoke(cli, ["-w", str(folder), "columns", "target", "--from-site", ZHECHENG[1], "-o", str(out)])
    assert result.exit_code == 0, result.output
    tree = load_tree(out)
    assert all(c.url.startswith(f"https://{mirror.host}/") for c in tree.columns if c.url)  # not the http twin
    by_url = {c.url.removesuffix("index.html"): c for c in tree.columns if c.url}
    section = re.compile(rf"^https://{re.escape(mirror.host)}/({'|'.join(TOP)})/(?:[a-z0-9]+/)*(?:index\.html)?$")
    from site_inventory.workspace import open_workspace

    ws = open_workspace(folder)
    try:
        pages = [u for (u,) in ws.db.execute("SELECT url FROM pages WHERE status = 200") if section.match(u)]
    finally:
        ws.close()
    assert len(pages) >= 10
    placed = {}
    for url in pages:
        column = by_url.get(url.removesuffix("index.html"))
        chain = tree.ancestors(column.id) + [column] if column else []
        placed[url] = chain[0].name if chain else None
    assert placed == {url: TOP[section.match(url)[1]] for url in pages}
    names = {c.name for c in tree.columns}
    assert {"柘城要闻", "乡镇动态", "部门动态", "政府信息公开目录", "信息公开年报"} <= names
