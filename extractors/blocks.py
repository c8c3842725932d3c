"""The body's blocks: its leaf blocks and their text, and the passes that clean a body made of them.

A trafilatura body is cut to its best run of blocks (navigation-like blocks and runs dropped), then
to what comes before the article's end marker (相关报道, 【打印】, 上一篇); every body loses the 信息公开
table and the metadata lines at its edges (the title again, 发布时间/来源, 打印/关闭, 责任编辑).
"""
from __future__ import annotations

import re

from lxml.html import HtmlElement

from .attachments import HINT_RE, file_type
from .govmeta import LABEL_RE
from .parse import clean_text, text_lines

CHROME_LINE_RE = re.compile(
    r"^[【\[(（]?\s*(?:打印(?:本页|此页|文章)?|关闭(?:窗口|本页)?|返回顶部|返回|收藏|分享到?|字号|字体|大\s*中\s*小|"
    r"上一篇|下一篇|相关(?:文章|链接|阅读|新闻)|推荐阅读|扫一扫|微信扫一扫|【?我要纠错】?|责任编辑|责编)"
)
FOOTER_RE = re.compile(r"©|copyright|版权所有|ICP\s*备|ICP\s*证|公网安备|技术支持\s*[:：]|主办单位\s*[:：]|承办单位\s*[:：]|"
                       r"网站标识码|版权声明|禁止\S{0,6}转载|all rights reserved", re.I)
SIGNATURE_RE = re.compile(r"^(?:\d{4}\s*年.*日|.*(?:政府|办公室|委员会|局|厅|部|处|院|会|中心|街道|乡|镇|村)|特此.*)$")
ATTACHMENT_LABEL_RE = re.compile(r"^(?:相关)?附\s*件\s*[:：]?$|^(?:相关链接|相关文章|相关阅读|相关新闻|延伸阅读)\s*[:：]?$")
ATTACHMENT_PREFIX_RE = re.compile(r"^(?:附\s*件\s*\d*\s*[:：]?\s*)")
GOV_TABLE_LABELS = {"索引号", "发布机构", "发文机关", "成文日期", "发布日期", "文号", "发文字号", "主题分类", "有效性",
                    "分类", "标题", "主题词", "发文单位"}
GOV_TABLE_HINT_RE = re.compile(r"索\s*引\s*号|成\s*文\s*日\s*期|发\s*布\s*机\s*构|发\s*文\s*机\s*关|文\s*号")
END_MARKER_RE = re.compile(
    r"^[【\[(（]?\s*(?:相关(?:报道|新闻|阅读|链接|文章|专题|推荐)|延伸阅读|推荐阅读|热点推荐|发表评论|我要评论|网友评论|"
    r"打印(?:本页|此页|本文|文章)?|关闭(?:窗口|本页)?|返回(?:顶部|页首|首页)|上一篇|下一篇|分享到)\s*[】\])）]?\s*(?:[:：]|$)")
CLAUSE_RE = re.compile(r"[，。！？；：、,.!?;:]")
META_PUNCT_RE = re.compile(r"[。：:，,；;]")
SENTENCE_RE = re.compile(r"[。！？；]|[.!?;](?:\s|$)")
LEAF_TAGS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "blockquote", "pre")
INNER_BLOCK_TAGS = ("p", "li", "td", "table", "ul", "ol")  # a block holding one of these is not a leaf


