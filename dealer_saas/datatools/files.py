"""Reading an uploaded table: CSV (UTF-8 with or without BOM, or GB18030 as Chinese Excel
writes it) or XLSX (openpyxl in read-only mode). Refused: macro workbooks (.xlsm, or any
workbook carrying a ``vbaProject.bin``), files over ``IMPORT_MAX_BYTES``, more than
``IMPORT_MAX_ROWS`` rows, and anything that is neither format.

Rows come out as lists of text (numbers and dates of a workbook as their usual text), so
every importer normalises one kind of value.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flask_babel import gettext as _

from ..domain import DomainError

#: cells per row read (a sheet with 16 384 columns is not a customer list)
MAX_COLUMNS = 60
MAX_CELL = 500


class FileRefused(DomainError):
    """The upload is not a table we read (``field`` is the file field)."""

    def __init__(self, message: str):
        super().__init__(message, "file")


def kind_of(filename: str) -> str:
    """ "csv" or "xlsx" from the name; FileRefused for anything else (macros included)."""
    lower = filename.lower()
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith(".xlsx"):
        return "xlsx"
    if lower.endswith((".xlsm", ".xltm", ".xlsb", ".xls")):
        raise FileRefused(_("不接受带宏或旧格式的 Excel 文件，请另存为 .xlsx 或 .csv 后上传。"))
    raise FileRefused(_("请上传 .xlsx 或 .csv 文件。"))


def check_content(path: Path, kind: str, max_bytes: int) -> None:
    """Size and shape before any parsing: an XLSX is a zip without macros."""
    if path.stat().st_size > max_bytes:
        raise FileRefused(_("文件超过 %(mb)s MB，请拆分后上传。", mb=max_bytes // (1024 * 1024)))
    if path.stat().st_size == 0:
        raise FileRefused(_("文件是空的。"))
    if kind == "xlsx":
        if not zipfile.is_zipfile(path):
            raise FileRefused(_("文件不是有效的 .xlsx 工作簿。"))
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                raise FileRefused(_("不接受带宏的工作簿，请另存为不含宏的 .xlsx 后上传。"))
            # a zip bomb: the declared size of the parts, before openpyxl inflates them
            if sum(info.file_size for info in archive.infolist()) > max_bytes * 20:
                raise FileRefused(_("文件解压后过大，请拆分后上传。"))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()[:MAX_CELL]


def _csv_text(path: Path) -> io.StringIO:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return io.StringIO(raw.decode(encoding), newline="")
        except UnicodeDecodeError:
            continue
    raise FileRefused(_("无法识别文件编码，请保存为 UTF-8 编码的 CSV。"))


def read_rows(path: Path, kind: str, max_rows: int) -> Iterator[list[str]]:
    """Every row (the header first) as text cells; blank rows are skipped. FileRefused past
    ``max_rows`` data rows."""
    count = 0
    if kind == "csv":
        source: Iterator[Any] = csv.reader(_csv_text(path))
    else:
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, read_only=True, data_only=True, keep_vba=False)
        except Exception:  # noqa: BLE001 - any broken workbook is the same answer
            raise FileRefused(_("文件不是有效的 .xlsx 工作簿。")) from None
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise FileRefused(_("工作簿中没有工作表。"))
        source = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
    try:
        for row in source:
            cells = [_text(v) for v in list(row)[:MAX_COLUMNS]]
            if not any(cells):
                continue
            count += 1
            if count > max_rows + 1:
                raise FileRefused(_("文件超过 %(n)s 行，请拆分后上传。", n=f"{max_rows:,}"))
            yield cells
    except csv.Error:
        raise FileRefused(_("CSV 文件格式有误。")) from None
    finally:
        if kind == "xlsx":
            workbook.close()
