"""The audit report's model and its tabular formats: XLSX, CSV (UTF-8 with BOM) and JSON.

Every tabular format is built from the same :func:`tables`, so a number in the spreadsheet is
the number in the JSON; ``html`` renders the same numbers as a page. The JSON follows
``site_inventory/audit/data/audit.schema.json``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..tabular import Sheet, write_csv as write_csv_table, write_xlsx as write_xlsx_book
from . import rules
from .run import AuditResult

SCHEMA_PATH = Path(__file__).parent / "data" / "audit.schema.json"
LEVEL_LABELS = {"province": "省级", "city": "市级", "county": "县级", "township": "乡镇", "department": "部门"}
SCOPE_LABELS = {"internal": "站内", "external": "站外"}


class ReportError(ValueError):
    """The report cannot be written as asked (unknown format, unusable path)."""


@dataclass
class Table:
    """One table of the report: a key (file/sheet id), a Chinese title, headers and rows."""

    key: str
    title: str
    headers: list[str]
    rows: list[list]


def tables(result: AuditResult) -> list[Table]:
    """The audit as tables: the inventory summary, then one table per kind of evidence."""
    sites = result.sites
    return [
        Table("sites", "站点汇总", [
            "网站标识码", "网站名称", "网址", "级别", "结论", "建议", "建议理由", "处置方式", "首页可访问",
            "请求数", "失败请求", "首页最新信息", "首页距今天数", "页面数", "信息数", "附件数", "附件字节",
            "迁移字节", "栏目数", "空白栏目", "不更新栏目", "断链", "未检查站外链接", "无日期信息", "软404", "转载"],
            [[s.site_code, s.name, s.url, LEVEL_LABELS.get(s.level, s.level), rules.VERDICT_LABELS[s.verdict],
              rules.ACTION_LABELS.get(s.recommendation, s.recommendation), s.recommendation_reason,
              rules.ACTION_LABELS.get(s.action, s.action), "是" if s.homepage_ok else "否", s.requests,
              s.request_failures_count, s.homepage_newest, s.homepage_age_days, s.pages, s.items, s.attachments,
              s.attachment_bytes, s.migrate_bytes, len(s.columns), s.blank_columns, s.stale_columns,
              len(s.broken_links), s.external_links_unchecked, len(s.undated_items), len(s.soft_404_urls),
              len(s.reposts)] for s in sites]),
        Table("findings", "检查项", ["网站标识码", "规则", "检查项", "类别", "阈值", "结果值", "状态", "证据"],
              [[s.site_code, f.rule, f.label, {"veto": "单项否决", "deduction": "扣分", "warning": "预警"}[f.severity],
                f.threshold, f.value, rules.STATUS_LABELS[f.status], "\n".join(f.evidence)]
               for s in sites for f in s.findings]),
        Table("columns", "栏目", ["网站标识码", "栏目路径", "栏目名称", "栏目类型", "类型来源", "列表页数", "栏目网址",
                                  "信息数", "无日期信息", "最新日期", "距今天数", "空白", "不更新", "更新要求"],
              [[s.site_code, c.path, c.name, rules.KIND_LABELS[c.kind], c.kind_source, c.list_pages, c.url,
                c.items, c.undated_items, c.newest, c.age_days, "是" if c.blank else "否", "是" if c.stale else "否",
                c.stale_limit] for s in sites for c in s.columns]),
        Table("broken_links", "不可用链接", ["网站标识码", "链接地址", "站内/站外", "状态码", "问题", "出现次数", "所在页面"],
              [[s.site_code, b.target_url, SCOPE_LABELS[b.scope], b.status, b.problem, b.link_count,
                "\n".join(b.source_urls)] for s in sites for b in s.broken_links]),
        Table("undated_items", "无发布日期信息", ["网站标识码", "网址", "标题", "栏目"],
              [[s.site_code, u.url, u.title, u.column] for s in sites for u in s.undated_items]),
        Table("soft_404s", "软404页面", ["网站标识码", "网址"],
              [[s.site_code, url] for s in sites for url in s.soft_404_urls]),
        Table("reposts", "转载（与其他站点重复）", ["网站标识码", "网址", "标题", "重复站点", "重复网址", "相似度"],
              [[s.site_code, r.url, r.title, r.other_site_code, r.other_url, r.similarity]
               for s in sites for r in s.reposts]),
        Table("attachments", "附件类型", ["网站标识码", "类型", "数量", "字节"],
              [[s.site_code, a.type, a.count, a.bytes] for s in sites for a in s.attachment_types]),
        Table("items_by_year", "信息按年份", ["网站标识码", "年份", "信息数"],
              [[s.site_code, year, n] for s in sites for year, n in s.items_by_year.items()]),
        Table("request_failures", "失败请求", ["网站标识码", "网址", "原因"],
              [[s.site_code, url, why] for s in sites for url, why in s.request_failures]),
        Table("totals", "合计", ["项目", "数值"], _totals_rows(result)),
    ]


TOTAL_LABELS = {
    "sites": "站点数", "sites_failing": "不合格站点", "sites_passing": "合格站点", "sites_not_evaluated": "未评估站点",
    "pages": "页面数", "items": "信息数", "attachments": "附件数", "attachment_bytes": "附件字节",
    "migrate_bytes": "迁移字节", "columns": "栏目数", "blank_columns": "空白栏目", "stale_columns": "不更新栏目",
    "broken_links": "不可用链接", "undated_items": "无日期信息", "soft_404s": "软404页面", "reposts": "转载",
}


def _totals_rows(result: AuditResult) -> list[list]:
    rows = [["检查日期", result.as_of]]
    rows += [[TOTAL_LABELS[k], v] for k, v in result.totals.items() if k in TOTAL_LABELS]
    labels = {f.rule: f.label for s in result.sites for f in s.findings}
    rows += [[f"未通过：{labels.get(rule, rule)}", n] for rule, n in result.totals["sites_failing_rule"].items()]
    return rows


def write_json(result: AuditResult, path: Path) -> Path:
    path.write_text(result.to_json() + "\n", encoding="utf-8")
    return path


def write_csv(result: AuditResult, folder: Path) -> Path:
    """One UTF-8-with-BOM CSV per table (Excel opens them in Chinese) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for table in tables(result):
        write_csv_table(folder / f"{table.key}.csv", table.headers, table.rows)
    return folder


def write_xlsx(result: AuditResult, path: Path) -> Path:
    """One sheet per table, numbers kept as numbers, header row frozen and bold, no cell a formula."""
    return write_xlsx_book(path, [Sheet(table.title, table.headers, table.rows) for table in tables(result)])


def load_schema() -> dict:
    """The JSON Schema the JSON report follows."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
