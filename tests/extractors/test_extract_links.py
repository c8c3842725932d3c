"""Links and images in bodies found by trafilatura (no CMS profile) resolve against the page URL."""
from __future__ import annotations

from lxml.html import fromstring

from extractors import extract_page
from extractors.parse import text_lines

PARAGRAPH = "本次会议研究部署了全县防汛抗旱工作，要求各乡镇各部门压实责任，加强值班值守，确保安全度汛。" * 3


def _news_page() -> bytes:
    paragraphs = "".join(f"<p>{PARAGRAPH}</p>" for _ in range(4))
    return f"""<html><head><meta charset="utf-8"><title>县政府召开防汛工作会议_新闻</title></head><body>
    <div class="menu"><a href="/index.html">首页</a> <a href="/xwzx/">新闻中心</a></div>
    <div class="main-article"><h1>县政府召开防汛工作会议</h1>
    {paragraphs}
    <p>会议通知见<a href="tzgg/t20260601_1.html">县政府通知</a>，会议材料见<a href="../files/hy.pdf">会议材料</a>，
    现场照片：<img src="//img.example.gov.cn/2026/hy.jpg" alt="会议现场"></p>
    <p>{PARAGRAPH}</p></div>
    <div class="footer">版权所有 青溪县人民政府</div></body></html>""".encode()


def test_relative_body_links_resolve_against_the_page_not_the_site_root():
    r = extract_page(_news_page(), "https://www.qingxi.example.gov.cn/xwzx/gzdt/202606/t20260601_9.html")
    assert r.page_type == "article"
    assert 'href="https://www.qingxi.example.gov.cn/xwzx/gzdt/202606/tzgg/t20260601_1.html"' in r.body_html
    assert 'href="https://www.qingxi.example.gov.cn/xwzx/gzdt/files/hy.pdf"' in r.body_html
    assert [a["url"] for a in r.attachments] == ["https://www.qingxi.example.gov.cn/xwzx/gzdt/files/hy.pdf"]


def test_protocol_relative_images_keep_the_page_scheme():
    r = extract_page(_news_page(), "https://www.qingxi.example.gov.cn/xwzx/gzdt/202606/t20260601_9.html")
    assert r.images == [{"url": "https://img.example.gov.cn/2026/hy.jpg", "alt": "会议现场"}]
    r = extract_page(_news_page(), "http://www.qingxi.example.gov.cn/xwzx/gzdt/202606/t20260601_9.html")
    assert r.images == [{"url": "http://img.example.gov.cn/2026/hy.jpg", "alt": "会议现场"}]


def _walk_lines(root) -> list[str]:
    """The plain recursive reading text_lines replaces: text and tails, newlines around blocks."""
    from extractors.parse import BLOCK_TAGS, SKIP_TAGS, clean_text

    parts: list[str] = []

    def walk(el):
        if not isinstance(el.tag, str) or el.tag in SKIP_TAGS:
            return
        block = el.tag in BLOCK_TAGS
        parts.append("\n" if block else "")
        parts.append(el.text or "")
        for child in el:
            walk(child)
            parts.append(child.tail or "")
        parts.append("\n" if block else "")

    walk(root)
    lines = (clean_text(line) for line in "".join(parts).split("\n"))
    return [line for line in lines if line]


def test_text_lines_reads_text_and_tails_with_a_line_per_block():
    root = fromstring("<div>前言<p>第一段<b>加粗</b>尾<br>换行</p><!-- 注释 -->后文<script>var x=1;</script>脚本后"
                      "<span>行内</span><table><tr><td>甲</td><td>乙</td></tr></table><o:p>办公</o:p></div>")
    assert text_lines(root) == ["前言", "第一段加粗尾", "换行", "后文脚本后行内", "甲", "乙", "办公"]
    assert text_lines(root) == _walk_lines(root)
    assert text_lines(root.find(".//p")) == ["第一段加粗尾", "换行"]  # a sub-element, not its tail
    assert text_lines(fromstring("<div><script>x</script></div>")) == []
