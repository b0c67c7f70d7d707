"""Writing CSV and XLSX that a spreadsheet program opens safely, streamed in constant memory.

A cell whose text starts with = + - @ (or a tab or carriage return) would be run as a formula by
Excel or LibreOffice: in CSV such text gets a leading apostrophe; in XLSX it is written as a
string cell, which is never evaluated.
"""

import csv
import tempfile
from collections.abc import Iterable, Iterator

from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Echo:
    """A file-like object whose write() hands the line back to the csv writer's caller."""

    def write(self, value: str) -> str:
        return value


def csv_response(header: list[str], rows: Iterable[list], filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        # A byte order mark, so that Excel reads the file as UTF-8 (£, é, quotes).
        yield "\ufeff" + writer.writerow(header)
        for row in rows:
            yield writer.writerow([neutralised(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def add_sheet(workbook: Workbook, title: str, header: list[str], rows: Iterable[list]) -> None:
    """A write-only sheet: rows go to disk as they come, never all held in memory."""
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(header)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)


def xlsx_response(workbook: Workbook, filename: str) -> FileResponse:
    handle = tempfile.TemporaryFile()
    workbook.save(handle)
    handle.seek(0)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def new_workbook() -> Workbook:
    return Workbook(write_only=True)
