"""Inventory import/list/export/show on real files (CSV in several encodings, XLSX) and real SQLite."""
import json

import openpyxl
import pytest
from click.testing import CliRunner

from migrate.cli import cli
from migrate.cli.inventory import _width, format_table
from site_inventory.inventory import (
    InventoryError,
    Site,
    UnknownSite,
    export_inventory,
    get_site,
    import_inventory,
    list_sites,
)
from site_inventory.workspace import init_workspace

HEADER = "site_code,name,url,aliases,level,parent_code,action,owner"
COUNTY = "3311270001,青溪县人民政府,http://www.qingxi.example.gov.cn/,qingxi.example.gov.cn,county,,keep,青溪县人民政府办公室"
TOWN = "3311270002,青溪镇人民政府,http://zhen1.qingxi.example.gov.cn/,old.zhen1.example.gov.cn;zhen1.example.cn,township,3311270001,migrate,青溪镇"
DEPT = "3311270003,青溪县水利局,https://slj.qingxi.example.gov.cn/,,department,3311270001,close,"
ZH_HEADER = "网站标识码,网站名称,网址,别名,级别,上级标识码,处置方式,主办单位"
ZH_ROWS = [
    "3311270001,青溪县人民政府,http://www.qingxi.example.gov.cn/,qingxi.example.gov.cn,县级,,保留,青溪县人民政府办公室",
    "3311270002,青溪镇人民政府,http://zhen1.qingxi.example.gov.cn/,old.zhen1.example.gov.cn；zhen1.example.cn,乡镇,3311270001,迁移,青溪镇",
    "3311270003,青溪县水利局,https://slj.qingxi.example.gov.cn/,,部门,3311270001,关停,",
]
EXPECTED = [
    Site("3311270001", "青溪县人民政府", "http://www.qingxi.example.gov.cn/", ["qingxi.example.gov.cn"], "county",
         None, "keep", "青溪县人民政府办公室"),
    Site("3311270002", "青溪镇人民政府", "http://zhen1.qingxi.example.gov.cn/",
         ["old.zhen1.example.gov.cn", "zhen1.example.cn"], "township", "3311270001", "migrate", "青溪镇"),
    Site("3311270003", "青溪县水利局", "https://slj.qingxi.example.gov.cn/", [], "department", "3311270001",
         "close", None),
]


@pytest.fixture
def ws(tmp_path):
    workspace = init_workspace(tmp_path / "ws")
    yield workspace
    workspace.close()


def write(path, lines, encoding="utf-8"):
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def all_rows(ws):
    return list(ws.db.query("SELECT * FROM sites ORDER BY site_code"))


@pytest.mark.parametrize("encoding,expected_codec", [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb2312", "gb18030"),
    ("gb18030", "gb18030"),
])
@pytest.mark.parametrize("header,rows", [(HEADER, [COUNTY, TOWN, DEPT]), (ZH_HEADER, ZH_ROWS)], ids=["en", "zh"])
def test_import_csv_in_each_encoding(ws, tmp_path, encoding, expected_codec, header, rows):
    report = import_inventory(ws, write(tmp_path / "sites.csv", [header] + rows, encoding))
    assert report.encoding == expected_codec
    assert report.added == ["3311270001", "3311270002", "3311270003"]
    assert list_sites(ws) == EXPECTED


def test_import_utf16_tab_separated(ws, tmp_path):
    """Excel's 'Unicode text' export: UTF-16 with BOM, tab separated."""
    lines = [line.replace(",", "\t") for line in [ZH_HEADER] + ZH_ROWS]
    report = import_inventory(ws, write(tmp_path / "sites.txt", lines, "utf-16"))
    assert report.encoding == "utf-16" and list_sites(ws) == EXPECTED


def test_import_xlsx_with_title_row_and_numeric_codes(ws, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["青溪县政府网站清单（2024年）"])
    sheet.append(ZH_HEADER.split(","))
    for line in ZH_ROWS:
        cells = line.split(",")
        cells[0] = int(cells[0])  # Excel turns typed codes into numbers
        cells[5] = float(cells[5]) if cells[5] else None
        sheet.append(cells)
    book.create_sheet("备注")
    book.save(tmp_path / "sites.xlsx")
    report = import_inventory(ws, tmp_path / "sites.xlsx")
    assert report.encoding == "xlsx"
    assert list_sites(ws) == EXPECTED
    assert any("above the header" in w for w in report.warnings)
    assert any("备注" in w for w in report.warnings)


def test_xlsx_errors_name_the_sheet_row(ws, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["title"])
    sheet.append(HEADER.split(","))
    sheet.append(COUNTY.split(","))
    sheet.append(DEPT.replace("https://", "ftp://").split(","))
    book.save(tmp_path / "sites.xlsx")
    with pytest.raises(InventoryError) as info:
        import_inventory(ws, tmp_path / "sites.xlsx")
    [error] = info.value.errors
    assert (error.row, error.column, error.value) == (4, "url", "ftp://slj.qingxi.example.gov.cn/")


