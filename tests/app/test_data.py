"""Uploaded tables: CSV and Excel read into CSV text; anything else refused in one line."""

from __future__ import annotations

import pytest

from optagent.app.chat_data import MAX_TABLE_CHARS, load_table
from optagent.core.errors import OptagentError


@pytest.mark.chat
def test_csv_and_excel_become_the_same_csv(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    for row in [("product", "profit"), ("tables", 70), ("chairs", 50)]:
        book.active.append(row)
    book.save(tmp_path / "plan.xlsx")
    (tmp_path / "plan.csv").write_text("product,profit\ntables,70\n\nchairs,50\n", encoding="utf-8")
    excel, csv = load_table(tmp_path / "plan.xlsx"), load_table(tmp_path / "plan.csv")
    assert excel.csv == csv.csv == "product,profit\ntables,70\nchairs,50\n"
    assert (excel.rows, excel.columns) == (2, 2)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        pytest.param("plan.xlsx", b"PK\x03\x04 broken zip", "not a readable Excel file", marks=pytest.mark.chat),
        ("plan.csv", b"\x00\x01\x02binary", "not a text table"),
        ("plan.csv", "é".encode("latin-1") + b",1\n", "not UTF-8"),
        ("plan.csv", b"\n\n", "holds no rows"),
        ("plan.pdf", b"%PDF", "only tables can be uploaded"),
        ("big.csv", b"a,b\n" + b"1,2\n" * (MAX_TABLE_CHARS // 4 + 10), "more than the 20,000"),
    ],
)
def test_unreadable_uploads_are_one_line(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(OptagentError, match=message) as caught:
        load_table(path)
    assert "\n" not in str(caught.value)
