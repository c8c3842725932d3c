"""Government-page metadata: <meta> tags, JSON-LD, and labelled text (发布时间：/来源：/索引号 ...).

Labelled values are collected with the line they came from, so the caller can prefer the ones
in the article header (between title and body) over sidebars and footers. The 信息公开 table is
read by the same parser: its label cells and value cells become consecutive lines.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from . import jsonld
from .dates import ambiguous_slash, as_day_first, day_first_page, find_dates, parse_date
from .parse import clean_text

META_KEYS = {
    "title": ("articletitle", "og:title", "twitter:title", "dc.title", "title"),
    "published": ("pubdate", "publishdate", "article:published_time", "og:article:published_time",
                  "datepublished", "publish_date", "publishdate", "dc.date.issued", "dc.date",
                  "dcterms.issued", "date", "sailthru.date", "parsely-pub-date", "og:published_time",
                  "pubtime", "publishtime", "firstpublishedtime", "og:release_date", "weibo:article:create_at"),
    "modified": ("article:modified_time", "og:updated_time", "datemodified", "lastmodified",
                 "last-modified", "dcterms.modified", "updatetime"),
    "source": ("contentsource", "source", "og:article:source", "article:source", "mediaid"),
    "author": ("author", "article:author", "og:article:author", "dc.creator", "byl", "sailthru.author"),
    "column_name": ("columnname",),
    "site_name": ("sitename", "og:site_name"),
    "copyright": ("copyright", "dc.rights"),
    "site_code": ("siteidcode",),
    "keywords": ("keywords", "columnkeywords"),
    "description": ("description", "og:description"),
}
# label -> field. Spaces inside labels (索 引 号) are allowed when matching.
LABELS = {
    "published": ("发布时间", "发布日期", "发表时间", "发表日期", "发布于", "发表于", "发稿时间", "刊发时间",
                  "发帖时间", "上传时间", "录入时间", "添加时间", "加入时间", "信息时间", "生成日期", "公开日期",
                  "公开时间", "公布日期", "公布时间", "出版日期", "见报日期", "刊登日期", "发稿日期", "时间", "日期", "发布"),
    "modified": ("更新时间", "更新日期", "修改时间", "修改日期", "最后更新", "最后修改", "修订时间", "更新于", "修改于"),
    "source": ("信息来源", "文章来源", "新闻来源", "稿件来源", "消息来源", "内容来源", "来源单位", "来源于", "来源",
               "稿源", "出处", "发布机构", "发布单位", "发文机关", "发文单位", "发布部门", "信息提供单位", "供稿单位",
               "供稿", "来自"),
    "author": ("作者", "撰稿人", "撰稿", "撰文", "执笔人", "执笔", "记者", "通讯员", "发布者", "发布人", "发帖人",
               "文字", "文"),
    "editor": ("责任编辑", "责编", "编辑", "值班编辑", "审核", "审校", "校对"),
    "doc_number": ("发文字号", "发文文号", "文件编号", "文件字号", "发文编号", "文号"),
    "index_number": ("索引号",),
    "subject": ("主题分类", "主题类别", "信息分类", "分类"),
    "written_date": ("成文日期", "成文时间", "印发日期", "制发日期", "签发日期", "发文日期"),
    "validity": ("有效性", "时效性", "效力状态", "是否有效"),
    "doc_title": ("标题", "文件名称"),
    "other": ("浏览次数", "阅读次数", "点击次数", "点击数", "访问次数", "浏览量", "阅读", "点击", "字号", "字体",
              "主题词", "关键词", "关键字", "所属机构", "组配分类", "体裁分类", "公开方式", "公开范围",
              "生效日期", "废止日期", "附件", "分享到", "打印", "评论", "电话", "地址", "邮编", "网址"),
}
# Short, common words are labels only when a colon follows.
NEEDS_COLON = {"时间", "日期", "发布", "来自", "文", "文字", "分类", "阅读", "点击", "评论", "标题", "记者", "通讯员",
               "编辑", "审核", "校对", "出处", "电话", "地址", "邮编", "网址", "附件", "打印", "字号", "字体"}
_LABEL_FIELD = {label: fld for fld, labels in LABELS.items() for label in labels}
_ALL_LABELS = sorted(_LABEL_FIELD, key=len, reverse=True)
_LABEL_PAT = "|".join(r"\s?".join(map(re.escape, label)) for label in _ALL_LABELS)
LABEL_RE = re.compile(  # a label starts the line or follows a separator or a 《title》
    r"(?:^|(?<=[\s|｜【\[（(·/>，,;；》」”]))(?P<label>" + _LABEL_PAT + r")"
    r"(?:\s*(?P<colon>[:：]|(?<=【..)】|(?<=【...)】|(?<=【....)】)\s*|\s+|$)"  # 【作者】 closes like a colon
)
# 12:11来源：证券时报网作者：李在山 -- a byline label run on after a time or the previous value, colon and all
_RUN_ON_LABELS = sorted((label for label, fld in _LABEL_FIELD.items()
                         if fld in ("author", "source", "editor", "published", "modified") and len(label) >= 2),
                        key=len, reverse=True)
RUN_ON_FIRST_RE = re.compile("[" + "".join(sorted({label[0] for label in _RUN_ON_LABELS})) + "]")
RUN_ON_RE = re.compile(r"(?<=[\u4e00-\u9fffA-Za-z\d])(?P<label>" + "|".join(map(re.escape, _RUN_ON_LABELS))
                       + r")(?=\s*[:：])")
VALUE_STOP = re.compile(r"\s{2,}|[|｜【】\[\]]|\s(?=[^\s]{1,6}\s?[:：])")
DATE_FIELDS = ("published", "modified", "written_date")
PUB_KEY_RE = re.compile(r"pub\w*[:_.\-]?(?:time|date)|(?:time|date)\w*[:_.\-]?pub|publish", re.I)
PLACEHOLDER_AUTHORS = {"name", "author", "admin", "administrator", "作者", "未知", "不详", "匿名"}
UNKNOWN_NAMES = {"未知", "不详", "匿名", "无", "暂无"}
NAME_RE = re.compile(r"^(?:[\u4e00-\u9fff]{2,4}|[\u4e00-\u9fff]{1,6}·[\u4e00-\u9fff·]{1,10}|[A-Za-z][\w.\-&]{1,30}"
                     r"|(?=.*[\u4e00-\u9fff])(?=.{3,20}$)[\w\u4e00-\u9fff]+(?:[&_][\w\u4e00-\u9fff]+)+)$")
JUNK_CHAR_RE = re.compile("[\ue000-\uf8ff\ufffd\u200b-\u200f\ufeff]")  # icon-font glyphs, bad bytes, zero widths
SPACED_NAME_RE = re.compile(r"(?<![\u4e00-\u9fff])([\u4e00-\u9fff])[ \u3000]{1,2}([\u4e00-\u9fff])(?![\u4e00-\u9fff])")


@dataclass
class Labelled:
    """One labelled value found in the page text: the label's line, and its value's when that is another."""

    field: str
    label: str
    value: str
    line: int
    value_line: int | None = None


def meta_tags(tree) -> dict[str, str]:
    """<meta name/property/itemprop/http-equiv> -> content (lowercased keys, first one wins)."""
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = meta.get("name") or meta.get("property") or meta.get("itemprop") or meta.get("http-equiv")
        content = meta.get("content")
        if key and content and content.strip():
            found.setdefault(key.strip().lower(), clean_text(content))
    return found


def meta_fields(meta: dict[str, str]) -> dict[str, str]:
    """The record fields the meta tags give (first matching key per field; any *pub*time/date key last)."""
    out = {}
    for fld, keys in META_KEYS.items():
        for key in keys:
            if meta.get(key):
                out[fld] = meta[key]
                break
    if "published" not in out:
        for key, value in meta.items():
            if PUB_KEY_RE.search(key) and parse_date(value):
                out["published"] = value
                break
    author = out.get("author", "")
    if "@" in author or author.strip().lower() in PLACEHOLDER_AUTHORS:
        out.pop("author")  # a template placeholder ("name, email@gmail.com"), not a person
    return out


def json_ld(tree) -> dict[str, str]:
    """datePublished/dateModified/headline/author/publisher from schema.org JSON-LD blocks."""
    out: dict[str, str] = {}
    for data in jsonld.documents(tree):
        for item in _ld_items(data):
            for key, fld in (("datePublished", "published"), ("dateModified", "modified"),
                             ("headline", "title"), ("author", "author"), ("publisher", "source")):
                value = item.get(key)
                if isinstance(value, list):
                    value = value[0] if value else None
                if isinstance(value, dict):
                    value = value.get("name")
                if isinstance(value, str) and value.strip():
                    out.setdefault(fld, value.strip())
    return out


def _ld_items(data):
    """Flatten JSON-LD (lists and @graph) to dicts."""
    if isinstance(data, list):
        for item in data:
            yield from _ld_items(item)
    elif isinstance(data, dict):
        yield data
        if isinstance(data.get("@graph"), list):
            yield from _ld_items(data["@graph"])


def labelled(lines: list[str]) -> list[Labelled]:
    """Every label: value pair in the lines; a label alone on its line takes the next line."""
    found = []
    for i, line in enumerate(lines):
        if len(line) > 300:
            continue
        if len(line) <= 80 and ("：" in line or ":" in line) and RUN_ON_FIRST_RE.search(line) and RUN_ON_RE.search(line):
            line = RUN_ON_RE.sub(r" \g<label>", line)
        matches = list(LABEL_RE.finditer(line))
        for n, m in enumerate(matches):
            label = re.sub(r"\s", "", m.group("label"))
            if label in NEEDS_COLON and not m.group("colon") and not _alone(line, m):
                continue
            end = matches[n + 1].start() if n + 1 < len(matches) else len(line)
            value, at = line[m.end():end].strip(), None
            if not value and _alone(line, m) and i + 1 < len(lines) and not LABEL_RE.match(lines[i + 1]):
                value, at = lines[i + 1], i + 1  # a table's label cell: the value is the next cell's line
            if _LABEL_FIELD[label] == "other" and not label.endswith(("日期", "时间")):
                value = _before_date(value)  # 【字体：大 中 小】 2022-02-13: the date is no 字体's
            if value:
                found.append(Labelled(_LABEL_FIELD[label], label, value, i, at))
    _read_slash_dates(found, lines)
    return found


def _read_slash_dates(found: list[Labelled], lines: list[str]) -> None:
    """Labelled 06/02/2022 dates are read day first when the page's unambiguous slash dates are (13/02/2022)."""
    ambiguous = [f for f in found if f.field in DATE_FIELDS and ambiguous_slash(f.value)]
    if ambiguous and day_first_page(lines):
        for item in ambiguous:
            item.value = as_day_first(item.value)


