"""What kind of page this is: an item to migrate (article, attachment) or structure.

Types: article, list (a column's list of items, pages of it, or an empty one), column_index
(a channel page of several column blocks, or a frameset), homepage, search_form (search and
application forms), attachment, error. Decided from structure first: the page's main content
(the page without its chrome: header, nav, menus, sidebars, footer, breadcrumb) being mostly
links to pages below it makes it a column_index (a list when paginated or dated); a form in the
main content (not a search box in the header) makes it a search_form. Then the URL (CMS
patterns), the article header, the amount of body text, dated links, 更多 links and pagination.
Every type but article comes with its reason, which the record keeps in its warnings.
"""
from __future__ import annotations

import functools
import posixpath
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urljoin, urlsplit

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
ARTICLE_BODY_CHARS = 500  # with an item's header, this much body text is an article whatever it links
# query parameters that name an item or a list (CMS conventions: WordPress, PHPCMS, DedeCMS, 帝国CMS, TRS ...)
ITEM_QUERY_KEYS = {"p", "page_id", "cat", "id", "aid", "articleid", "newsid", "infoid", "docid", "contentid", "itemid",
                   "catid", "classid", "columnid", "channelid", "typeid", "tid", "colid", "lmid"}
SEARCH_PARAMS = {"q", "query", "keyword", "keywords", "wd", "searchword", "searchkey", "kw", "s"}
# page chrome: landmarks and the class/id words CMS templates give headers, menus, sidebars, footers
CHROME_TAGS = {"header", "nav", "footer", "aside"}
ENTRY_TAGS = ("li", "tr", "dd", "dt", "article")
# a post's permalink: a slug under year/month(/day) folders (WordPress /2019/03/13/title/): an item, not a
# folder, whatever its sidebar of other posts in the same year shows; /2019/03/ alone is the month's archive
DATED_PERMALINK_RE = re.compile(r"/(?:19|20)\d\d/(?:0?[1-9]|1[0-2])/(?:(?:0?[1-9]|[12]\d|3[01])/)?"
                                r"(?!(?:index|default|list)[_\d]*\.\w+$)[^/]*[^\d/][^/]*/?$", re.I)
FOLDER_FILE_RE = re.compile(r"/(?:index|default|list)[_\d]*\.\w+$", re.I)
REGION_TAGS = {"div", "ul", "ol", "dl", "table", "tr", "td", "section", "header", "footer", "nav", "aside", "p", "center"}
SKIP_TEXT = {"script", "style", "noscript", "template", "head", "title", "select", "option", "textarea", "svg"}
CHROME_ROLES = {"navigation", "banner", "contentinfo", "search", "menu", "menubar"}
CHROME_RE = re.compile(r"header|footer|menu|(?<!ca)nav|sidebar|side_?bar|sidenav|copyright|banner|breadcrumb|crumb|"
                       r"curmb|toolbar|topbar|top_?links|skip|\bfoot\b|\btop\b|\bhead\b|\blogo\b", re.I)
SLOW_HREF_RE = re.compile(r"[\\\t\r\n]|/\.")   # what urljoin would rewrite: backslash, tab/CR/LF, dot segments
REDIRECT_STATUSES = (301, 302, 303, 307, 308)  # answers that lead elsewhere: page type redirect


@dataclass
class Signals:
    """Counts read from the page before its body is extracted (the content counts when first asked)."""

    links: int = 0
    link_chars: int = 0
    dated: int = 0            # links whose line carries a date: list entries
    more: int = 0             # 更多>> links: one per column block of a channel page
    pagination: bool = False  # 共14条 第2/2页, 下一页 ...
    empty_list: bool = False  # 暂无信息
    page_chars: int = 0
    content_chars: int = 0    # visible text outside the page chrome
    content_links: int = 0    # links outside the chrome to the same host
    below_links: int = 0      # ... of them leading below this page (deeper, or the same section)
    below_chars: int = 0      # text of those links
    content_fields: int = 0   # input fields of forms outside the chrome
    entries: int = 0          # on a folder URL: content entries (li, tr, article ...) linking below the page
    entry_chars: int = 0      # text of those entries
    tree: object = field(default=None, repr=False, compare=False)  # read for the content counts when first needed
    url: str = field(default="", repr=False, compare=False)

    def structure(self) -> "Signals":
        """Fill the content counts (the page without its chrome) once: the costliest signals, which
        an item's header over a body of prose never needs."""
        if self.tree is not None:
            tree, self.tree = self.tree, None
            _structure(tree, self.url, self)
        return self


