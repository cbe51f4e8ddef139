"""CSV for the API's lists, asked for with `?format=csv` or `Accept: text/csv`.

Streamed from the database a chunk at a time, in UTF-8 with a byte order mark (so that Excel
reads Cyrillic right), `;` between values on request (Russian Excel's own separator), and any
value that a spreadsheet would run as a formula written as text.
"""

import csv
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Literal

from django.http import HttpRequest, StreamingHttpResponse

CSV = "text/csv"
# For an operation's `openapi_extra`: its 200 answer comes as CSV too.
CSV_ANSWER = {"responses": {200: {"content": {CSV: {"schema": {"type": "string"}}}}}}
Format = Literal["json", "csv"]
Delimiter = Literal["comma", "semicolon"]
DELIMITERS = {"comma": ",", "semicolon": ";"}
# What starts a formula in Excel, LibreOffice and Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Column = tuple[str, Callable[[Any], Any]]


def wants_csv(request: HttpRequest, format: Format | None) -> bool:
    """`?format=` decides; without it, an Accept header that names CSV first."""
    if format is not None:
        return format == "csv"
    accepted = request.headers.get("Accept", "")
    return accepted.split(",")[0].split(";")[0].strip() == CSV


def as_text(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class Echo:
    """A file that hands back what is written to it, for csv.writer to stream through."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable, columns: list[Column], delimiter: str) -> Iterator[str]:
    writer = csv.writer(Echo(), delimiter=delimiter)
    yield "\ufeff" + writer.writerow([header for header, _value in columns])
    for row in rows:
        yield writer.writerow([as_text(value(row)) for _header, value in columns])


def csv_response(
    rows: Iterable, columns: list[Column], *, filename: str, delimiter: Delimiter = "comma"
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_lines(rows, columns, DELIMITERS[delimiter]), content_type=f"{CSV}; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