BAD_CASES = {
    # name: (rows after the header, row, column, value, words in the message)
    "short code": ([COUNTY, TOWN.replace("3311270002", "33112700", 1)], 3, "site_code", "33112700", "10 characters"),
    "letters in code": ([COUNTY.replace("3311270001", "33112a0001")], 2, "site_code", "33112a0001", "10 characters"),
    "bm code too short": ([COUNTY.replace("3311270001", "bm5500001")], 2, "site_code", "bm5500001", "'bm' + 8"),
    "ftp url": ([COUNTY, DEPT.replace("https://", "ftp://")], 3, "url", "ftp://slj.qingxi.example.gov.cn/", "http"),
    "url without scheme": ([COUNTY.replace("http://www", "www")], 2, "url", "www.qingxi.example.gov.cn/", "http"),
    "url without host": ([COUNTY.replace("http://www.qingxi.example.gov.cn/", "http:///x")], 2, "url", "http:///x",
                         "host"),
    "level": ([COUNTY.replace(",county,", ",town,")], 2, "level", "town", "level must be one of"),
    "action": ([COUNTY.replace(",keep,", ",delete,")], 2, "action", "delete", "action must be one of"),
    "missing parent": ([COUNTY, TOWN.replace(",3311270001,", ",3311279999,")], 3, "parent_code", "3311279999",
                       "neither in this file nor in the workspace"),
    "malformed parent": ([COUNTY, TOWN.replace(",3311270001,", ",33-11,")], 3, "parent_code", "33-11",
                         "not a site code"),
    "own parent": ([COUNTY.replace(",county,,", ",county,3311270001,")], 2, "parent_code", "3311270001",
                   "own parent"),
    "duplicate code": ([COUNTY, DEPT, DEPT.replace("slj.", "jyj.")], 4, "site_code", "3311270003", "also on row 3"),
    "duplicate url host": ([COUNTY, DEPT, TOWN.replace("zhen1.qingxi", "slj.qingxi").replace("http://", "https://")],
                           4, "url", "https://slj.qingxi.example.gov.cn/", "already belongs to the site 3311270003"),
    "alias is another site's host": ([COUNTY, DEPT.replace(",,department", ",www.qingxi.example.gov.cn,department")],
                                     3, "aliases", "www.qingxi.example.gov.cn", "3311270001 (row 2)"),
    "alias repeats own host": ([COUNTY.replace(",qingxi.example.gov.cn,", ",www.qingxi.example.gov.cn,")], 2,
                               "aliases", "www.qingxi.example.gov.cn", "listed twice"),
    "alias is a url": ([COUNTY.replace(",qingxi.example.gov.cn,", ",http://qingxi.example.gov.cn/,")], 2, "aliases",
                       "http://qingxi.example.gov.cn/", "not a URL"),
    "alias bad characters": ([COUNTY.replace(",qingxi.example.gov.cn,", ",qing_xi.example.gov.cn,")], 2, "aliases",
                             "qing_xi.example.gov.cn", "not a valid host name"),
    "empty name": ([COUNTY, DEPT.replace("青溪县水利局", "")], 3, "name", "", "name is required"),
    "empty url": ([COUNTY.replace("http://www.qingxi.example.gov.cn/", "")], 2, "url", "", "url is required"),
}


@pytest.mark.parametrize("case", BAD_CASES, ids=list(BAD_CASES))
def test_each_validation_error_names_row_column_value(ws, tmp_path, case):
    rows, row, column, value, words = BAD_CASES[case]
    with pytest.raises(InventoryError) as info:
        import_inventory(ws, write(tmp_path / "bad.csv", [HEADER] + rows))
    errors = info.value.errors
    assert [(e.row, e.column, e.value) for e in errors] == [(row, column, value)], errors
    assert words in errors[0].message
    assert f"row {row}" in str(info.value)
    assert all_rows(ws) == []


def test_parent_loop_is_an_error(ws, tmp_path):
    a = COUNTY.replace(",county,,", ",county,3311270002,")
    with pytest.raises(InventoryError) as info:
        import_inventory(ws, write(tmp_path / "loop.csv", [HEADER, a, TOWN]))
    assert [(e.row, e.column) for e in info.value.errors] == [(2, "parent_code"), (3, "parent_code")]
    assert all("loop" in e.message for e in info.value.errors)


def test_errors_use_the_column_as_written_in_chinese_header(ws, tmp_path):
    rows = [ZH_ROWS[0], ZH_ROWS[1].replace(",乡镇,", ",村,")]
    with pytest.raises(InventoryError) as info:
        import_inventory(ws, write(tmp_path / "zh.csv", [ZH_HEADER] + rows, "gbk"))
    [error] = info.value.errors
    assert (error.row, error.column, error.value) == (3, "级别", "村")