def _before_date(value: str) -> str:
    """The value up to the first date in it."""
    dates = find_dates(value) if re.search(r"\d{4}|[〇○零]", value) else []
    return value[:dates[0][0]].strip() if dates else value


def _alone(line: str, m: re.Match) -> bool:
    """The label (and its colon) is all there is on the line: a table label cell."""
    return m.start() == 0 and not line[m.end():].strip()


STAFF_ID_RE = re.compile(r"(?<=[\u4e00-\u9fff])_[A-Za-z]{0,4}\d{3,}(?=\s|$)")
SHORT_YEAR_RE = re.compile(r"^(?P<y>\d{2})-(?P<m>1[0-2]|0[1-9])-(?P<d>3[01]|[12]\d|0[1-9])\s*(?:(?P<H>[01]\d|2[0-3]):(?P<M>[0-5]\d))?")


def short_year_date(value: str) -> str | None:
    """发布时间：18-03-08 23:16 -- a two-digit year, as self-media platforms print it behind a publish
    label (only there: elsewhere 18-03-08 may be anything)."""
    m = SHORT_YEAR_RE.match(value.strip())
    if not m:
        return None
    clock = f" {m.group('H')}:{m.group('M')}" if m.group("H") else ""
    return parse_date(f"20{m.group('y')}-{m.group('m')}-{m.group('d')}{clock}")


