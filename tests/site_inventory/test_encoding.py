"""decode_html: precedence of evidence, GB labels as GB18030, wrong declarations detected with a warning."""
from site_inventory.encoding import decode_html, normalize_charset, sniff_meta_charset

TEXT = "中华人民共和国政府信息公开条例 发布时间：2020年1月1日 来源：县人民政府办公室 镕 𠀀"


def page(charset_decl: str = "gb2312") -> str:
    meta = f"<meta http-equiv='Content-Type' content='text/html; charset={charset_decl}'>" if charset_decl else ""
    return f"<html><head>{meta}<title>通知</title></head><body><p>{TEXT}</p></body></html>"


def test_gb2312_meta_decodes_as_gb18030_including_chars_outside_gb2312():
    d = decode_html(page().encode("gb18030"))
    assert TEXT in d.text
    assert (d.declared, d.detected, d.basis, d.warnings) == ("gb2312", "gb18030", "meta", [])


def test_http_header_beats_meta_and_full_content_type_is_accepted():
    d = decode_html(page("utf-8").encode("gb18030"), http_charset="text/html; charset=GBK")
    assert TEXT in d.text and d.basis == "http" and d.declared == "gbk"


def test_bom_beats_header_and_override_beats_everything():
    data = b"\xef\xbb\xbf" + page().encode("utf-8")
    assert decode_html(data, http_charset="gbk").basis == "bom"
    forced = decode_html(page().encode("gb18030"), http_charset="utf-8", override="gbk")
    assert TEXT in forced.text and forced.basis == "override"


def test_wrong_declaration_is_detected_and_warned():
    d = decode_html(page("utf-8").encode("gb18030"))
    assert TEXT in d.text and d.detected == "gb18030"
    assert any("do not decode" in w for w in d.warnings)
    d2 = decode_html(page("gb2312").encode("utf-8"))
    assert TEXT in d2.text and d2.detected == "utf-8" and "valid UTF-8" in d2.warnings[0]
    d3 = decode_html(page("").encode("gb18030"), http_charset="iso-8859-1")
    assert TEXT in d3.text and d3.detected == "gb18030" and d3.warnings


def test_undeclared_is_detected_and_stray_bytes_are_replaced_with_a_warning():
    d = decode_html(page("").encode("gb18030"))
    assert TEXT in d.text and d.detected == "gb18030" and "no charset declared" in d.warnings[0]
    broken = decode_html(page().encode("gb18030") + b"\xff\xff")
    assert TEXT in broken.text and "\ufffd" in broken.text
    assert any("replaced" in w for w in broken.warnings)


def test_labels_and_sniffing():
    assert normalize_charset("GB2312") == normalize_charset("x-gbk") == "gb18030"
    assert normalize_charset("no-such-charset") is None
    assert sniff_meta_charset(b'<meta charset="UTF-8">') == "utf-8"
    assert sniff_meta_charset(b'<?xml version="1.0" encoding="GBK"?><root/>') == "gbk"
    assert sniff_meta_charset(b"<html><body>none</body></html>") is None
    assert decode_html(b"").text == ""
