"""The redirect plan, lint, match keys, notice period and exports on small workspaces built row by row."""
from __future__ import annotations

import csv
import gzip
import json
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from migrate.redirects.accesslog import LogError, import_logs, unseen
from migrate.cli import cli
from migrate.redirects.matchkeys import key_bytes, match_key, usable_names
from migrate.redirects.nginx import before_regex, quote_key, quote_value
from migrate.redirects.export import RedirectExportError, export_redirects
from migrate.redirects.lint import lint
from migrate.redirects.overrides import import_overrides
from migrate.redirects.plan import RedirectError, plan
from migrate.shutdown import shutdown
from site_inventory.urls import canonicalize

import workspace_rows as rows

BASE = "http://www.qx.example.gov.cn"
A, B, KEEP = "3311230201", "3311230202", "3311230200"
A_URL, B_URL = "http://a.qx.example.gov.cn", "http://b.qx.example.gov.cn"


def _map(ws, code, url, new_url=None, kind="item", action="map", status="exported", target_path=None, dup=None):
    ws.db["id_map"].insert({"item_id": f"{code}_{abs(hash(url))}", "site_code": code, "source_url": url, "kind": kind,
                            "action": action, "status": status, "new_url": new_url, "target_path": target_path,
                            "duplicate_of": dup}, replace=True)


def _crawl_url(ws, code, url, state="skipped", reason="robots", via="link"):
    ws.db["crawl_urls"].insert({"site_code": code, "url": url, "host": url.split("/")[2], "path_key": url.split("?")[0],
                                "state": state, "reason": reason, "discovered_via": via, "discovered_at": rows.NOW,
                                "updated_at": rows.NOW})


@pytest.fixture
def ws(tmp_path):
    """Two closing sites (A with an alias) and the kept portal, with one URL of every kind."""
    ws = rows.workspace(tmp_path / "ws", base_url=BASE)
    rows.site(ws, KEEP, "青溪县人民政府", f"{BASE}/", action="keep", level="county", parent=None)
    rows.site(ws, A, "某某镇人民政府", f"{A_URL}/")
    rows.site(ws, B, "某某局", f"{B_URL}/", action="migrate", level="department")
    ws.db["sites"].update(A, {"aliases": json.dumps(["a2.qx.example.gov.cn"])})
    rows.page(ws, A, f"{A_URL}/")
    for path, new, kind, action, status in [
        ("/art/1.html", f"{BASE}/zwdt/202501/t1.html", "item", "map", "exported"),
        ("/files/%E9%99%84%E4%BB%B6.pdf", f"{BASE}/attachments/{A}/1.pdf", "attachment", "map", "exported"),
        ("/col/col5/index.html", f"{BASE}/zwdt/", "page", "map", "skipped"),
        ("/dropped.html", None, "item", "drop", "skipped"),
        ("/failed.html", None, "item", "map", "failed"),
    ]:
        rows.page(ws, A, f"{A_URL}{path}", status=200)
        _map(ws, A, f"{A_URL}{path}", new, kind, action, status, target_path="信息发布/政务动态" if action == "map" else None)
    rows.page(ws, A, f"{A_URL}/gone.html", body=None, status=404)
    rows.page(ws, A, f"{A_URL}/robots.txt", body=b"User-agent: *", kind="robots")
    rows.page(ws, A, f"{A_URL}/moved.html", body=b"", status=301)
    ws.db["pages"].update(rows.page(ws, A, f"{A_URL}/moved.html", body=b"", status=301),
                          {"final_url": f"{A_URL}/art/1.html"})
    _crawl_url(ws, A, f"{A_URL}/admin/", reason="robots")
    _crawl_url(ws, KEEP, "http://a2.qx.example.gov.cn/art/1.html", reason="out-of-scope")
    rows.page(ws, B, f"{B_URL}/")
    rows.page(ws, B, f"{B_URL}/show.asp?id=7")
    _map(ws, B, f"{B_URL}/show.asp?id=7", f"{BASE}/zwdt/202502/t7.html")
    ws.db.conn.commit()
    yield ws
    ws.close()


def _plan(ws) -> dict:
    plan(ws)
    return {r["old_url"]: r for r in ws.db.query("SELECT * FROM redirects")}