def signals(tree, lines: list[str], url: str = "") -> Signals:
    """Link, pagination and form counts of a parsed page, and what its main content links to."""
    s = Signals(page_chars=sum(len(line) for line in lines), tree=tree, url=url)
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
    return s


def chrome_elements(tree) -> set:
    """The outermost chrome elements: header/nav/footer/aside, ARIA landmarks, and elements whose
    class or id names a header, menu, sidebar, footer or breadcrumb."""
    matched = {el for el in tree.iter(*CHROME_TAGS, *REGION_TAGS) if _is_chrome(el)}
    matched.update(el for el in tree.xpath("//*[@role]") if (el.get("role") or "").lower() in CHROME_ROLES)
    return {el for el in matched if not any(a in matched for a in el.iterancestors())}


def _is_chrome(el) -> bool:
    """A landmark tag, or a region whose class or id names a part of the chrome."""
    if el.tag in CHROME_TAGS:
        return True
    names = f"{el.get('class') or ''} {el.get('id') or ''}"
    return bool(names.strip()) and _chrome_names(names)


@functools.lru_cache(maxsize=8192)
def _chrome_names(names: str) -> bool:
    """Whether class and id words name chrome; templates repeat the same few on every page."""
    return CHROME_RE.search(names) is not None


def content_chars(el, chrome: set) -> int:
    """Visible characters (spaces aside) under ``el`` outside the chrome, scripts and styles."""
    total = 0
    for child in el:
        if isinstance(child.tag, str) and child not in chrome and child.tag not in SKIP_TEXT:
            total += len("".join((child.text or "").split())) + content_chars(child, chrome)
        total += len("".join((child.tail or "").split()))
    return total


def _under(chrome: set, tag: str) -> set:
    """Every ``tag`` element inside the chrome (one walk of each chrome subtree, in C)."""
    return {el for part in chrome for el in part.iter(tag)}


def _target(base: str, base_parts, href: str):
    """(host, path, query) of a link: a root-relative or absolute href without a parse of the base."""
    if href.startswith("/") and not href.startswith("//") and not SLOW_HREF_RE.search(href):
        rest = href.split("#", 1)[0]
        path, _, query = rest.partition("?")
        return base_parts.hostname, path, query
    target = urlsplit(urljoin(base, href))
    return target.hostname, target.path, target.query


def _structure(tree, url: str, s: Signals) -> None:
    """Fill the content counts: text, same-host links and links below the page, outside the chrome."""
    chrome = chrome_elements(tree)
    body = tree.find(".//body")
    s.content_chars = content_chars(body if body is not None else tree, chrome)
    page = urlsplit(url or "")
    folder = posixpath.dirname(page.path or "/").rstrip("/") + "/"
    section = _first_segment(page.path)
    folder_like = ((page.path or "/").endswith("/") or bool(FOLDER_FILE_RE.search(page.path or ""))) and \
        not DATED_PERMALINK_RE.search(page.path or "")
    entries: set = set()
    in_chrome = _under(chrome, "a")
    for a in tree.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")) or a in in_chrome:
            continue
        host, path, query = _target(url or "", page, href)
        if host != page.hostname or path == page.path and query == page.query:
            continue
        s.content_links += 1
        path = path or "/"
        below = path.startswith(folder) and path != folder and folder != "/" or \
            section and _first_segment(path) == section and not (page.path or "/").startswith(posixpath.dirname(path) + "/")
        if below:
            s.below_links += 1
            s.below_chars += len("".join((a.text_content() or "").split()))
            if folder_like:
                entries.add(next((e for e in a.iterancestors(*ENTRY_TAGS)), a))
    outer = [e for e in entries if not any(p in entries for p in e.iterancestors())]
    s.entries = len(outer)
    s.entry_chars = sum(len("".join((e.text_content() or "").split())) for e in outer)
    forms_in_chrome = _under(chrome, "form")
    for form in tree.iter("form"):
        if form in forms_in_chrome:
            continue
        s.content_fields += len(form.xpath(
            ".//input[not(@type='hidden' or @type='submit' or @type='button' or @type='image' or @type='reset')]"
            "|.//textarea|.//select"))


