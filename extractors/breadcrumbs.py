"""Breadcrumbs from the common markups, read in a fixed order of preference (first found wins).

1. schema.org ``BreadcrumbList`` in JSON-LD (items ordered by ``position``): the CMS's own data.
2. schema.org ``BreadcrumbList`` as microdata (``itemtype=.../BreadcrumbList``,
   ``itemprop=itemListElement`` with ``itemprop=name``) or RDFa (``typeof=BreadcrumbList``,
   ``property=itemListElement`` with ``property=name``).
3. A text line labelled 当前位置/您的位置/您现在的位置/所在位置 (当前位置：首页 > 政务公开 > 通知公告),
   split on >, », ›, /, →, ＞ (or a spaced -).
4. An element (``nav``/``ol``/``ul``/``div`` ...) marked breadcrumb/crumb/position/location/weizhi/dqwz by its
   aria-label, class or id: its ``li`` items, else its text split on separators, else its links.

Items keep the page's own names, the home item too (首页 as printed); labels such as
"Kategori:", "Arkiv:", "栏目：", "当前位置：" are removed. ``section_names`` normalises a trail to
the sections it names: without the home item (首页, Home, Startsida ...) and the trailing 正文.
"""
from __future__ import annotations

import copy
import html
import re
from itertools import islice

from . import jsonld
from .parse import clean_text

LABEL_RE = re.compile(
    r"^\s*(?:您现在的位置|你现在的位置|您当前的位置|您当前位置|你当前的位置|当前位置|您的位置|你的位置|您所在的位置|"
    r"你所在的位置|您所在位置|所在的位置|所在位置|"
    r"现在位置|当前页面|当前页|位置)\s*[:：]?\s*"
)
# a leading label of any language: one to four words ending in a colon (Kategori:, Arkiv:, 栏目：, You are here:)
ANY_LABEL_RE = re.compile(r"^\s*(?=[^:：]*[^\W\d_])(?:[^\s:：>»›/→＞]{1,12}(?:\s[^\s:：>»›/→＞]{1,12}){0,3})\s*[:：]\s*")
SEP_RE = re.compile(r"\s*(?:-{1,2}>|>>|＞＞|>|＞|»|›|→|/|\\)\s*")
DASH_SEP_RE = re.compile(r"\s+[-－—]\s+")
CONTAINER_RE = re.compile(r"position(?!ed|ing)|location|breadcrumb|crumb|curmb|dqwz|weizhi|lujing|path|dangqian")
MAX_ITEMS = 10  # a trail deeper than this is a menu in a box named like one (div.breadcrumb-wrap of 13 sections)
ARIA_RE = re.compile(CONTAINER_RE.pattern + r"|面包屑|位置|brödsmul|kruimel|fil d'ariane|migas", re.I)
NOT_CONTAINERS = ("html", "body", "head", "script", "style", "link", "meta", "input", "a", "img", "li", "form")
TAIL_WORDS = {"正文", "详情", "内容", "文章内容", "详细内容", "查看内容", "浏览文章", "阅读文章", "信息详情", "新闻详情", "文章详情"}
HOME_WORDS = {"首页", "网站首页", "主页", "返回首页", "门户首页", "home", "homepage", "start", "startsida", "startside",
              "hem", "forside", "etusivu", "accueil", "startseite", "inicio"}
# the page's tools that templates print on the breadcrumb's line, after its last item: never part of a name
TOOLS_RE = re.compile(r"\s*(?:字号|字体)\s*[:：]|\s+【?(?:打印|分享|收藏|关闭)")
HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
SCHEMA_BREADCRUMB = re.compile(r"(?:^|[/#:\s])BreadcrumbList$", re.I)


