"""Writing CSV and XLSX that a spreadsheet program opens safely, streamed in constant memory, and
reading a workbook a person sent without letting a damaged or hostile one become a server error.

A cell whose text starts with = + - @ (or a tab or carriage return) would be run as a formula by
Excel or LibreOffice: in CSV such text gets a leading apostrophe; in XLSX it is written as a
string cell, which is never evaluated.
"""

import csv
import logging
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator

from django.core.exceptions import ValidationError
from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell

logger = logging.getLogger(__name__)

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
