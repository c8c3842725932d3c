"""Bad input never crashes and never gives a silently empty record: page_type and warnings say why."""
from __future__ import annotations

import gzip

import pytest

from extractors import extract_page

URL = "http://x.example.gov.cn/art/2026/6/7/art_1_2.html"


def test_empty_body():
    r = extract_page(b"", URL)
    assert r.page_type == "error" and any("empty" in w for w in r.warnings)
    r = extract_page(None, URL)
    assert r.page_type == "error" and r.warnings


@pytest.mark.parametrize("data, kind", [
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n", "pdf"),
    (b"PK\x03\x04\x14\x00\x06\x00" + bytes(200), "zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200), "doc"),
])
def test_documents_become_attachment_records(data, kind):
    r = extract_page(data, "http://x.example.gov.cn/files/plan.pdf")
    assert r.page_type == "attachment"
    assert r.attachments and r.attachments[0]["size"] == len(data)
    assert any(kind in w for w in r.warnings)


def test_random_binary_is_an_error_with_reason():
    data = bytes(range(256)) * 40
    r = extract_page(data, "http://x.example.gov.cn/page.html")
    assert r.page_type == "error" and any("binary" in w for w in r.warnings)


def test_gzip_bytes_served_as_html_are_binary_not_garbage_text():
    r = extract_page(gzip.compress("<html><body>正文</body></html>".encode()), URL, content_type="text/html")
    assert r.page_type == "error" and any("binary" in w for w in r.warnings)


def test_no_body_page():
    r = extract_page(b"<html><head><title>x</title></head><body></body></html>", "http://x.example.gov.cn/a/b.html")
    assert r.page_type == "error" and any("no body text" in w for w in r.warnings)
    js = extract_page(b"<html><head><script>var app = init()</script></head><body><script>render()</script>"
                      b"</body></html>", "http://x.example.gov.cn/a/b.html")
    assert js.page_type == "error" and any("JavaScript" in w for w in js.warnings)
    sent = extract_page(b"<html><head><script>location.href='/new/'</script></head><body><script>render()</script>"
                        b"</body></html>", "http://x.example.gov.cn/a/b.html")
    assert sent.page_type == "redirect" and "client-side redirect (script) to http://x.example.gov.cn/new/" in sent.warnings


def test_frames_only_page():
    html = (b"<html><head><title>\xe9\xa6\x96\xe9\xa1\xb5</title></head><frameset cols='20%,80%'>"
            b"<frame src='left.html'><frame src='main.html'></frameset></html>")
    r = extract_page(html, "http://x.example.gov.cn/zwgk/frame.html")
    assert r.page_type in ("column_index", "homepage")
    assert any("frame" in w and "main.html" in w for w in r.warnings)


def test_wrong_declared_charset_is_detected_and_warned():
    text = "<html><head><meta charset='utf-8'><title>关于召开会议的通知</title></head><body><h1>关于召开会议的通知</h1>" \
           "<p>各单位：定于下周一上午九点在县政府三楼会议室召开全县安全生产工作会议，请准时参加。</p></body></html>"
    r = extract_page(text.encode("gbk"), URL)
    assert r.title == "关于召开会议的通知" and "安全生产工作会议" in r.body_text
    assert any("utf-8" in w and "gb18030" in w for w in r.warnings)


def test_50_megabytes_of_html_is_truncated_with_a_warning():
    row = "<tr><td>第{}行</td><td>青溪县政府信息公开目录条目，内容为示例数据。</td></tr>"
    one = "".join(row.format(i) for i in range(1000)).encode("utf-8")
    data = b"<html><head><meta charset='utf-8'><title>\xe5\xa4\xa7\xe8\xa1\xa8</title></head><body><table>" + \
        one * (50_000_000 // len(one) + 1) + b"</table></body></html>"
    assert len(data) > 50_000_000
    r = extract_page(data, "http://x.example.gov.cn/big.html")
    assert any("MB" in w and "only the first" in w for w in r.warnings)
    assert r.page_type in ("article", "list", "column_index")


def test_non_html_content_type():
    r = extract_page(b"name,value\n1,2\n", "http://x.example.gov.cn/data.csv", content_type="text/csv")
    assert r.page_type == "attachment" and r.warnings


def test_deep_nesting_does_not_crash():
    data = ("<html><body>" + "<div>" * 5000 + "正文内容" + "</div>" * 5000 + "</body></html>").encode()
    r = extract_page(data, URL)
    assert r.page_type in PAGE_TYPES_SEEN
    assert any("nested deeper" in w for w in r.warnings)


PAGE_TYPES_SEEN = ("article", "list", "column_index", "homepage", "search_form", "attachment", "error")
