"""Hostile old URLs and targets: the server config stays exactly as planned, whatever the URLs hold.

Old URLs with spaces, quotes, ``;``, braces, ``$``, backslashes, GBK bytes, newlines, NUL, ``%2F``
and dot segments, hostile query names and values, and targets with quotes, CR/LF or another
host (as a parent platform's receipt file could hold) go through plan, lint and export; nginx
must accept the config (``nginx -t``) and answer each URL as planned: escaped ones matched,
rejected ones (recorded) left to the fallback, never a directive of their own.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner

from migrate.redirects.accesslog import import_logs
from migrate.cli import cli
from migrate.export.preview import PreviewServer
from migrate.redirects.export import export_redirects
from migrate.redirects.lint import lint
from migrate.redirects.plan import plan
from migrate.redirects.verify import verify
from site_inventory import resolve
from site_inventory.urls import canonicalize

import workspace_rows as rows
from webservers import APACHE, NGINX, free_port, raw_get, running_apache, running_nginx

CODE = "3311230101"
OLD = "http://old.qx.example.gov.cn"
BASE = "http://www.qx.example.gov.cn"
ITEMS = [  # (old URL as linked, new URL)
    (f"{OLD}/news/a b.html", f"{BASE}/t/1.html"),
    (f'{OLD}/x;return 200 "pwned";.html', f"{BASE}/t/2.html"),
    (f"{OLD}/y{{}}$host.html", f"{BASE}/t/3.html"),
    (f"{OLD}/z'q'.html", f"{BASE}/t/4$x.html"),
    (f"{OLD}/%C7%E0%CF%AA/%D0%C2%CE%C5.html", f"{BASE}/t/5.html"),             # GBK-encoded 青溪/新闻
    (f"{OLD}/back%5Cslash.html", f"{BASE}/t/6.html"),
    (f"{OLD}/nl%0Ainjected%0Dreturn.html", f"{BASE}/t/7.html"),                # newline: rejected
    (f"{OLD}/nul%00.html", f"{BASE}/t/8.html"),                                # NUL: rejected
    (f"{OLD}/a/b.html", f"{BASE}/t/9.html"),
    (f"{OLD}/a%2Fb.html", f"{BASE}/t/10.html"),                                # nginx sees /a/b.html
    (f"{OLD}/c%2F..%2Fd.html", f"{BASE}/t/11.html"),                           # dot segments: rejected
    (f"{OLD}/show.asp?id=1%22%3B%7B", f"{BASE}/t/12.html"),
    (f"{OLD}/show.asp?a-b=1", f"{BASE}/t/13.html"),                            # name $arg_ cannot take
    (f"{OLD}/show.asp?id=2&id=3", f"{BASE}/t/14.html"),                        # given twice
    (f"{OLD}/{'长' * 200}.html", f"{BASE}/t/15.html"),                          # a 600-byte key
    (f"{OLD}/r1.html", f'{BASE}/ok"; return 200 "x'),                          # receipts with hostile URLs
    (f"{OLD}/r2.html", "http://evil.example.com/phish"),
    (f"{OLD}/r3.html", f"{BASE}/a\r\nSet-Cookie: x=1"),
]
REJECTED = {"nl%0Ainjected", "nul%00", "a%2Fb", "c%2F..%2Fd", "a-b=1", "id=2&id=3", "/r1.html", "/r2.html", "/r3.html"}
LOG_LINES = [
    r'1.2.3.4 - - [10/Oct/2026:13:55:36 +0800] "GET /%0d%0aSet-Cookie:%20x=1 HTTP/1.1" 404 1 "-" "x"',
    r'1.2.3.4 - - [10/Oct/2026:13:55:37 +0800] "GET /${jndi:ldap://x/a} HTTP/1.1" 404 1 "-" "x"',
    r'1.2.3.4 - - [10/Oct/2026:13:55:38 +0800] "GET /<script>alert(1)</script> HTTP/1.1" 404 1 "-" "x"',
    r'1.2.3.4 - - [10/Oct/2026:13:55:39 +0800] "GET /..%2f..%2fetc/passwd HTTP/1.1" 404 1 "-" "x"',
    r'1.2.3.4 - - [10/Oct/2026:13:55:40 +0800] "GET /wp-login.php?x=\";{} HTTP/1.1" 404 1 "-" "x"',
    r'1.2.3.4 - - [10/Oct/2026:13:55:41 +0800] "GET /\xC7\xE0 }; include /etc/passwd; HTTP/1.1" 404 1 "-" "x"',
]


@pytest.fixture
def hostile(tmp_path):
    """A workspace whose closing site has the hostile URLs crawled, exported (id map) and logged."""
    ws = rows.workspace(tmp_path / "ws", base_url=BASE)
    rows.site(ws, CODE, "青溪县某某乡人民政府", f"{OLD}/")
    ws.db["sites"].update(CODE, {"aliases": json.dumps(["old2.qx.example.gov.cn"])})
    rows.page(ws, CODE, f"{OLD}/")
    for number, (old, new) in enumerate(ITEMS):
        url = canonicalize(old)
        page_id = rows.page(ws, CODE, url)
        ws.db["id_map"].insert({"item_id": f"{CODE}_{number}", "site_code": CODE, "page_id": page_id, "source_url": url,
                                "kind": "item", "action": "map", "new_url": new, "status": "exported"})
    ws.db.conn.commit()
    log = tmp_path / "access.log"
    log.write_text("\n".join(LOG_LINES) + "\n", encoding="latin-1")
    report = import_logs(ws, [log], host="old.qx.example.gov.cn")
    assert report.files[0].counted == len(LOG_LINES) and report.files[0].malformed == 0
    plan(ws)
    yield ws
    ws.close()


@pytest.fixture
def platform_server(hostile, tmp_path):
    """The parent platform: a static page at every safe new URL, its host resolved to it."""
    root = tmp_path / "platform"
    root.mkdir()
    (root / "index.html").write_text("<html>首页</html>", encoding="utf-8")
    for _, new in ITEMS:
        parts = urlsplit(new)
        if parts.hostname == "www.qx.example.gov.cn" and re.fullmatch(r"/t/[^/]+\.html", parts.path):
            file = root / unquote(parts.path).lstrip("/")
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text("<html>ok</html>", encoding="utf-8")
    with PreviewServer(root) as server:
        port = server.httpd.server_address[1]
        resolve.save_rules(hostile.db, [resolve.parse_rule(f"www.qx.example.gov.cn:80:127.0.0.1:{port}")])
        yield server



def _target(old: str) -> bytes:
    parts = urlsplit(canonicalize(old))
    return (parts.path + (f"?{parts.query}" if parts.query else "")).encode("ascii")


def test_lint_names_every_hostile_case(hostile):
    report = lint(hostile)
    problems = {(p.check, p.old_url) for p in report.examples}
    by_check = lambda check: {url for c, url in problems if c == check}  # noqa: E731
    unsafe = by_check("unsafe")
    for fragment in ("nl%0Ainjected", "nul%00", "c%2F..%2Fd", "a-b=1", "id=2&id=3"):
        assert any(fragment in url for url in unsafe), fragment
    assert {canonicalize(f"{OLD}/a/b.html"), canonicalize(f"{OLD}/a%2Fb.html")} <= by_check("duplicate")
    assert {canonicalize(f"{OLD}/r1.html"), canonicalize(f"{OLD}/r3.html")} <= by_check("target")
    assert by_check("allowlist") == {canonicalize(f"{OLD}/r2.html")}
    levels = {p.old_url: p.level for p in report.examples if p.check == "unsafe"}
    logged = [url for url, level in levels.items() if "Set-Cookie" in url]
    assert logged and all(levels[url] == "warning" for url in logged)   # the fallback answers them the same way
    assert not report.ok
    lint_cli = CliRunner().invoke(cli, ["-w", str(hostile.path), "redirects", "lint"])
    assert lint_cli.exit_code == 1
    export_cli = CliRunner().invoke(cli, ["-w", str(hostile.path), "redirects", "export", "--format", "nginx",
                                          "-o", str(hostile.path / "out"), "--json"])
    assert export_cli.exit_code == 1 and json.loads(export_cli.output)["rejected_changing_answers"] >= 9


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed")
@pytest.mark.nginx
def test_nginx_config_holds_no_injected_directive_and_answers_as_planned(hostile, platform_server, tmp_path):
    port = free_port()
    report = export_redirects(hostile, "nginx", tmp_path / "nginx", listen=[f"127.0.0.1:{port}"])
    rejected = [u for (u,) in hostile.db.execute("SELECT old_url FROM redirect_problems WHERE check_name = 'rejected'")]
    assert {f for f in REJECTED if any(f in u for u in rejected)} == REJECTED
    assert report.rejected == len(rejected)
    conf = (tmp_path / "nginx" / "redirects.conf").read_bytes()
    body = conf.split(b"$gmr_" + CODE.encode() + b" {\n", 1)[1].split(b"\n}\n", 1)[0].split(b"\n")
    entry = re.compile(rb'^    (?:default|"(?:[^"\\]|\\.)*") "(?:[^"\\{}$]|\$\{gm_dollar\})*";$')
    assert all(entry.match(line) for line in body), [line for line in body if not entry.match(line)]
    assert conf.count(b"\nserver {") == 1 and b"pwned" not in conf.split(b"\nserver {", 1)[1]
    assert "长".encode() * 200 in conf and "青溪".encode("gbk") in conf   # raw key bytes, GBK included
    with running_nginx(tmp_path / "nginx" / "redirects.conf", tmp_path / "run", port):
        result = verify(hostile, f"127.0.0.1:{port}")
        assert [(f.old_url, f.problem) for f in result.failures] == [] and result.checked == len(ITEMS) + len(LOG_LINES) + 2
        host = "old.qx.example.gov.cn"
        assert raw_get(port, host, _target(ITEMS[1][0])) == (301, ITEMS[1][1])           # ;return 200 "pwned"; matched
        assert raw_get(port, host, _target(ITEMS[3][0])) == (301, ITEMS[3][1])           # target with $ kept as is
        assert raw_get(port, host, "/青溪/新闻.html".encode("gbk")) == (301, ITEMS[4][1])  # raw GBK bytes
        assert raw_get(port, host, _target(ITEMS[9][0])) == (301, ITEMS[8][1])           # /a%2Fb.html is /a/b.html
        for old, _ in (ITEMS[6], ITEMS[16], ITEMS[17]):
            assert raw_get(port, host, _target(old))[0] == 410                        # rejected: the fallback
        assert raw_get(port, "old2.qx.example.gov.cn", _target(ITEMS[0][0])) == (301, ITEMS[0][1])


@pytest.mark.skipif(APACHE is None, reason="Apache httpd (apache2) is not installed")
def test_apache_text_maps_reject_white_space_and_answer_as_planned(hostile, platform_server, tmp_path_factory):
    import os
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="govmigrate-apache-"))
    try:
        port = free_port()
        export_redirects(hostile, "apache", folder / "conf", listen=[f"127.0.0.1:{port}"])
        for root, dirs, _ in os.walk(folder):
            os.chmod(root, 0o755)
        rejected = [u for (u,) in hostile.db.execute("SELECT old_url FROM redirect_problems WHERE check_name = 'rejected'")]
        assert any("a%20b" in u for u in rejected) and any("pwned" in u for u in rejected)
        with running_apache(folder / "conf" / "redirects.conf", folder / "run", port):
            result = verify(hostile, f"127.0.0.1:{port}", record=False)
        assert [(f.old_url, f.problem) for f in result.failures] == [], "\n".join(f"{f.old_url} {f.problem}" for f in result.failures)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
