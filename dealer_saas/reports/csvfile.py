"""A small safe CSV writer for the report exports, private to this module until the shared
writer (``dealer_saas/xlsx.py``, DESIGN section 4a) lands: every cell is written as text,
a cell starting with ``= + - @`` (or a tab or carriage return) is prefixed with ``'`` so a
spreadsheet never runs it as a formula, and control characters are removed."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """One cell as inert text."""
    text = "" if value is None else str(value)
    text = _CONTROL.sub("", text)
    if text.startswith(_FORMULA_START):
        text = "'" + text
    return text


def write_csv(sections: Iterable[tuple[str, list[str], Iterable[Iterable[Any]]]]) -> bytes:
    """UTF-8 with a byte order mark (Excel reads the Chinese right), every cell quoted; each
    section is its caption, its header and its rows, with a blank line between sections."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    for n, (caption, header, rows) in enumerate(sections):
        if n:
            writer.writerow([])
        writer.writerow([safe_cell(caption)])
        writer.writerow([safe_cell(h) for h in header])
        for row in rows:
            writer.writerow([safe_cell(c) for c in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
