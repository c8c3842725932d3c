"""The sample city crawled over real https and extracted, checked against its manifest (issue 14).

One workspace per session (``city_estate.city_workspace``): the inventory as the planners' sheet
has it (the satellite still listed as http), both sites crawled through resolve rules with the test
CA, every page extracted, then checked: archive, redirects, breadcrumbs, page types, source
columns, the parent's tree from its crawl and the satellite's placement (issue 14).
"""
from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from site_inventory.workspace import open_workspace

import city_estate
from city_estate import city_certificates, city_workspace, sample_city  # noqa: F401  (fixtures)

SEARCH_OR_FORM = {"search_or_form": "search_form"}  # the manifest's word -> the extractor's


@pytest.fixture(scope="module")
def ws(city_workspace):
    workspace = open_workspace(city_workspace)
    yield workspace
    workspace.close()


def by_url(ws, sql: str) -> dict:
    return {r["url"]: r for r in ws.db.query(sql)}


def reachable(manifest, *types):
    return [p for p in manifest["pages"] if p.get("reachable") and (not types or p["page_type"] in types)]


def test_every_page_a_crawl_meets_is_archived_and_no_disallowed_page_is_fetched(ws, sample_city):
    pages = by_url(ws, "SELECT url, status, sha256, kind, final_url, warc_file FROM pages")
    expected = [p for p in reachable(sample_city.manifest) if p["page_type"] != "robots"]
    missing = [p["url"] for p in expected if p["url"] not in pages]
    assert missing == []
    for row in expected:
        got = pages[row["url"]]
        assert got["status"] == row["status"] and got["warc_file"], row["url"]
        if row["status"] == 200:
            assert got["sha256"] == row["sha256"], row["url"]
        else:
            assert got["final_url"] == row["final_url"], row["url"]
    robots = {urlsplit(u).netloc for u, r in pages.items() if r["kind"] == "robots" and r["status"] == 200}
    assert robots == set(sample_city.hosts)
    assert not [u for u in pages if urlsplit(u).path.startswith("/print/")]
    disallowed = {p["canonical_url"] for p in sample_city.manifest["pages"] if p.get("robots_disallowed")}
    skipped = {r["url"] for r in ws.db.query("SELECT url FROM crawl_urls WHERE reason = 'robots'")}
    assert skipped == disallowed


def test_redirect_answers_are_typed_redirect_and_never_items(ws, sample_city):
    records = by_url(ws, "SELECT url, page_type, warnings FROM records")
    redirects = sample_city.manifest["redirects"]
    assert {r["reason"] for r in redirects} >= {"http_twin", "index_html", "old_url", "short_link", "trailing_slash"}
    for r in redirects:
        assert records[r["url"]]["page_type"] == "redirect", r["url"]
        warning = json.loads(records[r["url"]]["warnings"])[0]
        assert warning in (f"HTTP {r['status']} redirect to {r['location']}",
                           f"HTTP {r['status']} redirect to {r['final_url']}"), (r, warning)
    statuses = {r["url"]: r["status"] for r in ws.db.query("SELECT url, status FROM pages")}
    assert not [u for u, t in records.items() if 300 <= statuses[u] < 400 and t["page_type"] != "redirect"]


def test_titles_dates_and_sources_of_every_item(ws, sample_city):
    records = by_url(ws, "SELECT url, title, published, modified, source FROM records")
    wrong = []
    for item in sample_city.manifest["items"]:
        got = records[item["url"]]
        expected = (item["title"], (item["published"] or "")[:10], (item["modified"] or "")[:10], item["source"])
        if (got["title"], (got["published"] or "")[:10], (got["modified"] or "")[:10], got["source"]) != expected:
            wrong.append((item["url"], expected, dict(got)))
    assert wrong == []


def test_breadcrumbs_are_read_on_every_page_that_has_one(ws, sample_city):
    records = by_url(ws, "SELECT url, breadcrumb FROM records")
    wrong = []
    for row in reachable(sample_city.manifest):
        if "breadcrumb" not in row:
            continue
        got = json.loads(records[row["url"]]["breadcrumb"] or "[]")
        shown = row["breadcrumb"]
        allowed = [shown] + ([shown + [row["breadcrumb_current"]]] if "breadcrumb_current" in row else [])
        if got not in allowed:
            wrong.append((row["url"], shown, got))
    assert wrong == []


def test_publish_times_come_from_json_ld(ws, sample_city):
    records = by_url(ws, "SELECT url, published FROM records")
    dated = [i for i in sample_city.manifest["items"] if i["published"]]
    wrong = [(i["url"], i["published"], records[i["url"]]["published"]) for i in dated
             if (records[i["url"]]["published"] or "")[:16] != i["published"][:16]]
    assert wrong == []