def test_every_kind_of_old_url_gets_its_decision(ws):
    got = _plan(ws)
    assert got[f"{A_URL}/art/1.html"]["status"] == 301 and got[f"{A_URL}/art/1.html"]["kind"] == "item"
    assert got[f"{A_URL}/files/%E9%99%84%E4%BB%B6.pdf"]["target"] == f"{BASE}/attachments/{A}/1.pdf"
    assert (got[f"{A_URL}/col/col5/index.html"]["kind"], got[f"{A_URL}/col/col5/index.html"]["target"]) == ("column", f"{BASE}/zwdt/")
    home = got[f"{A_URL}/"]
    assert (home["status"], home["kind"], home["target"]) == (301, "homepage", f"{BASE}/")
    column = f"{BASE}/%E4%BF%A1%E6%81%AF%E5%8F%91%E5%B8%83/%E6%94%BF%E5%8A%A1%E5%8A%A8%E6%80%81/"   # 信息发布/政务动态
    for path, kind, suggested in (("/dropped.html", "dropped", f"{BASE}/"), ("/failed.html", "unmigrated", column),
                                  ("/gone.html", "gone", f"{BASE}/"), ("/robots.txt", "unmigrated", f"{BASE}/"),
                                  ("/admin/", "unknown", f"{BASE}/")):
        row = got[f"{A_URL}{path}"]
        assert (row["status"], row["kind"], row["suggested_url"]) == (410, kind, suggested), path
    assert got[f"{A_URL}/failed.html"]["reason"].startswith("its export failed")
    assert "robots" in got[f"{A_URL}/admin/"]["reason"]
    moved = got[f"{A_URL}/moved.html"]
    assert (moved["status"], moved["target"]) == (301, f"{BASE}/zwdt/202501/t1.html")   # no chain
    assert "a2.qx.example.gov.cn" not in " ".join(got)          # the alias folded onto the main host
    assert "link" in got[f"{A_URL}/art/1.html"]["source"] and "crawl" in got[f"{A_URL}/art/1.html"]["source"]
    assert got[f"{B_URL}/show.asp?id=7"]["match_key"] == "/show.asp?id=7"
    assert all(r["archive_url"] is None for r in got.values())


def test_config_fallback_archive_significant_params_and_case(ws):
    ws.config["redirects"]["archive_url_template"] = "https://archive.qx.example.gov.cn/{site_code}/{url}"
    ws.config["sites"] = {A: {"fallback": "301", "path_case": "insensitive"}, B: {"significant_params": ["id"]}}
    ws.save_config()
    _crawl_url(ws, B, f"{B_URL}/show.asp?id=7&page=2&from=timeline", reason="robots")
    _crawl_url(ws, A, f"{A_URL}/ART/1.HTML", reason="robots")
    got = _plan(ws)
    assert got[f"{A_URL}/admin/"]["status"] == 301 and got[f"{A_URL}/admin/"]["target"] == f"{BASE}/"
    assert got[f"{A_URL}/robots.txt"]["archive_url"] == f"https://archive.qx.example.gov.cn/{A}/{A_URL}/robots.txt"
    assert got[f"{A_URL}/gone.html"]["archive_url"] is None                  # a 404 has no archived copy
    assert f"{B_URL}/show.asp?id=7&page=2" not in got                         # folded: only id is significant
    upper = got[f"{A_URL}/ART/1.HTML"]
    assert (upper["status"], upper["target"]) == (301, f"{BASE}/zwdt/202501/t1.html") and "ignoring case" in upper["reason"]
    ws.config["sites"][A]["fallback"] = "302"
    ws.save_config()
    with pytest.raises(RedirectError, match="must be 301"):
        plan(ws)