@pytest.mark.parametrize("header,words", [
    (HEADER.replace(",action", ""), "required column missing: write 'action' or '处置方式'"),
    (HEADER.replace(",owner", ",网站标识码"), "column repeats 'site_code'"),
])
def test_header_errors_are_on_row_1(ws, tmp_path, header, words):
    with pytest.raises(InventoryError) as info:
        import_inventory(ws, write(tmp_path / "h.csv", [header, "3311270001,a,http://a.gov.cn/,,county,,keep,x"]))
    assert info.value.errors[0].row == 1 and words in info.value.errors[0].message


def test_host_already_in_workspace_is_an_error(ws, tmp_path):
    import_inventory(ws, write(tmp_path / "one.csv", [HEADER, COUNTY]))
    other = "3311270009,别的站,http://qingxi.example.gov.cn/,,county,,keep,"
    with pytest.raises(InventoryError, match="already belongs to the site 3311270001 \\(the workspace inventory\\)"):
        import_inventory(ws, write(tmp_path / "two.csv", [HEADER, other]))


def test_parent_may_come_from_the_workspace(ws, tmp_path):
    import_inventory(ws, write(tmp_path / "one.csv", [HEADER, COUNTY]))
    report = import_inventory(ws, write(tmp_path / "two.csv", [HEADER, TOWN]))
    assert report.added == ["3311270002"] and report.not_in_file == ["3311270001"]
    assert get_site(ws, "3311270002").parent_code == "3311270001"


def test_every_error_is_reported_at_once(ws, tmp_path):
    rows = [COUNTY.replace(",keep,", ",x,"), TOWN.replace("http://", "gopher://"), DEPT.replace("3311270003", "1")]
    with pytest.raises(InventoryError) as info:
        import_inventory(ws, write(tmp_path / "bad.csv", [HEADER] + rows))
    assert [(e.row, e.column) for e in info.value.errors] == [(2, "action"), (3, "url"), (4, "site_code")]


def test_one_bad_row_writes_nothing_even_on_reimport(ws, tmp_path):
    import_inventory(ws, write(tmp_path / "first.csv", [HEADER, COUNTY, TOWN]))
    before = all_rows(ws)
    rows = [COUNTY.replace("青溪县人民政府,", "改名,", 1), TOWN, DEPT.replace(",close,", ",burn,")]
    with pytest.raises(InventoryError) as info:
        import_inventory(ws, write(tmp_path / "second.csv", [HEADER] + rows))
    assert len(info.value.errors) == 1
    assert all_rows(ws) == before


def test_reimport_reports_added_updated_unchanged(ws, tmp_path):
    import_inventory(ws, write(tmp_path / "first.csv", [HEADER, COUNTY, TOWN]))
    first = {r["site_code"]: r for r in all_rows(ws)}
    town = TOWN.replace(",migrate,", ",close,")
    report = import_inventory(ws, write(tmp_path / "second.csv", [HEADER, COUNTY, town, DEPT]))
    assert (report.added, report.updated, report.unchanged) == (["3311270003"], ["3311270002"], ["3311270001"])
    assert report.changes == {"3311270002": {"action": ["migrate", "close"]}}
    second = {r["site_code"]: r for r in all_rows(ws)}
    assert second["3311270002"]["action"] == "close"
    assert second["3311270002"]["created_at"] == first["3311270002"]["created_at"]
    assert second["3311270001"] == first["3311270001"]
    again = import_inventory(ws, tmp_path / "second.csv")
    assert (again.added, again.updated, len(again.unchanged)) == ([], [], 3)


def test_dry_run_writes_nothing(ws, tmp_path):
    import_inventory(ws, write(tmp_path / "first.csv", [HEADER, COUNTY]))
    before = all_rows(ws)
    county = COUNTY.replace(",keep,", ",migrate,")
    report = import_inventory(ws, write(tmp_path / "second.csv", [HEADER, county, TOWN]), dry_run=True)
    assert report.dry_run and report.added == ["3311270002"] and report.updated == ["3311270001"]
    assert all_rows(ws) == before


def test_unknown_columns_and_blank_rows(ws, tmp_path):
    lines = [HEADER + ",备注", COUNTY + ",重点", ",,,,,,,", TOWN + ","]
    report = import_inventory(ws, write(tmp_path / "extra.csv", lines))
    assert report.added == ["3311270001", "3311270002"]
    assert any("'备注'" in w for w in report.warnings)


