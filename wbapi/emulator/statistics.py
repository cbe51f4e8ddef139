"""statistics-api: orders and sales (with returns), paged by lastChangeDate."""

from __future__ import annotations

from wbapi.emulator.params import instant, query_value
from wbapi.emulator.protocol import Call, ClientError, Reply, Route, json_reply
from wbapi.emulator.world.basis import day_of

HOSTS = ("statistics-api",)
REQUIRED = "required"


def statistics_error(error: ClientError, request_id: str) -> Reply:
    """statistics-api's 400: a list for a missing field, a string for a bad value."""
    errors = [error.detail] if error.code == REQUIRED else error.detail
    return json_reply({"errors": errors}, error.status)


def orders(call: Call) -> Reply:
    """GET /api/v1/supplier/orders?dateFrom=&flag=."""
    return _rows(call, orders=True)


def sales(call: Call) -> Reply:
    """GET /api/v1/supplier/sales?dateFrom=&flag=."""
    return _rows(call, orders=False)


def _rows(call: Call, *, orders: bool) -> Reply:
    """flag=0: rows changed strictly after dateFrom, by lastChangeDate, at most the seller's
    page rows (the cut may fall between rows of one lastChangeDate); flag=1: every row whose
    `date` is dateFrom's day. Only orders placed in the last 90 days."""
    date_from, flag = _query(call)
    now = call.state.clock.timestamp()
    world = call.state.worlds.world(call.claims.seller_sid)
    kept_from = world.kept_from(now)
    trade = world.trade
    if flag == 1:
        day = day_of(date_from)
        changes = (
            trade.orders_placed_on(day, now, kept_from)
            if orders
            else trade.sales_on(day, now, kept_from)
        )
    else:
        page = world.config.page_rows
        find = trade.order_changes if orders else trade.sale_changes
        changes = find(date_from, now, page, kept_from)
    build = "order_row" if orders else "sale_row"
    return json_reply([getattr(order, build)(changed, mark) for changed, _, order, mark in changes])


def _query(call: Call) -> tuple[float, int]:
    text = query_value(call.request, "dateFrom")
    if not text:
        raise ClientError("dateFrom: field required", code=REQUIRED)
    try:
        date_from = instant(text, "dateFrom")
    except ClientError:
        raise ClientError("dateFrom: Value not validated") from None
    flag = query_value(call.request, "flag") or "0"
    if flag not in ("0", "1"):
        raise ClientError("flag: Value not validated")
    return date_from, int(flag)


ROUTES = (
    Route(
        "GET",
        "/api/v1/supplier/orders",
        HOSTS,
        "statistics-orders",
        orders,
        error_reply=statistics_error,
    ),
    Route(
        "GET",
        "/api/v1/supplier/sales",
        HOSTS,
        "statistics-sales",
        sales,
        error_reply=statistics_error,
    ),
)
