"""CSV for the API's lists, asked for with `?format=csv` or `Accept: text/csv`; the writer is
the pages' own (wberp.exports)."""

from typing import Literal

from django.http import HttpRequest

from wberp.exports import CSV

# For an operation's `openapi_extra`: its 200 answer comes as CSV too.
CSV_ANSWER = {"responses": {200: {"content": {CSV: {"schema": {"type": "string"}}}}}}
Format = Literal["json", "csv"]


def wants_csv(request: HttpRequest, format: Format | None) -> bool:
    """`?format=` decides; without it, an Accept header that names CSV first."""
    if format is not None:
        return format == "csv"
    accepted = request.headers.get("Accept", "")
    return accepted.split(",")[0].split(";")[0].strip() == CSV
