"""The sample county: deterministic, and served exactly as its manifest says (plain HTTP client)."""
from __future__ import annotations

import csv
import gzip
import hashlib
import re
import struct
from collections import deque
from datetime import date
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from lxml import html as lxml_html

from site_inventory.sample.server import CountyServer
from site_inventory.inventory import import_inventory, list_sites
from site_inventory.sample.county import generate, inventory_rows, write_inventory_csv, write_manifest
from site_inventory.sample.synthetic import SyntheticSite
from site_inventory.workspace import init_workspace


def fetch(server, url, method="GET", session=None, **kwargs):
    """Request ``url`` (a county URL) from the server, naming its host in the Host header."""
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {"Host": parts.netloc, **kwargs.pop("headers", {})}
    return (session or requests).request(method, server.base_url + target, headers=headers,
                                         allow_redirects=False, timeout=10, **kwargs)


def links_of(page_url, body: bytes, encoding: str) -> list[str]:
    """Absolute URLs of the <a href> links on a page (fragments dropped)."""
    doc = lxml_html.fromstring(body.decode("gb18030" if encoding == "gbk" else "utf-8"))
    return [urljoin(page_url, a.get("href")).partition("#")[0] for a in doc.iter("a") if a.get("href")]


def decode(body: bytes, encoding: str) -> str:
    return body.decode("gb18030" if encoding == "gbk" else encoding)


def items_by_url(manifest):
    return {i["url"]: i for i in manifest["items"]}


def by_url(manifest):
    return {p["url"]: p for p in manifest["pages"]}


def test_same_seed_same_bytes_and_manifest(sample_county):
    again = generate(seed=2026, as_of=date(2026, 6, 30))
    assert again.manifest == sample_county.manifest
    for a, b in zip(sample_county.builders, again.builders):
        assert {k: p.body for k, p in a.pages.items()} == {k: p.body for k, p in b.pages.items()}
    other = generate(seed=7)
    assert other.manifest["items"] != sample_county.manifest["items"]


def test_every_manifest_page_is_served_as_listed(county_server, sample_county):
    session = requests.Session()
    pages = sample_county.manifest["pages"]
    assert len(pages) == sample_county.manifest["counts"]["pages"]
    for row in pages:
        r = fetch(county_server, row["url"], session=session)
        assert r.status_code == row["status"], row["url"]
        if row["status"] == 301:
            assert r.headers["Location"] == row["location"]
            continue
        assert r.headers["Content-Type"] == row["content_type"], row["url"]
        if row["status"] == 200:
            assert len(r.content) == row["size"], row["url"]
            assert hashlib.sha256(r.content).hexdigest() == row["sha256"], row["url"]
            assert r.headers["Last-Modified"] == row["last_modified"]


def test_manifest_is_closed_under_links_and_every_page_is_discoverable(sample_county):
    m = sample_county.manifest
    listed = by_url(m)
    assert len({p["canonical_url"] for p in m["pages"]}) == len(m["pages"]) == len(listed)
    hosts = set(sample_county.hosts)
    trap = {s["url"].rstrip("/") + s["trap_prefix"] for s in m["sites"] if s["trap_prefix"]}
    linked = set()
    for row in m["pages"]:
        for url in row.get("links", []) + row.get("script_links", []) + row.get("locs", []):
            linked.add(url)
            if urlsplit(url).netloc in hosts and not any(url.startswith(t) for t in trap):
                assert url in listed, (row["url"], url)
    offsite = {u for s in m["sites"] for u in s["offsite_links"]}
    assert offsite == {u for u in linked if urlsplit(u).netloc not in hosts} == {"http://www.gov.cn/"}
    for row in m["pages"]:
        if row["page_type"] not in ("homepage", "robots", "redirect") and row["url"] not in linked:
            assert row["page_type"] == "sitemap" and row["url"] in {u for s in m["sites"] for u in s["sitemaps"]}
    assert {i["url"] for i in m["items"]} <= linked


