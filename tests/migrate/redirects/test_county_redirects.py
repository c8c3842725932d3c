"""Redirects of the sample county end to end: real crawl, export and preview, real nginx (and Apache).

The preview of the package stands in for the parent platform (a resolve rule sends its host to
the preview server); nginx serves the exported config on loopback; ``redirects verify`` must pass
for every known old URL of the closing sites, the GBK-era Chinese paths, percent-encoded
attachments and significant query parameters included.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from urllib.parse import unquote_to_bytes, urlsplit

import pytest
from click.testing import CliRunner

from migrate.cli import cli
from migrate.redirects.export import export_redirects
from migrate.redirects.lint import lint
from migrate.redirects.plan import closing_sites, fold_url, site_contexts
from migrate.redirects.verify import verify
from site_inventory import resolve
from site_inventory.sample.server import CountyServer

import county_pipeline
from standins import ARCHIVE_HOST
from webservers import APACHE, NGINX, free_port, raw_get, running_apache, running_nginx

PLATFORM_HOST = "www.qingxi.example.gov.cn"
needs_nginx = pytest.mark.skipif(NGINX is None, reason="nginx is not installed")


def _get(port: int, host: str, target: str):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", target, headers={"Host": host})
        response = conn.getresponse()
        return response.status, response.getheader("Location"), response.read().decode("utf-8", "replace")
    finally:
        conn.close()



def test_every_known_url_of_the_closing_sites_is_planned(county, sample_county):
    ws, _ = county
    contexts = {s.code: s for s in site_contexts(ws)}
    planned = {(c, u) for c, u in ws.db.execute("SELECT site_code, old_url FROM redirects")}
    disallowed = {url for d in sample_county.manifest["defects"]["robots_disallowed"] for url in d["urls"]}
    linked = {url for page in sample_county.manifest["pages"] if page["url"] not in disallowed
              for url in page.get("links") or []}
    hidden = disallowed - linked   # served, but only pages the crawl may not fetch link to them
    missing, checked = [], 0
    for page in sample_county.manifest["pages"]:
        site = contexts.get(page["site_code"])
        if site is not None:
            checked += 1
            if (site.code, fold_url(site, page["canonical_url"])) not in planned:
                missing.append(page["url"])
    assert checked > 300
    assert set(missing) == hidden and len(hidden) == 1   # no crawled link, sitemap or log names it: the fallback
    for broken in sample_county.manifest["defects"]["broken_links"]:
        owner = next((s for s in contexts.values() if fold_url(s, broken["target"])), None)
        if owner:
            assert (owner.code, fold_url(owner, broken["target"])) in planned
    decisions = dict(ws.db.execute("SELECT old_url, status FROM redirects"))
    for item in sample_county.manifest["items"]:
        if item["site_code"] in contexts and item["canonical_url"] in decisions:
            row = ws.db.execute("SELECT new_url, status FROM id_map WHERE source_url = ? AND status != 'failed' "
                                "AND new_url IS NOT NULL", [item["canonical_url"]]).fetchone()
            if row:
                assert decisions[item["canonical_url"]] == 301, item["url"]
    assert lint(ws).ok


@needs_nginx
@pytest.mark.nginx
def test_nginx_answers_every_old_url_as_planned(county, platform, sample_county, tmp_path):
    ws, _ = county
    port = free_port()
    report = export_redirects(ws, "nginx", tmp_path / "nginx", listen=[f"127.0.0.1:{port}"])
    assert report.rejected == 0
    conf = (tmp_path / "nginx" / "redirects.conf").read_bytes()
    assert b"location = " not in conf and conf.count(b"\nserver {") == len(closing_sites(ws))
    total = ws.db.execute("SELECT count(*) FROM redirects").fetchone()[0]
    with running_nginx(tmp_path / "nginx" / "redirects.conf", tmp_path / "run", port):
        result = verify(ws, f"127.0.0.1:{port}")
        assert [(f.old_url, f.problem) for f in result.failures] == [] and result.ok
        aliases = sum(len(s.hosts) - 1 for s in site_contexts(ws))
        assert result.checked == total + aliases
        urls = {u for (u,) in ws.db.execute("SELECT old_url FROM redirects")}
        gbk_sites = [s["url"] for s in sample_county.manifest["sites"] if s["encoding"] == "gbk" and s["action"] != "keep"]
        assert any(u.startswith(tuple(gbk_sites)) and "%E6%99%AF%E5%8C%BA" in u for u in urls)   # 景区: Chinese path
        assert any("?id=" in u for u in urls) and any("downfile.jsp?classid=" in u for u in urls)
        assert any("/u/cms/www/" in u and "%E9%9D%92" in u for u in urls)   # percent-encoded file name
        _robust_matching(ws, port)
        _homepage_notice(ws, port)
        _verify_catches_a_wrong_answer(ws, port)


def _robust_matching(ws, port):
    """The same old URL written differently (query order, tracking parameters, lower-case escapes) still matches."""
    old, target = ws.db.execute("SELECT old_url, target FROM redirects WHERE status = 301 AND old_url LIKE "
                                "'%news_show.asp?id=%' LIMIT 1").fetchone()
    parts = urlsplit(old)
    assert _get(port, parts.netloc, f"{parts.path}?from=singlemessage&{parts.query}&utm_source=x")[:2] == (301, target)
    old, target = ws.db.execute("SELECT old_url, target FROM redirects WHERE status = 301 AND old_url LIKE "
                                "'%?%&%' ORDER BY old_url LIMIT 1").fetchone()
    parts = urlsplit(old)
    swapped = "&".join(reversed(parts.query.split("&")))
    assert swapped != parts.query
    assert _get(port, parts.netloc, f"{parts.path}?{swapped}")[:2] == (301, target)
    old, target = ws.db.execute("SELECT old_url, target FROM redirects WHERE status = 301 AND old_url LIKE "
                                "'%/\\%E6%' ESCAPE '\\' LIMIT 1").fetchone()
    parts = urlsplit(old)
    lower = re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), parts.path)
    assert lower != parts.path and _get(port, parts.netloc, lower)[:2] == (301, target)
    raw = unquote_to_bytes(parts.path)   # the UTF-8 bytes sent unencoded, as some clients do
    assert raw_get(port, parts.netloc, raw) == (301, target)


def _homepage_notice(ws, port):
    """During the notice period the old homepage shows the 关停整合公告, on the main host and on aliases."""
    for site in site_contexts(ws):
        for host in site.hosts:
            status, _, body = _get(port, host, "/")
            assert status == 200 and "关停整合公告" in body and site.name in body
    status, location, body = _get(port, site.hosts[0], "/no/such/page.html")
    assert status == 410 and "页面已不存在" in body and location is None


def _verify_catches_a_wrong_answer(ws, port):
    """The server answering differently from the plan is a failure naming the URL; CLI exit code 1."""
    old, target = ws.db.execute("SELECT old_url, target FROM redirects WHERE status = 301 AND kind = 'item' "
                                "ORDER BY old_url LIMIT 1").fetchone()
    with ws.db.conn:
        ws.db.execute("UPDATE redirects SET target = ? WHERE old_url = ?", [target + "x", old])
    try:
        result = verify(ws, f"127.0.0.1:{port}", record=False)
        assert [(f.old_url, f.problem) for f in result.failures] == [(old, f"Location is {target}, planned {target}x")]
        cli_result = CliRunner().invoke(cli, ["-w", str(ws.path), "redirects", "verify", "--against",
                                              f"127.0.0.1:{port}", "--json"])
        assert cli_result.exit_code == 1, cli_result.output
        assert json.loads(cli_result.output)["failed"] == 1
    finally:
        with ws.db.conn:
            ws.db.execute("UPDATE redirects SET target = ? WHERE old_url = ?", [target, old])


def test_verify_against_nothing_is_unreachable(county):
    ws, _ = county
    port = free_port()
    result = CliRunner().invoke(cli, ["-w", str(ws.path), "redirects", "verify", "--against", f"127.0.0.1:{port}"])
    assert result.exit_code == 4 and "cannot reach" in result.output


@pytest.mark.skipif(APACHE is None, reason="Apache httpd (apache2) is not installed")
def test_apache_answers_every_old_url_as_planned(county, platform):
    ws, _ = county
    folder = Path(tempfile.mkdtemp(prefix="govmigrate-apache-"))   # httpd's workers run as nobody: readable folder
    try:
        folder.chmod(0o755)
        port = free_port()
        export_redirects(ws, "apache", folder / "conf", listen=[f"127.0.0.1:{port}"])
        for root, dirs, files in os.walk(folder):
            for name in dirs:
                os.chmod(os.path.join(root, name), 0o755)
        with running_apache(folder / "conf" / "redirects.conf", folder / "run", port):
            result = verify(ws, f"127.0.0.1:{port}", record=False)
        assert result.failures == [] and result.checked > 300
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@needs_nginx
@pytest.mark.nginx
def test_shutdown_runs_each_sites_checklist(county, platform, sample_county, tmp_path):
    """--yes runs and records every step per site; one site's failing step does not stop the other."""
    ws, _ = county
    port = free_port()
    export_redirects(ws, "nginx", tmp_path / "nginx", listen=[f"127.0.0.1:{port}"])
    ws.config["redirects"]["staging"] = f"127.0.0.1:{port}"
    ws.config["crawl"]["delay"] = 0   # the final crawl is on loopback
    ws.save_config()
    codes = sorted(s["site_code"] for s in sample_county.manifest["sites"] if s["cms"] in ("asp", "dede"))
    broken = codes[1]
    warc = ws.db.execute("SELECT warc_file FROM pages WHERE site_code = ? AND warc_file IS NOT NULL", [broken]).fetchone()[0]
    (Path(ws.path) / warc).rename(Path(ws.path) / (warc + ".moved"))
    try:
        with CountyServer(sample_county) as county_server, \
                running_nginx(tmp_path / "nginx" / "redirects.conf", tmp_path / "run", port):
            around = [r for r in resolve.load_rules(ws.db).values() if r.host in (PLATFORM_HOST, ARCHIVE_HOST)]
            county_pipeline.point_at(ws, county_server)
            resolve.save_rules(ws.db, around)   # the parent platform and the archive stay where they are
            result = CliRunner().invoke(cli, ["-w", str(ws.path), "shutdown", *codes, "--yes", "--json"])
            ws.config["redirects"]["staging"] = f"127.0.0.1:{free_port()}"
            ws.save_config()
            unreachable = CliRunner().invoke(cli, ["-w", str(ws.path), "shutdown", codes[0], "--yes"])
            assert unreachable.exit_code == 4 and "cannot reach" in unreachable.output
        report = json.loads(result.output)
        assert result.exit_code == 1, result.output
        steps = {(s["site_code"], step["step"]): step for s in report["sites"] for step in s["steps"]}
        for code in codes:
            for name in ("final_crawl", "export_complete", "redirect_lint", "redirect_verify", "closure_notice"):
                assert steps[(code, name)]["status"] == "ok", steps[(code, name)]
            assert steps[(code, "domain")]["status"] == "open"
        assert steps[(broken, "warc_archive")]["status"] == "failed" and "missing files" in steps[(broken, "warc_archive")]["detail"]
        assert steps[(codes[0], "warc_archive")]["status"] == "ok"
        recorded = ws.db.execute("SELECT site_code, count(*) FROM shutdown_steps WHERE site_code IN (?, ?) "
                                 "GROUP BY site_code", codes).fetchall()
        assert dict(recorded) == {code: len(report["sites"][0]["steps"]) for code in codes}
        report_only = CliRunner().invoke(cli, ["-w", str(ws.path), "shutdown", codes[1], "--json"])
        again = {step["step"]: step["status"] for step in json.loads(report_only.output)["sites"][0]["steps"]}
        assert again["redirect_verify"] == "ok" and again["final_crawl"] == "ok" and again["warc_archive"] == "failed"
        assert report_only.exit_code == 1
    finally:
        (Path(ws.path) / (warc + ".moved")).rename(Path(ws.path) / warc)
