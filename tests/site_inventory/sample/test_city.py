"""The sample city (second platform family): deterministic, self-consistent, and served over real https.

The manifest is the answer key other stages are checked against, so it is checked here against
itself (links, redirect chains, items, columns, placement) and against the bytes: breadcrumbs as
JSON-LD and aria navigation, dates as JSON-LD, controls on every page. Then both sites are served
on loopback with a test CA, and every URL answers exactly as the manifest says, http with a 301 to
its https twin; a client that does not trust the CA is refused.
"""
from __future__ import annotations

import hashlib
import http.client
import json
import socket
import ssl
from collections import Counter
from datetime import date
from urllib.parse import urljoin, urlsplit

import pytest
from lxml import html as lxml_html

from site_inventory.sample.city import generate
from site_inventory.sample.tls import HttpsServers

from city_estate import city_certificates, sample_city  # noqa: F401  (fixtures)


def rows(manifest) -> dict:
    return {p["url"]: p for p in manifest["pages"]}


def html_pages(city):
    """(row, parsed document) of every reachable HTML page answering 200."""
    for row in city.manifest["pages"]:
        if row.get("reachable") and row["status"] == 200 and row["content_type"].startswith("text/html"):
            yield row, lxml_html.fromstring(city.page(row["url"]).body.decode("utf-8"))


def anchors(row, doc) -> list[tuple[str, str]]:
    """(text, absolute target without fragment) of every <a> of a page."""
    return [(a.text_content().strip(), urljoin(row["url"], a.get("href")).partition("#")[0])
            for a in doc.iter("a") if a.get("href") and not a.get("href").startswith("javascript:")]


def json_ld(doc) -> list[dict]:
    return [node for s in doc.xpath('//script[@type="application/ld+json"]') for node in json.loads(s.text)["@graph"]]


def test_same_seed_same_bytes_and_manifest(sample_city):
    again = generate(seed=2026, as_of=date(2026, 6, 30))
    assert again.manifest == sample_city.manifest
    assert {k: p.body for k, p in again.pages.items()} == {k: p.body for k, p in sample_city.pages.items()}
    other = generate(seed=7)
    assert [i["title"] for i in other.manifest["items"]] != [i["title"] for i in sample_city.manifest["items"]]


def test_manifest_counts_and_sites(sample_city):
    m = sample_city.manifest
    counts = Counter(p["page_type"] for p in m["pages"] if p.get("reachable"))
    assert m["counts"]["items"] == len(m["items"]) == 70
    assert counts["article"] == len(m["items"]) and counts["list"] == 14 and counts["column_index"] == 5
    assert counts["redirect"] == len(m["redirects"]) == m["counts"]["redirects"] >= 10
    assert {r["reason"] for r in m["redirects"]} == {"http_twin", "index_html", "trailing_slash", "old_url", "short_link"}
    sites = {s["action"]: s for s in m["sites"]}
    assert set(sites) == {"keep", "close"} and sites["close"]["parent_code"] == sites["keep"]["site_code"]
    assert sites["keep"]["url"].startswith("https://") and sites["close"]["url"].startswith("http://")
    assert len({p["canonical_url"] for p in m["pages"]}) == len(m["pages"])


def test_manifest_is_closed_under_links_and_every_redirect_ends_on_a_page(sample_city):
    m = sample_city.manifest
    by_url = rows(m)
    for row in by_url.values():
        if row.get("reachable"):
            for link in row.get("links", []):
                assert link in by_url or link in m["offsite_links"], (row["url"], link)
    for r in m["redirects"]:
        chain, url = [], r["url"]
        while by_url[url]["status"] in (301, 302):
            url = by_url[url]["location"]
            chain.append(url)
        assert (url, len(chain)) == (r["final_url"], r["hops"]), r
        assert by_url[url]["status"] == 200 and by_url[url]["page_type"] != "redirect"
        assert urlsplit(url).scheme == "https"
        if r["reason"] == "http_twin":
            assert r["url"].startswith("http://") and r["location"] == "https://" + r["url"][len("http://"):]
        if r["reason"] == "index_html":
            assert r["url"].endswith("/index.html") and r["final_url"].endswith("/")
    disallowed = [p for p in m["pages"] if p.get("robots_disallowed")]
    assert disallowed and all(urlsplit(p["url"]).path.startswith("/print/") and not p.get("reachable")
                              for p in disallowed)


def test_items_columns_and_placement_agree(sample_city):
    m = sample_city.manifest
    by_url = rows(m)
    columns = {(c["site_code"], tuple(c["path"])): c for c in m["columns"]}
    parent = next(s for s in m["sites"] if s["action"] == "keep")["site_code"]
    satellite = next(s for s in m["sites"] if s["action"] == "close")
    placement = m["placement"][satellite["site_code"]]
    home = columns[(parent, tuple(placement["home_column"]))]
    assert placement["home_url"] == home["url"] == satellite["home_url"] and home["kind"] == "section"
    for item in m["items"]:
        page = by_url[item["url"]]
        assert page["status"] == 200 and page["page_type"] == "article" and page.get("reachable"), item["url"]
        column = columns[(item["site_code"], tuple(item["source_column"]))]
        assert item["url"] in column["item_urls"] and item["column_url"] == column["url"]
        assert item["breadcrumb"] == ["首页", *item["source_column"]] == page["breadcrumb"]
        target = columns[(parent, tuple(item["target_column"]))]
        assert item["target_url"] == target["url"]
        if item["site_code"] == satellite["site_code"]:
            assert item["target_column"] == placement["home_column"]
        else:
            assert item["target_column"] == item["source_column"]
    for column in m["columns"]:
        for url in column["list_urls"]:
            assert by_url[url]["page_type"] == "list" and by_url[url]["column"] == column["path"]
        expected = {"section": "column_index", "list": "list", "page": "article"}[column["kind"]]
        assert by_url[column["url"]]["page_type"] == expected, column
        if column["parent"]:
            assert (column["site_code"], tuple(column["parent"])) in columns
    linked = placement["linked_from"]
    assert home["url"] in linked and f"https://{urlsplit(satellite['home_url']).netloc}/" in linked
    for url in linked:
        assert any(urlsplit(u).netloc == satellite["hosts"][0] for u in by_url[url]["links"])