def test_overrides_are_all_or_nothing_and_applied(ws, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("old_url,status,target\nhttp://elsewhere.cn/x,301,http://www.qx.example.gov.cn/\n"
                   f"{A_URL}/admin/,302,\n", encoding="utf-8-sig")
    with pytest.raises(RedirectError) as err:
        import_overrides(ws, bad)
    assert "bad.csv:2" in str(err.value) and "bad.csv:3" in str(err.value)
    assert ws.db.execute("SELECT count(*) FROM redirect_overrides").fetchone()[0] == 0
    good = tmp_path / "good.csv"
    good.write_text(f"old_url,status,target,note\n{A_URL}/admin/,301,{BASE}/zwgk/,管理入口\n"
                    f"http://a2.qx.example.gov.cn/new-only.html,410,,\n", encoding="utf-8-sig")
    assert import_overrides(ws, good) == 2
    got = _plan(ws)
    assert (got[f"{A_URL}/admin/"]["target"], got[f"{A_URL}/admin/"]["kind"]) == (f"{BASE}/zwgk/", "override")
    assert got[f"{A_URL}/new-only.html"]["status"] == 410


def test_lint_finds_chains_loops_allowlist_and_kept_hosts(ws, tmp_path):
    overrides = tmp_path / "o.csv"
    overrides.write_text(f"old_url,status,target\n{A_URL}/x.html,301,{A_URL}/y.html\n{A_URL}/y.html,301,{A_URL}/x.html\n"
                         f"{A_URL}/z.html,301,{B_URL}/show.asp?id=7\n{A_URL}/w.html,301,https://cdn.gov.cn/w\n",
                         encoding="utf-8")
    import_overrides(ws, overrides)
    plan(ws)
    report = lint(ws)
    found = {(p.check, p.old_url) for p in report.examples}
    assert ("loop", f"{A_URL}/x.html") in found and ("loop", f"{A_URL}/y.html") in found
    assert ("chain", f"{A_URL}/z.html") in found
    assert ("allowlist", f"{A_URL}/w.html") in found and not report.ok
    stored = ws.db.execute("SELECT count(*) FROM redirect_problems WHERE level = 'error'").fetchone()[0]
    assert stored == report.errors
    ws.config["redirects"]["allowlist"] = ["www.qx.example.gov.cn", "*.gov.cn"]
    ws.save_config()
    assert ("allowlist", f"{A_URL}/w.html") not in {(p.check, p.old_url) for p in lint(ws).examples}
    ws.db["sites"].update(KEEP, {"aliases": json.dumps(["b.qx.example.gov.cn"])})
    assert any(p.check == "host" and p.site_code == B for p in lint(ws).examples)


@pytest.mark.parametrize("url, names, key, problem", [
    ("http://h/%E6%99%AF.html", [], "/%E6%99%AF.html", None),
    ("http://h/a%20b;c'$.html", [], "/a%20b;c'$.html", None),
    ("http://h/a%2Fb", [], "/a/b", None),
    ("http://h/list.asp?page=2&classid=1", ["classid", "page"], "/list.asp?classid=1&page=2", None),
    ("http://h/list.asp?classid=&page=2", ["classid", "page"], "/list.asp?page=2", None),
    ("http://h/x?q=%C7%E0", ["q"], "/x?q=%25C7%25E0", None),
    ("http://h/nl%0A", [], None, "control character"),
    ("http://h/a%2F..%2Fb", [], None, "segments"),
    ("http://h/x?a-b=1", [], None, "cannot be matched"),
    ("http://h/x?id=1&id=2", ["id"], None, "twice"),
])
def test_match_keys_mirror_what_nginx_compares(url, names, key, problem):
    got = match_key(canonicalize(url), names)
    assert got.key == key and (problem in got.problem if problem else got.problem is None)
    if key:
        assert key_bytes(key).startswith(b"/")


def test_usable_names_and_config_quoting():
    assert usable_names(["id", "ID", "page", "a-b", "pageNum"]) == ["page", "pageNum"]
    assert quote_key(b'/a"b\\c') == b'"/a\\"b\\\\c"'
    assert quote_value("301 http://h/a$b") == b'"301 http://h/a${gm_dollar}b"'
    for bad in ('301 http://h/"x', "301 http://h/{x}", "301 http://h/\n"):
        with pytest.raises(RedirectExportError):
            quote_value(bad)


def test_notice_regex_matches_exactly_the_moments_before_the_end():
    start = date(2025, 12, 1)
    for end in (date(2026, 1, 1), date(2026, 3, 10), date(2026, 10, 1), date(2030, 12, 31), date(2026, 2, 28)):
        pattern = re.compile(before_regex(end))
        for offset in range(0, 1900, 3):
            day = start + timedelta(days=offset)
            stamp = datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=timezone.utc).isoformat()
            assert bool(pattern.match(stamp)) == (day < end), (end, stamp)