@pytest.mark.parametrize("name,content,words", [
    ("sites.xls", b"\xd0\xcf\x11\xe0", "save the sheet as .xlsx"),
    ("sites.csv", b"site_code,name\n\x81\x20\xff\xfe\n", "neither UTF-8 nor GBK"),
    ("sites.xlsx", b"not a zip", "not a readable XLSX"),
    ("sites.csv", b"", "required column missing"),
    ("sites.csv", HEADER.encode() + b"\n", "lists no sites"),
])
def test_unreadable_files(ws, tmp_path, name, content, words):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(InventoryError, match=words):
        import_inventory(ws, tmp_path / name)


def test_bm_codes_and_case(ws, tmp_path):
    row = "BM55000001,国务院某部,https://www.example.gov.cn/,WWW2.Example.gov.cn.,department,,keep,"
    import_inventory(ws, write(tmp_path / "bm.csv", [HEADER, row]))
    site = get_site(ws, "bm55000001")
    assert site.site_code == "bm55000001" and site.aliases == ["www2.example.gov.cn"]
    assert site.hosts == ["www.example.gov.cn", "www2.example.gov.cn"]
    with pytest.raises(UnknownSite, match="3311270001"):
        get_site(ws, "3311270001")


@pytest.mark.parametrize("name", ["out.csv", "out.xlsx"])
@pytest.mark.parametrize("chinese", [False, True])
def test_export_round_trips(ws, tmp_path, name, chinese):
    import_inventory(ws, write(tmp_path / "in.csv", [HEADER, COUNTY, TOWN, DEPT]))
    assert export_inventory(ws, tmp_path / name, chinese=chinese) == 3
    if name.endswith(".csv"):
        data = (tmp_path / name).read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        assert ("网站标识码" in data.decode("utf-8-sig")) == chinese
    fresh = init_workspace(tmp_path / "fresh")
    report = import_inventory(fresh, tmp_path / name)
    assert report.warnings == [] and list_sites(fresh) == EXPECTED
    assert import_inventory(ws, tmp_path / name).unchanged == [s.site_code for s in EXPECTED]


def test_export_unknown_extension(ws, tmp_path):
    with pytest.raises(InventoryError, match="unknown file type"):
        export_inventory(ws, tmp_path / "out.doc")


def test_cli_import_list_show_export(ws, tmp_path):
    path = write(tmp_path / "in.csv", [ZH_HEADER] + ZH_ROWS, "gbk")
    runner = CliRunner()
    base = ["-w", str(ws.path), "inventory"]
    dry = runner.invoke(cli, base + ["import", str(path), "--dry-run"])
    assert dry.exit_code == 0 and "Dry run" in dry.output and list_sites(ws) == []
    done = runner.invoke(cli, base + ["import", str(path)])
    assert done.exit_code == 0, done.output
    assert "3 added, 0 updated, 0 unchanged" in done.output and "gb18030" in done.output
    listed = runner.invoke(cli, base + ["list", "--json"])
    assert [s["site_code"] for s in json.loads(listed.output)] == [s.site_code for s in EXPECTED]
    table = runner.invoke(cli, base + ["list"])
    assert "青溪县水利局" in table.output and "township 乡镇" in table.output
    shown = runner.invoke(cli, base + ["show", "3311270001", "--json"])
    assert json.loads(shown.output)["children"] == ["3311270002", "3311270003"]
    text = runner.invoke(cli, base + ["show", "3311270002"])
    assert "3311270001 青溪县人民政府" in text.output
    exported = runner.invoke(cli, base + ["export", str(tmp_path / "out.xlsx")])
    assert exported.exit_code == 0 and (tmp_path / "out.xlsx").exists()
    unknown = runner.invoke(cli, base + ["show", "3311279999"])
    assert unknown.exit_code == 2 and "no site with code" in unknown.output


def test_cli_bad_file_exits_2_with_every_error(ws, tmp_path):
    rows = [COUNTY.replace(",keep,", ",x,"), TOWN.replace("http://", "ftp://")]
    path = write(tmp_path / "bad.csv", [HEADER] + rows)
    runner = CliRunner()
    result = runner.invoke(cli, ["-w", str(ws.path), "inventory", "import", str(path)])
    assert result.exit_code == 2
    assert "row 2, column action" in result.output and "row 3, column url" in result.output
    as_json = runner.invoke(cli, ["-w", str(ws.path), "inventory", "import", str(path), "--json"])
    assert as_json.exit_code == 2
    assert [(e["row"], e["column"]) for e in json.loads(as_json.output)["errors"]] == [(2, "action"), (3, "url")]
    assert list_sites(ws) == []


def test_table_aligns_chinese_columns():
    rows = [["1", "青溪县人民政府", "x"], ["22", "abc", "y"]]
    lines = format_table(["code", "name", "url"], rows).splitlines()
    starts = {_width(line[: line.rindex(" ") + 1]) for line in (lines[0], lines[2], lines[3])}
    assert len(starts) == 1
