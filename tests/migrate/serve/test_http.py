"""The review app over plain HTTP: CSRF, the access token, the loopback Host check, CSP, escaping."""
from __future__ import annotations

from http.client import HTTPConnection
from urllib.parse import quote

import pytest

from migrate.serve.security import TOKEN_COOKIE
from migrate.serve.server import Running, make_app

from conftest import SITE, csrf_of, fetch

PAGES = ["/", f"/site/{SITE}", f"/site/{SITE}/mapping", f"/redirects?site={SITE}", "/redirects"]


def test_every_page_answers_with_a_content_security_policy(review):
    running, ws, _ = review
    item = ws.db.execute("SELECT page_id FROM id_map WHERE site_code = ? AND kind = 'item' AND page_id IS NOT NULL",
                         [SITE]).fetchone()[0]
    for path in PAGES + [f"/item/{item}", "/site/0000000000", "/static/app.js"]:
        status, headers, _ = fetch(running.url.rstrip("/") + path)
        assert status in (200, 404), path
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "object-src 'none'" in policy, path
        assert headers["X-Content-Type-Options"] == "nosniff"
    status, headers, _ = fetch(running.url + f"archive/{item}")
    assert status == 200 and headers["Content-Security-Policy"].startswith("sandbox;")
    assert "script-src" not in headers["Content-Security-Policy"]  # default-src 'none': no script at all


def test_a_form_without_the_csrf_token_changes_nothing(review):
    running, ws, _ = review
    before = ws.db.execute("SELECT count(*) FROM redirect_overrides").fetchone()[0]
    url = ws.db.execute("SELECT old_url FROM redirects WHERE site_code = ? LIMIT 1", [SITE]).fetchone()[0]
    form = {"site": SITE, "old_url": url, "status": "410", "back": "/redirects"}
    for token in (None, "forged"):
        data = dict(form, **({"csrf": token} if token else {}))
        status, _, text = fetch(running.url + "redirects/override", data)
        assert status == 403 and "CSRF" in text
    _, _, page = fetch(running.url + "redirects")
    status, _, _ = fetch(running.url + "redirects/override", dict(form, csrf=csrf_of(page)),
                         headers={"Origin": "http://evil.example"})
    assert status == 403
    assert ws.db.execute("SELECT count(*) FROM redirect_overrides").fetchone()[0] == before
    status, headers, _ = fetch(running.url + "redirects/override", dict(form, csrf=csrf_of(page)))
    assert status == 303 and ws.db.execute("SELECT count(*) FROM redirect_overrides").fetchone()[0] == before + 1
    status, _, _ = fetch(running.url + "undo", {"csrf": csrf_of(page), "back": "/"})
    assert status == 303 and ws.db.execute("SELECT count(*) FROM redirect_overrides").fetchone()[0] == before


def test_a_host_other_than_loopback_needs_the_token(review):
    _, ws, _ = review
    app, token = make_app(ws.path, host="0.0.0.0")
    assert token
    with Running(app, "127.0.0.1") as running:  # what --host 0.0.0.0 would serve, bound on loopback for the test
        assert fetch(running.url)[0] == 403
        assert fetch(running.url + "?token=wrong")[0] == 403
        status, headers, _ = fetch(running.url + f"redirects?site={SITE}&token={token}")
        assert status == 303 and headers["Location"] == f"/redirects?site={SITE}"
        cookie = headers["Set-Cookie"]
        assert cookie.startswith(f"{TOKEN_COOKIE}={token}") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
        status, _, text = fetch(running.url, headers={"Cookie": f"{TOKEN_COOKIE}={token}"})
        assert status == 200 and "站点总览" in text
        assert fetch(running.url, headers={"Cookie": f"{TOKEN_COOKIE}=x{token}"})[0] == 403


def test_on_loopback_a_foreign_host_name_is_refused(review):
    """DNS rebinding: a page elsewhere whose name resolves to 127.0.0.1 cannot reach the app."""
    running, _, _ = review
    conn = HTTPConnection("127.0.0.1", running.port, timeout=10)
    conn.request("GET", "/", headers={"Host": f"evil.example:{running.port}"})
    assert conn.getresponse().status == 421
    conn.close()
    assert fetch(f"http://localhost:{running.port}/")[0] == 200


def test_crawled_text_is_escaped(review):
    running, ws, _ = review
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    page_id, path = ws.db.execute(
        "SELECT i.page_id, i.column_path FROM item_source_columns i JOIN id_map m ON m.page_id = i.page_id "
        "WHERE i.site_code = ? AND i.column_path IS NOT NULL LIMIT 1", [SITE]).fetchone()
    with ws.db.conn:
        ws.db.execute("UPDATE records SET title = ? WHERE page_id = ?", [hostile, page_id])
        ws.db.execute("UPDATE source_columns SET name = ? WHERE site_code = ? AND path = ?", [hostile, SITE, path])
        ws.db.execute("UPDATE redirects SET reason = ? WHERE site_code = ? AND id = (SELECT min(id) FROM redirects "
                      "WHERE site_code = ?)", [hostile, SITE, SITE])
    for path in (f"/item/{page_id}", f"/site/{SITE}/mapping", f"/site/{SITE}", f"/redirects?site={SITE}"):
        status, _, text = fetch(running.url.rstrip("/") + path)
        assert status == 200, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text, path
        assert "<script>alert" not in text and "<img src=x" not in text, path