def test_gbk_sites_bytes_decode_as_gb18030_with_gb2312_declared(county_server, sample_county):
    m = sample_county.manifest
    gbk_codes = {s["site_code"] for s in m["sites"] if s["encoding"] == "gbk"}
    assert len(gbk_codes) == 2
    pages = by_url(m)
    items = [i for i in m["items"] if pages[i["url"]]["encoding"] == "gbk"]
    assert len(items) > 40 and {i["site_code"] for i in items} == gbk_codes
    for item in items:
        raw = fetch(county_server, item["url"]).content
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        text = raw.decode("gb18030")
        assert re.search(r'charset="?gb2312', text)
        assert f"<title>{item['title']}" in text or item["title"][:19] in text
        assert item["title"].encode("gbk") in raw
    declared = {fetch(county_server, i["url"]).headers["Content-Type"] for i in items}
    assert declared == {"text/html; charset=gb2312", "text/html"}
    mismatches = m["defects"]["charset_mismatches"]
    assert mismatches
    for wrong in mismatches:
        raw = fetch(county_server, wrong["url"]).content
        assert wrong == {"url": wrong["url"], "declared": "gb2312", "actual": "utf-8"}
        assert b'charset="gb2312"' in raw and items_by_url(m)[wrong["url"]]["title"] in raw.decode("utf-8")


def test_attachments_match_manifest_and_are_valid_files(county_server, sample_county):
    files = [a for i in sample_county.manifest["items"] for a in i["attachments"]]
    assert len(files) >= 15
    assert {a["type"] for a in files} == {"pdf", "doc", "xls"}
    assert any("%E" in urlsplit(a["url"]).path for a in files)  # a Chinese file name, percent-encoded
    for a in files:
        data = fetch(county_server, a["url"]).content
        assert len(data) == a["size"] and hashlib.sha256(data).hexdigest() == a["sha256"]
        if a["type"] == "pdf":
            check_pdf(data)
            assert all(f"({line}) Tj".encode() in data for line in a["text"].split("\n"))
        elif a["type"] == "doc":
            assert doc_text(cfb_streams(data)) == a["text"]
        else:
            assert xls_text(cfb_streams(data)["Workbook"]) == a["text"]


def check_pdf(data: bytes) -> None:
    """Header, trailer and every xref offset pointing at its object."""
    assert data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF")
    startxref = int(data.rsplit(b"startxref", 1)[1].split()[0])
    assert data[startxref:startxref + 4] == b"xref"
    lines = data[startxref:].split(b"\n")
    count = int(lines[1].split()[1])
    for number in range(1, count):
        offset = int(lines[2 + number][:10])
        assert data[offset:].startswith(b"%d 0 obj" % number)


def cfb_streams(data: bytes) -> dict[str, bytes]:
    """The streams of an OLE2 compound file (no mini stream), each read through its FAT chain."""
    assert data[:8] == bytes.fromhex("D0CF11E0A1B11AE1")
    fat_sectors, dir_start = struct.unpack_from("<II", data, 0x2C)
    fat = []
    for s in struct.unpack_from("<109I", data, 0x4C)[:fat_sectors]:
        fat += struct.unpack_from("<128I", data, 512 + s * 512)

    def chain(sector):
        out = b""
        while sector != 0xFFFFFFFE:
            out += data[512 + sector * 512: 512 + (sector + 1) * 512]
            sector = fat[sector]
        return out

    directory, streams = chain(dir_start), {}
    for i in range(0, len(directory), 128):
        entry = directory[i:i + 128]
        length, kind = struct.unpack_from("<HB", entry, 64)
        start, size = struct.unpack_from("<IQ", entry, 116)
        if kind == 2:
            assert size >= 4096  # no mini stream in these files
            streams[entry[:length - 2].decode("utf-16-le")] = chain(start)[:size]
    return streams


def doc_text(streams: dict[str, bytes]) -> str:
    """Main text of a Word 97 file through its piece table, paragraphs joined by newlines."""
    word = streams["WordDocument"]
    assert struct.unpack_from("<HH", word, 0) == (0xA5EC, 0x00C1)
    table = streams["1Table" if struct.unpack_from("<H", word, 10)[0] & 0x0200 else "0Table"]
    fc_clx, lcb_clx = struct.unpack_from("<II", word, 0x1A2)
    clx = table[fc_clx:fc_clx + lcb_clx]
    assert clx[0] == 2
    n = (struct.unpack_from("<I", clx, 1)[0] - 4) // 12
    cps = struct.unpack_from(f"<{n + 1}I", clx, 5)
    text = ""
    for i in range(n):
        fc = struct.unpack_from("<I", clx, 5 + 4 * (n + 1) + 8 * i + 2)[0]
        assert not fc & 0x40000000  # uncompressed (UTF-16) piece
        text += word[fc:fc + 2 * (cps[i + 1] - cps[i])].decode("utf-16-le")
    assert struct.unpack_from("<I", word, 0x4C)[0] == len(text)  # ccpText
    return "\n".join(text.rstrip("\r").split("\r"))