def test_csv_json_exports_and_cli_usage_errors(ws, tmp_path):
    plan(ws)
    runner = CliRunner()
    out = runner.invoke(cli, ["-w", str(ws.path), "redirects", "export", "--format", "csv", "-o", str(tmp_path / "r.csv")])
    assert out.exit_code == 0, out.output
    data = (tmp_path / "r.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(data.decode("utf-8-sig").splitlines()))
    assert len(table) == ws.db.execute("SELECT count(*) FROM redirects").fetchone()[0]
    export_redirects(ws, "json", tmp_path / "r.json")
    assert {r["old_url"] for r in json.loads((tmp_path / "r.json").read_text("utf-8"))} == {r["old_url"] for r in table}
    bad_listen = runner.invoke(cli, ["-w", str(ws.path), "redirects", "export", "--format", "nginx", "-o",
                                     str(tmp_path / "n"), "--listen", "80; include /etc/passwd"])
    assert bad_listen.exit_code == 2 and "--listen" in bad_listen.output
    ws.config["redirects"]["notice_days"] = 7
    ws.save_config()
    short = runner.invoke(cli, ["-w", str(ws.path), "redirects", "export", "--format", "nginx", "-o", str(tmp_path / "n")])
    assert short.exit_code == 2 and "at least 30 days" in short.output
    unknown = runner.invoke(cli, ["-w", str(ws.path), "redirects", "plan", "9999999999"])
    assert unknown.exit_code == 2 and "not in the inventory" in unknown.output
    kept = runner.invoke(cli, ["-w", str(ws.path), "redirects", "lint", KEEP])
    assert kept.exit_code == 2 and "only migrate/close" in kept.output


def test_access_logs_counted_byte_for_byte(ws, tmp_path):
    plain = tmp_path / "a.log"
    plain.write_bytes(b'1.1.1.1 - - [01/Jun/2026:08:00:00 +0800] "GET /art/1.html?utm_source=wx HTTP/1.1" 200 5 "-" "x"\n'
                      b'1.1.1.1 - - [02/Jun/2026:08:00:00 +0800] "GET /%D0%C2%CE%C5/\\xC7\\xE0.html HTTP/1.1" 404 5 "-" "x"\n'
                      b'1.1.1.1 - - [03/Jun/2026:08:00:00 +0800] "GET /%D0%C2%CE%C5/\\xC7\\xE0.html HTTP/1.1" 404 5 "-" "x"\n'
                      b'1.1.1.1 - - [03/Jun/2026:08:00:00 +0800] "POST /login.asp HTTP/1.1" 200 5 "-" "x"\n'
                      b'\x16\x03\x01 binary junk\n')
    with pytest.raises(LogError, match="--host"):
        import_logs(ws, [plain])
    assert ws.db.execute("SELECT count(*) FROM access_log_urls").fetchone()[0] == 0
    report = import_logs(ws, [plain], host="a2.qx.example.gov.cn")
    counts = report.files[0]
    assert (counts.lines, counts.counted, counts.other_methods, counts.malformed) == (5, 3, 1, 1)
    vhost = tmp_path / "v.log.gz"
    with gzip.open(vhost, "wb") as handle:
        handle.write(b'b.qx.example.gov.cn:80 1.1.1.1 - - [04/Jun/2026:08:00:00 +0800] "GET /show.asp?id=8 HTTP/1.1" '
                     b'404 5 "-" "x"\nwww.other.cn:80 1.1.1.1 - - [04/Jun/2026:08:00:00 +0800] "GET / HTTP/1.1" 200 5 "-" "x"\n')
    second = import_logs(ws, [vhost, plain])
    assert second.files[0].other_hosts == 1 and second.files[1].already_imported
    ranked = unseen(ws)
    assert [(r["url"], r["hits"]) for r in ranked] == [(f"{A_URL}/%D0%C2%CE%C5/%C7%E0.html", 2),
                                                       (f"{B_URL}/show.asp?id=8", 1)]
    assert ranked[0]["last_status"] == 404 and ranked[0]["last_seen"].startswith("2026-06-03")
    got = _plan(ws)
    assert got[f"{A_URL}/art/1.html"]["hits"] == 1 and "log" in got[f"{A_URL}/%D0%C2%CE%C5/%C7%E0.html"]["source"]


def test_shutdown_reports_without_running_and_keeps_going_past_a_failing_site(ws):
    with pytest.raises(RedirectError, match="--all-closing"):
        shutdown(ws)
    report = shutdown(ws, all_closing=True)
    assert [s.site_code for s in report.sites] == [A, B] and not report.ready
    for site in report.sites:
        steps = {s.step: s.status for s in site.steps}
        assert steps["final_crawl"] == "open" and steps["redirect_lint"] == "failed"   # nothing planned yet
        assert steps["redirect_verify"] == "failed" and steps["domain"] == "open"
    assert ws.db.execute("SELECT count(*) FROM shutdown_steps").fetchone()[0] == 0       # only reported
    assert ws.db.execute("SELECT count(*) FROM closure_notices").fetchone()[0] == 0
    result = CliRunner().invoke(cli, ["-w", str(ws.path), "shutdown", A, "--json"])
    assert result.exit_code == 1 and json.loads(result.output)["sites"][0]["site_code"] == A
    usage = CliRunner().invoke(cli, ["-w", str(ws.path), "shutdown", A, "--all-closing"])
    assert usage.exit_code == 2


def test_demo_ends_with_the_shutdown_checklist_of_the_sample_sites(tmp_path, sample_county):
    from migrate.demo import STEPS, run_demo

    lines: list[str] = []
    demo = run_demo(tmp_path / "demo", echo=lines.append)
    assert [s.name for s in STEPS][-2:] == ["redirects", "shutdown"]
    closing = [s["site_code"] for s in sample_county.manifest["sites"] if s["action"] != "keep"]
    checklist = demo.results["shutdown"]
    assert [line.split()[0] for line in checklist[:-1]] == closing
    assert all("manual tasks open" in line for line in checklist[:-1])
    assert (tmp_path / "demo" / "redirects" / "nginx" / "redirects.conf").exists()
    title = f"[{len(STEPS)}/{len(STEPS)}] {STEPS[-1].title}"
    assert lines.index(title) < lines.index(f"      {checklist[-1]}")
