"""What the redirect review reads: the planned decisions, filtered and searched, a page at a time.

Pages are cut by keyset on (site code, old URL), the order of the ``redirects`` unique index, so
page 2,000 of 100,000 rows costs what page 1 costs (never OFFSET). Lint problems and the last
verification's failures are looked up for the URLs shown; planners' overrides are shown beside
the plan until the next ``redirects plan`` applies them. ``ask_now`` tests chosen URLs against
the staging server with ``redirects verify``.
"""
from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from ..redirects.verify import verify

PAGE = 50
FILTERS = {"": "全部", "301": "301 跳转", "410": "410 已删除", "fallback": "兜底（未采集）", "lint": "检查问题",
           "verify": "验证失败", "override": "人工覆盖"}
COLUMNS = ("id", "site_code", "old_url", "status", "target", "kind", "reason", "archive_url", "suggested_url",
           "key_problem", "hits")


@dataclass
class Page:
    rows: list[dict]
    next_after: str | None     # cursor of the next page ("site_code\told_url")
    prev_before: str | None    # cursor of the previous page
    counts: dict


def _cursor(row: dict) -> str:
    return f"{row['site_code']}\t{row['old_url']}"


def _split(cursor: str | None, code: str | None) -> tuple[str, str] | None:
    if not cursor:
        return None
    site, _, url = cursor.partition("\t")
    return (code or site, url)


def verify_failures(db, code: str | None) -> dict[str, str]:
    """Old URL -> problem, from the newest verification of the site (or of each site)."""
    where, args = ("WHERE v.site_code = ?", [code]) if code else ("", [])
    out = {}
    for (failures,) in db.execute(
            f"SELECT failures FROM redirect_verifications v {where} {'AND' if code else 'WHERE'} v.id = "
            "(SELECT max(id) FROM redirect_verifications w WHERE w.site_code = v.site_code)", args).fetchall():
        for failure in json.loads(failures or "[]"):
            out[failure.get("old_url")] = failure.get("problem")
    return out


def lint_urls(db, code: str | None) -> list[str]:
    where, args = ("WHERE site_code = ? AND", [code]) if code else ("WHERE", [])
    return [r[0] for r in db.execute(f"SELECT DISTINCT old_url FROM redirect_problems {where} old_url IS NOT NULL",
                                     args).fetchall()]


def page(db, code: str | None, kind: str = "", query: str = "", after: str | None = None,
         before: str | None = None, size: int = PAGE, counted=None) -> Page:
    """One page of decisions after (or before) a cursor, with counts by filter for the site
    (``counted``: a function returning them, e.g. kept from an earlier page)."""
    where, args = _where(db, code, kind, query)
    order = "r.site_code, r.old_url"
    if before:
        key = _split(before, code)
        sql_where = where + ["(r.site_code, r.old_url) < (?, ?)"]
        order = "r.site_code DESC, r.old_url DESC"
        key_args = list(key)
    elif after:
        key = _split(after, code)
        sql_where = where + ["(r.site_code, r.old_url) > (?, ?)"]
        key_args = list(key)
    else:
        sql_where, key_args = where, []
    sql = (f"SELECT {', '.join('r.' + c for c in COLUMNS)}, o.status, o.target, o.note, i.page_id FROM redirects r "
           "LEFT JOIN redirect_overrides o ON o.site_code = r.site_code AND o.old_url = r.old_url "
           "LEFT JOIN id_map i ON i.item_id = r.item_id "
           f"{'WHERE ' + ' AND '.join(sql_where) if sql_where else ''} ORDER BY {order} LIMIT ?")
    fetched = db.execute(sql, args + key_args + [size + 1]).fetchall()
    more = len(fetched) > size
    rows = [dict(zip(COLUMNS + ("override_status", "override_target", "override_note", "page_id"), r))
            for r in fetched[:size]]
    if before:
        rows.reverse()
    _annotate(db, code, rows)
    has_next = more if not before else True
    has_prev = (more if before else bool(after))
    return Page(rows, _cursor(rows[-1]) if rows and has_next else None,
                _cursor(rows[0]) if rows and has_prev else None, (counted or (lambda: counts(db, code)))())


def _where(db, code: str | None, kind: str, query: str) -> tuple[list[str], list]:
    where, args = [], []
    if code:
        where.append("r.site_code = ?")
        args.append(code)
    if kind in ("301", "410"):
        where.append("r.status = ?")
        args.append(int(kind))
    elif kind == "fallback":
        where.append("r.kind = 'unknown'")
    elif kind == "lint":
        where.append("r.old_url IN (SELECT value FROM json_each(?))")
        args.append(json.dumps(lint_urls(db, code)))
    elif kind == "verify":
        where.append("r.old_url IN (SELECT value FROM json_each(?))")
        args.append(json.dumps(list(verify_failures(db, code))))
    elif kind == "override":
        where.append("o.old_url IS NOT NULL")
    if query:
        # the old URL or the target, as typed or percent-encoded (通知 finds %E9%80%9A%E7%9F%A5)
        forms = [_like(f) for f in dict.fromkeys([query, quote(query, safe="/:?&=%#+@,;")])]
        where.append("(" + " OR ".join(f"{column} LIKE ? ESCAPE '\\'" for column in ("r.old_url", "r.target")
                                       for _ in forms) + ")")
        args += forms + forms
    return where, args


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _annotate(db, code: str | None, rows: list[dict]) -> None:
    """Each shown row's lint problems and verification failure."""
    if not rows:
        return
    urls = json.dumps([r["old_url"] for r in rows])
    problems: dict[str, list[str]] = {}
    for url, level, message in db.execute(
            "SELECT old_url, level, message FROM redirect_problems WHERE old_url IN (SELECT value FROM json_each(?))"
            + (" AND site_code = ?" if code else ""), [urls] + ([code] if code else [])).fetchall():
        problems.setdefault(url, []).append(f"{level}: {message}")
    failures = verify_failures(db, code)
    for row in rows:
        row["problems"] = problems.get(row["old_url"], [])
        row["verify_failure"] = failures.get(row["old_url"])


def counts(db, code: str | None) -> dict:
    """How many rows each filter shows (for the site, or for all sites)."""
    where, args = ("WHERE site_code = ?", [code]) if code else ("", [])
    row = db.execute(f"SELECT count(*), sum(status = 301), sum(status = 410), sum(kind = 'unknown') FROM redirects "
                     f"{where}", args).fetchone()
    overrides = db.execute(f"SELECT count(*) FROM redirect_overrides {where}", args).fetchone()[0]
    return {"": row[0] or 0, "301": row[1] or 0, "410": row[2] or 0, "fallback": row[3] or 0,
            "lint": len(lint_urls(db, code)), "verify": len(verify_failures(db, code)), "override": overrides}


def ask_now(workspace, site_code: str, old_urls: list[str], against: str) -> dict[str, str | None]:
    """Old URL -> problem (None: answered as planned), asked now of the server at ``against``
    (ADDR:PORT, e.g. the staging nginx) by ``redirects verify`` itself, nothing recorded."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "priority.txt"
        path.write_text("\n".join(old_urls) + "\n", encoding="utf-8")
        report = verify(workspace, against, codes=[site_code], sample=len(old_urls), priority=path, record=False,
                        workers=4, timeout=5.0)
    problems = {f.old_url: f.problem for f in report.failures}
    return {url: problems.get(url) for url in old_urls}
