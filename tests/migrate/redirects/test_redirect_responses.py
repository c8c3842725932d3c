"""Redirect responses are redirects: crawled from a real https site with an http twin on loopback,
typed ``redirect``, never items, never dropped by a suggested rule, and planned with the decision
of where they led (within the site, the https twin, another site of the inventory, the parent)."""
from __future__ import annotations

import json

import pytest

from extractors.runner import extract
from mappings.apply import apply
from mappings.suggest import suggest
from migrate.export.run import export
from migrate.redirects.plan import plan
from site_inventory import resolve
from site_inventory.crawl import crawl

import redirecting_site as rs
import workspace_rows as rows
from webservers import OPENSSL, certificates

pytestmark = pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed (the site is https)")
PARENT, SITE, OTHER = "3311230000", "3311230301", "3311230302"


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    """The two sites crawled, extracted, mapped (suggestions accepted), exported and planned."""
    folder = tmp_path_factory.mktemp("redirecting")
    ca, cert, key = certificates(folder / "tls", [rs.SITE])
    ws = rows.workspace(folder / "ws", base_url=f"http://{rs.PARENT}")
    rows.site(ws, PARENT, "青溪县人民政府", f"http://{rs.PARENT}/", action="keep", level="county", parent=None)
    rows.site(ws, SITE, "青溪县应急管理局", f"http://{rs.SITE}/", action="migrate", level="department", parent=PARENT)
    rows.site(ws, OTHER, "青溪县某某局", f"http://{rs.OTHER}/", action="close", level="department", parent=PARENT)
    ws.config["crawl"]["verify_tls"] = str(ca)
    ws.save_config()
    with rs.RedirectingSites(cert, key) as sites:
        resolve.save_rules(ws.db, [resolve.parse_rule(r) for r in sites.resolve_rules()], replace=True)
        crawl(ws, codes=[SITE, OTHER], delay=0)
    extract(ws, codes=[SITE, OTHER], processes=1)
    suggestions = suggest(ws, accept_above=0.0)
    apply(ws)
    export(ws, out_dir=folder / "pkg")
    plan(ws)
    yield ws, suggestions
    ws.close()


def _decisions(ws) -> dict:
    return {r["old_url"]: r for r in ws.db.query("SELECT * FROM redirects")}


def test_redirect_answers_are_typed_redirect_and_never_items(planned):
    ws, suggestions = planned
    answers = {r["url"]: r["status"] for r in ws.db.query("SELECT url, status FROM pages")}
    moved = {url for url, status in answers.items() if 300 <= status < 400}
    assert {f"https://{rs.SITE}{p}" for p in rs.MOVED} | {f"http://{rs.SITE}/"} <= moved
    types = {r["url"]: r for r in ws.db.query("SELECT url, page_type, warnings FROM records")}
    for url in moved:
        assert types[url]["page_type"] == "redirect", url
        assert json.loads(types[url]["warnings"])[0].startswith(f"HTTP {answers[url]} redirect to "), url
    assert [types[f"https://{rs.SITE}/news/2024/a{i + 1}.html"]["page_type"] for i in range(3)] == ["article"] * 3
    for path, target in rs.SENT.items():  # answered 200, but a redirect written in HTML
        assert types[f"https://{rs.SITE}{path}"]["page_type"] == "redirect", path
        assert f"redirect (" in types[f"https://{rs.SITE}{path}"]["warnings"] and target in types[
            f"https://{rs.SITE}{path}"]["warnings"]
    assert not [s for s in suggestions if s.rule.match == "page_type" and s.rule.pattern == "redirect"]
    assert ws.db.execute("SELECT count(*) FROM id_map WHERE source_url IN (SELECT url FROM pages WHERE status "
                         "BETWEEN 300 AND 399)").fetchone()[0] == 0


def test_every_redirected_old_url_takes_the_decision_of_where_it_led(planned):
    ws, _ = planned
    plan_of = _decisions(ws)
    item = ws.db.execute("SELECT new_url FROM id_map WHERE source_url = ?",
                         [f"https://{rs.SITE}/news/2024/a1.html"]).fetchone()[0]
    other_item = ws.db.execute("SELECT new_url FROM id_map WHERE source_url = ?",
                               [f"http://{rs.OTHER}/art/1.html"]).fetchone()[0]
    site = f"http://{rs.SITE}"
    news, about = plan_of[f"{site}/news/"], plan_of[f"{site}/about/"]
    assert news["status"] == 301 and about["status"] == 301
    expected = {
        "/news/index.html": (301, news["target"]),
        "/about/index.html": (301, about["target"]),
        "/moved.html": (301, news["target"]),                 # through two hops
        "/old-news.html": (301, item),
        "/news/2024/a1.html": (301, item),
        "/news/2024/a2.html": (301, plan_of[f"{site}/news/2024/a2.html"]["target"]),
        "/to-parent.html": (301, f"https://{rs.PARENT}/zwdt/"),
        "/to-other.html": (301, other_item),
        "/to-gone.html": (410, None),
        "/refresh.html": (301, plan_of[f"{site}/news/2024/a3.html"]["target"]),  # meta refresh
        "/jump.html": (301, about["target"]),                                    # location script
    }
    got = {path: (plan_of[site + path]["status"], plan_of[site + path]["target"]) for path in expected}
    assert got == expected
    assert plan_of[f"{site}/news/2024/a2.html"]["kind"] == "item"   # linked as http://, crawled as its https twin
    assert plan_of[f"{site}/"]["kind"] == "homepage"
    dropped = [u for u, r in plan_of.items() if "dropped by the mapping" in (r["reason"] or "")]
    assert dropped == []
