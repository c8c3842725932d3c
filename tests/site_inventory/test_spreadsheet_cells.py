"""Crawled text in the planners' spreadsheets: no cell is ever a formula, and re-import is lossless.

Every CSV and XLSX the tool writes (inventory export, audit report, mapping rules, redirects
CSV) goes through ``site_inventory.tabular``. Each test writes real files with hostile text
(OWASP CSV injection: cells starting with = + - @ tab or CR), reads them back, and, where
LibreOffice is installed, opens them in it headless to check that it evaluates nothing.
"""
from __future__ import annotations

import csv
import shutil
import subprocess
import zipfile

import openpyxl
import pytest

from audit_builder import Builder
from mappings.rules import Rule, read_rules_file, write_rules_file
from site_inventory.audit import formats
from site_inventory.audit.run import audit
from site_inventory.inventory import export_inventory, import_inventory, list_sites
from site_inventory.tabular import Sheet, escape_cell, read_table, unescape_cell, write_csv, write_table, write_xlsx
from site_inventory.workspace import init_workspace

HOSTILE = [
    '=HYPERLINK("http://evil.example/","click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    "'=1+1",
    "''=1",
]
HARMLESS = ["-12", "+3.5", "'", "'abc", "", "a=b", "青溪县人民政府", "http://a.example.gov.cn/=x"]
SOFFICE = shutil.which("soffice")
CSV_FILTER = "Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
# Import options: comma, double quote, UTF-8, from line 1, ..., token 13 "evaluate formulas" on.
CSV_IMPORT = "CSV:44,34,76,1,,0,false,true,false,false,false,-1,true"


@pytest.mark.parametrize("text", HOSTILE + HARMLESS)
def test_escape_then_unescape_gives_every_text_back(text):
    escaped = escape_cell(text)
    assert unescape_cell(escaped) == text
    assert (escaped != text) == (text in HOSTILE), "only formula-like text is escaped"
    assert not escaped.startswith(tuple("=+-@\t\r")) or text in ("-12", "+3.5")


def test_numbers_stay_numbers_in_both_formats(tmp_path):
    write_table(tmp_path / "n.xlsx", ["a", "b", "c"], [[5, 2.5, "-7"]])
    cells = list(openpyxl.load_workbook(tmp_path / "n.xlsx").active.iter_rows(min_row=2, values_only=True))[0]
    assert cells == (5, 2.5, "-7")
    write_table(tmp_path / "n.csv", ["a", "b", "c"], [[5, 2.5, "-7"]])
    assert (tmp_path / "n.csv").read_text(encoding="utf-8-sig").splitlines()[1] == "5,2.5,-7"


def xlsx_formula_cells(path) -> list[str]:
    """Every cell the XLSX XML stores as a formula (<f>) or without an explicit string type."""
    found = []
    with zipfile.ZipFile(path) as book:
        for name in book.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = book.read(name).decode("utf-8")
                found += [name] if "<f>" in xml or "<f " in xml else []
    return found


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".tsv"])
def test_hostile_cells_and_headers_round_trip_through_write_table(tmp_path, suffix):
    header = ["=1+1 header", "b"]
    rows = [[text, text] for text in HOSTILE + HARMLESS]
    path = write_table(tmp_path / f"t{suffix}", header, rows)
    read = [cells for _, cells in read_table(path).rows]
    # CSV gives every text back exactly; the XLSX reader strips surrounding blanks, as for any cell typed.
    assert read == [[c.strip() if suffix == ".xlsx" else c for c in row] for row in [header] + rows]
    if suffix == ".xlsx":
        assert xlsx_formula_cells(path) == []
        sheet = openpyxl.load_workbook(path).active
        assert all(c.data_type == "s" for row in sheet.iter_rows() for c in row if c.value not in (None, ""))
    else:
        raw = path.read_text(encoding="utf-8-sig")
        assert '"\'=HYPERLINK(""http://evil.example/""' in raw and "'@SUM(1+1)" in raw


