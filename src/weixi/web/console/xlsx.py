"""Excel (.xlsx) export of a dashboard table, written with openpyxl."""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_bytes(
    title: str, columns: Sequence[str], rows: Sequence[Sequence[object]], *, note: str = ""
) -> bytes:
    """One sheet: an optional note line, a bold header row, then the rows as they are shown."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31] or "weixi"
    if note:
        sheet.append([note])
    sheet.append(list(columns))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for index, column in enumerate(columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(12, min(40, len(str(column)) * 2 + 4))
    out = BytesIO()
    book.save(out)
    return out.getvalue()
