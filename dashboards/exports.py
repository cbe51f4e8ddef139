"""The cabinet dashboard's tables as files, through the table pages' exports (wberp.exports):
`?export=csv|xlsx&table=<name>` with the page's period. A file holds every row of its table,
where the page shows the first few: every product traded in the period (the top and the
bottom products are its two ends), every product in stock that sold in the cover window, and
every product that sold then and is out of stock now."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.http import Http404, HttpRequest, HttpResponse

from sellers.models import Seller
from wberp.exports import Column, attribute_columns, page_export
from wberp.periods import moscow_today

from .forms import PeriodForm
from .selectors import Sight, StockView, products_of, sights_of, stock_of

NAMES = ["nm_id", "vendor_code", "title"]


def named_columns(*names: str) -> list[Column]:
    return attribute_columns(*NAMES, *names)


def rounded(name: str, places: int) -> Column:
    """A computed ratio, to as many places as a person reads (it has many more)."""

    def value(row) -> Decimal | None:
        number = getattr(row, name)
        return None if number is None else round(number, places)

    return (name, value)


@dataclass(frozen=True)
class Table:
    columns: list[Column]
    rows: Callable[[Seller, PeriodForm], list]
    seen: Callable[[Sight], bool]


def every_stock_row(seller: Seller, form: PeriodForm) -> StockView:
    return stock_of(
        seller.pk, today=moscow_today(), cover_days=form.cover_days(), sales=True, shown=None
    )


TABLES = {
    "products": Table(
        named_columns("orders", "buyouts", "returns", "revenue"),
        lambda seller, form: products_of(seller.pk, form.chosen()),
        lambda sight: sight.sales,
    ),
    "cover": Table(
        [*named_columns("units"), rounded("per_day", 2), rounded("days_of_cover", 1)],
        lambda seller, form: every_stock_row(seller, form).cover,
        lambda sight: sight.sales and sight.stock,
    ),
    "out_of_stock": Table(
        named_columns("sold"),
        lambda seller, form: every_stock_row(seller, form).out_of_stock,
        lambda sight: sight.sales and sight.stock,
    ),
}


def dashboard_export(request: HttpRequest, seller: Seller, form: PeriodForm) -> HttpResponse | None:
    """The export the query string asks for, of one of the dashboard's tables; None when it
    asks for none. A table the user does not see (or none such) is not found."""
    if "export" not in request.GET:
        return None
    name = request.GET.get("table", "")
    table = TABLES.get(name)
    if table is None or not table.seen(sights_of(request.user, [seller.pk])[seller.pk]):
        raise Http404
    period = form.chosen()
    filename = f"{name}-{seller.sid}-{period.first}-{period.last}"
    return page_export(request, table.rows(seller, form), table.columns, name=filename)