def test_pages_carry_json_ld_and_aria_breadcrumbs_and_no_position_line(sample_city):
    items = {i["url"]: i for i in sample_city.manifest["items"]}
    checked = 0
    for row, doc in html_pages(sample_city):
        assert "当前位置" not in doc.text_content()
        if row["page_type"] == "homepage":
            assert not doc.xpath('//nav[@aria-label="Breadcrumb"]')
            continue
        shown = row["breadcrumb"] + ([row["breadcrumb_current"]] if "breadcrumb_current" in row else [])
        crumbs = next(n for n in json_ld(doc) if n["@type"] == "BreadcrumbList")["itemListElement"]
        assert [c["name"] for c in crumbs] == shown, row["url"]
        assert [c["position"] for c in crumbs] == list(range(1, len(shown) + 1))
        aria = doc.xpath('//nav[@aria-label="Breadcrumb"]//li')
        assert [li.text_content() for li in aria] == shown and aria[-1].get("aria-current") == "page"
        item = items.get(row["url"])
        if item and item["published"]:
            article = next(n for n in json_ld(doc) if n["@type"] == "NewsArticle")
            assert article["datePublished"] == item["published"] + "+08:00"
            assert article["dateModified"] == item["modified"] + "+08:00"
        checked += 1
    assert checked == sample_city.manifest["counts"]["reachable"] - 2 - 2 - 2 - len(sample_city.manifest["redirects"])


def test_controls_are_on_every_page_with_a_target_per_page(sample_city):
    m = sample_city.manifest
    targets: dict[str, list[str]] = {text: [] for text in m["controls"]}
    pages = Counter()
    for row, doc in html_pages(sample_city):
        texts = dict(anchors(row, doc)) | {a.text_content().strip(): a.get("href") for a in doc.iter("a")}
        assert "跳到主要内容" in texts and "返回顶部" in texts, row["url"]
        for text, target in anchors(row, doc):
            if text in targets:
                targets[text].append(target)
        if row["page_type"] not in ("homepage", "search_or_form"):
            assert urljoin(row["url"], "/print" + urlsplit(row["url"]).path) in row["links"], row["url"]
            assert "关闭" in texts
        pages[row["page_type"]] += 1
    html_count = sum(pages.values())
    assert len(set(targets["跳到主要内容"])) == len(set(targets["返回顶部"])) == html_count
    assert len(set(targets["打印"])) == len(targets["打印"]) == html_count - pages["homepage"] - pages["search_or_form"]
    for word in ("上一篇", "下一篇", "阅读全文", "更多"):
        assert len(set(targets[word])) >= 8, (word, len(set(targets[word])))


def _fetch(servers, url, ca, connections):
    """(status, headers, body) of ``url`` from the right server, TLS checked against ``ca`` for the URL's host."""
    parts = urlsplit(url)
    key = (parts.scheme, parts.netloc)
    if key not in connections:
        server = servers.secure if parts.scheme == "https" else servers.plain
        raw = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        conn.sock = (ssl.create_default_context(cafile=str(ca)).wrap_socket(raw, server_hostname=parts.netloc)
                     if parts.scheme == "https" else raw)
        connections[key] = conn
    conn = connections[key]
    conn.request("GET", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""), headers={"Host": parts.netloc})
    resp = conn.getresponse()
    return resp.status, dict(resp.getheaders()), resp.read()


def test_served_over_https_with_http_twins_exactly_as_listed(sample_city, city_certificates):
    ca, cert, key = city_certificates
    with HttpsServers(sample_city, cert, key) as servers:
        rules = servers.resolve_rules()
        assert {r.split(":")[1] for r in rules} == {"443", "80"} and all(":127.0.0.1:" in r for r in rules)
        connections: dict = {}
        for row in sample_city.manifest["pages"]:
            status, headers, body = _fetch(servers, row["url"], ca, connections)
            assert status == row["status"], row["url"]
            if 300 <= status < 400:
                assert headers["Location"] == row["location"]
            else:
                assert hashlib.sha256(body).hexdigest() == row["sha256"] and headers["Content-Type"] == row["content_type"]
        for site in sample_city.manifest["sites"]:
            host = site["hosts"][0]
            status, headers, _ = _fetch(servers, f"http://{host}/any/path/?q=1", ca, connections)
            assert (status, headers["Location"]) == (301, f"https://{host}/any/path/?q=1")
            assert _fetch(servers, f"https://{host}/robots.txt", ca, connections)[2].decode().count("Disallow: /print/") == 1
        for conn in connections.values():
            conn.close()
        raw = socket.create_connection(("127.0.0.1", servers.secure.port), timeout=10)
        with pytest.raises(ssl.SSLCertVerificationError):
            ssl.create_default_context().wrap_socket(raw, server_hostname=sample_city.hosts[0])
        raw.close()
