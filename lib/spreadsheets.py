"""Writing CSV and XLSX that a spreadsheet program opens safely, streamed in constant memory, and
reading a workbook a person sent without letting a damaged or hostile one become a server error.

A cell whose text starts with = + - @ (or a tab or carriage return) would be run as a formula by
Excel or LibreOffice: in CSV such text gets a leading apostrophe; in XLSX it is written as a
string cell, which is never evaluated.
"""

import csv
import datetime
import io
import logging
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

# A percentage as a number (0.72 for 72%) shown with its sign; the minus is a real minus sign in
# the format, so the cell stays a number.
PERCENT_FORMAT = "+0%;-0%;0%"
NUMBER_FORMAT = "#,##0"
DATE_FORMAT = "d mmm yyyy"
DATETIME_FORMAT = "d mmm yyyy hh:mm"
MIN_WIDTH, MAX_WIDTH = 8, 60


class Percent(float):
    """A fraction to be written as a percentage cell (Percent(0.72) shows as +72%)."""

    def __str__(self) -> str:
        percent = round(self * 100)
        return f"+{percent}%" if percent > 0 else f"{percent}%"


class HeaderRow(list):
    """A row written in bold: the header of a table inside a sheet."""


logger = logging.getLogger(__name__)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# Rows written to the response together: one chunk per row would cost one write to the socket
# (and one trip through the WSGI server) per row.
CSV_ROWS_PER_CHUNK = 500


def csv_response(header: list[str], rows: Iterable[list], filename: str) -> StreamingHttpResponse:
    def chunks() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        # A byte order mark, so that Excel reads the file as UTF-8 (£, é, quotes).
        buffer.write("\ufeff")
        writer.writerow(header)
        write = writer.writerow
        for number, row in enumerate(rows, start=1):
            # neutralised(_csv_value(value)), written out: this runs for every cell.
            write(
                [
                    ("'" + value if value.startswith(FORMULA_STARTS) else value)
                    if isinstance(value, str)
                    else neutralised(str(value))
                    if isinstance(value, Percent)
                    else value
                    for value in row
                ]
            )
            if number % CSV_ROWS_PER_CHUNK == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    response = StreamingHttpResponse(chunks(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _csv_value(value):
    if isinstance(value, Percent):
        return str(value)
    return value


def _width(value) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime.datetime):
        return 17
    if isinstance(value, datetime.date):
        return 12
    if isinstance(value, int | float) and not isinstance(value, bool):
        return len(f"{value:,}") + 2
    return max((len(line) for line in str(value).splitlines()), default=0) + 2


def write_csv(handle: BinaryIO, header: list[str], rows: Iterable[list]) -> None:
    """The same CSV as csv_response, written to a binary file (a big export kept in storage)."""
    text = io.TextIOWrapper(handle, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text)
    text.write("\ufeff")
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralised(_csv_value(value)) for value in row])
    text.detach()


def add_sheet(
    workbook: Workbook,
    title: str,
    header: list[str],
    rows: Iterable[list],
    *,
    widths: list[int] | None = None,
) -> None:
    """A write-only sheet: rows go to disk as they come, never all held in memory.

    The header row is bold and frozen; numbers, percentages (`Percent`) and dates are cells of
    their own type with a number format; text is always a string cell, never a formula. Column
    widths come from `widths`, else from the rows when they are a list, else from the header.
    """
    sheet = workbook.create_sheet(title=title[:31])
    if widths is None:
        # One-cell rows are titles and notes, which may run on across the empty columns.
        sample = [header, *(r for r in rows if len(r) > 1)] if isinstance(rows, list) else [header]
        count = max((len(row) for row in sample), default=0)
        widths = [
            max((_width(row[index]) for row in sample if index < len(row)), default=0)
            for index in range(count)
        ]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(
            max(width, MIN_WIDTH), MAX_WIDTH
        )
    sheet.freeze_panes = "A2"
    sheet.append(_cells(sheet, header, bold=True))
    for row in rows:
        sheet.append(_cells(sheet, row, bold=isinstance(row, HeaderRow)))


def _cells(sheet, row: list, *, bold: bool) -> list[WriteOnlyCell]:
    cells = []
    for value in row:
        cell = WriteOnlyCell(sheet, value=float(value) if isinstance(value, Percent) else value)
        if isinstance(value, str):
            cell.data_type = "s"
        elif isinstance(value, Percent):
            cell.number_format = PERCENT_FORMAT
        elif isinstance(value, datetime.datetime):
            cell.number_format = DATETIME_FORMAT
        elif isinstance(value, datetime.date):
            cell.number_format = DATE_FORMAT
        elif isinstance(value, int) and not isinstance(value, bool):
            cell.number_format = NUMBER_FORMAT
        if bold:
            cell.font = Font(bold=True)
        cells.append(cell)
    return cells


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


# What openpyxl raises on a damaged or hostile workbook, found by changing bytes in every part of
# a real one: its XML parsers' errors are SyntaxErrors (xml.etree's ParseError, lxml's
# XMLSyntaxError), defusedxml's refusal of entity declarations ("billion laughs") is a
# ValueError, a missing part a KeyError, and openpyxl's own checks of attributes TypeErrors.
_UNREADABLE_WORKBOOK = (
    SyntaxError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    EOFError,
    OSError,
    zipfile.BadZipFile,
    zlib.error,
)


def read_first_sheet(file) -> list[tuple[int, list]]:
    """The rows of a workbook's first sheet as (row number, cells), with formulas left as
    formulas (`cell.data_type == "f"`), never evaluated.

    Raises ValidationError with a message for the person who sent the file when it cannot be
    read. The sheet is read in streaming mode, and openpyxl parses it with defusedxml (installed
    for that), which refuses entity declarations before anything is expanded.
    """
    try:
        workbook = load_workbook(file, read_only=True, data_only=False)
        try:
            if not workbook.worksheets:
                raise ValidationError(
                    "This workbook has no sheet in it, so there is nothing to read. Put the "
                    "figures on the first sheet and import it again.",
                    code="no_sheet",
                )
            return [(row[0].row, list(row)) for row in workbook.worksheets[0].iter_rows() if row]
        finally:
            workbook.close()
    except _UNREADABLE_WORKBOOK as error:
        logger.info("Could not read a workbook: %r", error)
        raise ValidationError(
            "This spreadsheet could not be read: it looks damaged or incomplete, or it is not an "
            "Excel workbook. Open it in Excel or LibreOffice, save it again as an Excel Workbook "
            "(.xlsx) or as CSV, and import the new copy.",
            code="unreadable_spreadsheet",
        ) from error