def clean_value(field: str, value: str) -> str | None:
    """Trim a labelled value to what belongs to its field (a source name, a list of names ...)."""
    value = JUNK_CHAR_RE.sub("", value).strip(" ：:　-—")
    m = LABEL_RE.match(value)
    if m and m.group("colon") and _LABEL_FIELD.get(re.sub(r"\s", "", m.group("label"))) == field:
        value = value[m.end():]
    if field in DATE_FIELDS:
        return parse_date(value) or short_year_date(value)
    value = re.sub(r"^[\[［【(（<《]\s*(.*?)\s*[\]］】)）>》]", r"\1", value)
    value = re.split(r"\s{2,}|[|｜【\[]|(?<=\S)\s*(?:字号|字体|浏览|点击|阅读|打印|分享)", value)[0].strip()
    value = value.strip("[]［］()（）《》〈〉<>\"'“”").strip()
    if re.search(r"[=<>{}\\]|\"", value):
        return None
    if field == "source":
        value = value.split(" ")[0] if not value.startswith("《") else value
        value = value.strip("[]［］()（）《》\"'“”,，。")
        return value if 1 < len(value) <= 40 and not value.startswith(("http", "www")) else None
    if field in ("author", "editor"):
        names = []
        value = SPACED_NAME_RE.sub(r"\1\2", value)  # 赵 培: two-character names padded to the width of three
        value = re.split(r"[:：]", value)[0]  # 赵培：北京物资学院 — after a colon comes the affiliation
        value = re.sub(r"(?<=\S)[（(][^）)]{2,40}[）)]", " ", value)  # 约翰·史密斯（哥伦比亚大学教授）
        value = STAFF_ID_RE.sub("", value)  # 杨倩_NF4425: a CMS appends the editor's staff number
        for token in re.split(r"[\s、，,/;；]+", value):
            token = token.strip("()（）[]【】:：")
            if NAME_RE.match(token) and not re.search(r"\d", token):
                names.append(token)
            elif names or token:
                break
        names = [n for n in names if n not in UNKNOWN_NAMES]
        return " ".join(names) if names else None
    if field == "doc_number":
        return value if re.search(r"\d", value) and len(value) <= 40 else None
    if field == "index_number":
        value = value.split(" ")[0]
        return value if re.search(r"\d{3}", value) and len(value) <= 40 else None
    if field in ("subject", "validity", "doc_title"):
        return value if len(value) <= (200 if field == "doc_title" else 40) else None
    return value or None
