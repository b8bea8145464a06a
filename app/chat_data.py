"""A table a person uploads as problem data: CSV or Excel, read into CSV text for the model.

The model reads the table as CSV inside the problem statement, so a table is refused (not
cut) when it is larger than a model can read faithfully: half a data set gives a wrong
model that looks right. Excel needs `openpyxl` (the `chat` extra).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel

from optagent.core.errors import OptagentError

MAX_TABLE_CHARS = 20_000
MAX_FILE_BYTES = 5_000_000
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm")


class Table(BaseModel):
    """An uploaded table: its file name, its rows as CSV text, and its size."""

    name: str
    csv: str
    rows: int
    columns: int

    def as_problem_data(self) -> str:
        return f"# Data from {self.name} ({self.rows} rows, {self.columns} columns)\n```csv\n{self.csv.strip()}\n```"


def _csv_text(rows: Sequence[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow(["" if cell is None else cell for cell in row])
    return out.getvalue()


def _read_delimited(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise OptagentError(f"{path.name} is not a text table (it holds binary data); upload a CSV or an .xlsx file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise OptagentError(f"{path.name} is not UTF-8 text; save it as CSV UTF-8 and upload it again") from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect) if any(cell.strip() for cell in row)]


def _read_excel(path: Path) -> list[list[object]]:
    try:
        import openpyxl
    except ImportError:
        raise OptagentError(
            "reading Excel files needs openpyxl; pip install 'optagent[chat]', or upload the sheet as CSV"
        ) from None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 (openpyxl raises zipfile, KeyError, InvalidFileException ...)
        raise OptagentError(
            f"{path.name} is not a readable Excel file ({type(error).__name__}); save it again as .xlsx or CSV"
        ) from None
    try:
        sheet = book.active or book.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True) if any(cell is not None for cell in row)]
    finally:
        book.close()


def load_table(path: str | Path, name: str | None = None) -> Table:
    """The table in a CSV/TSV or Excel file, or one line saying why it cannot be used."""
    path = Path(path)
    name = name or path.name
    suffix = Path(name).suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise OptagentError(
            f"{name}: only tables can be uploaded ({', '.join(TABLE_SUFFIXES)}); save the data as CSV or .xlsx"
        )
    try:
        size = path.stat().st_size
    except OSError as error:
        raise OptagentError(f"cannot read the upload {name}: {error.strerror}; upload it again") from None
    if size > MAX_FILE_BYTES:
        raise OptagentError(
            f"{name} has {size:,} bytes, more than {MAX_FILE_BYTES:,}; upload only the rows the problem needs"
        )
    rows: Sequence[Sequence[object]] = _read_excel(path) if suffix in (".xlsx", ".xlsm") else _read_delimited(path)
    if not rows:
        raise OptagentError(f"{name} holds no rows; upload a table with a header row and data")
    text = _csv_text(rows)
    if len(text) > MAX_TABLE_CHARS:
        raise OptagentError(
            f"{name} has {len(text):,} characters as CSV, more than the {MAX_TABLE_CHARS:,} a model reads faithfully; "
            "upload only the rows and columns the problem needs"
        )
    return Table(name=name, csv=text, rows=len(rows) - 1, columns=max(len(row) for row in rows))
