"""What kind of page this is: an item to migrate (article, attachment) or structure.

Types: article, list (a column's list of items), column_index (a channel page of several
columns), homepage, search_form, attachment, error. Decided from the URL (CMS patterns), the
amount of body text, how link-dense the page is, and whether its links carry dates.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from .dates import DATE_RE

ARTICLE_URL_RE = re.compile(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+|/t\d{8}_\d+|/content_\d+|/\d{6,8}/\w*\d+\.s?html?$"
                            r"|[?&](?:id|articleid|newsid|infoid|aid|docid)=\d+", re.I)
LIST_URL_RE = re.compile(r"/col/col\d+/|/index_\d+\.s?html?$|/list(?:_\d+)?\.s?html?$|[?&](?:page|pagenum|pageNum|"
                         r"classid|catid|columnid|channelid)=", re.I)
SEARCH_URL_RE = re.compile(r"search|query|sousuo|jsearch|/so/|[?&](?:q|keyword|keywords|wd|searchword)=", re.I)
YEAR_RE = re.compile(r"(?:19|20)\d\d")
HOME_PATHS = {"", "/", "/index.html", "/index.htm", "/index.shtml", "/index.jsp", "/index.php", "/index.asp",
              "/index.aspx", "/default.html", "/default.htm", "/default.aspx", "/default.asp", "/main.html"}


def link_stats(tree) -> tuple[int, int, int]:
    """(number of links, characters of link text, links whose line carries a date)."""
    links = 0
    link_chars = 0
    dated = 0
    for a in tree.iter("a"):
        if not a.get("href"):
            continue
        text = (a.text_content() or "").strip()
        links += 1
        link_chars += len(text)
        if links > 400:
            continue
        parent = a.getparent()
        context = (a.tail or "") + ((parent.text_content() if parent is not None else "") or "")[:200]
        if YEAR_RE.search(context) and DATE_RE.search(context):
            dated += 1
    return links, link_chars, dated


def classify(url: str, links: tuple[int, int, int], body_text: str, page_chars: int, has_frames: bool = False,
             form_inputs: int = 0) -> tuple[str, str | None]:
    """(page_type, reason it is not an article or None); ``links`` is link_stats(tree)."""
    path = urlsplit(url or "").path
    body_chars = sum(1 for ch in body_text if ch.isalnum())
    if path in HOME_PATHS or re.fullmatch(r"/(?:index|default)\.\w+", path or ""):
        if body_chars < 2000 or not ARTICLE_URL_RE.search(url or ""):
            return "homepage", "homepage URL"
    if has_frames and body_chars < 50:
        return "column_index", "frameset page: its content is in the frames"
    links, link_chars, dated = links
    if SEARCH_URL_RE.search(url or "") and body_chars < 500:
        return "search_form", "search URL"
    if form_inputs >= 3 and body_chars < 300:
        return "search_form", f"form with {form_inputs} inputs and little text"
    article_url = bool(ARTICLE_URL_RE.search(url or ""))
    list_url = bool(LIST_URL_RE.search(url or ""))
    link_share = link_chars / page_chars if page_chars else 0
    if body_chars >= 200 and not (list_url and dated >= 8 and body_chars < 800):
        return "article", None
    if article_url and body_chars >= 20:
        return "article", None
    if dated >= 5 or (list_url and links >= 5):
        return "list", f"{dated} dated links"
    if links >= 15 and link_share > 0.5:
        return "column_index", f"{links} links, {link_share:.0%} of the text is links"
    if body_chars >= 50:
        return "article", None
    if links >= 8:
        return "column_index", f"{links} links and little text"
    return "error", "no body text"