def xls_text(book: bytes) -> str:
    """Cells of a BIFF8 workbook's sheet, rows of tab-separated cells (numbers in %g form)."""
    pos, strings, cells = 0, [], {}
    while pos + 4 <= len(book):
        rtype, size = struct.unpack_from("<HH", book, pos)
        body = book[pos + 4:pos + 4 + size]
        pos += 4 + size
        if rtype == 0x00FC:
            at = 8
            for _ in range(struct.unpack_from("<I", body, 4)[0]):
                cch, flags = struct.unpack_from("<HB", body, at)
                assert flags == 1
                strings.append(body[at + 3:at + 3 + 2 * cch].decode("utf-16-le"))
                at += 3 + 2 * cch
        elif rtype == 0x00FD:
            r, c, _, isst = struct.unpack_from("<HHHI", body)
            cells[r, c] = strings[isst]
        elif rtype == 0x0203:
            r, c, _, value = struct.unpack_from("<HHHd", body)
            cells[r, c] = f"{value:g}"
    rows = max(r for r, _ in cells) + 1
    return "\n".join("\t".join(cells[r, c] for c in range(max(c for rr, c in cells if rr == r) + 1))
                     for r in range(rows))


def test_robots_sitemaps_and_feed_where_claimed(county_server, sample_county):
    m = sample_county.manifest
    with_robots = [s for s in m["sites"] if s["robots_url"]]
    assert 1 <= len(with_robots) < len(m["sites"])
    for site in m["sites"]:
        robots = fetch(county_server, site["url"] + "robots.txt")
        assert robots.status_code == (200 if site["robots_url"] else 404)
        for sitemap in site["sitemaps"]:
            assert fetch(county_server, sitemap).status_code == 200
    delays = [s["crawl_delay"] for s in with_robots if s["crawl_delay"]]
    assert delays and max(delays) <= 0.05
    pages = by_url(m)
    sitemaps = [p for p in m["pages"] if p["page_type"] in ("sitemap", "feed")]
    assert any("sitemapindex" in fetch(county_server, p["url"]).text for p in sitemaps)
    for p in sitemaps:
        text = fetch(county_server, p["url"]).text
        for loc in p["locs"]:
            assert f">{loc}<" in text
            assert pages[loc]["status"] == 200


def list_links(page_url, body: bytes, encoding: str) -> list[str]:
    """Absolute URLs of the links in a list page's list block (not the nav, pager or footer)."""
    doc = lxml_html.fromstring(body.decode("gb18030" if encoding == "gbk" else "utf-8"))
    return [urljoin(page_url, a.get("href")) for a in doc.xpath('//ul[@class="list"]//a')]


def test_list_pages_link_exactly_their_items_and_blank_columns_link_none(county_server, sample_county):
    m = sample_county.manifest
    pages = by_url(m)
    session = requests.Session()
    for col in m["columns"]:
        assert col["item_count"] == len(col["item_urls"])
        assert col["blank"] == (col["item_count"] == 0)
        if col["single_page"]:
            assert col["item_urls"] == [col["url"]] and not col["blank"] and not col["list_urls"]
            continue
        found = []
        for url in col["list_urls"]:
            found += list_links(url, fetch(county_server, url, session=session).content, pages[url]["encoding"])
        assert sorted(found) == sorted(col["item_urls"]), col["path"]
    blank = m["defects"]["blank_columns"]
    assert len(blank) == sum(c["blank"] for c in m["columns"])
    for b in blank:
        body = fetch(county_server, b["url"], session=session).content
        assert "暂无信息".encode(pages[b["url"]]["encoding"]) in body and not list_links(b["url"], body, pages[b["url"]]["encoding"])