def drop(el) -> None:
    """Remove an element but keep its tail text in place."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail and el.tail.strip():
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def has_img(el) -> bool:
    """An <img> below ``el`` (a C-level iteration; ElementPath's .//img costs more per block)."""
    return next(el.iterdescendants("img"), None) is not None


def _has_href(el) -> bool:
    """A link with an href below ``el``."""
    return any(a.get("href") is not None for a in el.iterdescendants("a"))


def leaf_blocks(el: HtmlElement) -> list[HtmlElement]:
    """Block elements with text of their own and no block children, in document order.

    The elements above an inner block are marked once, walking up until an element already marked
    (a walk of every block's descendants cost two and a half times as much)."""
    holders = set()
    for inner in el.iter(*INNER_BLOCK_TAGS):
        for above in inner.iterancestors():
            if above in holders:
                break
            holders.add(above)
    return [block for block in el.iter(*LEAF_TAGS) if block not in holders]


def text_of(block, texts: dict) -> tuple[str, int]:
    """(clean text, letters) of a block, kept in ``texts`` until a block below it is dropped."""
    hit = texts.get(block)
    if hit is None:
        text = clean_text(block.text_content())
        hit = texts[block] = (text, sum(map(str.isalnum, text)))
    return hit


def drop_block(block, texts: dict) -> None:
    """drop, forgetting the texts of the blocks around it (nested blocks: a <blockquote> holding an <h3>)."""
    for above in block.iterancestors():
        texts.pop(above, None)
    drop(block)


def _block_stats(block, texts: dict) -> tuple[str, int, int]:
    """(text, letters, letters inside links that are not attachments) of a block."""
    text, letters = text_of(block, texts)
    linked = 0
    for a in block.iter("a"):
        href = a.get("href") or ""
        if not (HINT_RE.search(href) and file_type(href, a.text_content() or "")):
            linked += sum(map(str.isalnum, a.text_content()))
    return text, letters, min(linked, letters)


def _block_score(text: str, letters: int, linked: int, footer: bool | None = None) -> float:
    """Positive for prose, negative for page chrome and link lists (for the best-span search);
    ``footer``: whether a text under 200 characters has footer words, when already known."""
    if not letters:
        return 0.0
    if footer if footer is not None else len(text) < 200 and FOOTER_RE.search(text):
        return -30.0
    if linked >= letters * 0.5:
        return -(5.0 + linked * 0.5)
    if letters < 10 and not CLAUSE_RE.search(text) and not SIGNATURE_RE.search(text):
        return -2.0
    return float(letters - linked)


def drop_boilerplate(el: HtmlElement, texts: dict) -> None:
    """Drop navigation-like blocks, then keep the best-scoring run of consecutive blocks.

    A block is navigation when it is mostly link text without sentence punctuation, or has no
    letters; the best run (maximum-sum span of block scores) cuts the link lists and footers
    that trafilatura sometimes keeps around the article.
    """
    kept = []
    for block in leaf_blocks(el):
        if block.getparent() is None:
            continue
        pictured = has_img(block)
        text, letters, linked = _block_stats(block, texts)
        footer = len(text) < 200 and bool(FOOTER_RE.search(text))
        if not pictured and (not letters or len(text) < 120 and footer
                            or linked >= letters * 0.5 and not SENTENCE_RE.search(text)):
            drop_block(block, texts)
            continue
        kept.append((block, pictured and not letters, _block_score(text, letters, linked, footer)))
    if len(kept) < 3:
        return
    best, best_span = float("-inf"), (0, len(kept) - 1)
    total, start = 0.0, 0
    for i, (_, _, score) in enumerate(kept):
        if total <= 0:
            total, start = 0.0, i
        total += score
        if total > best:
            best, best_span = total, (start, i)
    first, last = best_span
    for i, (block, bare_img, _) in enumerate(kept):
        if (i < first or i > last) and (not bare_img or block.xpath(".//a//img")):
            drop_block(block, texts)


def _is_meta_line(text: str, title: str | None) -> bool:
    """A header/footer line: the title again, 发布时间/来源 labels, 打印/关闭 buttons."""
    if not text:
        return True
    if title and title in text:
        rest = text.replace(title, "", 1)
        if len(rest) <= 8 and not META_PUNCT_RE.search(rest):
            return True
    if CHROME_LINE_RE.match(text):
        return True
    labels = [m.group("label") for m in LABEL_RE.finditer(text) if m.group("colon")]
    return bool(labels) and len(text) < 120 and len(labels) * 25 >= len(text) * 0.3


def cut_after_end_marker(el: HtmlElement, texts: dict) -> None:
    """Cut the tail that follows the article's end: 相关报道：, 【打印】, 发表评论, 上一篇 ... (news-page convention).

    Only past the first third of the body's letters, so a page that opens with such a line keeps its text.
    """
    blocks = leaf_blocks(el)
    stats = [text_of(b, texts) for b in blocks]
    total = sum(letters for _, letters in stats)
    seen = 0
    for i, (text, letters) in enumerate(stats):
        if seen >= max(200, total / 3) and END_MARKER_RE.match(text):
            for block in blocks[i:]:
                if block.getparent() is not None:
                    drop(block)
            return
        seen += letters


def drop_metadata_tables(el: HtmlElement) -> None:
    """The 信息公开 table (索引号, 发布机构, 成文日期, 文号 ...) is record metadata, not body text."""
    for table in list(el.iter("table")):
        if not GOV_TABLE_HINT_RE.search(table.text_content()[:3000]):
            continue
        labels = {re.sub(r"\s", "", m.group("label")) for m in LABEL_RE.finditer(" ".join(text_lines(table)))}
        if len(labels & GOV_TABLE_LABELS) >= 3 and table.getparent() is not None:
            drop(table)


def _is_attachment_block(block, text: str) -> bool:
    """A 附件： label alone, or a block whose text is all attachment links (listed in attachments)."""
    if ATTACHMENT_LABEL_RE.match(text):
        return True
    links = [a for a in block.iter("a") if file_type(a.get("href") or "", a.text_content() or "")]
    linked = sum(len(clean_text(a.text_content())) for a in links)
    return bool(links) and linked >= len(ATTACHMENT_PREFIX_RE.sub("", text)) * 0.8


def trim_edges(el: HtmlElement, title: str | None) -> None:
    """Remove metadata lines at the start and chrome lines at the end of the body."""
    blocks = leaf_blocks(el)
    for block in blocks[:8]:
        text = clean_text(block.text_content())
        if not text and has_img(block):
            continue
        if has_img(block) or not _is_meta_line(text, title):
            break
        drop(block)
    for block in reversed(blocks[-8:]):
        if block.getparent() is None:
            continue
        text = clean_text(block.text_content())
        if _is_attachment_block(block, text):
            drop(block)
            continue
        if has_img(block) or _has_href(block) and not CHROME_LINE_RE.match(text):
            break
        if not (CHROME_LINE_RE.match(text) or (text and _is_meta_line(text, None) and len(text) < 60)):
            break
        drop(block)
