"""The closure notice (关停整合公告) and the 410 page of a closed site, in Chinese, from templates.

The notice names the old site, the parent platform and the site's page there, and the notice
period: at least 30 days (config ``redirects.notice_days``), starting the day it is first
generated (recorded in ``closure_notices`` so every later export keeps the same dates). During
the period the server shows the notice on the old homepage; afterwards the homepage redirects.
The 410 page shows the archive and suggested links of the URL asked for, filled in by the web
server (SSI) from the redirect map.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from string import Template

from ..export.idmap import now

MIN_NOTICE_DAYS = 30
PAGES_DIR = "__govmigrate"
NOTICE_FILE = "notice.html"
GONE_FILE = "gone.html"
NOTICE_TITLE = "关停整合公告"
FLAVORS = ("nginx", "apache", "static")

_LINKS = {
    "nginx": (
        '<!--# if expr="$gm_suggest" --><p>建议访问：<a class="suggested" href="<!--# echo var="gm_suggest" default="" -->">'
        '<!--# echo var="gm_suggest" default="" --></a></p><!--# endif -->\n'
        '<!--# if expr="$gm_archive" --><p>原页面存档：<a class="archive" href="<!--# echo var="gm_archive" default="" -->">'
        "查看存档</a></p><!--# endif -->"),
    "apache": (
        "<!--#if expr=\"v('REDIRECT_GM_SUGGEST') != ''\" --><p>建议访问：<a class=\"suggested\" href=\""
        '<!--#echo var="REDIRECT_GM_SUGGEST" encoding="entity" -->"><!--#echo var="REDIRECT_GM_SUGGEST" '
        'encoding="entity" --></a></p><!--#endif -->\n'
        "<!--#if expr=\"v('REDIRECT_GM_ARCHIVE') != ''\" --><p>原页面存档：<a class=\"archive\" href=\""
        '<!--#echo var="REDIRECT_GM_ARCHIVE" encoding="entity" -->">查看存档</a></p><!--#endif -->'),
    "static": "",
}


class NoticeError(ValueError):
    """The notice period in the config is too short or not a number."""


@dataclass(frozen=True)
class Notice:
    """A site's notice period and the page it points readers to."""

    site_code: str
    published_on: date
    ends_on: date
    new_url: str

    def active(self, today: date | None = None) -> bool:
        """True while the notice is shown on the old homepage instead of the redirect."""
        today = today or date.today()
        return self.published_on <= today < self.ends_on

    def to_dict(self) -> dict:
        return {"site_code": self.site_code, "published_on": self.published_on.isoformat(),
                "ends_on": self.ends_on.isoformat(), "new_url": self.new_url}


def notice_days(config: dict) -> int:
    """redirects.notice_days, at least 30 (the shortest notice period a city rule allows)."""
    value = (config.get("redirects") or {}).get("notice_days", MIN_NOTICE_DAYS)
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise NoticeError(f"redirects.notice_days {value!r} is not a number of days") from None
    if days < MIN_NOTICE_DAYS:
        raise NoticeError(f"redirects.notice_days is {days}: the closure notice must stay up at least "
                          f"{MIN_NOTICE_DAYS} days")
    return days


def recorded_notice(db, code: str) -> Notice | None:
    row = db.execute("SELECT published_on, ends_on, new_url FROM closure_notices WHERE site_code = ?", [code]).fetchone()
    if not row:
        return None
    return Notice(code, date.fromisoformat(row[0]), date.fromisoformat(row[1]), row[2])


def notice_for(workspace, code: str, new_url: str, today: date | None = None) -> Notice:
    """The site's recorded notice, or a new one starting ``today`` (recorded, so its dates never move)."""
    existing = recorded_notice(workspace.db, code)
    if existing:
        return existing
    start = today or date.today()
    notice = Notice(code, start, start + timedelta(days=notice_days(workspace.config)), new_url)
    with workspace.db.conn:
        workspace.db.execute("INSERT INTO closure_notices (site_code, published_on, ends_on, new_url, generated_at) "
                             "VALUES (?, ?, ?, ?, ?)", [code, notice.published_on.isoformat(),
                                                        notice.ends_on.isoformat(), new_url, now()])
    return notice


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _template(name: str) -> Template:
    return Template((resources.files("migrate") / "templates" / name).read_text("utf-8"))


def render_notice(site: dict, notice: Notice, parent_name: str) -> str:
    """The 关停整合公告 page of a site."""
    values = {"site_name": site["name"], "site_url": site["url"], "parent_name": parent_name or "上级政府门户网站",
              "new_url": notice.new_url, "published_on": chinese_date(notice.published_on),
              "ends_on": chinese_date(notice.ends_on), "notice_days": (notice.ends_on - notice.published_on).days,
              "owner": site.get("owner") or site["name"]}
    return _template("closure_notice.html").substitute({k: html.escape(str(v)) for k, v in values.items()})


def render_gone(site: dict, new_url: str, parent_name: str, flavor: str) -> str:
    """The 410 page of a site; ``flavor`` says which server fills in the per-URL links (or none)."""
    values = {"site_name": site["name"], "parent_name": parent_name or "上级政府门户网站", "new_url": new_url}
    escaped = {k: html.escape(str(v)) for k, v in values.items()}
    return _template("gone.html").substitute(escaped, links=_LINKS[flavor])


def write_pages(folder: Path, site: dict, notice: Notice | None, new_url: str, parent_name: str,
                flavor: str) -> list[Path]:
    """Write ``__govmigrate/notice.html`` and ``gone.html`` under ``folder``; returns the files."""
    pages = Path(folder) / PAGES_DIR
    pages.mkdir(parents=True, exist_ok=True)
    written = [pages / GONE_FILE]
    (pages / GONE_FILE).write_text(render_gone(site, new_url, parent_name, flavor), encoding="utf-8")
    if notice:
        (pages / NOTICE_FILE).write_text(render_notice(site, notice, parent_name), encoding="utf-8")
        written.append(pages / NOTICE_FILE)
    return written


def generate(workspace, code: str, new_url: str, today: date | None = None) -> tuple[Notice, list[Path]]:
    """Record the site's notice (if new) and write its pages into the workspace's notices/CODE folder."""
    site = dict(workspace.db["sites"].get(code))
    notice = notice_for(workspace, code, new_url, today)
    parent = (workspace.config.get("platform") or {}).get("name") or ""
    return notice, write_pages(workspace.path / "notices" / code, site, notice, new_url, parent, "static")