def test_planted_defects_are_really_there(county_server, sample_county):
    m = sample_county.manifest
    d = m["defects"]
    items = {i["url"]: i for i in m["items"]}
    pages = by_url(m)
    assert len(d["broken_links"]) >= 4
    assert {b["scope"] for b in d["broken_links"]} == {"internal", "external"}
    for b in d["broken_links"]:
        src = fetch(county_server, b["source"])
        assert b["target"] in links_of(b["source"], src.content, pages[b["source"]]["encoding"])
        assert fetch(county_server, b["target"]).status_code == 404
    for url in d["soft_404s"]:
        r = fetch(county_server, url)
        assert r.status_code == 200 and "页面不存在" in decode(r.content, pages[url]["encoding"])
    for url in d["undated_items"]:
        text = decode(fetch(county_server, url).content, pages[url]["encoding"])
        assert items[url]["published"] is None
        info = lxml_html.fromstring(text).xpath('string(//div[@class="info"])')
        assert "来源" in info and not re.search(r"\d{4}", info) and "PubDate" not in text
    assert len(d["reposts"]) == 1
    repost = items[d["reposts"][0]["url"]]
    original = items[d["reposts"][0]["repost_of"]]
    assert repost["body_text"] == original["body_text"] and repost["site_code"] != original["site_code"]
    for rd in d["robots_disallowed"]:
        assert rd["urls"] and all(urlsplit(u).path.startswith(rd["prefix"]) for u in rd["urls"])
    verdicts = m["verdicts"]
    assert [code for code, v in verdicts.items() if not v["passed"]] == ["3311270002", "3311270003", "3311270005"]
    assert verdicts["3311270002"]["blank_columns"] >= 5
    assert d["stale_homepages"] == ["3311270005"]


def test_columns_and_verdicts_follow_from_the_items_dates(sample_county):
    m = sample_county.manifest
    as_of = date.fromisoformat(m["as_of"])
    cut_2w, cut_6m = date(2026, 6, 16), date(2025, 12, 30)
    assert as_of == date(2026, 6, 30)
    items = items_by_url(m)
    pages = by_url(m)
    for col in m["columns"]:
        dates = [date.fromisoformat(items[u]["published"][:10]) for u in col["item_urls"] if items[u]["published"]]
        assert col["newest"] == (max(dates).isoformat() if dates else None)
        assert all(items[u]["source_column"] == col["path"] and items[u]["target_column"] == col["target_column"]
                   for u in col["item_urls"])
        cutoff = {"dynamic": cut_2w, "notice": cut_6m, "policy": cut_6m}.get(col["kind"])
        assert col["stale"] == bool(dates and cutoff and max(dates) < cutoff)
    for site in m["sites"]:
        home = pages[site["url"]]
        dated = [items[u]["published"][:10] for u in home["links"] if u in items and items[u]["published"]]
        assert site["homepage_newest"] == max(dated)
        v = m["verdicts"][site["site_code"]]
        cols = [c for c in m["columns"] if c["site_code"] == site["site_code"]]
        stale_dyn = sum(c["stale"] and c["kind"] == "dynamic" for c in cols)
        stale_np = sum(c["stale"] and c["kind"] != "dynamic" for c in cols)
        blank = sum(c["blank"] for c in cols)
        home_stale = date.fromisoformat(max(dated)) < cut_2w
        assert (v["blank_columns"], v["stale_dynamic_columns"], v["stale_notice_policy_columns"],
                v["homepage_stale"]) == (blank, stale_dyn, stale_np, home_stale)
        assert v["passed"] == (not home_stale and blank < 5 and stale_dyn < 5 and stale_np == 0)
    assert len(m["items"]) == m["counts"]["items"] and 150 <= len(m["items"]) <= 300


def test_item_pages_show_their_manifest_fields(county_server, sample_county):
    m = sample_county.manifest
    pages = by_url(m)
    session = requests.Session()
    for item in m["items"]:
        site = next(s for s in m["sites"] if s["site_code"] == item["site_code"])
        text = decode(fetch(county_server, item["url"], session=session).content, pages[item["url"]]["encoding"])
        doc = lxml_html.fromstring(text)
        assert doc.findtext(".//title").startswith(item["title"])
        for paragraph in item["body_text"].split("\n"):
            assert paragraph.replace("“", "“") in lxml_html.tostring(doc, encoding="unicode", method="text")
        if item["published"]:
            assert item["published"][:4] in text
        if item["index_number"]:
            assert f"<th>索引号</th><td>{item['index_number']}</td>" in text
        if site["cms"] == "hanweb":
            assert "<!--ZJEG_RSS.content.begin-->" in text and "大汉版通发布系统" in text
        if site["cms"] == "trs":
            assert 'class="TRS_Editor"' in text
        assert item["breadcrumb"][0] == "首页" and item["breadcrumb"][-1] in (item["column_name"], "正文")


def test_calendar_trap_is_endless_and_strict(county_server, sample_county):
    trap = sample_county.manifest["defects"]["traps"][0]
    url, seen = trap["entry_url"], set()
    for _ in range(6):
        r = fetch(county_server, url)
        assert r.status_code == 200
        seen.add(url)
        nxt = [u for u in links_of(url, r.content, "utf-8") if "下个月" in r.text and "month=" in u]
        url = nxt[-1]
    assert len(seen) == 6
    assert fetch(county_server, url.split("?")[0] + "?month=2026-13").status_code == 404


