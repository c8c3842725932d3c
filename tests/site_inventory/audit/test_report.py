"""The audit report formats: JSON against its schema, XLSX and CSV equal to the JSON, HTML in chromium."""
import csv
import json
import re

import jsonschema
import openpyxl
import pytest
from click.testing import CliRunner

from audit_builder import Builder
from headless_chromium import CHROMIUM, chromium
from migrate.cli import cli
from site_inventory.audit import formats, report as audit_report
from site_inventory.audit.run import audit
from site_inventory.workspace import init_workspace

AS_OF = "2024-06-30"
A, B = "3311270001", "3311270002"


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    """Two sites: a stale township with defects of every kind, and a fresh department."""
    workspace = init_workspace(tmp_path_factory.mktemp("report") / "ws")
    b = Builder(workspace.db)
    b.site(A, "青溪县测试镇人民政府", "http://a.example.gov.cn/", level="township")
    b.site(B, "青溪县测试局", "http://b.example.gov.cn/", level="department", action="keep")
    for code, host in ((A, "a"), (B, "b")):
        home = f"http://{host}.example.gov.cn/"
        b.page(code, home, via="seed", page_type="homepage", title="首页")
        news = [(f"{home}gzdt/{n}.html", f"2024-06-{28 - n}" if code == B else "2023-05-01")
                for n in range(6)]
        b.link(code, home, b.column(code, f"{home}gzdt/", "工作动态", news, crumbs=["政务公开", "工作动态"], pages=2))
        b.link(code, home, news[0][0])
    b.column(A, "http://a.example.gov.cn/tzgg/", "通知公告", [("http://a.example.gov.cn/tzgg/1.html", None)])
    for n in range(3):
        b.column(A, f"http://a.example.gov.cn/k{n}/", f"空栏目{n}", [])
    b.page(A, "http://a.example.gov.cn/gone.html", status=404)
    b.link(A, "http://a.example.gov.cn/gzdt/index.html", "http://a.example.gov.cn/gone.html")
    b.page(A, "http://a.example.gov.cn/nf.html", soft_404=1)
    b.page(A, "http://a.example.gov.cn/f/1.pdf", kind="attachment", size=12345)
    b.commit()
    yield workspace
    workspace.close()


@pytest.fixture(scope="module")
def result(ws):
    return audit(ws, as_of=AS_OF)


def test_json_follows_its_schema(result, tmp_path):
    path = formats.write(result, "json", tmp_path / "a.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    schema = audit_report.load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(data)
    assert data["as_of"] == AS_OF and [s["site_code"] for s in data["sites"]] == [A, B]
    data["sites"][0]["blank_columns"] = "three"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


def test_xlsx_numbers_match_the_json(result, tmp_path):
    data = json.loads(formats.write(result, "json", tmp_path / "a.json").read_text(encoding="utf-8"))
    book = openpyxl.load_workbook(formats.write(result, "xlsx", tmp_path / "a.xlsx"))
    assert book.sheetnames == [t.title for t in audit_report.tables(result)]
    sheet = book["站点汇总"]
    header = [c.value for c in sheet[1]]
    rows = {r[0]: dict(zip(header, r)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    for site in data["sites"]:
        row = rows[site["site_code"]]
        assert row["页面数"] == site["pages"] and row["信息数"] == site["items"]
        assert row["附件数"] == site["attachments"] and row["附件字节"] == site["attachment_bytes"]
        assert row["迁移字节"] == site["migrate_bytes"] and row["栏目数"] == len(site["columns"])
        assert row["空白栏目"] == site["blank_columns"] and row["不更新栏目"] == site["stale_columns"]
        assert row["断链"] == len(site["broken_links"]) and row["无日期信息"] == len(site["undated_items"])
        assert row["软404"] == len(site["soft_404_urls"]) and row["首页距今天数"] == site["homepage_age_days"]
    columns = list(book["栏目"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1], r[7]) for r in columns] == [
        (s["site_code"], c["path"], c["items"]) for s in data["sites"] for c in s["columns"]]
    totals = dict(book["合计"].iter_rows(min_row=2, values_only=True))
    assert totals["页面数"] == data["totals"]["pages"] and totals["空白栏目"] == data["totals"]["blank_columns"]
    assert rows[A]["结论"] == "不合格" and rows[B]["结论"] == "合格"


def test_csv_is_utf8_with_bom_one_file_per_table(result, tmp_path):
    folder = formats.write(result, "csv", tmp_path / "csv")
    assert sorted(p.stem for p in folder.iterdir()) == sorted(t.key for t in audit_report.tables(result))
    raw = (folder / "sites.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][:3] == ["网站标识码", "网站名称", "网址"] and rows[1][1] == "青溪县测试镇人民政府"
    with pytest.raises(audit_report.ReportError, match="is a file"):
        formats.write(result, "csv", tmp_path / "csv" / "sites.csv")


def test_cli_writes_default_path_and_prints_it(ws):
    runner = CliRunner()
    out = runner.invoke(cli, ["-w", str(ws.path), "audit", "--as-of", AS_OF, "--format", "json"])
    assert out.exit_code == 0, out.output
    path = ws.path / "reports" / f"audit-{AS_OF}.json"
    assert f"Report: {path}" in out.output and path.exists()
    assert re.search(rf"{A}\s+不合格", out.output) and re.search(rf"{B}\s+合格", out.output)
    out = runner.invoke(cli, ["-w", str(ws.path), "audit", B, "--as-of", AS_OF, "--json", "-o", str(ws.path / "b.html")])
    summary = json.loads(out.output)
    assert [s["site_code"] for s in summary["sites"]] == [B] and summary["report"].endswith("b.html")
    out = runner.invoke(cli, ["-w", str(ws.path), "audit", "0000000000"])
    assert out.exit_code == 2 and "0000000000" in out.output


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs Debian's chromium)")
def test_html_renders_in_chromium_without_console_errors_and_with_cjk_font(result, tmp_path):
    page = formats.write(result, "html", tmp_path / "report.html")
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text.split("<main>")[0])  # nothing fetched
    assert f'id="site-{A}"' in text and f'href="#site-{A}"' in text and "<svg" in text
    shot = tmp_path / "report.png"
    console = chromium(page, tmp_path, f"--screenshot={shot}", "--window-size=1300,2000")
    assert console == []
    assert shot.stat().st_size > 20_000
    pdf = tmp_path / "report.pdf"
    chromium(page, tmp_path, f"--print-to-pdf={pdf}")
    fonts = set(re.findall(rb"/FontName /[A-Z]{6}\+([\w-]+)", pdf.read_bytes()))
    assert any(b"CJK" in f for f in fonts), fonts  # the Chinese text was drawn with a CJK font
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body>测试<script>missing_function()</script></body></html>", encoding="utf-8")
    assert any("missing_function" in line for line in chromium(bad, tmp_path, f"--screenshot={tmp_path / 'b.png'}"))
