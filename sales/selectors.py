"""Reads of a cabinet's orders and sales, filtered as the pages ask, with their totals.

Search is by exact value, each an indexed lookup: srid, vendor code, barcode, nmID (and for
sales the saleID). A page is read as one more row than it shows, to know whether another
follows: nothing counts the cabinet's rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Model, Q, QuerySet, Sum

from sellers.models import Seller
from wbapi.moscow import MOSCOW

from .models import Order, Sale

BIGINT_MAX = 2**63 - 1


@dataclass(frozen=True)
class TradeFilters:
    """What the orders and sales pages filter by; dates are Moscow days, both included."""

    date_from: date
    date_to: date
    query: str = ""
    warehouse: str = ""
    region: str = ""
    # Orders: "cancelled" or "active"; sales: "sales" or "returns"; "" for every row.
    state: str = ""


def orders_of(seller: Seller, filters: TradeFilters) -> QuerySet[Order]:
    orders = _filtered(Order, seller, filters)
    if filters.state == "cancelled":
        orders = orders.filter(is_cancel=True)
    elif filters.state == "active":
        orders = orders.filter(is_cancel=False)
    return orders.order_by("-date", "-id")


def order_totals(orders: QuerySet[Order]) -> dict:
    """Of the filtered orders: how many, how many cancelled, and their prices summed."""
    return orders.order_by().aggregate(
        count=Count("id"),
        cancelled=Count("id", filter=Q(is_cancel=True)),
        price_with_disc=Sum("price_with_disc"),
        finished_price=Sum("finished_price"),
    )


def sales_of(seller: Seller, filters: TradeFilters) -> QuerySet[Sale]:
    sales = _filtered(Sale, seller, filters, also=("sale_id",))
    if filters.state == "sales":
        sales = sales.filter(is_return=False)
    elif filters.state == "returns":
        sales = sales.filter(is_return=True)
    return sales.order_by("-date", "-id")


def sale_totals(sales: QuerySet[Sale]) -> dict:
    """Of the filtered rows: sales and returns counted, and what they bring (returns are
    negative in WB's rows, so the sums are net)."""
    return sales.order_by().aggregate(
        sales=Count("id", filter=Q(is_return=False)),
        returns=Count("id", filter=Q(is_return=True)),
        for_pay=Sum("for_pay"),
        finished_price=Sum("finished_price"),
    )


def _filtered(
    model: type[Model], seller: Seller, filters: TradeFilters, *, also: tuple[str, ...] = ()
) -> QuerySet:
    start = datetime.combine(filters.date_from, time.min, MOSCOW)
    end = datetime.combine(filters.date_to + timedelta(days=1), time.min, MOSCOW)
    rows = model.objects.filter(seller=seller, date__gte=start, date__lt=end)
    if filters.query:
        rows = rows.filter(_search(filters.query, also))
    if filters.warehouse:
        rows = rows.filter(warehouse_name=filters.warehouse)
    if filters.region:
        rows = rows.filter(region_name=filters.region)
    return rows


def _search(query: str, also: tuple[str, ...]) -> Q:
    found = Q(srid=query) | Q(supplier_article=query) | Q(barcode=query)
    for name in also:
        found |= Q(**{name: query})
    if query.isdigit() and int(query) <= BIGINT_MAX:
        found |= Q(nm_id=int(query))
    return found
