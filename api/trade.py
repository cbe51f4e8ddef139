"""/api/v1/sellers/{sid}/orders/ and /sales/: a cabinet's orders, and its sales and returns.

The same selectors and filters as their pages (sales.selectors), in cursor pages, newest
first, or as CSV; `updated_since` gives only the rows WB changed after a moment, for a
program that keeps its own copy up to date.
"""

from datetime import date, datetime

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, ModelSchema, Query, Router, Schema

from access.models import Area
from sales.forms import TEXT_MAX, OrderFilterForm, SaleFilterForm
from sales.models import Order, Sale
from sales.selectors import orders_of, sales_of
from wberp.exports import columns_of

from .auth import allowed
from .errors import DENIED, Error
from .export import CSV_ANSWER
from .lists import (
    HIDDEN_FIELDS,
    ListQuery,
    cabinet,
    list_answer,
    since,
    updated_since_field,
)
from .schemas import choices_of

router = Router()
ORDER = ("-date", "-id")


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


class TradeQuery(ListQuery):
    date_from: date | None = Field(None, description="Moscow day, included; default: a week ago.")
    date_to: date | None = Field(None, description="Moscow day, included; default: today.")
    updated_since: datetime | None = updated_since_field()
    search: str | None = Field(
        None, max_length=TEXT_MAX, description="An exact srid, vendor code, barcode or nmID."
    )
    warehouse: str | None = Field(None, max_length=TEXT_MAX)
    region: str | None = Field(None, max_length=TEXT_MAX)

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


def trade_answer(
    request: HttpRequest, rows: QuerySet, query: TradeQuery, *, filename: str
) -> dict | HttpResponse:
    """A page of `rows` (or all of them as CSV), after `updated_since` if it is given."""
    rows = since(rows, "last_change_date", query.updated_since)
    return list_answer(
        request, rows, query, order=ORDER, columns=columns_of(rows.model), filename=filename
    )


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
    rows = orders_of(cabinet(request, sid, Area.SALES), filters)
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
    rows = sales_of(cabinet(request, sid, Area.SALES), filters)
    return trade_answer(request, rows, query, filename="sales.csv")
