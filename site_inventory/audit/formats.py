"""Write the audit in any format planners and scripts use: HTML, XLSX, CSV (UTF-8 with BOM), JSON.

Kept apart from the report model so that the model never imports its HTML renderer.
"""
from __future__ import annotations

from pathlib import Path

from .html import render
from .report import ReportError, write_csv, write_json, write_xlsx
from .run import AuditResult

FORMATS = ("html", "xlsx", "csv", "json")


def write_html(result: AuditResult, path: Path) -> Path:
    path.write_text(render(result), encoding="utf-8")
    return path


WRITERS = {"html": write_html, "xlsx": write_xlsx, "csv": write_csv, "json": write_json}


def default_path(folder: Path, result: AuditResult, fmt: str) -> Path:
    """reports/audit-<as_of>.<fmt> in the workspace (a folder for CSV)."""
    name = f"audit-{result.as_of}"
    return folder / "reports" / (name if fmt == "csv" else f"{name}.{fmt}")


def write(result: AuditResult, fmt: str, path: Path) -> Path:
    """Write the report in ``fmt`` to ``path`` (a folder for CSV); returns where it went."""
    if fmt not in WRITERS:
        raise ReportError(f"unknown report format {fmt!r}: use one of {', '.join(FORMATS)}")
    path = Path(path)
    if fmt != "csv":
        if path.is_dir():
            raise ReportError(f"{path} is a folder: give a file name for the {fmt} report")
        path.parent.mkdir(parents=True, exist_ok=True)
    elif path.exists() and not path.is_dir():
        raise ReportError(f"{path} is a file: the CSV report is a folder of one CSV per table")
    return WRITERS[fmt](result, path)
