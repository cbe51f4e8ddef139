"""Reads of a cabinet's orders and sales, filtered as the pages ask, with their totals.

Search is by exact value, each an indexed lookup: srid, vendor code, barcode, nmID (and for
sales the saleID). A page is read as one more row than it shows, to know whether another
follows: nothing counts the cabinet's rows.

The totals are the figures `order_figures` and `sale_figures` define, summed over the
filtered rows. When only the dates filter them (whole Moscow days), they are the sums of the
cabinet's day rollups (dashboards.models.CabinetDay, which the sync computes with the same
expressions in the same transaction as the rows): a row a day, however many orders a day has.
A search or a filter the rollups do not have sums the raw rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Aggregate, Count, DecimalField, Expression, Model, Q, QuerySet, Sum
from django.db.models.functions import Abs, Coalesce

from dashboards.models import CabinetDay
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


def order_figures() -> dict[str, Aggregate | Expression]:
    """Of some orders: how many, how many of them are cancelled, and their prices summed."""
    return {
        "orders": Count("id"),
        "orders_sum": money_sum("price_with_disc"),
        "orders_cancelled": Count("id", filter=Q(is_cancel=True)),
        "orders_finished_sum": money_sum("finished_price"),
    }


def order_totals(seller: Seller, filters: TradeFilters) -> dict:
    if only_days(filters):
        return days_summed(seller, filters, order_figures())
    return orders_of(seller, filters).order_by().aggregate(**order_figures())


def sales_of(seller: Seller, filters: TradeFilters) -> QuerySet[Sale]:
    sales = _filtered(Sale, seller, filters, also=("sale_id",))
    if filters.state == "sales":
        sales = sales.filter(is_return=False)
    elif filters.state == "returns":
        sales = sales.filter(is_return=True)
    return sales.order_by("-date", "-id")


def sale_figures() -> dict[str, Aggregate | Expression]:
    """Of some sales and returns: each counted and summed at the price with discount (returns
    as positive amounts), and net of the returns what WB pays and what the buyers paid."""
    return {
        "buyouts": Count("id", filter=BOUGHT),
        "buyouts_sum": money_sum("price_with_disc", BOUGHT),
        "returns": Count("id", filter=RETURNED),
        "returns_sum": money_sum(Abs("price_with_disc"), RETURNED),
        "for_pay": net_of_returns("for_pay"),
        "sales_finished_sum": net_of_returns("finished_price"),
    }


def sale_totals(seller: Seller, filters: TradeFilters) -> dict:
    if only_days(filters):
        return days_summed(seller, filters, sale_figures())
    return sales_of(seller, filters).order_by().aggregate(**sale_figures())


BOUGHT, RETURNED = Q(is_return=False), Q(is_return=True)
MONEY_FIELD = DecimalField(max_digits=16, decimal_places=2)
ZERO = Decimal("0.00")


def money_sum(expression, only: Q | None = None) -> Expression:
    """A sum of money, 0.00 over no rows (typed, so that SQLite's sums come back exact)."""
    return Coalesce(Sum(expression, filter=only), ZERO, output_field=MONEY_FIELD)


def net_of_returns(column: str) -> Expression:
    """The sales' amounts less the returns' by their size (WB gives a return's negative)."""
    return money_sum(column, BOUGHT) - money_sum(Abs(column), RETURNED)


def only_days(filters: TradeFilters) -> bool:
    """Whether the day rollups hold the totals: nothing but the dates filters the rows."""
    return not (filters.query or filters.warehouse or filters.region or filters.state)


def days_summed(seller: Seller, filters: TradeFilters, figures: dict) -> dict:
    """The figures (CabinetDay holds each, by name) summed over the filters' days."""
    days = CabinetDay.objects.filter(seller=seller, day__range=(filters.date_from, filters.date_to))
    return days.aggregate(**{name: day_sum(name) for name in figures})


def day_sum(name: str) -> Expression:
    if isinstance(CabinetDay._meta.get_field(name), DecimalField):
        return money_sum(name)
    return Coalesce(Sum(name), 0)


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
