"""Read and write the spreadsheets planners use: CSV (UTF-8, UTF-8 with BOM, GBK/GB18030, UTF-16) and XLSX.

Rows keep the number a person sees in Excel (the first line is row 1), so every error can
point at the exact cell. CSV is written as UTF-8 with a BOM, which Excel opens correctly.

Every spreadsheet the tool writes goes through :func:`write_csv` or :func:`write_xlsx`, because
their cells hold crawled text (titles, names, URLs) and a cell starting with ``=``, ``+``, ``-``,
``@``, tab or carriage return is run as a formula by Excel, WPS and LibreOffice (OWASP "CSV
injection"). CSV cells get a leading ``'`` (:func:`escape_cell`), which the readers here strip
again (:func:`unescape_cell`) so an export re-imports unchanged; XLSX cells are explicit string
cells holding the original text. Numbers stay numbers.
"""
from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
XLSX_SUFFIXES = {".xlsx", ".xlsm"}


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


class TableError(Exception):
    """The file cannot be read or written as a table (format, encoding, empty)."""


@dataclass
class Table:
    """Every row of a sheet as text cells, with its row number as shown in Excel."""

    rows: list[tuple[int, list[str]]]
    encoding: str  # the codec a CSV was decoded with, or "xlsx"
    warnings: list[str] = field(default_factory=list)


def decode_csv_bytes(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes: BOM first, then strict UTF-8, then strict GB18030 (covers GB2312/GBK).

    Never replaces bytes: a file that is none of these is an error naming the first bad line.
    """
    for bom, codec in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                       (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return _strict(data, codec), codec
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TableError(
            f"line {line}: bytes {data[exc.start:exc.start + 4]!r} are neither UTF-8 nor GBK/GB18030; "
            "save the file as 'CSV UTF-8' from Excel, or as XLSX"
        ) from None


def _strict(data: bytes, codec: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TableError(f"line {line}: the file starts with a {codec} byte-order mark but is not {codec}") from None


def _delimiter(text: str) -> str:
    """Comma, unless the header line uses tabs (Excel's 'Unicode text' export) and no commas."""
    header = text.split("\n", 1)[0]
    return "\t" if header.count("\t") > header.count(",") else ","


def read_csv(path: Path) -> Table:
    """Read a CSV file; each record is one row (a quoted cell may span lines, as in Excel)."""
    text, codec = decode_csv_bytes(Path(path).read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        rows = [(number, [unescape_cell(cell.strip()) for cell in record])
                for number, record in enumerate(reader, start=1)]
    except csv.Error as exc:
        raise TableError(f"row {reader.line_num}: not valid CSV: {exc}") from None
    return Table(rows, codec)


def _cell_text(value) -> str:
    """A spreadsheet cell as text: whole-number floats lose their '.0' (site codes typed as numbers)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def read_xlsx(path: Path) -> Table:
    """Read the first sheet of an XLSX workbook (cached values of formulas)."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(path, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise TableError(f"{path}: not a readable XLSX workbook: {exc}") from None
    sheet = workbook.worksheets[0]
    warnings = []
    if len(workbook.worksheets) > 1:
        others = ", ".join(repr(ws.title) for ws in workbook.worksheets[1:])
        warnings.append(f"read sheet {sheet.title!r} only; other sheets not read: {others}")
    rows = [
        (number, [_cell_text(v) for v in values])
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
    ]
    workbook.close()
    return Table(rows, "xlsx", warnings)


def read_table(path: str | Path) -> Table:
    """Read CSV or XLSX, chosen by the file's extension."""
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise TableError(f"{path}: no such file")
    if suffix in XLSX_SUFFIXES:
        return read_xlsx(path)
    if suffix in CSV_SUFFIXES:
        return read_csv(path)
    if suffix in {".xls", ".et", ".ods"}:
        raise TableError(f"{path}: {suffix} files are not read; save the sheet as .xlsx or 'CSV UTF-8'")
    raise TableError(f"{path}: unknown file type {suffix or '(none)'}; give a .csv or .xlsx file")


def _formula_like(text: str) -> bool:
    """Would a spreadsheet evaluate this text (after any quotes already in front of it)?

    A plain signed number such as ``-12`` or ``+3.5`` is left alone: it opens as that number.
    """
    bare = text.lstrip("'")
    return bare[:1] in FORMULA_STARTS and not _NUMBER.fullmatch(bare)


def escape_cell(value):
    """A CSV cell no spreadsheet evaluates: formula-like text gets a leading ``'``.

    Text that already starts with quotes before a formula character gets one more, so that
    :func:`unescape_cell` gives every original back exactly. Non-text values are returned as is.
    """
    if isinstance(value, str) and _formula_like(value):
        return "'" + value
    return value


def unescape_cell(text: str) -> str:
    """The original text of a cell written by :func:`escape_cell` (other text is unchanged)."""
    if text.startswith("'") and _formula_like(text[1:]):
        return text[1:]
    return text


def write_table(path: str | Path, header: list[str], rows: list[list[str]]) -> Path:
    """Write CSV (UTF-8 with BOM, for Excel) or XLSX (text cells, so codes keep their digits)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return write_xlsx(path, [Sheet("Sheet", header, rows)])
    if suffix in CSV_SUFFIXES:
        return write_csv(path, header, rows, delimiter="\t" if suffix == ".tsv" else ",")
    raise TableError(f"{path}: unknown file type {suffix or '(none)'}; give a .csv or .xlsx file name")


def write_csv(path: str | Path, header: list, rows, delimiter: str = ",") -> Path:
    """Write one CSV, UTF-8 with a BOM, every formula-like text cell escaped; None is empty."""
    path = Path(path)
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, delimiter=delimiter)
        writer.writerow([escape_cell(_plain(v)) for v in header])
        writer.writerows([escape_cell(_plain(v)) for v in row] for row in rows)
    return path


def _plain(value):
    return "" if value is None else value


@dataclass
class Sheet:
    """One worksheet to write: its tab title (cut to Excel's 31 characters), header and rows."""

    title: str
    header: list
    rows: list


def write_xlsx(path: str | Path, sheets: list[Sheet]) -> Path:
    """Write an XLSX workbook: bold frozen header, text as explicit string cells, numbers as numbers.

    openpyxl stores any string starting with ``=`` as a formula; here every string is forced
    to a string cell (and marked quote-prefixed when formula-like, as Excel does for ``'=``),
    so no cell of crawled text is ever evaluated. Characters XML cannot hold (NUL and other
    C0 controls except tab, newline, carriage return) are dropped: no XLSX can store them.
    """
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for spec in sheets:
        sheet = workbook.create_sheet(spec.title[:31])
        for number, row in enumerate([spec.header] + list(spec.rows), start=1):
            for column, value in enumerate(row, start=1):
                _set_cell(sheet.cell(number, column), value)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for index, title in enumerate(spec.header, start=1):
            width = max([_width(str(title))] + [_width(str(_plain(r[index - 1]))) for r in spec.rows if len(r) >= index])
            sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = min(60, max(8, width + 2))
        sheet.freeze_panes = "A2"
    workbook.save(path)
    return Path(path)


def _set_cell(cell, value) -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None or isinstance(value, bool) or isinstance(value, (int, float)):
        cell.value = value
        return
    if not isinstance(value, str):
        value = str(value)
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.data_type = "s"
    if _formula_like(value):
        cell.quotePrefix = True


def _width(text: str) -> int:
    """Rough column width in Excel units: CJK characters count double."""
    return sum(2 if ord(c) > 0x2E80 else 1 for c in text)
