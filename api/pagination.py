"""Cursor pagination for the API's big lists: stable under inserts, and no COUNT.

A page is the rows after the cursor in a fixed order that ends in a unique field; the cursor
is the last row's values of those fields, opaque to callers (base64url JSON). A row added
while someone pages is either before the cursor or after it: never shown twice, nothing
skipped. Every page is one indexed range query, however deep.
"""

import base64
import binascii
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _
from ninja.errors import HttpError

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
# Rows a CSV export reads per query while it streams.
STREAM_CHUNK = 1000


class InvalidCursor(HttpError):
    def __init__(self) -> None:
        super().__init__(400, _("The cursor is not one this list gave: start again without it."))


@dataclass(frozen=True)
class CursorPage:
    rows: list
    next_cursor: str | None


def cursor_page(
    rows: QuerySet, *, order: Sequence[str], cursor: str | None, limit: int
) -> CursorPage:
    """The `limit` rows after `cursor` in `order` (fields, "-" for descending, the last one
    unique and none of them null), and the cursor of the next page (None on the last)."""
    ordered = rows.order_by(*order)
    if cursor:
        ordered = ordered.filter(after(rows.model, order, decode(cursor, rows.model, order)))
    fetched = list(ordered[: limit + 1])
    page = fetched[:limit]
    more = len(fetched) > limit
    return CursorPage(page, encode(page[-1], order) if more else None)


def stream(rows: QuerySet, *, order: Sequence[str], cursor: str | None) -> Iterator[Model]:
    """Every row from `cursor` on, read a chunk at a time: memory stays flat. The first chunk
    is read at once, so that a bad cursor is refused before an answer starts streaming."""
    return pages_from(
        rows, order, cursor_page(rows, order=order, cursor=cursor, limit=STREAM_CHUNK)
    )


def pages_from(rows: QuerySet, order: Sequence[str], page: CursorPage) -> Iterator[Model]:
    while True:
        yield from page.rows
        if page.next_cursor is None:
            return
        page = cursor_page(rows, order=order, cursor=page.next_cursor, limit=STREAM_CHUNK)


def after(model: type[Model], order: Sequence[str], values: list) -> Q:
    """Rows strictly after `values` in `order`: (a > x) or (a = x and b > y) or …"""
    condition = Q(pk__in=[])
    equal = Q()
    for name, value in zip(order, values, strict=True):
        field = name.removeprefix("-")
        beyond = "lt" if name.startswith("-") else "gt"
        condition |= equal & Q(**{f"{field}__{beyond}": value})
        equal &= Q(**{field: value})
    return condition


def encode(row: Model, order: Sequence[str]) -> str:
    values = [getattr(row, name.removeprefix("-")) for name in order]
    text = json.dumps(values, cls=DjangoJSONEncoder, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(cursor: str, model: type[Model], order: Sequence[str]) -> list:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        values = json.loads(text)
        fields = [model._meta.get_field(name.removeprefix("-")) for name in order]
        if not isinstance(values, list) or len(values) != len(fields):
            raise InvalidCursor
        return [field.to_python(value) for field, value in zip(fields, values, strict=True)]
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError, ValidationError):
        raise InvalidCursor from None
