"""What kind of page this is: an item to migrate (article, attachment) or structure.

Types: article, list (a column's list of items, pages of it, or an empty one), column_index
(a channel page of several column blocks, or a frameset), homepage, search_form (search and
application forms), attachment, error. Decided from the URL (CMS patterns), the article header,
the amount of body text, dated links, 更多 links, pagination and form fields.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from .dates import DATE_RE

ARTICLE_URL_RE = re.compile(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+|/t\d{8}_\d+|/content_\d+|/\d{6,8}/\w*\d+\.s?html?$"
                            r"|[?&](?:id|articleid|newsid|infoid|aid|docid)=\d+", re.I)
LIST_URL_RE = re.compile(r"/col/col\d+/|/index_\d+\.s?html?$|/list(?:_\d+)+\.s?html?$|/list\.s?html?$|"
                         r"[?&](?:page|pagenum|pageNum|classid|catid|columnid|channelid)=", re.I)
SEARCH_URL_RE = re.compile(r"search|sousuo|jsearch|/so/|[?&](?:q|keyword|keywords|wd|searchword)=", re.I)
HOME_PATHS = {"", "/", "/index.html", "/index.htm", "/index.shtml", "/index.jsp", "/index.php", "/index.asp",
              "/index.aspx", "/default.html", "/default.htm", "/default.aspx", "/default.asp", "/main.html"}
MORE_RE = re.compile(r"^(?:更多|more|查看更多|>>|》》)\s*(?:>>|》|>|\+)?$", re.I)
PAGINATION_RE = re.compile(r"共\s*\d+\s*(?:条|页|篇)|第\s*\d+\s*/\s*\d+\s*页|上一页|下一页|尾页|末页")
EMPTY_LIST_RE = re.compile(r"^(?:暂无(?:信息|内容|数据|记录|文章)|没有(?:记录|信息|内容)|该栏目(?:暂无|没有)\S*)[。.！!]?$")
YEAR_RE = re.compile(r"(?:19|20)\d\d")
SOFT_404_RE = re.compile(r"页面不存在|页面未找到|找不到(?:该|此|您要的)?页面|访问的页面不存在|信息不存在|已被删除|"
                         r"page not found|\b404\b", re.I)
SEARCH_FORM_RE = re.compile(r"search|sousuo|query|jsearch", re.I)
REDIRECT_STATUSES = (301, 302, 303, 307, 308)  # answers that lead elsewhere: page type redirect


@dataclass
class Signals:
    """Counts read from the page before its body is extracted."""

    links: int = 0
    link_chars: int = 0
    dated: int = 0            # links whose line carries a date: list entries
    more: int = 0             # 更多>> links: one per column block of a channel page
    pagination: bool = False  # 共14条 第2/2页, 下一页 ...
    empty_list: bool = False  # 暂无信息
    form_fields: int = 0      # fields of forms other than the site search box
    search_box: bool = False  # a search form with its own page
    page_chars: int = 0


def signals(tree, lines: list[str]) -> Signals:
    """Link, pagination and form counts of a parsed page."""
    s = Signals(page_chars=sum(len(line) for line in lines))
    for a in tree.iter("a"):
        if not a.get("href"):
            continue
        text = (a.text_content() or "").strip()
        s.links += 1
        s.link_chars += len(text)
        if MORE_RE.match(text):
            s.more += 1
        if s.links > 250:
            continue
        parent = a.getparent()
        context = a.tail or ""
        if parent is not None and len(parent) <= 6:
            context += parent.text_content()[:200]
        if YEAR_RE.search(context) and DATE_RE.search(context):
            s.dated += 1
    s.pagination = any(PAGINATION_RE.search(line) for line in lines if len(line) < 120)
    s.empty_list = any(EMPTY_LIST_RE.match(line) for line in lines)
    for form in tree.iter("form"):
        names = f"{form.get('action') or ''} {form.get('id') or ''} {form.get('class') or ''} {form.get('name') or ''}"
        fields = form.xpath(".//input[not(@type='hidden' or @type='submit' or @type='button' or @type='image')]"
                            "|.//textarea|.//select")
        if SEARCH_FORM_RE.search(names):
            s.search_box = True
        else:
            s.form_fields += len(fields)
    return s


def classify(url: str, sig: Signals, body_text: str, has_frames: bool = False,
             article_header: bool = False, title: str | None = None) -> tuple[str, str | None]:
    """(page_type, reason it is not an article or None)."""
    path = urlsplit(url or "").path
    body_chars = sum(map(str.isalnum, body_text))
    article_url = bool(ARTICLE_URL_RE.search(url or ""))
    if path in HOME_PATHS or re.fullmatch(r"/(?:index|default)\.\w+", path or ""):
        if body_chars < 2000 or not article_url:
            return "homepage", "homepage URL"
    if has_frames and body_chars < 50:
        return "column_index", "frameset page: its content is in the frames"
    if SEARCH_URL_RE.search(url or "") and body_chars < 500:
        return "search_form", "search URL"
    if sig.form_fields >= 2 and body_chars < 300:
        return "search_form", f"form with {sig.form_fields} fields and little text"
    if article_header and body_chars >= 20:
        return "article", None
    list_url = bool(LIST_URL_RE.search(url or ""))
    if SOFT_404_RE.search(title or "") or SOFT_404_RE.search(body_text[:200]) and body_chars < 200:
        return "error", "the page says it does not exist (soft 404)"
    if sig.more >= 1 and sig.dated >= 3:
        return "column_index", f"{sig.more} 更多 links over {sig.dated} dated links"
    if sig.empty_list and body_chars < 100:
        return "list", "empty list (暂无信息)"
    if (sig.dated >= 3 or sig.pagination and sig.dated >= 1) and body_chars < 800 \
            or sig.dated >= 1 and not sig.more and body_chars < 100:
        return "list", f"{sig.dated} dated links" + (" and pagination" if sig.pagination else "")
    if body_chars >= 200 and not (list_url and sig.dated >= 8 and body_chars < 800):
        return "article", None
    if article_url and body_chars >= 20:
        return "article", None
    if sig.dated >= 5 or (list_url and sig.links >= 5):
        return "list", f"{sig.dated} dated links"
    link_share = sig.link_chars / sig.page_chars if sig.page_chars else 0
    if sig.links >= 15 and link_share > 0.5:
        return "column_index", f"{sig.links} links, {link_share:.0%} of the text is links"
    if body_chars >= 50:
        return "article", None
    if sig.links >= 8:
        return "column_index", f"{sig.links} links and little text"
    return "error", "no body text"