def test_xlsx_drops_only_characters_xml_cannot_hold(tmp_path):
    write_xlsx(tmp_path / "c.xlsx", [Sheet("s", ["a"], [["标题\x00\x1b结束\t"]])])
    assert openpyxl.load_workbook(tmp_path / "c.xlsx").active["A2"].value == "标题结束\t"


INVENTORY = [
    "site_code,name,url,aliases,level,parent_code,action,owner",
    '3311270001,"=HYPERLINK(""http://evil.example/"",""click"")",http://www.qingxi.example.gov.cn/,,county,,keep,@SUM(1+1)',
    "3311270002,+青溪镇,http://zhen1.qingxi.example.gov.cn/,,township,3311270001,migrate,-2+3",
]


@pytest.fixture
def hostile_ws(tmp_path):
    workspace = init_workspace(tmp_path / "ws")
    (tmp_path / "in.csv").write_text("\r\n".join(INVENTORY) + "\r\n", encoding="utf-8")
    import_inventory(workspace, tmp_path / "in.csv")
    yield workspace
    workspace.close()


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize("chinese", [False, True])
def test_inventory_export_is_inert_and_imports_back_unchanged(hostile_ws, tmp_path, suffix, chinese):
    before = list_sites(hostile_ws)
    assert before[0].name.startswith("=HYPERLINK") and before[0].owner == "@SUM(1+1)"
    path = tmp_path / f"out{suffix}"
    export_inventory(hostile_ws, path, chinese=chinese)
    if suffix == ".xlsx":
        assert xlsx_formula_cells(path) == []
    else:
        assert "'=HYPERLINK" in path.read_text(encoding="utf-8-sig")
    report = import_inventory(hostile_ws, path)
    assert report.updated == [] and report.added == [] and list_sites(hostile_ws) == before


def test_mapping_rules_with_formula_text_round_trip(tmp_path):
    rules = [Rule("title_keyword", "=年报", "drop", reason='=HYPERLINK("http://evil.example/")', position=1),
             Rule("url_regex", r"-\d+\.html$", "drop", reason="@planner", position=2)]
    for suffix in (".csv", ".xlsx"):
        path = write_rules_file(rules, tmp_path / f"m{suffix}")
        back = read_rules_file(path)
        assert [(r.pattern, r.reason) for r in back] == [(r.pattern, r.reason) for r in rules]
    assert xlsx_formula_cells(tmp_path / "m.xlsx") == []
    assert "'=年报" in (tmp_path / "m.csv").read_text(encoding="utf-8-sig")


def hostile_audit(tmp_path):
    workspace = init_workspace(tmp_path / "aws")
    b = Builder(workspace.db)
    code, home = "3311270001", "http://a.example.gov.cn/"
    b.site(code, '=HYPERLINK("http://evil.example/","click")', home, level="township")
    b.page(code, home, via="seed", page_type="homepage", title="首页")
    b.link(code, home, b.column(code, f"{home}gzdt/", "@SUM(1+1)", [(f"{home}gzdt/1.html", None)],
                                crumbs=["+政务公开", "@SUM(1+1)"]))
    b.commit()
    return workspace, audit(workspace, as_of="2024-06-30")


