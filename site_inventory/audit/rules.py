"""The inspection rules an audit applies: column kinds, staleness limits, vetoes and deductions.

The rules and thresholds come from the national inspection indicators (domain.md: 单项否决 of the
2015 census table kept in the 2019 《政府网站与政务新媒体检查指标》). Each rule is evaluated into a
:class:`Finding` that carries its threshold and its evidence, so a planner can check the verdict.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

KINDS = ("dynamic", "notice", "policy", "other")
KIND_LABELS = {"dynamic": "动态要闻类", "notice": "通知公告类", "policy": "政策文件类", "other": "其他"}

# Name patterns, tried in order: the first that matches gives the kind.
KIND_PATTERNS = (
    ("notice", re.compile(r"通知|公告|公示|通告")),
    ("policy", re.compile(r"政策|文件|法规|规章|规范性|条例|解读")),
    ("dynamic", re.compile(r"动态|要闻|新闻|资讯|快讯|头条")),
)

DYNAMIC_STALE_DAYS = 14          # 动态、要闻: nothing new in 2 weeks
NOTICE_POLICY_STALE_MONTHS = 6   # 通知公告、政策文件: nothing new in 6 months
HOMEPAGE_STALE_DAYS = 14         # 首页 not updated for 2 weeks
HOMEPAGE_WARN_DAYS = 10          # monitoring vendors warn earlier
STALE_DYNAMIC_LIMIT = 5          # 5 or more stale dynamic columns fail
STALE_NOTICE_POLICY_LIMIT = 1    # any stale notice/policy column fails (domain.md: the "5 or more"
                                 # there counts dynamic columns only; the source text was not confirmed)
STALE_ANY_LIMIT = 10             # 10 or more columns that should update but do not
BLANK_LIMIT = 5                  # 5 or more blank columns fail
BLANK_WARN = 3                   # vendors warn at more than 2
UNREACHABLE_RATE = 0.05          # 5% or more of requests fail

VERDICT_LABELS = {"pass": "合格", "fail": "不合格", "not_evaluated": "未评估"}
STATUS_LABELS = {"pass": "通过", "fail": "否决", "deduct": "扣分", "warn": "预警", "not_evaluated": "未评估"}
ACTION_LABELS = {"migrate": "迁移上移", "close": "关停", "keep": "保留"}


class AuditConfigError(ValueError):
    """The ``audit`` section of the workspace config has a wrong shape or value."""


@dataclass
class Finding:
    """One rule evaluated for one site: its threshold, the value found and the evidence."""

    rule: str
    label: str
    severity: str      # veto/deduction/warning
    threshold: str
    value: float | int | None
    status: str        # pass/fail/deduct/warn/not_evaluated
    evidence: list[str] = field(default_factory=list)


def infer_kind(name: str | None) -> str:
    """A column's kind from its name: 动态/要闻 -> dynamic, 通知公告/公示 -> notice, 政策文件/法规 -> policy."""
    for kind, pattern in KIND_PATTERNS:
        if name and pattern.search(name):
            return kind
    return "other"


def kind_overrides(config: dict) -> dict[str, str]:
    """The ``audit.column_kinds`` overrides, validated: ``{"<site_code>/<path or name>": kind}``."""
    raw = ((config or {}).get("audit") or {}).get("column_kinds") or {}
    if not isinstance(raw, dict):
        raise AuditConfigError("audit.column_kinds: expected a mapping of \"<site_code>/<column>\": kind")
    out = {}
    for key, kind in raw.items():
        if not isinstance(key, str) or "/" not in key:
            raise AuditConfigError(
                f"audit.column_kinds: key {key!r} must look like \"<site_code>/<column path or name>\""
            )
        if kind not in KINDS:
            raise AuditConfigError(f"audit.column_kinds[{key!r}]: {kind!r} is not one of {', '.join(KINDS)}")
        out[key] = kind
    return out