def split_items(text: str) -> list[str]:
    """Names from a breadcrumb text, label and separators removed; a trail printed with spaces
    alone (您所在的位置 首页 专题频道 国内专题) is split on them when it starts with its home item."""
    parts = SEP_RE.split(clean_text(text))
    if len(parts) == 1:
        parts = DASH_SEP_RE.split(clean_text(text))
    if len(parts) == 1:
        words = clean_text(strip_label(parts[0])).split()
        if len(words) >= 2 and is_home(words[0]):
            parts = words
    return normalise(parts)


def normalise(items) -> list[str]:
    """Items cleaned, the label before the first removed (栏目：通知公告 -> 通知公告), a page tool bar
    printed on the trail's line cut off (2007年第23号 字号：默认 大 | 打印), empty and over-long
    ones (not a name) dropped."""
    names = [clean_text(TOOLS_RE.split(clean_text(str(item)), 1)[0]) for item in items]
    names = [name for name in names if name]
    if names:
        names[0] = clean_text(strip_label(names[0]))
    return [name for name in names if name and len(name) <= 40]


def strip_label(text: str) -> str:
    """The text without its leading label (当前位置：, 栏目：, Kategori:, Du är här:)."""
    text = LABEL_RE.sub("", text)
    match = ANY_LABEL_RE.match(text)
    if match and not SEP_RE.search(match.group(0)):
        text = text[match.end():]
    return text


def find_breadcrumb(page, lines: list[str]) -> list[str]:
    """The page's breadcrumb items (the home item kept as printed), or [] if none."""
    tree = page.tree
    for finder in (_json_ld, _microdata, _rdfa):
        items = finder(tree)
        if items:
            return items
    labelled = next((items for line in lines if LABEL_RE.match(line) and len(line) <= 200
                     for items in [split_items(line)] if items), [])
    if len(labelled) >= 2:
        return labelled
    for el in _containers(page):
        items = _from_element(el)
        if 2 <= len(items) <= MAX_ITEMS:
            return items
    return labelled  # a labelled line of one item (当前位置：通知公告) when no container says more


def _json_ld(tree) -> list[str]:
    """Items of the first schema.org BreadcrumbList in the page's JSON-LD, by position."""
    for data in jsonld.documents(tree):
        for item in _ld_nodes(data):
            kinds = item.get("@type")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if any(isinstance(k, str) and SCHEMA_BREADCRUMB.search(k) for k in kinds):
                names = _ld_names(item.get("itemListElement"))
                if names:
                    return names
    return []