def test_audit_csv_and_xlsx_hold_no_formula(tmp_path):
    workspace, result = hostile_audit(tmp_path)
    try:
        book = formats.write(result, "xlsx", tmp_path / "a.xlsx")
        folder = formats.write(result, "csv", tmp_path / "csv")
    finally:
        workspace.close()
    assert xlsx_formula_cells(book) == []
    names = [c.value for ws in openpyxl.load_workbook(book).worksheets for row in ws.iter_rows() for c in row]
    assert '=HYPERLINK("http://evil.example/","click")' in names and "@SUM(1+1)" in names
    texts = [cell for path in folder.glob("*.csv") for _, cells in read_table(path).rows for cell in cells]
    assert '=HYPERLINK("http://evil.example/","click")' in texts and "@SUM(1+1)" in texts
    raw = (folder / "sites.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in raw


def soffice_csv(tmp_path, paths, infilter=None) -> dict[str, list[str]]:
    """``paths`` converted to CSV by one LibreOffice headless run: {file name: every cell of every sheet}."""
    out = tmp_path / f"lo-{paths[0].suffix[1:]}"
    command = [SOFFICE, f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless"]
    command += [f"--infilter={infilter}"] if infilter else []
    subprocess.run(command + ["--convert-to", f"csv:{CSV_FILTER}", "--outdir", str(out)] + [str(p) for p in paths],
                   check=True, capture_output=True, timeout=300)
    opened = {}
    for path in paths:
        produced = sorted(out.glob(f"{path.stem}-*.csv")) or [out / f"{path.stem}.csv"]
        opened[path.name] = []
        for sheet in produced:
            with sheet.open(encoding="utf-8", newline="") as handle:
                opened[path.name] += [cell for row in csv.reader(handle) for cell in row]
    return opened


def written_text(path) -> list[str]:
    """The text cells of a file the tool wrote, as its own reader gives them back."""
    if path.suffix == ".csv":
        return [cell for _, row in read_table(path).rows for cell in row]
    return [c.value for ws in openpyxl.load_workbook(path).worksheets for row in ws.iter_rows() for c in row
            if isinstance(c.value, str)]


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed; .ci/run installs it")
def test_libreoffice_evaluates_no_cell_of_any_spreadsheet_the_tool_writes(tmp_path, hostile_ws):
    rows = [[text] for text in HOSTILE if "\r" not in text]  # LibreOffice turns a CR inside a cell into LF
    rule = [Rule("title_keyword", "=年报", "drop", reason="@SUM(1+1)", position=1)]
    workspace, result = hostile_audit(tmp_path)
    workspace.close()
    files = {".csv": [], ".xlsx": []}
    for suffix in files:
        folder = tmp_path / suffix[1:]
        folder.mkdir()
        files[suffix] += [write_table(folder / f"table{suffix}", ["=1+1 header"], rows),
                          folder / f"inventory{suffix}", write_rules_file(rule, folder / f"map{suffix}")]
        export_inventory(hostile_ws, folder / f"inventory{suffix}")
    files[".xlsx"].append(formats.write(result, "xlsx", tmp_path / "xlsx" / "audit.xlsx"))
    audit_csvs = sorted(formats.write(result, "csv", tmp_path / "audit-csv").glob("*.csv"))
    files[".csv"] += audit_csvs
    # Controls: the same LibreOffice run evaluates a formula written raw, so the checks below can fail.
    (tmp_path / "csv" / "raw.csv").write_text("a\n=1+1\n", encoding="utf-8")
    raw_book = openpyxl.Workbook()
    raw_book.active.append(["=1+1"])
    raw_book.save(tmp_path / "xlsx" / "raw.xlsx")
    opened = {**soffice_csv(tmp_path, files[".csv"] + [tmp_path / "csv" / "raw.csv"], CSV_IMPORT),
              **soffice_csv(tmp_path, files[".xlsx"] + [tmp_path / "xlsx" / "raw.xlsx"])}
    assert opened.pop("raw.csv") == ["a", "2"] and opened.pop("raw.xlsx") == ["2"]

    seen = set()
    for path in files[".csv"] + files[".xlsx"]:
        cells = opened[path.name] if path.suffix == ".xlsx" else [unescape_cell(c) for c in opened[path.name]]
        hostile = [text for text in written_text(path) if text[:1] in tuple("=+-@\t")]
        assert hostile or path in audit_csvs, f"{path.name}: the test wrote no hostile cell"
        for text in hostile:
            assert text in cells, f"{path.name}: LibreOffice changed {text!r}"
            seen.add(text)
        evaluated = [c for c in cells if c == "click" or c.startswith(("#", "Err:"))]
        assert evaluated == [], f"{path.name}: LibreOffice evaluated a formula"
    assert {'=HYPERLINK("http://evil.example/","click")', "@SUM(1+1)", "=年报", "+青溪镇", "-2+3"} <= seen