def test_bulk_accept_goes_through_the_rules_and_undo_puts_every_suggestion_back(review):
    from mappings.rules import load_rules

    running, ws, _ = review

    def states():
        return {(r.site_code, r.match, r.pattern): (r.status, r.action, r.target_id) for r in load_rules(ws.db)}

    before = states()
    pending = [k for k, (status, *_) in before.items() if k[0] == SITE and status == "suggested"]
    assert pending
    _, _, page = fetch(running.url + f"site/{SITE}/mapping")
    status, headers, _ = fetch(running.url + f"site/{SITE}/mapping/bulk", {"csrf": csrf_of(page), "above": "0"})
    assert status == 303 and "msg=" in headers["Location"]
    after = states()
    assert all(after[k][0] == "accepted" for k in pending)
    assert {k: v for k, v in after.items() if k not in pending} == {k: v for k, v in before.items() if k not in pending}
    _, _, page = fetch(running.url + f"site/{SITE}/mapping")
    assert f"置信度 ≥ 0.00 的 {len(pending)} 条建议" in page  # the review log names the change
    assert fetch(running.url + "undo", {"csrf": csrf_of(page), "back": "/"})[0] == 303
    assert states() == before


def test_a_column_without_its_own_rule_gets_one_that_wins_and_undo_removes_it(review):
    from mappings.rules import load_rules, save_rules
    from migrate.serve.columns import column_rows

    running, ws, _ = review
    site = dict(zip(("site_code", "name", "level"),
                    ws.db.execute("SELECT site_code, name, level FROM sites WHERE site_code = ?", [SITE]).fetchone()))
    rules = load_rules(ws.db)
    parent = next(r for r in rules if r.site_code == SITE and r.match == "column" and " > " not in r.pattern
                  and r.action == "map" and any(o.pattern.startswith(r.pattern + " > ") for o in rules))
    child = next(r for r in rules if r.site_code == SITE and r.match == "column" and r.pattern.startswith(parent.pattern + " > "))
    parent.match = "column_prefix"  # the parent's rule now decides the child column too
    save_rules(ws.db, [r for r in rules if r is not child])
    before = [(r.site_code, r.match, r.pattern, r.action, r.target_id, r.status) for r in load_rules(ws.db)]
    assert next(row for row in column_rows(ws, site) if row.path == child.pattern).rule.pattern == parent.pattern

    _, _, page = fetch(running.url + f"site/{SITE}/mapping")
    status, headers, _ = fetch(running.url + f"site/{SITE}/mapping", {
        "csrf": csrf_of(page), "what": "drop", "rule_site": SITE, "match": "column", "pattern": child.pattern})
    assert status == 303 and "msg=" in headers["Location"]
    decided = next(row for row in column_rows(ws, site) if row.path == child.pattern)
    assert decided.own and decided.rule.action == "drop" and decided.rule.status == "accepted"
    assert fetch(running.url + "undo", {"csrf": csrf_of(page), "back": "/"})[0] == 303
    assert [(r.site_code, r.match, r.pattern, r.action, r.target_id, r.status) for r in load_rules(ws.db)] == before


def _rows_and_links(html):
    import html as html_mod
    import re

    urls = re.findall(r'name="old_url" value="([^"]+)"', html)
    links = {rel: html_mod.unescape(href) for href, rel in re.findall(r'<a href="([^"]+)" rel="(next|prev)">', html)}
    return [html_mod.unescape(u) for u in urls], links