def test_page_types_from_structure(ws, sample_city):
    records = by_url(ws, "SELECT url, page_type FROM records")
    wrong = []
    for row in reachable(sample_city.manifest, "homepage", "column_index", "list", "article", "search_or_form"):
        expected = SEARCH_OR_FORM.get(row["page_type"], row["page_type"])
        if records[row["url"]]["page_type"] != expected:
            wrong.append((row["url"], expected, records[row["url"]]["page_type"]))
    assert wrong == []


def _source_columns(ws, code: str) -> list[dict]:
    from mappings.source_columns import source_columns

    return source_columns(ws, code)[code]


def test_no_source_column_is_a_control(ws, sample_city):
    controls = set(sample_city.manifest["controls"])
    for site in sample_city.manifest["sites"]:
        names = {c["name"] for c in _source_columns(ws, site["site_code"])}
        assert names and not names & controls, (site["site_code"], names & controls)


def test_source_columns_are_the_sites_sections_and_every_item_is_filed_in_its_own(ws, sample_city):
    m = sample_city.manifest
    items = {i["url"]: " > ".join(i["source_column"]) for i in m["items"]}
    for site in m["sites"]:
        code = site["site_code"]
        found = {c["path"] for c in _source_columns(ws, code)}
        assert found == {" > ".join(c["path"]) for c in m["columns"] if c["site_code"] == code}, code
    filed = {r["url"]: r["column_path"] for r in ws.db.query(
        "SELECT r.url, s.column_path FROM item_source_columns s JOIN records r ON r.page_id = s.page_id")}
    assert {u: filed.get(u) for u in items} == items


