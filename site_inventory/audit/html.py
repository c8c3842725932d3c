"""The audit as one self-contained HTML page: inline CSS, inline SVG charts, a few lines of JS.

Nothing is loaded from the network, so the file can be mailed or opened on an offline machine.
Labels are Chinese; the inventory table at the top sorts by any column and links to each site.
"""
from __future__ import annotations

from html import escape

from . import rules
from .run import AuditResult, SiteAudit
from .report import LEVEL_LABELS, SCOPE_LABELS

CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",sans-serif;
margin:0;color:#1f2933;background:#f5f7fa;font-size:14px;line-height:1.5}
header{background:#8b1a1a;color:#fff;padding:16px 28px}header h1{margin:0;font-size:24px}
main{padding:12px 28px 40px}section{background:#fff;border:1px solid #d9e2ec;border-radius:6px;
padding:12px 18px;margin:16px 0}h2{font-size:19px;margin:4px 0 10px}h3{font-size:16px;margin:14px 0 6px}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{border:1px solid #d9e2ec;padding:4px 6px;
text-align:left;vertical-align:top}th{background:#eef2f7;white-space:nowrap}
table.sortable th{cursor:pointer}table.sortable th[data-dir=asc]::after{content:" ▲"}
table.sortable th[data-dir=desc]::after{content:" ▼"}td.n{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{background:#fff;border:1px solid #d9e2ec;border-radius:6px;
padding:8px 14px;min-width:110px}.card b{display:block;font-size:22px}
.fail{color:#b42318;font-weight:bold}.pass{color:#067647}.warn{color:#b54708}.not_evaluated,.muted{color:#7b8794}
.deduct{color:#b54708;font-weight:bold}details summary{cursor:pointer;color:#1d4ed8}
.url{word-break:break-all}.charts{display:flex;flex-wrap:wrap;gap:18px}figure{margin:0}
figcaption{font-weight:bold;margin-bottom:4px}
"""

SORT_JS = """
document.querySelectorAll("table.sortable th").forEach(function (th) {
  th.addEventListener("click", function () {
    var row = th.parentNode, body = th.closest("table").tBodies[0];
    var i = Array.prototype.indexOf.call(row.children, th), asc = th.dataset.dir !== "asc";
    Array.prototype.forEach.call(row.children, function (h) { delete h.dataset.dir; });
    th.dataset.dir = asc ? "asc" : "desc";
    var key = function (tr) { var c = tr.cells[i]; return c.dataset.v !== undefined ? c.dataset.v : c.textContent; };
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a), y = key(b), nx = parseFloat(x), ny = parseFloat(y);
      var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y, "zh");
      return asc ? c : -c;
    });
    rows.forEach(function (tr) { body.appendChild(tr); });
  });
});
"""

COLORS = {"ok": "#2f9e44", "warn": "#f08c00", "bad": "#c92a2a", "none": "#adb5bd", "bar": "#3b6fb6"}


def render(result: AuditResult) -> str:
    """The whole report page."""
    sections = "".join(_site_section(s, result.as_of) for s in result.sites)
    warnings = "".join(f"<li>{escape(w)}</li>" for w in result.warnings)
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>政府网站检查报告 {escape(result.as_of)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>政府网站集约化检查报告</h1><div>检查日期：{escape(result.as_of)}　"
        f"生成时间：{escape(result.generated_at)}　依据：政府网站与政务新媒体检查指标（单项否决、扣分项）</div></header>"
        f"<main>{_overview(result)}"
        + (f"<section><h2>提示</h2><ul>{warnings}</ul></section>" if warnings else "")
        + f"{sections}</main><script>{SORT_JS}</script></body></html>\n"
    )


def _num(value, cls: str = "n") -> str:
    if value is None:
        return f'<td class="{cls} muted" data-v="-1">—</td>'
    return f'<td class="{cls}" data-v="{value}">{value}</td>'


def _size(n: int | None) -> str:
    n = n or 0
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def _verdict(site: SiteAudit) -> str:
    return f'<span class="{site.verdict}">{rules.VERDICT_LABELS[site.verdict]}</span>'


def _overview(result: AuditResult) -> str:
    """Totals, the freshness chart of all homepages and the sortable table of every site."""
    t = result.totals
    cards = [("站点", t["sites"]), ("不合格", t["sites_failing"]), ("合格", t["sites_passing"]),
             ("页面", t["pages"]), ("信息", t["items"]), ("附件", t["attachments"]),
             ("迁移数据量", _size(t["migrate_bytes"])), ("空白栏目", t["blank_columns"]),
             ("不更新栏目", t["stale_columns"]), ("不可用链接", t["broken_links"])]
    card_html = "".join(f'<div class="card">{label}<b>{value}</b></div>' for label, value in cards)
    labels = {f.rule: (f.label, f.severity) for s in result.sites for f in s.findings}
    rule_rows = "".join(
        f"<tr><td>{escape(labels[rule][0])}</td><td>{'单项否决' if labels[rule][1] == 'veto' else '扣分'}</td>"
        f'{_num(n)}</tr>' for rule, n in t["sites_failing_rule"].items())
    head = ["网站标识码", "网站名称", "级别", "结论", "首页距今(天)", "栏目", "空白栏目", "不更新栏目", "不可用链接",
            "无日期信息", "软404", "转载", "页面", "信息", "附件", "迁移数据量", "建议", "处置方式"]
    rows = "".join(
        f'<tr><td><a href="#site-{escape(s.site_code)}">{escape(s.site_code)}</a></td><td>{escape(s.name)}</td>'
        f"<td>{LEVEL_LABELS.get(s.level, escape(s.level))}</td><td data-v=\"{s.verdict}\">{_verdict(s)}</td>"
        f"{_num(s.homepage_age_days)}{_num(len(s.columns))}{_num(s.blank_columns)}{_num(s.stale_columns)}"
        f"{_num(len(s.broken_links))}{_num(len(s.undated_items))}{_num(len(s.soft_404_urls))}{_num(len(s.reposts))}"
        f"{_num(s.pages)}{_num(s.items)}{_num(s.attachments)}"
        f'<td class="n" data-v="{s.migrate_bytes}">{_size(s.migrate_bytes)}</td>'
        f"<td>{rules.ACTION_LABELS.get(s.recommendation, '—')}</td><td>{rules.ACTION_LABELS.get(s.action, escape(s.action))}</td></tr>"
        for s in result.sites)
    fresh = hbar([(f"{s.name}", s.homepage_age_days, _age_color(s.homepage_age_days, rules.HOMEPAGE_STALE_DAYS,
                                                                rules.HOMEPAGE_WARN_DAYS)) for s in result.sites],
                 unit="天", marks=[(rules.HOMEPAGE_STALE_DAYS, "2周")], cap=60)
    return (
        f'<section id="overview"><h2>总体情况</h2><div class="cards">{card_html}</div>'
        f"<h3>各站点（点击表头排序，点击标识码查看详情）</h3>"
        f'<table class="sortable" id="sites"><thead><tr>{"".join(f"<th>{h}</th>" for h in head)}</tr></thead>'
        f"<tbody>{rows}</tbody></table>"
        f'<div class="charts"><figure><figcaption>首页更新情况（最新信息距检查日天数）</figcaption>{fresh}</figure></div>'
        f"<h3>各项规则未通过的站点数</h3><table><thead><tr><th>检查项</th><th>类别</th><th>站点数</th></tr></thead>"
        f"<tbody>{rule_rows}</tbody></table></section>"
    )


def _age_color(age: int | None, bad: int, warn: int | None = None) -> str:
    if age is None:
        return COLORS["none"]
    if age > bad:
        return COLORS["bad"]
    return COLORS["warn"] if warn is not None and age > warn else COLORS["ok"]


def _site_section(site: SiteAudit, as_of: str) -> str:
    """One site: key facts, every rule with evidence, charts, then the evidence tables."""
    facts = [
        ("网址", f'<span class="url">{escape(site.url)}</span>'), ("级别", LEVEL_LABELS.get(site.level, escape(site.level))),
        ("结论", _verdict(site)),
        ("建议", f"{rules.ACTION_LABELS.get(site.recommendation, '—')}（{escape(site.recommendation_reason)}）"),
        ("处置方式（清单）", rules.ACTION_LABELS.get(site.action, escape(site.action))),
        ("首页", f"{'可访问' if site.homepage_ok else '无法访问'}，状态码 {site.homepage_status or '—'}"),
        ("请求", f"{site.requests} 次，失败 {site.request_failures_count} 次"),
        ("首页最新信息", f"{site.homepage_newest or '无'}（{_basis(site)}）"),
        ("页面 / 信息 / 附件", f"{site.pages} / {site.items} / {site.attachments}（附件 {_size(site.attachment_bytes)}）"),
        ("迁移数据量", _size(site.migrate_bytes)),
        ("附件类型", "，".join(f"{escape(a.type)} {a.count} 个 {_size(a.bytes)}" for a in site.attachment_types) or "无"),
        ("未检查的站外链接", str(site.external_links_unchecked)),
    ]
    fact_rows = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in facts)
    return (
        f'<section id="site-{escape(site.site_code)}"><h2>{escape(site.name)}（{escape(site.site_code)}）</h2>'
        f"<table>{fact_rows}</table><h3>检查项</h3>{_findings(site)}"
        f'<div class="charts">{_charts(site)}</div>{_columns(site)}{_evidence(site)}'
        f'<p><a href="#overview">返回总体情况</a></p></section>'
    )


def _basis(site: SiteAudit) -> str:
    return {"homepage": "首页链接的信息", "second_level": "首页为纯导航，取二级页面"}.get(site.homepage_basis, "无带日期的信息")


def _findings(site: SiteAudit) -> str:
    rows = []
    for f in site.findings:
        evidence = _list(f.evidence)
        rows.append(
            f"<tr><td>{escape(f.label)}</td><td>{'单项否决' if f.severity == 'veto' else '扣分'}</td>"
            f"<td>{escape(f.threshold)}</td><td class=\"n\">{'—' if f.value is None else escape(str(f.value))}</td>"
            f'<td class="{f.status}">{rules.STATUS_LABELS[f.status]}</td><td>{evidence}</td></tr>')
    return ("<table><thead><tr><th>检查项</th><th>类别</th><th>阈值</th><th>结果值</th><th>状态</th><th>证据</th>"
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _list(items: list[str], open_limit: int = 5) -> str:
    """Evidence as a list; long lists fold into <details> (all items kept)."""
    if not items:
        return '<span class="muted">—</span>'
    lis = "".join(f'<li class="url">{escape(i)}</li>' for i in items)
    if len(items) <= open_limit:
        return f"<ul>{lis}</ul>"
    return f"<details><summary>共 {len(items)} 条</summary><ul>{lis}</ul></details>"


def _charts(site: SiteAudit) -> str:
    by_column = hbar([(c.path, c.items, COLORS["bad"] if c.blank else COLORS["bar"]) for c in site.columns], unit="条")
    years = vbar(sorted(site.items_by_year.items()))
    fresh = hbar([(c.path, c.age_days, COLORS["bad"] if c.stale else COLORS["ok"] if c.newest else COLORS["none"])
                  for c in site.columns if c.items], unit="天", cap=365)
    return (f"<figure><figcaption>各栏目信息数（红色为空白栏目）</figcaption>{by_column}</figure>"
            f"<figure><figcaption>信息按年份</figcaption>{years}</figure>"
            f"<figure><figcaption>栏目更新情况（最新信息距今天数，红色为不更新）</figcaption>{fresh}</figure>")


def hbar(rows: list[tuple[str, int | None, str]], unit: str = "", marks=(), width: int = 560,
         cap: int | None = None) -> str:
    """A horizontal bar chart as inline SVG: one labelled bar per row, optional vertical marks.

    With ``cap``, longer bars stop at the cap (drawn with a break mark) so short ones stay readable.
    """
    if not rows:
        return '<p class="muted">无数据</p>'
    label_w, row_h, pad = 190, 22, 70
    top = max([v or 0 for _, v, _ in rows] + [m for m, _ in marks] + [1])
    top = min(top, cap) if cap else top
    scale = (width - label_w - pad) / top
    height = row_h * len(rows) + 24
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'font-size="12" font-family="Noto Sans CJK SC, sans-serif">']
    for i, (label, value, color) in enumerate(rows):
        y = i * row_h + 4
        short = label if len(label) <= 14 else "…" + label[-13:]
        parts.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end"><title>{escape(label)}</title>'
                     f"{escape(short)}</text>")
        w = min(value or 0, top) * scale
        parts.append(f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{row_h - 6}" fill="{color}"/>')
        if (value or 0) > top:
            parts.append(f'<path d="M{label_w + w - 10:.1f} {y + 2}l5 {row_h - 6}M{label_w + w - 5:.1f} {y + 2}'
                         f'l5 {row_h - 6}" stroke="#fff" stroke-width="2"/>')
        text = "无" if value is None else f"{value}{unit}"
        parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 14}">{text}</text>')
    for value, label in marks:
        x = label_w + value * scale
        parts.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 16}" stroke="#c92a2a" '
                     f'stroke-dasharray="4 3"/><text x="{x:.1f}" y="{height - 4}" text-anchor="middle" '
                     f'fill="#c92a2a">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def vbar(items: list[tuple[str, int]], width: int = 420, height: int = 180) -> str:
    """A vertical bar chart as inline SVG (items by year)."""
    if not items:
        return '<p class="muted">无带日期的信息</p>'
    top = max(v for _, v in items) or 1
    slot = (width - 20) / len(items)
    bar_h = height - 40
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
             f'font-size="11" font-family="Noto Sans CJK SC, sans-serif">']
    for i, (label, value) in enumerate(items):
        h = value / top * bar_h
        x = 10 + i * slot
        parts.append(f'<rect x="{x + slot * 0.15:.1f}" y="{20 + bar_h - h:.1f}" width="{slot * 0.7:.1f}" '
                     f'height="{h:.1f}" fill="{COLORS["bar"]}"/>')
        parts.append(f'<text x="{x + slot / 2:.1f}" y="{16 + bar_h - h:.1f}" text-anchor="middle">{value}</text>')
        parts.append(f'<text x="{x + slot / 2:.1f}" y="{height - 6}" text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _columns(site: SiteAudit) -> str:
    if not site.columns:
        return '<h3>栏目</h3><p class="muted">未发现栏目列表页</p>'
    head = ["栏目", "类型", "列表页", "信息数", "无日期", "最新日期", "距今(天)", "空白", "不更新", "更新要求"]
    rows = "".join(
        f'<tr><td><a class="url" href="{escape(c.url)}">{escape(c.path)}</a></td>'
        f"<td>{rules.KIND_LABELS[c.kind]}{'（配置）' if c.kind_source != 'name' else ''}</td>"
        f"{_num(c.list_pages)}{_num(c.items)}{_num(c.undated_items)}<td>{c.newest or '—'}</td>{_num(c.age_days)}"
        f"<td class=\"{'fail' if c.blank else ''}\">{'是' if c.blank else ''}</td>"
        f"<td class=\"{'fail' if c.stale else ''}\">{'是' if c.stale else ''}</td><td>{c.stale_limit}</td></tr>"
        for c in site.columns)
    return (f'<h3>栏目（{len(site.columns)} 个）</h3><table class="sortable"><thead><tr>'
            f'{"".join(f"<th>{h}</th>" for h in head)}</tr></thead><tbody>{rows}</tbody></table>')


def _evidence(site: SiteAudit) -> str:
    """Broken links, undated items, soft 404s and reposts, each only when there are any."""
    out = []
    if site.broken_links:
        rows = "".join(
            f'<tr><td class="url">{escape(b.target_url)}</td><td>{SCOPE_LABELS[b.scope]}</td>'
            f"<td>{escape(b.problem)}</td>{_num(b.link_count)}<td>{_list(b.source_urls, 3)}</td></tr>"
            for b in site.broken_links)
        out.append(f"<h3>不可用链接（{len(site.broken_links)} 个）</h3><table class=\"sortable\"><thead><tr>"
                   f"<th>链接地址</th><th>站内/站外</th><th>问题</th><th>次数</th><th>所在页面</th></tr></thead>"
                   f"<tbody>{rows}</tbody></table>")
    if site.undated_items:
        rows = "".join(f'<tr><td class="url">{escape(u.url)}</td><td>{escape(u.title or "")}</td>'
                       f'<td>{escape(u.column or "")}</td></tr>' for u in site.undated_items)
        out.append(f"<h3>无发布日期的信息（{len(site.undated_items)} 条）</h3><table><thead><tr><th>网址</th>"
                   f"<th>标题</th><th>栏目</th></tr></thead><tbody>{rows}</tbody></table>")
    if site.soft_404_urls:
        out.append(f"<h3>软404页面（{len(site.soft_404_urls)} 个）</h3>{_list(site.soft_404_urls, 20)}")
    if site.reposts:
        rows = "".join(f'<tr><td class="url">{escape(r.url)}</td><td>{escape(r.title or "")}</td>'
                       f'<td>{escape(r.other_site_code)}</td><td class="url">{escape(r.other_url)}</td>'
                       f"{_num(r.similarity)}</tr>" for r in site.reposts)
        out.append(f"<h3>转载（与其他站点重复，{len(site.reposts)} 条）</h3><table><thead><tr><th>网址</th>"
                   f"<th>标题</th><th>重复站点</th><th>重复网址</th><th>相似度</th></tr></thead><tbody>{rows}</tbody></table>")
    return "".join(out)
