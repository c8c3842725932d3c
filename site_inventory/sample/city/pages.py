"""HTML of the sample city's cloud platform (政务云-like, WordPress-like): one house style for every site on it.

Pages carry their breadcrumb twice, as schema.org ``BreadcrumbList`` JSON-LD and as
``<nav aria-label="Breadcrumb">`` with an ``<ol>`` whose separators are CSS only (no 当前位置 line);
article dates are JSON-LD ``datePublished``/``dateModified`` and a ``<time>`` element. Every page
has the platform's controls: a skip link, 打印 (a print URL per page), 关闭, 返回顶部, and on articles
上一篇/下一篇, on lists 阅读全文, on landing pages 更多. Renderers return ``str`` (UTF-8 on the wire).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from html import escape

CONTROL_TEXTS = ("跳到主要内容", "打印", "关闭", "返回顶部", "上一篇", "下一篇", "阅读全文", "更多")


@dataclass
class Chrome:
    """What every page of one site shows around its content."""

    site_name: str
    site_code: str
    host: str
    nav: list[tuple[str, str]]                                       # (name, path) of the main menu
    footer_links: list[tuple[str, str]] = field(default_factory=list)  # (text, absolute URL)
    department_sites: list[tuple[str, str]] = field(default_factory=list)  # (name, URL) in a <select>
    search: bool = False


def a(url: str, text: str, **attrs) -> str:
    """An ``<a>`` element, attributes escaped (``cls`` stands for ``class``)."""
    extra = "".join(f' {"class" if k == "cls" else k}="{escape(v)}"' for k, v in attrs.items())
    return f'<a href="{escape(url)}"{extra}>{escape(text)}</a>'


def json_ld(chrome: Chrome, here: str, trail: list[tuple[str, str | None]], node: dict | None) -> str:
    """The page's JSON-LD graph: its BreadcrumbList (when it has a trail) and its own node."""
    graph = []
    if trail:
        graph.append({"@type": "BreadcrumbList", "@id": f"https://{chrome.host}{here}#breadcrumb", "itemListElement": [
            {"@type": "ListItem", "position": i + 1, "name": name,
             **({"item": f"https://{chrome.host}{url}"} if url else {})} for i, (name, url) in enumerate(trail)]})
    if node:
        graph.append(node)
    graph.append({"@type": "WebSite", "@id": f"https://{chrome.host}/#website", "url": f"https://{chrome.host}/",
                  "name": chrome.site_name, "inLanguage": "zh-CN"})
    data = json.dumps({"@context": "https://schema.org", "@graph": graph}, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/ld+json">{data}</script>'


def breadcrumb_nav(trail: list[tuple[str, str | None]]) -> str:
    """``<nav aria-label="Breadcrumb">``: linked names, the current one marked aria-current, no separators."""
    if not trail:
        return ""
    items = "".join(f"<li>{a(url, name)}</li>" if url else f'<li aria-current="page">{escape(name)}</li>'
                    for name, url in trail)
    return f'<nav aria-label="Breadcrumb" class="breadcrumb"><ol>{items}</ol></nav>\n'


def document(chrome: Chrome, here: str, title: str, trail: list[tuple[str, str | None]], node: dict | None,
             main: str, tools: bool = True) -> str:
    """A whole page: head (title, canonical, JSON-LD), skip link, header, menu, breadcrumb, main, footer."""
    current = ' class="current"'
    menu = "".join(f'<li{current if here.startswith(u) and u != "/" else ""}>{a(u, n)}</li>' for n, u in chrome.nav)
    search = ('<form class="search-form" role="search" action="/search/" method="get"><label for="s">站内搜索</label>'
              '<input id="s" name="s" type="search" placeholder="请输入关键词"><button type="submit">搜索</button></form>'
              if chrome.search else "")
    print_tools = (f'<div class="page-tools">{a("/print" + here, "打印", rel="nofollow")} '
                   f'{a("javascript:window.close()", "关闭")}</div>\n' if tools else "")
    footer_links = " | ".join(a(url, text) for text, url in chrome.footer_links)
    options = "".join(f'<option value="{escape(url)}">{escape(name)}</option>' for name, url in chrome.department_sites)
    select = (f'<select aria-label="部门网站" onchange="if(this.value)window.open(this.value)">'
              f"<option value=\"\">部门网站</option>{options}</select>" if options else "")
    return (f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{escape(title)}</title>\n'
            f'<link rel="canonical" href="https://{chrome.host}{escape(here)}">\n'
            f'<link rel="stylesheet" href="/static/theme.css">\n{json_ld(chrome, here, trail, node)}\n</head>\n'
            f'<body id="top">\n{a("#main", "跳到主要内容", cls="skip-link")}\n'
            f'<header class="site-header"><div class="logo">{a("/", chrome.site_name)}</div>{search}</header>\n'
            f'<nav class="main-menu" aria-label="主菜单"><ul>{menu}</ul></nav>\n{breadcrumb_nav(trail)}'
            f'<main id="main">\n{main}\n{print_tools}</main>\n'
            f'<footer class="site-footer"><p>{footer_links}</p><p>{select}</p>'
            f"<p>主办：{escape(chrome.site_name)}　网站标识码：{chrome.site_code}　浙ICP备12034567号</p>"
            f'<p>{a("#top", "返回顶部", cls="back-to-top")}</p></footer>\n</body>\n</html>\n')


def article(chrome: Chrome, here: str, post: dict) -> str:
    """One post: title, meta line with <time>, content, attachments, related links, 上一篇/下一篇."""
    node = {"@type": "NewsArticle", "@id": f"https://{chrome.host}{here}#article", "headline": post["title"],
            "datePublished": post["published_ld"], "dateModified": post["modified_ld"],
            "author": {"@type": "Organization", "name": post["source"]},
            "publisher": {"@type": "GovernmentOrganization", "name": chrome.site_name},
            "mainEntityOfPage": f"https://{chrome.host}{here}"}
    meta = (f'<div class="entry-meta"><span class="posted-on">发布时间：<time datetime="{post["published_ld"]}">'
            f'{post["published_shown"]}</time></span> <span class="source">来源：{escape(post["source"])}</span> '
            f'<span class="views">浏览次数：{post["views"]}</span></div>')
    content = "\n".join(f"<p>{escape(p)}</p>" for p in post["paragraphs"])
    files = "".join(f"<li>{a(url, text)}</li>" for url, text in post["attachments"])
    files = f'<div class="attachments"><h3>附件下载</h3><ul>{files}</ul></div>\n' if files else ""
    related = "".join(f"<li>{a(url, text)}</li>" for url, text in post["related"])
    related = f'<div class="related"><h3>相关阅读</h3><ul>{related}</ul></div>\n' if related else ""
    post_nav = []
    for rel, word, other in (("prev", "上一篇", post["prev"]), ("next", "下一篇", post["next"])):
        post_nav.append(f'<div class="nav-{rel}">{a(other[0], word, rel=rel)}<span>{escape(other[1])}</span></div>'
                        if other else f'<div class="nav-{rel}"><span>{word}：没有了</span></div>')
    main = (f'<article class="post">\n<h1 class="entry-title">{escape(post["title"])}</h1>\n{meta}\n'
            f'<div class="entry-content">\n{content}\n</div>\n{files}{related}'
            f'<nav class="post-navigation" aria-label="文章导航">{"".join(post_nav)}</nav>\n</article>')
    return document(chrome, here, f'{post["title"]} - {chrome.site_name}', post["trail"], node, main)


def single(chrome: Chrome, here: str, title: str, trail, paragraphs: list[str], links: list[tuple[str, str]]) -> str:
    """A page column (城市概况, 缴存指南): its text and a few links, no date."""
    node = {"@type": "WebPage", "@id": f"https://{chrome.host}{here}#webpage", "name": title}
    content = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    more = "".join(f"<li>{a(url, text)}</li>" for url, text in links)
    main = (f'<article class="page">\n<h1 class="entry-title">{escape(title)}</h1>\n<div class="entry-content">\n'
            f'{content}\n{f"<ul>{more}</ul>" if more else ""}\n</div>\n</article>')
    return document(chrome, here, f"{title} - {chrome.site_name}", trail, node, main)


def listing(chrome: Chrome, here: str, name: str, trail, entries: list[tuple[str, str, str, str]],
            pages: list[str], index: int, total: int) -> str:
    """One page of a column's list: (url, title, date, excerpt) entries with 阅读全文, then the pager."""
    rows = "".join(f'<li class="entry"><h2>{a(url, title)}</h2><span class="date">{day}</span>'
                   f'<p class="excerpt">{escape(excerpt)}</p>{a(url, "阅读全文", cls="more-link")}</li>\n'
                   for url, title, day, excerpt in entries)
    pager = [f"<span>共{total}条 第{index + 1}/{len(pages)}页</span>"]
    if index > 0:
        pager.append(a(pages[index - 1], "上一页", cls="prev"))
    pager += [f"<span aria-current=\"page\">{i + 1}</span>" if i == index else a(p, str(i + 1))
              for i, p in enumerate(pages)]
    if index + 1 < len(pages):
        pager.append(a(pages[index + 1], "下一页", cls="next"))
    node = {"@type": "CollectionPage", "@id": f"https://{chrome.host}{here}#webpage", "name": name}
    main = (f'<section class="archive">\n<h1 class="page-title">{escape(name)}</h1>\n<ul class="entries">\n{rows}</ul>\n'
            f'<nav class="pagination" aria-label="分页">{" ".join(pager)}</nav>\n</section>')
    title = name + (f" - 第{index + 1}页" if index else "") + f" - {chrome.site_name}"
    return document(chrome, here, title, trail, node, main)


def landing(chrome: Chrome, here: str, name: str, trail, blocks: list[tuple[str, str, list[tuple[str, str]], str]],
            intro: str = "") -> str:
    """A section landing page: for each child (name, url, links, more url) a heading, its links and 更多."""
    parts = []
    for child, url, links, more in blocks:
        items = "".join(f"<li>{a(u, t)}</li>" for u, t in links)
        parts.append(f'<section class="channel"><h2>{a(url, child)}</h2><ul>{items}</ul>'
                     f'{a(more, "更多", cls="more") if more else ""}</section>')
    node = {"@type": "CollectionPage", "@id": f"https://{chrome.host}{here}#webpage", "name": name}
    main = (f'<div class="section-landing">\n<h1 class="page-title">{escape(name)}</h1>\n'
            f'{f"<p>{escape(intro)}</p>" if intro else ""}\n' + "\n".join(parts) + "\n</div>")
    return document(chrome, here, f"{name} - {chrome.site_name}", trail, node, main)


def homepage(chrome: Chrome, blocks: list[tuple[str, str, list[tuple[str, str, str]], str]],
             links: list[tuple[str, str]]) -> str:
    """The homepage: dated blocks of the newest posts (name, url, [(url, title, date)], more url) and links."""
    parts = []
    for name, url, entries, more in blocks:
        items = "".join(f'<li>{a(u, t)}<span class="date">{d}</span></li>' for u, t, d in entries)
        parts.append(f'<section class="home-block"><h2>{a(url, name)}</h2><ul>{items}</ul>{a(more, "更多", cls="more")}'
                     "</section>")
    if links:
        parts.append('<section class="home-links"><h2>专题入口</h2><ul>'
                     + "".join(f"<li>{a(u, t)}</li>" for u, t in links) + "</ul></section>")
    node = {"@type": "WebPage", "@id": f"https://{chrome.host}/#webpage", "name": chrome.site_name}
    return document(chrome, "/", chrome.site_name, [], node, "\n".join(parts), tools=False)


def search_page(chrome: Chrome, here: str, trail) -> str:
    """The search page: a form and nothing else to migrate."""
    main = ('<div class="search-page"><h1 class="page-title">站内搜索</h1><form action="/search/" method="get">'
            '<input name="s" type="search"><select name="type"><option value="all">全部</option>'
            '<option value="news">新闻</option></select><button type="submit">搜索</button></form>'
            "<p>请输入关键词进行搜索。</p></div>")
    return document(chrome, here, f"站内搜索 - {chrome.site_name}", trail, None, main, tools=False)


def print_page(site_name: str, here: str, original: str) -> str:
    """The print version a 打印 link opens (robots.txt keeps crawlers out of /print/)."""
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="robots" content="noindex">'
            f"<title>打印 - {escape(site_name)}</title></head><body onload=\"window.print()\">"
            f'<p>{a(original, "返回原文")}</p></body></html>\n')
