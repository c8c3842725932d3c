"""Script-capable links planted on a defaced site never reach body_html, the package or the preview.

A body keeps http(s), mailto, tel and relative links (and data:image for <img>); every other
link is removed with a warning in the record, read the way a browser reads it (entities, tabs,
leading controls and mixed case do not hide a javascript: URL). The export screens bodies of
records extracted before this rule, and the preview server forbids scripts.
"""
from __future__ import annotations

import json
import urllib.request

import pytest

from extractors import extract_page
from migrate.export.bodylinks import removed_link_messages, rewrite_links
from migrate.export.preview import PreviewServer
from site_inventory.urls import unsafe_link_scheme

URL = "http://x.example.gov.cn/art/2026/6/7/art_1_2.html"
PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
HOSTILE_HREFS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(2)",
    "java&#x09;script:alert(3)",
    "jav&#x0A;ascript:alert(4)",
    "&#x20;&#x01;javascript:alert(5)",
    "  javascript:alert(6)",
    "&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(7)",
    "vbscript:msgbox(8)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCg5KTwvc2NyaXB0Pg==",
    "data:image/svg+xml,<svg onload=alert(10)>",
    "file:///etc/passwd",
]
SAFE_HREFS = ["http://www.example.gov.cn/a.html", "https://www.example.gov.cn/b.html", "mailto:office@example.gov.cn",
              "tel:0571-12345678", "/c.html", "d.html", "//www.example.gov.cn/e.html", "?page=2"]


@pytest.mark.parametrize("value, expected", [
    ("javascript:alert(1)", "javascript"), (" \x01\x1fJaVa\tScR\nipt:x", "javascript"), ("VBScript:x", "vbscript"),
    ("data:text/html,<b>", "data"), ("livescript:x", "livescript"), ("http://a/", None), ("HTTPS://a/", None),
    ("mailto:a@b", None), ("tel:110", None), ("/a:b", None), ("a.html", None), ("#top", None), ("", None),
    ("javascript&colon;x", None),  # an unparsed entity: a relative link, as in a browser once entities are read
])
def test_unsafe_link_scheme_reads_links_as_a_browser_does(value, expected):
    assert unsafe_link_scheme(value) == expected


def test_data_urls_only_for_images_of_an_image_type():
    assert unsafe_link_scheme(PNG, image=True) is None and unsafe_link_scheme(PNG) == "data"
    assert unsafe_link_scheme("data:text/html,<script>", image=True) == "data"
    assert unsafe_link_scheme(" DATA: image/gif;base64,R0lG", image=True) is None


def page(links: str) -> bytes:
    text = "青溪镇召开安全生产工作会议，部署下一阶段重点工作任务。" * 6
    return (f"<html><head><meta charset='utf-8'><title>会议</title></head><body><div class='TRS_Editor'>"
            f"<p>{text}</p>{links}<p>{text}</p></div></body></html>").encode("utf-8")


def test_extracted_body_keeps_safe_links_and_removes_every_script_capable_one():
    links = "".join(f'<p><a href="{h}">坏链接{n}</a></p>' for n, h in enumerate(HOSTILE_HREFS))
    links += "".join(f'<p><a href="{h}">好链接{n}</a></p>' for n, h in enumerate(SAFE_HREFS))
    links += f'<p><img src="{PNG}" alt="小图"><img src="javascript:alert(11)" alt="坏图"><img src="/i/a.png" alt="图"></p>'
    links += ('<p><img src="/i/b.png" srcset="javascript:alert(12) 2x" poster="javascript:1" background="javascript:2">'
              '<form action="javascript:3"><button formaction="javascript:4">提交</button></form>'
              '<svg><a xlink:href="javascript:5">x</a></svg><object data="javascript:6"></object>'
              '<video poster="javascript:7" src="javascript:8"></video><embed src="javascript:9"></p>')
    record = extract_page(page(links), URL)
    body = record.body_html.lower()
    for word in ("javascript", "vbscript", "data:text", "svg+xml", "file:", "alert"):
        assert word not in body, word
    for n in range(len(HOSTILE_HREFS)):
        assert f"坏链接{n}" in record.body_text, "a removed link keeps its text"
    for href in ('href="http://www.example.gov.cn/a.html"', 'href="https://www.example.gov.cn/b.html"',
                 'href="mailto:office@example.gov.cn"', 'href="tel:0571-12345678"', 'href="http://x.example.gov.cn/c.html"',
                 'href="http://x.example.gov.cn/art/2026/6/7/d.html"', f'src="{PNG.lower()}"', 'alt="图"'):
        assert href in body, href
    assert "坏图" not in body
    removed = [w for w in record.warnings if w.startswith("unsafe link removed")]
    assert len(removed) == len(HOSTILE_HREFS) + 1, removed
    assert any("'javascript:alert(1)'" in w for w in removed) and any("vbscript:" in w for w in removed)
    assert removed_link_messages(json.dumps(record.warnings, ensure_ascii=False)) == [("warning", w) for w in removed]


class NoResolver:
    """Nothing is migrated: every web link is outside (the export's resolver interface)."""

    @staticmethod
    def canonical(url):
        return url

    @staticmethod
    def resolve(url):
        from migrate.export.bodylinks import Target
        return Target(None, "outside")


def test_export_screens_bodies_extracted_before_the_rule():
    old = ('<p><a href="JAVA&#x09;SCRIPT:alert(1)">点我</a><a href="http://www.example.gov.cn/">门户</a>'
           '<img src="data:text/html,x"><iframe src="vbscript:x"></iframe></p>')
    out = rewrite_links(old, URL, NoResolver())
    assert "script" not in out.html.lower() and "data:text" not in out.html and "点我" in out.html
    assert 'href="http://www.example.gov.cn/"' in out.html
    assert [level for level, text in out.messages if text.startswith("unsafe link removed")] == ["warning"] * 3


def test_preview_server_forbids_scripts(tmp_path):
    (tmp_path / "index.html").write_text("<p>预览</p>", encoding="utf-8")
    with PreviewServer(tmp_path) as server:
        with urllib.request.urlopen(server.url + "index.html", timeout=10) as response:
            policy = response.headers["Content-Security-Policy"]
            assert response.read().decode("utf-8") == "<p>预览</p>"
    assert "script-src 'none'" in policy and "object-src 'none'" in policy and "default-src 'self'" in policy
