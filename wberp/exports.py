"""Exports of a table, for the pages and the API alike: CSV and XLSX.

CSV is streamed from the database (wberp.csv_export). XLSX is written by xlsxwriter in
constant-memory mode (a row at a time, to a temporary file): numbers as numbers, dates as
dates, every text with write_string, so that no formula ever comes from the data.
"""

import tempfile
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter
from typing import Any, Literal

import xlsxwriter
from django.db.models import Model
from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.utils import timezone

from .csv_export import CHUNK_ROWS, Column, FieldValue, chunked, csv_pieces

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Delimiter = Literal["comma", "semicolon"]
DELIMITERS = {"comma": ",", "semicolon": ";"}
HIDDEN_FIELDS = ("id", "seller")


def columns_of(model: type[Model], hidden: Iterable[str] = HIDDEN_FIELDS) -> list[Column]:
    """A column for each of the model's own fields but the hidden ones (wberp's own keys)."""
    hidden = set(hidden)
    fields = [field for field in model._meta.concrete_fields if field.name not in hidden]
    return [(field.name, FieldValue(field.attname)) for field in fields]


def attribute_columns(*names: str) -> list[Column]:
    """A column for each attribute named, headed by its name: for rows that are no model's
    (a page's computed figures)."""
    return [(name, attrgetter(name)) for name in names]


# --- CSV ----------------------------------------------------------------------------------


def csv_response(
    rows: Iterable, columns: list[Column], *, filename: str, delimiter: Delimiter = "comma"
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_pieces(rows, columns, DELIMITERS[delimiter]),
        content_type=f"{CSV}; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- XLSX ---------------------------------------------------------------------------------


class SheetWriter:
    """One worksheet written a row at a time, each cell in its own type."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.sheet = workbook.add_worksheet()
        self.moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self.day = workbook.add_format({"num_format": "yyyy-mm-dd"})

    def cell(self, row: int, column: int, value: Any) -> None:
        sheet = self.sheet
        if value is None or value == "":
            return
        if isinstance(value, bool):
            sheet.write_boolean(row, column, value)
        elif isinstance(value, int | float | Decimal):
            sheet.write_number(row, column, float(value))
        elif isinstance(value, datetime):
            # Excel has no time zones: the reader's local time, as the pages show it.
            local = timezone.localtime(value) if timezone.is_aware(value) else value
            sheet.write_datetime(row, column, local.replace(tzinfo=None), self.moment)
        elif isinstance(value, date):
            sheet.write_datetime(
                row, column, datetime(value.year, value.month, value.day), self.day
            )
        else:
            sheet.write_string(row, column, str(value))


def xlsx_write(
    rows: Iterable, columns: list[Column], target, *, progress: Callable[[int], None] | None = None
) -> int:
    """Write the rows to `target` (a path or a binary file) as one sheet; the rows written.
    `progress` hears the count every CHUNK_ROWS rows."""
    workbook = xlsxwriter.Workbook(
        target, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    writer = SheetWriter(workbook)
    for number, (header, _value) in enumerate(columns):
        writer.sheet.write_string(0, number, header)
    written = 0
    for written, row in enumerate(chunked(rows), start=1):
        for number, (_header, value) in enumerate(columns):
            writer.cell(written, number, value(row))
        if progress is not None and written % CHUNK_ROWS == 0:
            progress(written)
    workbook.close()
    return written


def xlsx_response(rows: Iterable, columns: list[Column], *, filename: str) -> FileResponse:
    """The rows as an XLSX download: written to a temporary file first (the format needs its
    end before its start), which goes away once sent."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
    xlsx_write(rows, columns, spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX)


# --- The pages' "Export" links ------------------------------------------------------------


def page_export(request: HttpRequest, rows: Iterable, columns: list[Column], *, name: str):
    """The export a page's query string asks for (`export=csv|xlsx`, `delimiter=semicolon`),
    of the rows the page's filters leave; None when it asks for none."""
    kind = request.GET.get("export")
    if kind == "csv":
        delimiter = "semicolon" if request.GET.get("delimiter") == "semicolon" else "comma"
        return csv_response(rows, columns, filename=f"{name}.csv", delimiter=delimiter)
    if kind == "xlsx":
        # A large one is written by a task; imported here, as the exports app imports this.
        from exports.services import xlsx_page_export

        return xlsx_page_export(request, rows, columns, name=name)
    return None
