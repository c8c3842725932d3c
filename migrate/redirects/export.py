"""``govmigrate redirects export``: the plan as nginx or Apache config, or as CSV/JSON for planners.

Server configs hold one entry per server key (see ``matchkeys``). An old URL that cannot be
written safely (no safe key, an unsafe target, or a key another URL already holds) is left out
and answered by the site's fallback; each such rejection is recorded in ``redirect_problems``
(check ``rejected``: an error when the fallback answers differently, else a warning). Rows that
the fallback answers exactly as planned are left out of the maps to keep them small.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterable

from site_inventory.tabular import write_csv

from .plan import PLAN_COLUMNS, plan_rows, site_contexts
from .servers import ExportedSite, ExportReport, RedirectExportError, check_config_path
from .tls import TLSError, tls_options

FORMATS = ("nginx", "apache", "csv", "json")
CSV_COLUMNS = ("site_code", "old_url", "status", "target", "kind", "reason", "archive_url", "suggested_url",
               "source", "hits", "match_key", "key_problem")


def export_redirects(workspace, fmt: str, out, codes: Iterable[str] = (), listen: Iterable[str] = ("80",),
                     pages_root: str | None = None, tls_listen: Iterable[str] = (), tls_cert: str | None = None,
                     tls_key: str | None = None) -> ExportReport:
    """Write the plan of the closing sites (default: all) in ``fmt`` to ``out`` (a folder for servers).

    With ``tls_cert`` and ``tls_key`` the servers also answer https on ``tls_listen`` (default 443).
    """
    if fmt not in FORMATS:
        raise RedirectExportError(f"format {fmt!r}: choose one of {', '.join(FORMATS)}")
    try:
        tls = tls_options(tls_listen, tls_cert, tls_key)
    except TLSError as exc:
        raise RedirectExportError(str(exc)) from None
    if tls:
        check_config_path(tls.cert, "certificate")
        check_config_path(tls.key, "certificate key")
    out = Path(out)
    if fmt in ("csv", "json"):
        sites = site_contexts(workspace, codes)
        report = ExportReport(fmt, str(out.resolve()), [str(out.resolve())])
        write_table(workspace.db, [s.code for s in sites], out, fmt)
        report.sites = [ExportedSite(s.code, entries=workspace.db.execute(
            "SELECT count(*) FROM redirects WHERE site_code = ?", [s.code]).fetchone()[0]) for s in sites]
        return report
    if out.exists() and not out.is_dir():
        raise RedirectExportError(f"{out} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    if fmt == "nginx":
        from .nginx import write_nginx

        return write_nginx(workspace, out, codes, list(listen), pages_root, tls)
    from .apache import write_apache

    return write_apache(workspace, out, codes, list(listen), pages_root, tls)


def write_table(db, codes: list[str], out: Path, fmt: str) -> None:
    """The plan as CSV (UTF-8 with BOM, for spreadsheets) or JSON lines in an array, written atomically."""
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = plan_rows(db, codes, CSV_COLUMNS)
    try:
        if fmt == "csv":
            write_csv(tmp, CSV_COLUMNS, rows)
        else:
            with open(tmp, "w", encoding="utf-8") as handle:
                handle.write("[\n")
                for number, row in enumerate(rows):
                    handle.write(("," if number else "") + json.dumps(dict(zip(CSV_COLUMNS, row)), ensure_ascii=False) + "\n")
                handle.write("]\n")
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)


__all__ = ["export_redirects", "ExportReport", "RedirectExportError", "FORMATS", "PLAN_COLUMNS"]