def _from_site_tree(ws, code: str, folder):
    from click.testing import CliRunner

    from mappings.target_tree import load_tree
    from migrate.cli import cli

    out = folder / "tree.yaml"
    result = CliRunner().invoke(cli, ["-w", str(ws.path), "columns", "target", "--from-site", code, "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out, load_tree(out)


def test_the_parents_tree_from_its_crawl_has_every_section_page(ws, sample_city, tmp_path):
    parent = next(s for s in sample_city.manifest["sites"] if s["action"] == "keep")["site_code"]
    _, tree = _from_site_tree(ws, parent, tmp_path)
    got = {c.url: c for c in tree.columns if c.url}
    wrong = []
    for column in sample_city.manifest["columns"]:
        if column["site_code"] == parent:
            c = got.get(column["url"])
            if c is None or c.name != column["name"] or (c.parent and got.get(
                    next((p.url for p in tree.columns if p.id == c.parent), None)) is None):
                wrong.append((column["url"], column["name"], c and c.name))
    assert wrong == []
    names = {c.name for c in tree.columns}
    assert not names & set(sample_city.manifest["controls"])
    item_titles = {i["title"] for i in sample_city.manifest["items"]} - {c["name"] for c in sample_city.manifest["columns"]}
    assert not names & item_titles


def test_the_satellite_is_placed_whole_under_its_home_column(city_workspace, sample_city, tmp_path):
    from mappings.apply import apply
    from mappings.suggest import suggest

    m = sample_city.manifest
    satellite = next(s for s in m["sites"] if s["action"] == "close")
    parent = next(s for s in m["sites"] if s["action"] == "keep")["site_code"]
    copy = city_estate.copy(city_workspace, tmp_path / "ws")
    try:
        tree_file, tree = _from_site_tree(copy, parent, tmp_path)
        copy.config["mapping"]["target_tree"] = str(tree_file)
        copy.save_config()
        suggest(copy, accept_above=0.0)
        apply(copy)
        home = next(c for c in tree.columns if c.url == satellite["home_url"])
        placed = copy.db.execute("SELECT column_id FROM site_placements WHERE site_code = ?",
                                 [satellite["site_code"]]).fetchone()
        assert placed is not None and placed[0] == home.id
        parents = {c.id: c.parent for c in tree.columns}

        def under_home(column_id):
            while column_id:
                if column_id == home.id:
                    return True
                column_id = parents.get(column_id)
            return False

        targets = {r["url"]: r["target_id"] for r in copy.db.query(
            "SELECT r.url, m.target_id FROM item_mappings m JOIN records r ON r.page_id = m.page_id")}
        items = [i["url"] for i in m["items"] if i["site_code"] == satellite["site_code"]]
        landed = [u for u in items if under_home(targets.get(u))]
        assert len(landed) >= 0.9 * len(items), (len(landed), len(items))
        home_page = copy.db.execute("SELECT m.target_id FROM item_mappings m JOIN records r ON r.page_id = m.page_id "
                                    "WHERE r.url = ?", [f"https://{satellite['hosts'][0]}/"]).fetchone()
        assert home_page is not None and home_page[0] == home.id
    finally:
        copy.close()


def test_every_redirected_old_url_takes_the_decision_of_where_it_led(city_workspace, sample_city, tmp_path):
    from mappings.apply import apply
    from mappings.suggest import suggest
    from migrate.export.run import export
    from migrate.redirects.plan import plan

    m = sample_city.manifest
    satellite = next(s for s in m["sites"] if s["action"] == "close")
    scheme = urlsplit(satellite["url"]).scheme  # the plan files old URLs under the inventory URL's scheme
    copy = city_estate.copy(city_workspace, tmp_path / "ws")
    try:
        suggest(copy, accept_above=0.0)
        apply(copy)
        export(copy, out_dir=tmp_path / "pkg")
        plan(copy)
        decisions = {r["old_url"]: (r["status"], r["target"]) for r in copy.db.query("SELECT * FROM redirects")}
    finally:
        copy.close()

    def planned(url):
        return decisions[f"{scheme}://{url.split('://', 1)[1]}"]

    moved = [r for r in m["redirects"] if r["site_code"] == satellite["site_code"]]
    assert {r["reason"] for r in moved} == {"http_twin", "index_html", "old_url"}
    for r in moved:
        assert planned(r["url"]) == planned(r["final_url"]) and planned(r["url"])[0] == 301, r
    items = [i for i in m["items"] if i["site_code"] == satellite["site_code"]]
    assert all(planned(i["url"])[0] == 301 for i in items)



@pytest.fixture
def staged_city(city_workspace, sample_city, city_certificates, tmp_path):
    """A copy of the city mapped, exported, previewed and planned, the preview served as the https parent."""
    from migrate.export.preview import PreviewServer, preview
    from migrate.export.run import export
    from migrate.redirects.plan import plan
    from mappings.apply import apply
    from mappings.suggest import suggest
    from site_inventory import resolve
    from site_inventory.sample.tls import server_context

    from migrate.redirects.staging import nginx_binary

    if nginx_binary() is None:
        pytest.skip("nginx is not installed")
    copy = city_estate.copy(city_workspace, tmp_path / "ws")
    suggest(copy, accept_above=0.0)
    apply(copy)
    export(copy, out_dir=tmp_path / "pkg")
    preview(copy, tmp_path / "site")
    plan(copy)
    parent = next(s for s in sample_city.manifest["sites"] if s["action"] == "keep")["hosts"][0]
    server = PreviewServer(tmp_path / "site")
    server.httpd.socket = server_context(*city_certificates[1:]).wrap_socket(server.httpd.socket, server_side=True)
    with server:
        port = server.httpd.server_address[1]
        resolve.save_rules(copy.db, [resolve.parse_rule(f"{parent}:443:127.0.0.1:{port}")])
        yield copy, tmp_path, parent
    copy.close()


def test_staged_redirects_verify_against_the_https_parent_and_a_wrong_target_fails(staged_city):
    from click.testing import CliRunner

    from migrate.cli import cli

    ws, folder, parent = staged_city
    https = ws.db.execute("SELECT count(*) FROM redirects WHERE status = 301 AND target LIKE ?",
                          [f"https://{parent}/%"]).fetchone()[0]
    assert https >= 25
    args = ["-w", str(ws.path), "redirects", "stage", "-o", str(folder / "stage"), "--verify", "--json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    planned = ws.db.execute("SELECT count(*) FROM redirects").fetchone()[0]
    assert json.loads(result.output)["checked"] == planned and json.loads(result.output)["failed"] == 0
    wrong = ws.db.execute("SELECT old_url, target FROM redirects WHERE status = 301 AND kind = 'item' AND target "
                          "LIKE ? ORDER BY old_url LIMIT 1", [f"https://{parent}/%"]).fetchone()
    with ws.db.conn:
        ws.db.execute("UPDATE redirects SET target = ? WHERE old_url = ?", [f"https://{parent}/no-such-page/", wrong[0]])
    result = CliRunner().invoke(cli, args[:5] + [str(folder / "stage2"), "--verify", "--json"])
    assert result.exit_code == 1, result.output
    failures = json.loads(result.output)["failures"]
    assert [(f["old_url"], "answers 404" in f["problem"]) for f in failures] == [(wrong[0], True)]
