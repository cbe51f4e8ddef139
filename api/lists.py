"""What the cabinets' data lists share: the cabinet of an area, the query's paging and CSV
fields, `updated_since`, and the answer (a cursor page, or every row as CSV)."""

from collections.abc import Callable, Sequence
from datetime import datetime

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Schema

from access.models import Area
from access.selectors import visible_sellers
from sellers.models import Seller
from wbapi.moscow import MOSCOW
from wberp.exports import HIDDEN_FIELDS as SHOWN_NOWHERE
from wberp.exports import Column, Delimiter, csv_response

from .export import Format, wants_csv
from .pagination import DEFAULT_LIMIT, MAX_LIMIT, cursor_page, stream

# A row's fields the API leaves out: its key in wberp and its cabinet's.
HIDDEN_FIELDS = list(SHOWN_NOWHERE)


class ListQuery(Schema):
    cursor: str | None = Field(None, max_length=2000)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    format: Format | None = Field(None, description="csv: every row from the cursor on.")
    delimiter: Delimiter = "comma"


def updated_since_field(what: str = "WB changed"):
    return Field(
        None, description=f"Only rows {what} after this moment (without an offset: Moscow)."
    )


def cabinet(request: HttpRequest, sid: str, area: Area) -> Seller:
    """A cabinet whose `area` the caller sees; 404 for any other."""
    return get_object_or_404(visible_sellers(request.auth, area), sid=sid)


def since(rows: QuerySet, field: str, moment: datetime | None) -> QuerySet:
    """`rows` whose `field` is after `moment` (Moscow time when it has no offset), or all."""
    if moment is None:
        return rows
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=MOSCOW)
    return rows.filter(**{f"{field}__gt": moment})


def list_answer(
    request: HttpRequest,
    rows: QuerySet,
    query: ListQuery,
    *,
    order: Sequence[str],
    columns: list[Column],
    filename: str,
    shown: Callable[[list], list] = list,
) -> dict | HttpResponse:
    """A cursor page of `rows` in `order` (`shown` makes its rows what the schema says), or,
    as the caller asks, every row from the cursor on as CSV."""
    if wants_csv(request, query.format):
        every = stream(rows, order=order, cursor=query.cursor)
        return csv_response(every, columns, filename=filename, delimiter=query.delimiter)
    page = cursor_page(rows, order=order, cursor=query.cursor, limit=query.limit)
    return {"data": shown(page.rows), "next_cursor": page.next_cursor}
