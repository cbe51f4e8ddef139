"""/api/v1/sellers/{sid}/orders/ and /sales/: a cabinet's orders, and its sales and returns.

The same selectors and filters as their pages (sales.selectors), in cursor pages, newest
first, or as CSV; `updated_since` gives only the rows WB changed after a moment, for a
program that keeps its own copy up to date.
"""

from collections.abc import Callable
from datetime import date, datetime
from operator import attrgetter

from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, ModelSchema, Query, Router, Schema

from access.models import Area
from access.selectors import visible_sellers
from sales.forms import TEXT_MAX, OrderFilterForm, SaleFilterForm
from sales.models import Order, Sale
from sales.selectors import orders_of, sales_of
from sellers.models import Seller
from wbapi.moscow import MOSCOW

from .auth import allowed
from .errors import DENIED, Error
from .export import CSV_ANSWER, Delimiter, Format, csv_response, wants_csv
from .pagination import DEFAULT_LIMIT, MAX_LIMIT, cursor_page, stream
from .schemas import choices_of

router = Router()
ORDER = ("-date", "-id")
HIDDEN_FIELDS = ["id", "seller"]


class OrderPublic(ModelSchema):
    class Meta:
        model = Order
        exclude = HIDDEN_FIELDS


class SalePublic(ModelSchema):
    class Meta:
        model = Sale
        exclude = HIDDEN_FIELDS


class OrdersPage(Schema):
    data: list[OrderPublic]
    next_cursor: str | None


class SalesPage(Schema):
    data: list[SalePublic]
    next_cursor: str | None


class TradeQuery(Schema):
    date_from: date | None = Field(None, description="Moscow day, included; default: a week ago.")
    date_to: date | None = Field(None, description="Moscow day, included; default: today.")
    updated_since: datetime | None = Field(
        None, description="Only rows WB changed after this moment (without an offset: Moscow)."
    )
    search: str | None = Field(
        None, max_length=TEXT_MAX, description="An exact srid, vendor code, barcode or nmID."
    )
    warehouse: str | None = Field(None, max_length=TEXT_MAX)
    region: str | None = Field(None, max_length=TEXT_MAX)
    cursor: str | None = Field(None, max_length=2000)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    format: Format | None = Field(None, description="csv: every row from the cursor on.")
    delimiter: Delimiter = "comma"

    def form_data(self, state: str | None) -> dict:
        values = {
            "date_from": self.date_from,
            "date_to": self.date_to,
            "q": self.search,
            "warehouse": self.warehouse,
            "region": self.region,
            "state": state,
        }
        return {name: value for name, value in values.items() if value is not None}


class OrderQuery(TradeQuery):
    state: choices_of("state", OrderFilterForm) | None = None


class SaleQuery(TradeQuery):
    state: choices_of("state", SaleFilterForm) | None = None


def columns_of(model: type[Model]) -> list[tuple[str, Callable]]:
    fields = [field for field in model._meta.concrete_fields if field.name not in HIDDEN_FIELDS]
    return [(field.name, attrgetter(field.attname)) for field in fields]


def trade_answer(
    request: HttpRequest, rows: QuerySet, query: TradeQuery, *, filename: str
) -> dict | HttpResponse:
    """A page of `rows` (or all of them as CSV), after `updated_since` if it is given."""
    if query.updated_since is not None:
        since = query.updated_since
        if timezone.is_naive(since):
            since = since.replace(tzinfo=MOSCOW)
        rows = rows.filter(last_change_date__gt=since)
    if wants_csv(request, query.format):
        every = stream(rows, order=ORDER, cursor=query.cursor)
        return csv_response(
            every, columns_of(rows.model), filename=filename, delimiter=query.delimiter
        )
    page = cursor_page(rows, order=ORDER, cursor=query.cursor, limit=query.limit)
    return {"data": page.rows, "next_cursor": page.next_cursor}


def cabinet(request: HttpRequest, sid: str) -> Seller:
    """A cabinet whose sales area the caller sees; 404 for any other."""
    return get_object_or_404(visible_sellers(request.auth, Area.SALES), sid=sid)


@router.get(
    "{sid}/orders/",
    response={200: OrdersPage, **DENIED, 400: Error, 404: Error},
    url_name="seller_orders",
    auth=allowed("sales.view_order"),
    openapi_extra=CSV_ANSWER,
)
def list_orders(request: HttpRequest, sid: str, query: Query[OrderQuery]) -> dict | HttpResponse:
    """The cabinet's orders placed within the dates, newest first."""
    filters = OrderFilterForm(query.form_data(query.state)).filters()
    rows = orders_of(cabinet(request, sid), filters)
    return trade_answer(request, rows, query, filename="orders.csv")


@router.get(
    "{sid}/sales/",
    response={200: SalesPage, **DENIED, 400: Error, 404: Error},
    url_name="seller_sales",
    auth=allowed("sales.view_sale"),
    openapi_extra=CSV_ANSWER,
)
def list_sales(request: HttpRequest, sid: str, query: Query[SaleQuery]) -> dict | HttpResponse:
    """The cabinet's sales and returns within the dates, newest first."""
    filters = SaleFilterForm(query.form_data(query.state)).filters()
    rows = sales_of(cabinet(request, sid), filters)
    return trade_answer(request, rows, query, filename="sales.csv")