def _ld_nodes(data, depth: int = 0):
    """Every dict in a JSON-LD document (lists, @graph and nested objects), depth-limited."""
    if depth > 6:
        return
    if isinstance(data, list):
        for item in data[:200]:
            yield from _ld_nodes(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        for value in data.values():
            if isinstance(value, (dict, list)):
                yield from _ld_nodes(value, depth + 1)


def _ld_names(elements) -> list[str]:
    """ListItem names ordered by position (name, else item.name), HTML entities in them decoded."""
    if isinstance(elements, dict):
        elements = [elements]
    if not isinstance(elements, list):
        return []
    named = []
    for index, element in enumerate(elements[:40]):
        if not isinstance(element, dict):
            continue
        name = element.get("name")
        target = element.get("item")
        if not isinstance(name, str) and isinstance(target, dict):
            name = target.get("name")
        try:
            position = float(element.get("position", index + 1))
        except (TypeError, ValueError):
            position = index + 1
        if isinstance(name, str) and clean_text(name):
            named.append((position, index, html.unescape(name)))  # WordPress SEO plugins write "Olive &#038; Herb"
    return normalise(name for _, _, name in sorted(named))


def _microdata(tree) -> list[str]:
    """Items of an ``itemtype=.../BreadcrumbList`` element: each itemListElement's itemprop=name."""
    for box in tree.xpath("//*[@itemtype]"):
        if SCHEMA_BREADCRUMB.search((box.get("itemtype") or "").strip()):
            items = _attribute_items(box, "itemprop")
            if items:
                return items
    return []


def _rdfa(tree) -> list[str]:
    """Items of a ``typeof=BreadcrumbList`` element: each itemListElement's property=name."""
    for box in tree.xpath("//*[@typeof]"):
        if any(SCHEMA_BREADCRUMB.search(t) for t in (box.get("typeof") or "").split()):
            items = _attribute_items(box, "property")
            if items:
                return items
    return []


def _attribute_items(box, attribute: str) -> list[str]:
    """Names of the list elements under ``box`` marked with ``attribute`` (itemprop or property)."""
    names = []
    for element in box.xpath(f".//*[contains(concat(' ', @{attribute}, ' '), 'itemListElement')]")[:40]:
        named = element.xpath(f".//*[contains(concat(' ', @{attribute}, ' '), ' name ') "
                              f"or @{attribute}='name' or substring(@{attribute}, string-length(@{attribute})-4)=':name']")
        node = named[0] if named else element
        names.append(node.get("content") or node.text_content())
    return normalise(names)


def _containers(page):
    """Elements marked as a breadcrumb by aria-label, class or id, in document order; hidden ones
    (Hanweb's display:none ``hiddenLocation`` of column names and URLs) are no trail a reader sees."""
    seen = set()
    for el in page.tree.xpath("//*[@aria-label]"):
        if el.tag not in NOT_CONTAINERS and ARIA_RE.search(el.get("aria-label", "")) and not _hidden(el):
            seen.add(el)
            yield el
    for el, names in page.class_index:
        if el in seen or el.tag in NOT_CONTAINERS or not CONTAINER_RE.search(names.lower()) or _hidden(el):
            continue
        yield el


def _hidden(el) -> bool:
    return el.get("hidden") is not None or el.get("aria-hidden") == "true" or \
        bool(HIDDEN_STYLE_RE.search(el.get("style") or ""))


def _from_element(el) -> list[str]:
    """Items of a breadcrumb container: its li items, its text split on separators, or its links."""
    if sum(1 for _ in islice(el.iter(), 61)) > 60:
        return []  # a page wrapper that happens to be called "path", not a breadcrumb
    if next(el.iter("form"), None) is not None:
        el = copy.deepcopy(el)  # a search box beside the trail (div.path-search) is no part of it
        for form in list(el.iter("form")):
            form.drop_tree()
    text = clean_text(el.text_content())
    if not text or len(text) > 200:
        return []
    entries = [li for li in el.iter("li")]
    if 2 <= len(entries) <= 12:
        return normalise(name for li in entries for name in SEP_RE.split(clean_text(li.text_content())))
    if SEP_RE.search(text) or LABEL_RE.match(text):
        return split_items(text)
    links = normalise(a.text_content() for a in el.iter("a"))
    if len(links) >= 2 and sum(map(len, links)) >= len(strip_label(text)) * 0.5:
        tail = clean_text(strip_label(text))
        rest = tail[tail.rfind(links[-1]) + len(links[-1]):].strip() if links[-1] in tail else ""
        return links + ([rest] if rest and len(rest) <= 40 else [])
    return []


def section_names(items: list[str]) -> list[str]:
    """The sections a trail names: labels, the home item and a trailing 正文/详情 removed."""
    names = normalise(items or [])
    while names and is_home(names[0]):
        names.pop(0)
    while names and names[-1] in TAIL_WORDS:
        names.pop()
    return names


def is_home(name: str) -> bool:
    """A home item: 首页, 网站首页, Home, Startsida ... (case-insensitive)."""
    return clean_text(name).lower().rstrip(" >»›") in HOME_WORDS


def column_from(breadcrumb: list[str], title: str | None) -> str | None:
    """The column an article sits in: the last breadcrumb item that is not the article itself."""
    for item in reversed(breadcrumb):
        if item in TAIL_WORDS:
            continue
        if title and len(item) > 12 and (item == title or item in title):
            continue
        if is_home(item):
            return None
        return item
    return None