def column_kind(site_code: str, path: str, name: str, overrides: dict[str, str]) -> tuple[str, str]:
    """The kind of one column and where it came from (``config:<key>`` or ``name``)."""
    for key in (f"{site_code}/{path}", f"{site_code}/{name}", f"*/{path}", f"*/{name}"):
        if key in overrides:
            return overrides[key], f"config:{key}"
    return infer_kind(name), "name"


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (clamped to the month's last day)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for dom in (day.day, 30, 29, 28):
        try:
            return date(year, month, dom)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def stale_cutoff(kind: str, as_of: date) -> date | None:
    """Items older than this date do not count as recent for a column of ``kind`` (None: not checked)."""
    if kind == "dynamic":
        return date.fromordinal(as_of.toordinal() - DYNAMIC_STALE_DAYS)
    if kind in ("notice", "policy"):
        return months_before(as_of, NOTICE_POLICY_STALE_MONTHS)
    return None


def stale_limit_label(kind: str) -> str:
    """The staleness limit of a kind, in words planners use."""
    return {"dynamic": "2周", "notice": "6个月", "policy": "6个月"}.get(kind, "不检查")


def _count_rule(rule, label, severity, threshold, items, limit, warn_limit=None) -> Finding:
    """A finding that fails when ``len(items) >= limit`` (and warns from ``warn_limit``)."""
    count = len(items)
    if count >= limit:
        status = "fail" if severity == "veto" else "deduct"
    elif warn_limit is not None and count >= warn_limit:
        status = "warn"
    else:
        status = "pass"
    return Finding(rule, label, severity, threshold, count, status, list(items))


def evaluate(site) -> list[Finding]:
    """Every veto and deduction for one audited site (a :class:`site_inventory.audit.run.SiteAudit`)."""
    return [
        reachability_rule(site),
        homepage_rule(site),
        *stale_rules(site),
        _count_rule("blank_columns", "空白栏目", "veto", f"≥{BLANK_LIMIT}个（{BLANK_WARN}个起预警）",
                    [c.path for c in site.columns if c.blank], BLANK_LIMIT, BLANK_WARN),
        Finding("interaction", "互动回应差（留言超过3个月未回复）", "veto", "任一留言超过3个月未回复", None,
                "not_evaluated", ["爬取内容无法判断留言是否答复，需人工检查"]),
        _count_rule("broken_links", "链接不可用", "deduction", "≥1条扣分",
                    [f"{b.target_url}（{b.problem}）" for b in site.broken_links], 1),
        _count_rule("soft_404", "软404页面（返回200但内容为不存在）", "deduction", "≥1个扣分",
                    list(site.soft_404_urls), 1),
        _count_rule("undated_items", "无发布日期的信息", "deduction", "≥1条扣分",
                    [u.url for u in site.undated_items], 1),
    ]


def reachability_rule(site) -> Finding:
    """站点无法访问: the homepage fails, or 5% or more of requests fail (network errors, 5xx)."""
    threshold = f"首页无法访问，或请求失败率≥{UNREACHABLE_RATE:.0%}"
    if site.requests == 0:
        return Finding("unreachable", "站点无法访问", "veto", threshold, None, "not_evaluated",
                       ["该站点尚未爬取"])
    evidence = [f"{url}（{why}）" for url, why in site.request_failures]
    rate = site.request_failures_count / site.requests
    failed = not site.homepage_ok or rate >= UNREACHABLE_RATE
    if not site.homepage_ok:
        evidence.insert(0, f"首页 {site.homepage_url or site.url} 无法访问")
    return Finding("unreachable", "站点无法访问", "veto", threshold, round(rate, 4),
                   "fail" if failed else "pass", evidence)


def homepage_rule(site) -> Finding:
    """首页不更新: the newest dated item linked from the homepage is older than 2 weeks."""
    threshold = f"超过{HOMEPAGE_STALE_DAYS}天未更新（{HOMEPAGE_WARN_DAYS}天起预警）"
    label = "首页不更新"
    if site.requests == 0:
        return Finding("homepage_stale", label, "veto", threshold, None, "not_evaluated", ["该站点尚未爬取"])
    if site.homepage_newest is None:
        why = "首页及其二级页面没有带发布日期的信息（无日期视为未更新）"
        return Finding("homepage_stale", label, "veto", threshold, None, "fail", [why])
    age = site.homepage_age_days
    basis = "首页" if site.homepage_basis == "homepage" else "二级页面（首页为纯导航）"
    evidence = [f"{basis}最新信息 {site.homepage_newest}，距检查日 {age} 天"]
    if site.homepage_newest_url:
        evidence.append(site.homepage_newest_url)
    status = "fail" if age > HOMEPAGE_STALE_DAYS else "warn" if age > HOMEPAGE_WARN_DAYS else "pass"
    return Finding("homepage_stale", label, "veto", threshold, age, status, evidence)


def stale_rules(site) -> list[Finding]:
    """栏目不更新: by kind (dynamic 2 weeks, notice/policy 6 months) and in total."""
    stale = [c for c in site.columns if c.stale]
    dynamic = [f"{c.path}（最新 {c.newest or '无日期'}）" for c in stale if c.kind == "dynamic"]
    notice = [f"{c.path}（最新 {c.newest or '无日期'}）" for c in stale if c.kind in ("notice", "policy")]
    every = [f"{c.path}（{KIND_LABELS[c.kind]}，最新 {c.newest or '无日期'}）" for c in stale]
    return [
        _count_rule("stale_dynamic_columns", "动态要闻类栏目2周未更新", "veto",
                    f"≥{STALE_DYNAMIC_LIMIT}个", dynamic, STALE_DYNAMIC_LIMIT),
        _count_rule("stale_notice_policy_columns", "通知公告、政策文件类栏目6个月未更新", "veto",
                    f"≥{STALE_NOTICE_POLICY_LIMIT}个", notice, STALE_NOTICE_POLICY_LIMIT),
        _count_rule("stale_columns", "应更新而未更新的栏目", "veto", f"≥{STALE_ANY_LIMIT}个",
                    every, STALE_ANY_LIMIT),
    ]


def verdict(findings: list[Finding]) -> str:
    """Overall: fail if any veto fails; not evaluated if the site was never crawled; else pass."""
    vetoes = [f for f in findings if f.severity == "veto"]
    if any(f.status == "fail" for f in vetoes):
        return "fail"
    if any(f.status == "not_evaluated" and f.rule == "unreachable" for f in vetoes):
        return "not_evaluated"
    return "pass"


def recommend(site) -> tuple[str, str]:
    """A plain recommendation (migrate/close/keep) and why; planners decide with ``sites.action``."""
    if site.verdict == "not_evaluated":
        return "", "尚未爬取，无法给出建议"
    if site.level in ("township", "street"):
        return "migrate", "乡镇、街道不再单独开设门户网站，内容并入上级门户（国办发〔2017〕47号）"
    if site.items == 0:
        return "close", "站点没有可迁移的信息，归档后关停"
    if site.verdict == "fail":
        failed = "、".join(f.label for f in site.findings if f.status == "fail")
        return "migrate", f"单项否决不合格（{failed}），建议关停上移，内容迁入上级平台"
    return "keep", "检查合格，可保留；如需集约化由规划人员决定"
