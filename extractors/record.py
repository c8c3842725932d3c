"""The Record: what one crawled page becomes, in the shape the parent platform imports."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

PAGE_TYPES = ("article", "list", "column_index", "homepage", "search_form", "attachment", "redirect", "error")


@dataclass
class Record:
    """One page's extracted content and government metadata; lists hold plain dicts/strings."""

    url: str
    page_type: str = "error"
    title: str | None = None
    body_html: str = ""
    body_text: str = ""
    published: str | None = None      # ISO date or datetime, as precise as the page gives
    modified: str | None = None
    source: str | None = None         # 发布机构 / 来源
    author: str | None = None         # 作者 / 记者; 责任编辑 only when no writer is named
    editor: str | None = None         # 责任编辑 / 编辑 / 审核 / 校对
    doc_number: str | None = None     # 文号
    index_number: str | None = None   # 索引号
    subject: str | None = None        # 主题分类
    written_date: str | None = None   # 成文日期
    validity: str | None = None       # 有效性
    breadcrumb: list[str] = field(default_factory=list)
    column_name: str | None = None
    attachments: list[dict] = field(default_factory=list)  # {url, title, type, size}
    images: list[dict] = field(default_factory=list)       # {url, alt}
    language: str | None = None
    fingerprint: str | None = None
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Plain dict with keys exactly as the field names (JSON-ready)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Record":
        """Rebuild a record from ``to_dict`` output, ignoring unknown keys."""
        return cls(**{k: data[k] for k in FIELDS if k in data})

    def warn(self, message: str) -> None:
        """Note what was guessed or missing, once."""
        if message not in self.warnings:
            self.warnings.append(message)


FIELDS = tuple(f.name for f in fields(Record))
