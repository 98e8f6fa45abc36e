"""The report exports, written by the one safe spreadsheet writer (``dealer_saas/xlsx.py``):
every text cell inert (a leading ``= + - @``, tab or carriage return neutralised), control
characters removed. A report is several tables; each becomes its caption, its header and its
rows, with a blank line between tables."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .. import xlsx

Section = tuple[str, list[str], Iterable[Iterable[Any]]]


def safe_cell(value: Any) -> str:
    """One cell as inert text."""
    return "" if value is None else xlsx.safe_text(value)


def _rows(sections: Iterable[Section]) -> Iterator[list[Any]]:
    for n, (caption, header, rows) in enumerate(sections):
        if n:
            yield []
        yield [caption]
        yield list(header)
        for row in rows:
            yield list(row)


def write_csv(sections: Iterable[Section]) -> bytes:
    """UTF-8 with a byte order mark (Excel reads the Chinese right)."""
    return xlsx.csv_bytes(_rows(sections))


def write_xlsx(sections: Iterable[Section], title: str) -> bytes:
    """The same tables as one sheet of an .xlsx workbook."""
    return xlsx.xlsx_bytes(_rows(sections), title=title)