def _first_segment(path: str) -> str:
    """The top folder of a path ('' for a file at the root)."""
    parts = (path or "/").split("/")
    return parts[1] if len(parts) > 2 else ""


def listing(sig: Signals) -> bool:
    """A folder's page whose main content is mostly entries (li, tr, article ...) each linking
    below it (deeper, or in its section), three or more, or fewer on a later page of a paginated
    list: a list or a column index whatever else the page shows."""
    return (sig.entries >= 3 or sig.entries and sig.pagination) and sig.entry_chars * 2 >= sig.content_chars


def mostly_links_below(sig: Signals) -> bool:
    """The main content is mostly links to pages below this one: a column's index or list."""
    return sig.below_links >= 5 and sig.below_links * 2 >= sig.content_links and \
        sig.below_chars * 5 >= sig.content_chars * 2


def home_url(url: str) -> bool:
    """The site root or its index file, unless its query names an item or a list (WordPress
    ``/?p=3289``, PHPCMS ``/index.php?m=content&a=show&catid=2&id=12``, ``/?catid=5``): that is
    another page of the site. Other parameters (a tab, ``?link=zwgk``, tracking) keep it the homepage."""
    parts = urlsplit(url or "")
    if parts.path not in HOME_PATHS and not re.fullmatch(r"/(?:index|default)\.\w+", parts.path or ""):
        return False
    return not any(k.lower() in ITEM_QUERY_KEYS for k, _ in parse_qsl(parts.query, keep_blank_values=True))


def search_query(url: str) -> bool:
    """The URL asks a search engine something (?q=, ?keyword= ...)."""
    return any(k.lower() in SEARCH_PARAMS for k, _ in parse_qsl(urlsplit(url or "").query, keep_blank_values=True))


def classify(url: str, sig: Signals, body_text: str, has_frames: bool = False,
             article_header: bool = False, title: str | None = None, labelled: bool = False) -> tuple[str, str | None]:
    """(page_type, reason it is not an article or None); ``labelled``: the page prints an item's
    labels (发布日期, 来源) somewhere."""
    if home_url(url):
        return "homepage", "homepage URL"
    body_chars = sum(map(str.isalnum, body_text))
    article_url = bool(ARTICLE_URL_RE.search(url or ""))
    if has_frames and body_chars < 50:
        return "column_index", "frameset page: its content is in the frames"
    if article_header and body_chars >= ARTICLE_BODY_CHARS and not sig.pagination:
        return "article", None  # an item's header (its date, source or author) over a body of prose
    linked = mostly_links_below(sig.structure())
    if search_query(url) and body_chars < 500:
        return "search_form", "a search: the URL asks a query"
    if sig.content_fields and not linked and body_chars < 300 and (
            sig.content_fields >= 2 or SEARCH_URL_RE.search(url or "") or not sig.content_links and sig.content_chars < 300):
        return "search_form", f"the main content is a form ({sig.content_fields} fields) with little text"
    if listing(sig):
        why = f"the main content is {sig.entries} entries linking below this folder"
        if sig.pagination or sig.dated >= 3:
            return "list", why + (", paginated" if sig.pagination else f", {sig.dated} dated")
        return "column_index", why
    if article_header and body_chars >= 20:
        return "article", None
    list_url = bool(LIST_URL_RE.search(url or ""))
    if SOFT_404_RE.search(title or "") or SOFT_404_RE.search(body_text[:200]) and body_chars < 200:
        return "error", "the page says it does not exist (soft 404)"
    if linked:
        why = (f"the main content is mostly links below this page ({sig.below_links} of {sig.content_links} links, "
               f"{sig.below_chars} of {sig.content_chars} characters)")
        if sig.pagination or sig.dated >= 3:
            return "list", why + (", paginated" if sig.pagination else f", {sig.dated} dated")
        return "column_index", why
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
    if labelled and sig.content_links < 5 and body_chars >= 10:
        return "article", None  # an item whose body is a picture: its labels, and no links in its content
    link_share = sig.link_chars / sig.page_chars if sig.page_chars else 0
    if sig.links >= 15 and link_share > 0.5:
        return "column_index", f"{sig.links} links, {link_share:.0%} of the text is links"
    if body_chars >= 50 or body_chars >= 30 and sig.content_links < 3 and sig.content_chars:
        return "article", None  # (a short page of a sentence or two, its links all in the chrome)
    if sig.links >= 8:
        return "column_index", f"{sig.links} links and little text"
    return "error", "no body text"
