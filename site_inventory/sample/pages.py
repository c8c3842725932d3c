"""HTML of the sample county's pages, in the house style of each content system.

Six styles stand for what county-level sites run: ``portal`` (the county's own platform),
``hanweb`` (大汉 jcms: ZJEG_RSS body markers, ?uid=&pageNum= lists), ``dede`` (DedeCMS, GBK),
``trs`` (拓尔思 WCM: div.TRS_Editor, relative links, JavaScript-only createPageHTML paging),
``jeecms`` (.jhtml, 信息公开 table, absolute links) and ``asp`` (old IIS site, GBK, ?id= URLs,
<br> paragraphs). The renderers return ``str``; the caller encodes to the site's charset.
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from html import escape


@dataclass
class Style:
    """How one site looks: chrome, breadcrumb wording, link form and the meta tags it emits."""

    cms: str
    site_name: str
    site_code: str
    host: str
    encoding: str
    title_sep: str
    crumb_label: str
    crumb_class: str
    crumb_sep: str
    links: str  # "path" | "relative" | "absolute"
    meta: tuple[str, ...] = ()
    crumb_tail: str | None = None
    icp: str = "浙ICP备05012345号"
    nav: list[tuple[str, str]] = field(default_factory=list)
    footer_links: list[tuple[str, str]] = field(default_factory=list)


def href(style: Style, here: str, target: str, host: str | None = None) -> str:
    """The link to ``target`` (a path with optional query) as this site writes it on page ``here``."""
    if host and host != style.host:
        return f"http://{host}{target}"
    if style.links == "absolute":
        return f"http://{style.host}{target}"
    if style.links == "relative" and not target.startswith("/?") and target != "/":
        path, sep, query = target.partition("?")
        base = here.partition("?")[0].rsplit("/", 1)[0] or "/"
        rel = posixpath.relpath(path, base)
        if path.endswith("/") and rel != ".":
            rel += "/"
        if not rel.startswith("."):
            rel = ("./" if style.cms == "trs" else "") + rel
        return rel + sep + query
    return target


def _a(url: str, text: str, **attrs) -> str:
    extra = "".join(f' {k}="{escape(v)}"' for k, v in attrs.items())
    return f'<a href="{escape(url)}"{extra}>{escape(text)}</a>'


def _charset(style: Style) -> str:
    if style.encoding == "gbk":
        return '<meta charset="gb2312">' if style.cms == "asp" else \
            '<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />'
    return '<meta charset="utf-8">' if style.cms != "trs" else \
        '<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />'


def document(style: Style, here: str, title: str, metas: dict[str, str], main: str) -> str:
    """A whole page: head with title and meta, site header, navigation, ``main`` and footer."""
    head = [_charset(style), f"<title>{escape(title)}</title>"]
    head += [f'<meta name="{k}" content="{escape(v)}">' for k, v in metas.items()]
    nav = "".join(f"<li>{_a(href(style, here, u), t)}</li>" for t, u in style.nav)
    links = " | ".join(_a(href(style, here, u) if u.startswith("/") else u, t) for t, u in style.footer_links)
    footer = (f'<div class="footer"><p>主办：{escape(style.site_name)}　{links}</p>'
              f"<p>网站标识码：{style.site_code}　{escape(style.icp)}</p>"
              f'<p>友情链接：{_a("http://www.gov.cn/", "中国政府网")}</p>')
    if style.cms == "hanweb":
        footer += "<p>技术支持：大汉网络　大汉版通发布系统</p>"
    footer += "</div>"
    return ("<!DOCTYPE html>\n<html>\n<head>\n" + "\n".join(head) + "\n</head>\n<body>\n"
            f'<div class="header"><h1 class="logo">{escape(style.site_name)}</h1></div>\n'
            f'<ul class="nav">{nav}</ul>\n{main}\n{footer}\n</body>\n</html>\n')


def crumb(style: Style, here: str, trail: list[tuple[str, str | None]]) -> str:
    """The breadcrumb: label, then names linked where they have a page, joined by the separator."""
    parts = [_a(href(style, here, u), n) if u else escape(n) for n, u in trail]
    if style.crumb_tail:
        parts.append(escape(style.crumb_tail))
    return f'<div class="{style.crumb_class}">{style.crumb_label}{style.crumb_sep.join(parts)}</div>'


def _paragraphs(style: Style, paragraphs: list[str]) -> str:
    if style.cms == "asp":
        return "\n".join(f"&nbsp;&nbsp;&nbsp;&nbsp;{escape(p)}<br />\n<br />" for p in paragraphs)
    if style.cms == "trs":
        return "\n".join(f'<p class="MsoNormal" style="text-indent:32pt">{escape(p)}</p>' for p in paragraphs)
    if style.cms == "dede":
        return "\n".join(f"<p>　　{escape(p)}</p>" for p in paragraphs)
    return "\n".join(f'<p style="text-indent:2em">{escape(p)}</p>' for p in paragraphs)


def _wrap_body(style: Style, inner: str, attachments: str) -> str:
    if style.cms == "hanweb":
        return (f'<div id="zoom"><!--ZJEG_RSS.content.begin--><meta name="ContentStart">\n{inner}\n'
                f'<meta name="ContentEnd"><!--ZJEG_RSS.content.end--></div>\n{attachments}')
    if style.cms == "trs":
        return (f'<div class="TRS_Editor"><div class="Custom_UnionStyle">\n{inner}\n</div></div>\n'
                f"{attachments}")
    if style.cms == "asp":
        return f'<table width="760"><tr><td class="content" id="fontzoom">\n{inner}\n</td></tr></table>\n{attachments}'
    cls = {"dede": "content", "jeecms": "article-content", "portal": "article-content"}[style.cms]
    return f'<div class="{cls}" id="zoom">\n{inner}\n{attachments}</div>'


def info_line(style: Style, info: dict) -> str:
    """The 发布时间/来源/作者 line under the title, worded per site."""
    label = {"hanweb": "发布日期：", "dede": "时间：", "asp": "更新时间："}.get(style.cms, "发布时间：")
    bits = []
    if info.get("published"):
        bits.append(f"{label}{escape(info['published'])}")
    if info.get("modified"):
        bits.append(f"更新时间：{escape(info['modified'])}")
    if info.get("source"):
        bits.append(f"来源：{escape(info['source'])}")
    if info.get("author"):
        bits.append(f"作者：{escape(info['author'])}")
    hits = {"dede": "点击：", "asp": "点击数："}.get(style.cms, "浏览次数：")
    bits.append(f'{hits}<span id="hits"><script src="/count.js"></script></span>')
    return '<div class="info">' + "　".join(f"<span>{b}</span>" for b in bits) + "</div>"


XXGK_FIELDS = [("索引号", "index_number"), ("发布机构", "source"), ("成文日期", "written_date"),
               ("发布日期", "published"), ("文号", "doc_number"), ("主题分类", "subject"), ("有效性", "validity")]


def xxgk_table(title: str, info: dict) -> str:
    """The 政府信息公开 metadata table (索引号, 发布机构, 成文日期, 发布日期, 文号, 主题分类, 有效性)."""
    cells = [f"<th>{k}</th><td>{escape(info.get(f) or '')}</td>" for k, f in XXGK_FIELDS]
    rows = "".join(f"<tr>{cells[i]}{cells[i + 1] if i + 1 < len(cells) else ''}</tr>" for i in range(0, len(cells), 2))
    return f'<table class="xxgk-meta">{rows}<tr><th>标题</th><td colspan="3">{escape(title)}</td></tr></table>'


def article(style: Style, here: str, a: dict) -> str:
    """An article page from ``a``: title, trail, info, paragraphs, attachments, links, metas, xxgk."""
    attach = ""
    if a["attachments"]:
        items = "".join(f"<li>{_a(href(style, here, u), t)}</li>" for u, t in a["attachments"])
        attach = f'<div class="attachments"><p>附件：</p><ul>{items}</ul></div>'
    extra = ""
    if a.get("links"):
        extra = '<div class="related"><p>相关链接：</p><ul>' + "".join(
            f"<li>{_a(href(style, here, u, h), t)}</li>" for u, t, h in a["links"]) + "</ul></div>"
    table = xxgk_table(a["title"], a["info"]) if a.get("xxgk") else ""
    info = "" if a.get("xxgk") else info_line(style, a["info"])
    main = (crumb(style, here, a["trail"]) + f'\n<div class="article">{table}\n<h2 class="title">{escape(a["title"])}</h2>\n'
            + info + "\n" + _wrap_body(style, _paragraphs(style, a["paragraphs"]), attach) + extra + "</div>")
    return document(style, here, a["title"] + style.title_sep + style.site_name, a.get("metas", {}), main)


def pager(style: Style, here: str, pages: list[str], index: int, total: int) -> str:
    """Pagination under a list: plain links, relative links, or TRS's createPageHTML script only."""
    if len(pages) < 2:
        return ""
    if style.cms == "trs":
        return ('<div class="page"><script>function createPageHTML(n,c,p,s){var h="";'
                'for(var i=0;i<n;i++){h+=(i==c)?"<span>"+(i+1)+"</span>":"<a href=\\""+(i==0?p:p+"_"+i)+"."+s+"\\">"+(i+1)+"</a>";}'
                'document.write(h);}\n'
                f'createPageHTML({len(pages)}, {index}, "index", "html");</script></div>')
    def link(i: int, text: str) -> str:
        target = pages[i]
        if style.cms == "asp":
            return _a("?" + target.partition("?")[2], text)
        return _a(href(style, here, target), text)
    bits = [f"共{total}条　第{index + 1}/{len(pages)}页", link(0, "首页")]
    if index > 0:
        bits.append(link(index - 1, "上一页"))
    if index < len(pages) - 1:
        bits.append(link(index + 1, "下一页"))
    bits.append(link(len(pages) - 1, "尾页"))
    return '<div class="page">' + " ".join(bits) + "</div>"