def test_the_redirect_table_pages_by_keyset_both_ways_and_filters(review):
    running, ws, _ = review
    expected = [r[0] for r in ws.db.execute("SELECT old_url FROM redirects WHERE site_code = ? ORDER BY old_url", [SITE])]
    assert len(expected) > 100  # three pages of 50
    pages, path = [], f"/redirects?site={SITE}"
    while path:
        rows, links = _rows_and_links(fetch(running.url.rstrip("/") + path)[2])
        pages.append(rows)
        path = links.get("next")
        assert "OFFSET" not in (path or "")
    assert sum(pages, []) == expected and len(pages) == (len(expected) + 49) // 50
    _, links = _rows_and_links(fetch(running.url.rstrip("/") + f"/redirects?site={SITE}&after=" + _cursor(expected[99]))[2])
    assert _rows_and_links(fetch(running.url.rstrip("/") + links["prev"])[2])[0] == pages[1]
    gone = {r[0] for r in ws.db.execute("SELECT old_url FROM redirects WHERE site_code = ? AND status = 410", [SITE])}
    rows, _ = _rows_and_links(fetch(running.url + f"redirects?site={SITE}&f=410")[2])
    assert set(rows) == gone
    needle = expected[5].rsplit("/", 1)[-1]
    rows, _ = _rows_and_links(fetch(running.url + f"redirects?site={SITE}&q={quote(needle)}")[2])
    found = [u for u, t in ws.db.execute("SELECT old_url, target FROM redirects WHERE site_code = ? ORDER BY old_url",
                                        [SITE]) if needle in u or needle in (t or "")]
    assert expected[5] in rows and rows == found[:50]
    column = "通知公告"  # a Chinese column name finds the targets whose paths hold it percent-encoded
    rows, _ = _rows_and_links(fetch(running.url + f"redirects?site={SITE}&q={quote(column)}")[2])
    encoded = [u for u, t in ws.db.execute("SELECT old_url, target FROM redirects WHERE site_code = ? ORDER BY old_url",
                                          [SITE]) if quote(column) in (t or "")]
    assert encoded and rows == encoded[:50]


def _cursor(url):
    return quote(f"{SITE}\t{url}")


def test_chosen_old_urls_are_asked_of_the_staging_server_now(review):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qs, urlsplit

    class Missing(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    running, ws, _ = review
    url = ws.db.execute("SELECT old_url FROM redirects WHERE site_code = ? AND status = 301 AND kind = 'item' "
                        "LIMIT 1", [SITE]).fetchone()[0]
    verified = ws.db.execute("SELECT count(*) FROM redirect_verifications").fetchone()[0]
    _, _, page = fetch(running.url + f"redirects?site={SITE}")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Missing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        form = {"csrf": csrf_of(page), "site": SITE, "old_url": [url], "back": f"/redirects?site={SITE}",
                "against": f"127.0.0.1:{server.server_address[1]}"}
        status, headers, _ = fetch(running.url + "redirects/test", form)
    finally:
        server.shutdown()
        server.server_close()
    assert status == 303
    error = parse_qs(urlsplit(headers["Location"]).query)["error"][0]
    assert url in error and "answers 404, planned 301" in error
    assert ws.db.execute("SELECT count(*) FROM redirect_verifications").fetchone()[0] == verified
    status, headers, _ = fetch(running.url + "redirects/test", dict(form, against=form["against"]))  # server gone
    assert status == 303 and "无法测试" in parse_qs(urlsplit(headers["Location"]).query)["error"][0]


def test_the_sites_placement_is_shown_accepted_and_undone(review):
    from mappings.placement import load_placements, save_placements

    running, ws, _ = review
    placed = load_placements(ws.db).get(SITE)
    if placed is None or not placed.column_id:
        pytest.skip("map suggest placed this site nowhere (no home column to accept)")
    placed.status = "suggested"  # as 'map suggest' leaves it below --accept-above
    save_placements(ws.db, [placed])
    _, _, page = fetch(running.url + f"site/{SITE}/mapping")
    assert "map suggest 的建议" in page and (placed.target_path or placed.column_id) in page
    status, headers, _ = fetch(running.url + f"site/{SITE}/mapping/placement", {"csrf": csrf_of(page)})
    assert status == 303 and "msg=" in headers["Location"]
    assert load_placements(ws.db)[SITE].status == "accepted"
    assert fetch(running.url + "undo", {"csrf": csrf_of(page), "back": "/"})[0] == 303
    assert load_placements(ws.db)[SITE] == placed


def test_apply_assigns_the_sites_pages_from_the_rules_as_map_apply_does(review):
    running, ws, _ = review
    page_id, path = ws.db.execute(
        "SELECT m.page_id, i.column_path FROM item_mappings m JOIN item_source_columns i ON i.page_id = m.page_id "
        "WHERE m.site_code = ? AND m.action = 'map' AND i.column_path IS NOT NULL LIMIT 1", [SITE]).fetchone()

    def action():
        return ws.db.execute("SELECT action FROM item_mappings WHERE page_id = ?", [page_id]).fetchone()[0]

    _, _, page = fetch(running.url + f"site/{SITE}/mapping")
    csrf = csrf_of(page)
    fetch(running.url + f"site/{SITE}/mapping", {"csrf": csrf, "what": "drop", "rule_site": SITE, "match": "column",
                                                   "pattern": path})
    assert action() == "map"  # a rule change alone assigns nothing
    assert fetch(running.url + f"site/{SITE}/mapping/apply", {"csrf": csrf})[0] == 303
    assert action() == "drop"
    assert fetch(running.url + "undo", {"csrf": csrf, "back": "/"})[0] == 303
    assert fetch(running.url + f"site/{SITE}/mapping/apply", {"csrf": csrf})[0] == 303
    assert action() == "map"