def test_server_http_features(county_server, sample_county):
    url = "http://www.qingxi.example.gov.cn/"
    plain = fetch(county_server, url, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    raw = requests.get(county_server.base_url + "/", headers={"Host": "www.qingxi.example.gov.cn",
                                                              "Accept-Encoding": "gzip"}, stream=True)
    assert raw.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(raw.raw.read()) == plain.content
    head = fetch(county_server, url, method="HEAD", headers={"Accept-Encoding": "identity"})
    assert head.content == b"" and head.headers["Content-Length"] == str(len(plain.content))
    assert fetch(county_server, url, headers={"If-None-Match": plain.headers["ETag"]}).status_code == 304
    assert fetch(county_server, url, headers={"If-Modified-Since": plain.headers["Last-Modified"]}).status_code == 304
    assert fetch(county_server, url, headers={"If-None-Match": '"other"'}).status_code == 200
    assert fetch(county_server, "http://unknown.example.gov.cn/").status_code == 404
    assert county_server.hits[("www.qingxi.example.gov.cn", "/")] == 6
    assert f"www.qingxi.example.gov.cn:80:127.0.0.1:{county_server.port}" in county_server.resolve_rules()
    assert len(county_server.resolve_rules()) == len(sample_county.hosts)


def test_mutate_changes_one_page_and_its_validators(county_server, sample_county):
    item = next(i for i in sample_county.manifest["items"] if i["site_code"] == "3311270001")
    before = fetch(county_server, item["url"])
    county_server.mutate(item["url"], "<html><body>已更新</body></html>")
    after = fetch(county_server, item["url"])
    assert "已更新" in after.text and after.headers["ETag"] != before.headers["ETag"]
    assert fetch(county_server, item["url"], headers={"If-None-Match": before.headers["ETag"]}).status_code == 200
    county_server.mutate(item["url"], status=404)
    assert fetch(county_server, item["url"]).status_code == 404
    assert sample_county.page(item["url"]).body == before.content


def test_server_refuses_non_loopback():
    with pytest.raises(ValueError):
        CountyServer(SyntheticSite("x.example.gov.cn", 3), host="0.0.0.0")


def test_synthetic_site_is_fully_reachable_and_sized():
    site = SyntheticSite("big.example.gov.cn", 300, seed=3)
    with CountyServer([site]) as server:
        session, seen, queue = requests.Session(), {"http://big.example.gov.cn/"}, deque(["http://big.example.gov.cn/"])
        while queue:
            url = queue.popleft()
            r = fetch(server, url, session=session)
            assert r.status_code == 200 and 3000 <= len(r.content) <= 8500, (url, len(r.content))
            for link in links_of(url, r.content, "utf-8"):
                if link not in seen:
                    seen.add(link)
                    queue.append(link)
    assert seen == set(site.urls())
    assert site.respond("big.example.gov.cn", "/p/300.html") is None


def test_inventory_csv_files(tmp_path, sample_county):
    rows = inventory_rows(sample_county)
    assert len(rows) == 6 and sum(r["action"] == "keep" for r in rows) == 1
    assert any(r["aliases"] for r in rows)
    english = write_inventory_csv(sample_county, tmp_path / "inv.csv")
    assert english.read_bytes().startswith(b"\xef\xbb\xbfsite_code,name,url")
    chinese = write_inventory_csv(sample_county, tmp_path / "inv_gbk.csv", chinese=True)
    with chinese.open(encoding="gb18030", newline="") as fh:
        parsed = list(csv.DictReader(fh))
    assert list(parsed[0]) == ["网站标识码", "网站名称", "网址", "别名", "级别", "上级标识码", "处置方式", "主办单位"]
    assert [r["网站标识码"] for r in parsed] == [r["site_code"] for r in rows]
    for number, path in enumerate((english, chinese)):
        ws = init_workspace(tmp_path / f"ws{number}")
        report = import_inventory(ws, path)
        assert report.added == [r["site_code"] for r in rows] and not report.warnings
        imported = {s.site_code: s for s in list_sites(ws)}
        assert imported["3311270003"].aliases == ["nync.qingxi.example.gov.cn"]
        assert {s.parent_code for code, s in imported.items() if code != "3311270000"} == {"3311270000"}
        ws.close()
    assert write_manifest(sample_county, tmp_path / "m.json").stat().st_size > 10000