def list_page(style: Style, here: str, name: str, trail, entries, pager_html: str, metas: dict) -> str:
    """A column list page; ``entries`` are (url, title, date text or None); empty shows 暂无信息."""
    if entries:
        rows = []
        for url, title, when in entries:
            shown = title if style.cms != "asp" or len(title) <= 20 else title[:19] + "…"
            attrs = {"title": title} if shown != title else {}
            date_html = f"<span>{escape(when)}</span>" if when else ""
            rows.append(f"<li>{_a(href(style, here, url), shown, **attrs)}{date_html}</li>")
        body = f'<ul class="list">{"".join(rows)}</ul>'
    else:
        body = '<div class="empty">暂无信息</div>'
    main = (crumb(style, here, trail) + f'\n<div class="column"><h2>{escape(name)}</h2>\n{body}\n{pager_html}</div>')
    return document(style, here, name + style.title_sep + style.site_name, metas, main)


def sections_page(style: Style, here: str, title: str, trail, sections, extra_links, metas: dict) -> str:
    """A homepage or column index: blocks of (name, url, entries) and a list of extra links."""
    blocks = []
    for name, url, entries in sections:
        rows = "".join(f"<li>{_a(href(style, here, u, h), t)}<span>{escape(d or '')}</span></li>"
                       for u, t, d, h in entries)
        more = _a(href(style, here, url), "更多>>") if url else ""
        blocks.append(f'<div class="block"><h3>{escape(name)}</h3>{more}<ul>{rows}</ul></div>')
    links = "".join(f"<li>{_a(href(style, here, u, h), t)}</li>" for u, t, h in extra_links)
    main = (crumb(style, here, trail) if trail else "") + "\n" + "\n".join(blocks) + (
        f'\n<ul class="links">{links}</ul>' if links else "")
    return document(style, here, title, metas, main)


def message_page(style: Style, here: str, title: str, message: str, form: str = "") -> str:
    """A page that only says something (soft 404, error) or holds a form (login, search, 依申请公开)."""
    return document(style, here, title + style.title_sep + style.site_name, {},
                    f'<div class="message"><h2>{escape(title)}</h2><p>{escape(message)}</p>{form}</div>')


def calendar_page(style: Style, here: str, year: int, month: int, prev: str, nxt: str) -> str:
    """One month of the 活动日历: a table of days with prev/next month links and nothing else."""
    days = "".join(f"<td>{d}</td>" + ("</tr><tr>" if d % 7 == 0 else "") for d in range(1, 29))
    main = (f'<div class="calendar"><h2>活动日历 {year}年{month}月</h2>'
            f'{_a(href(style, here, prev), "上个月")} {_a(href(style, here, nxt), "下个月")}'
            f"<table><tr>{days}</tr></table><p>本月暂无活动安排。</p></div>")
    return document(style, here, f"活动日历{style.title_sep}{style.site_name}", {}, main)
