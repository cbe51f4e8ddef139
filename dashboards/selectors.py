"""Reads of the dashboards: a cabinet's figures for a period and the one before, its charts by
day, products and stock; the same headline figures for many cabinets at once.

Every figure comes from the daily rollups (dashboards.models) and the catalogue's current
prices and stocks, never from the raw orders: a query a figure group, whatever the rows, and
for the overview the same queries for any number of cabinets (grouped by cabinet). What a user
may see of a cabinet (`Sight`) decides which groups are read at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    DecimalField,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce

from access.models import Area, Level
from access.selectors import NO_LEVELS, User, levels_by_cabinet, sees_all_cabinets
from catalog.models import Price, Product, Size, Stock
from finance.models import Report
from wberp import periods

from .models import CabinetDay, FinanceDay, OrderDay, SaleDay

ZERO = Decimal("0.00")
ONE_DAY = timedelta(days=1)
SHOWN_PRODUCTS = 5
SHOWN_COVER = 10


@dataclass(frozen=True)
class Period(periods.Period):
    """Moscow days from `first` to `last`, both included, as a dashboard compares them."""

    def previous(self) -> Period:
        """As many days, ending the day before."""
        return Period(self.first - self.days * ONE_DAY, self.first - ONE_DAY)

    def each_day(self) -> list[date]:
        return [self.first + n * ONE_DAY for n in range(self.days)]

    def covered_by(self, spans: Iterable[tuple[date, date]]) -> bool:
        """Whether every day lies in one of the (first, last) spans."""
        spans = list(spans)
        return all(any(a <= day <= b for a, b in spans) for day in self.each_day())


# --- What a user may see ---------------------------------------------------------------------


@dataclass(frozen=True)
class Sight:
    """Which figure groups of a cabinet a user may see: its area and the model permission
    of the rows behind them, as the pages of those rows ask."""

    sales: bool = False
    finance: bool = False
    stock: bool = False

    @property
    def anything(self) -> bool:
        return self.sales or self.finance or self.stock


GROUPS = {
    "sales": (Area.SALES, ("sales.view_order", "sales.view_sale")),
    "finance": (Area.FINANCE, ("finance.view_report",)),
    "stock": (Area.CATALOGUE, ("catalog.view_stock",)),
}


def sights_of(user: User, seller_ids: list[int]) -> dict[int, Sight]:
    """What `user` may see of each of these cabinets (one query)."""
    perms = {name: user.has_perms(needed) for name, (_, needed) in GROUPS.items()}
    if sees_all_cabinets(user):
        return {pk: Sight(**perms) for pk in seller_ids}
    levels = levels_by_cabinet(user, seller_ids)
    return {
        pk: Sight(
            **{
                name: perms[name] and levels.get(pk, NO_LEVELS)[area] >= Level.VIEW
                for name, (area, _) in GROUPS.items()
            }
        )
        for pk in seller_ids
    }


# --- Figures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One headline figure for the period and the one before; `note` says how it is computed."""

    name: str
    value: Decimal | int | None
    previous: Decimal | int | None
    kind: str = "money"  # "count", "money" or "percent"
    estimated: bool = False  # to be paid, estimated from the sales rows

    @property
    def delta(self) -> Decimal | int | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def delta_percent(self) -> Decimal | None:
        if self.delta is None or not self.previous:
            return None
        return Decimal(self.delta) * 100 / abs(Decimal(self.previous))


ORDER_SUMS = ("orders", "orders_sum", "cancellations", "cancellations_sum")
SALE_SUMS = ("buyouts", "buyouts_sum", "returns", "returns_sum", "for_pay")
FINANCE_SUMS = (
    "sales",
    "returns",
    "for_pay",
    "commission",
    "logistics",
    "storage",
    "penalties",
    "deductions",
    "acceptance",
    "additional",
)
NOW, BEFORE = "now", "before"


def sums_by_cabinet(model, seller_ids, names, period: Period) -> dict[int, dict[str, dict]]:
    """Each cabinet's sums of `names` in the period and the one before, one grouped query:
    {seller_id: {"now": {...}, "before": {...}}}, zeros where nothing was."""
    ids = list(seller_ids)
    before = period.previous()
    ranges = {NOW: (period.first, period.last), BEFORE: (before.first, before.last)}
    sums = {
        f"{name}__{when}": Coalesce(
            Sum(name, filter=Q(day__range=span)), 0, output_field=model._meta.get_field(name)
        )
        for name in names
        for when, span in ranges.items()
    }
    rows = (
        model.objects.filter(seller_id__in=ids, day__range=(before.first, period.last))
        .order_by()
        .values("seller_id")
        .annotate(**sums)
    )
    found = {pk: {NOW: dict.fromkeys(names, 0), BEFORE: dict.fromkeys(names, 0)} for pk in ids}
    for row in rows:
        for key, value in row.items():
            if key != "seller_id":
                name, when = key.rsplit("__", 1)
                found[row["seller_id"]][when][name] = value
    return found


def report_spans(seller_ids, period: Period) -> dict[int, list[tuple[date, date]]]:
    """The periods of each cabinet's stored reports (those whose rows are stored) that
    overlap the period or the one before (one query)."""
    reports = Report.objects.filter(
        seller_id__in=seller_ids,
        rows_count__gt=0,
        date_to__gte=period.previous().first,
        date_from__lte=period.last,
    ).values_list("seller_id", "date_from", "date_to")
    spans: dict[int, list[tuple[date, date]]] = {pk: [] for pk in seller_ids}
    for pk, first, last in reports:
        spans[pk].append((first, last))
    return spans


def to_pay(finance: dict) -> Decimal:
    """WB's bank payment: for goods sold, less what WB charges, plus its additional payments."""
    return (
        finance["for_pay"]
        - finance["logistics"]
        - finance["storage"]
        - finance["penalties"]
        - finance["deductions"]
        - finance["acceptance"]
        + finance["additional"]
    )


def buyout_percent(sales: dict, orders: dict) -> Decimal | None:
    """Buyouts of all settled items (bought out or cancelled); items still on their way to
    the buyer are in neither, as WB's own figure leaves them out."""
    settled = sales["buyouts"] + orders["cancellations"]
    return Decimal(sales["buyouts"]) * 100 / settled if settled else None


@dataclass(frozen=True)
class Headline:
    """A cabinet's headline figures, as its dashboard and the overview show them."""

    figures: dict[str, Figure] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Figure | None:
        return self.figures.get(name)

    def __iter__(self):
        return iter(self.figures.values())


def headline_of(
    sight: Sight,
    orders: dict | None,
    sales: dict | None,
    finance: dict | None,
    spans: list[tuple[date, date]],
    period: Period,
) -> Headline:
    """The figures `sight` allows, from the sums of one cabinet."""
    figures: dict[str, Figure] = {}

    def add(name: str, now, before, kind: str = "money", estimated: bool = False) -> None:
        figures[name] = Figure(name, now, before, kind, estimated)

    if sight.sales:
        o, s = orders, sales
        add("orders", o[NOW]["orders"], o[BEFORE]["orders"], "count")
        add("orders_sum", o[NOW]["orders_sum"], o[BEFORE]["orders_sum"])
        add("buyouts", s[NOW]["buyouts"], s[BEFORE]["buyouts"], "count")
        add("cancellations", o[NOW]["cancellations"], o[BEFORE]["cancellations"], "count")
        add("returns", s[NOW]["returns"], s[BEFORE]["returns"], "count")
        add(
            "buyout_percent",
            buyout_percent(s[NOW], o[NOW]),
            buyout_percent(s[BEFORE], o[BEFORE]),
            "percent",
        )
        add(
            "revenue",
            s[NOW]["buyouts_sum"] - s[NOW]["returns_sum"],
            s[BEFORE]["buyouts_sum"] - s[BEFORE]["returns_sum"],
        )
    covered_now = sight.finance and period.covered_by(spans)
    covered_before = sight.finance and period.previous().covered_by(spans)
    if covered_now or sight.sales:
        add(
            "to_pay",
            to_pay(finance[NOW]) if covered_now else sales[NOW]["for_pay"],
            (to_pay(finance[BEFORE]) if covered_before else sales[BEFORE]["for_pay"])
            if covered_before or sight.sales
            else None,
            estimated=not covered_now,
        )
    if sight.finance:
        for name in ("commission", "logistics", "storage", "penalties", "deductions", "acceptance"):
            add(name, finance[NOW][name], finance[BEFORE][name])
    return Headline(figures)


def headlines(user_sights: dict[int, Sight], period: Period) -> dict[int, Headline]:
    """The headline figures of many cabinets: a grouped query per rollup table, each only
    over the cabinets whose figures of it the user may see."""
    sales_ids = [pk for pk, sight in user_sights.items() if sight.sales]
    finance_ids = [pk for pk, sight in user_sights.items() if sight.finance]
    trade = CabinetDay, sales_ids, ORDER_SUMS + SALE_SUMS, period
    orders = sales = sums_by_cabinet(*trade) if sales_ids else {}  # a row holds both
    finance = sums_by_cabinet(FinanceDay, finance_ids, FINANCE_SUMS, period) if finance_ids else {}
    spans = report_spans(finance_ids, period) if finance_ids else {}
    return {
        pk: headline_of(
            sight, orders.get(pk), sales.get(pk), finance.get(pk), spans.get(pk, []), period
        )
        for pk, sight in user_sights.items()
    }


# --- By day -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Day:
    day: date
    orders: int = 0
    cancellations: int = 0
    buyouts: int = 0
    returns: int = 0
    revenue: Decimal = ZERO


def days_of(seller_id: int, period: Period) -> list[Day]:
    """The period's trade day by day, every day present (one query)."""
    rows = CabinetDay.objects.filter(seller_id=seller_id, day__range=(period.first, period.last))
    found = {
        row.day: Day(
            row.day,
            orders=row.orders,
            cancellations=row.cancellations,
            buyouts=row.buyouts,
            returns=row.returns,
            revenue=row.buyouts_sum - row.returns_sum,
        )
        for row in rows
    }
    return [found.get(day, Day(day)) for day in period.each_day()]


# --- Products ---------------------------------------------------------------------------------


@dataclass
class ProductFigures:
    nm_id: int
    vendor_code: str = ""
    title: str = ""
    orders: int = 0
    buyouts: int = 0
    returns: int = 0
    revenue: Decimal = ZERO


def products_of(seller_id: int, period: Period) -> list[ProductFigures]:
    """Each product traded in the period (ordered, bought out or returned), by revenue,
    highest first (two queries; names in a third)."""
    span = (period.first, period.last)
    found: dict[int, ProductFigures] = {}
    orders = (
        OrderDay.objects.filter(seller_id=seller_id, day__range=span)
        .values("nm_id")
        .annotate(orders=Sum("orders"))
    )
    for row in orders:
        found.setdefault(row["nm_id"], ProductFigures(row["nm_id"])).orders = row["orders"]
    sales = (
        SaleDay.objects.filter(seller_id=seller_id, day__range=span)
        .values("nm_id")
        .annotate(
            buyouts=Sum("buyouts"),
            returns=Sum("returns"),
            bought=Sum("buyouts_sum"),
            back=Sum("returns_sum"),
        )
    )
    for row in sales:
        product = found.setdefault(row["nm_id"], ProductFigures(row["nm_id"]))
        product.buyouts, product.returns = row["buyouts"], row["returns"]
        product.revenue = row["bought"] - row["back"]
    named(seller_id, found)
    return sorted(found.values(), key=lambda p: (-p.revenue, -p.orders, p.nm_id))


def named(seller_id: int, products: dict[int, object]) -> None:
    """Give products their vendor code and title from the catalogue (one query)."""
    cards = Product.objects.filter(seller_id=seller_id, nm_id__in=list(products)).values_list(
        "nm_id", "vendor_code", "title"
    )
    for nm_id, vendor_code, title in cards:
        products[nm_id].vendor_code, products[nm_id].title = vendor_code, title


def top_and_bottom(products: list[ProductFigures]) -> tuple[list, list]:
    """The best products by revenue and, apart from those, the worst (lowest first)."""
    top = products[:SHOWN_PRODUCTS]
    rest = products[SHOWN_PRODUCTS:]
    return top, list(reversed(rest[-SHOWN_PRODUCTS:]))


# --- Stock ------------------------------------------------------------------------------------


@dataclass
class ProductStock:
    nm_id: int
    units: int = 0
    value: Decimal = ZERO
    sold: int = 0  # bought out in the cover window
    vendor_code: str = ""
    title: str = ""
    cover_days: int = 0  # the window's length, to average by
    unpriced: int = 0  # units of sizes without a current price

    @property
    def per_day(self) -> Decimal:
        return Decimal(self.sold) / self.cover_days if self.cover_days else ZERO

    @property
    def days_of_cover(self) -> Decimal | None:
        """Days the stock lasts at the window's rate of buyouts; None if none sold."""
        return Decimal(self.units) / self.per_day if self.sold else None


@dataclass(frozen=True)
class StockView:
    units: int
    value: Decimal
    unpriced: int  # units of sizes without a current price: not in the value
    cover: list[ProductStock]  # the products selling, fewest days of cover first
    out_of_stock: list[ProductStock]  # sold in the window, none on hand now
    cover_days: int


def stock_by_product(seller_ids: list[int]) -> dict[int, dict[int, ProductStock]]:
    """Units and value on hand now of each product of these cabinets, on every warehouse
    (one query): a stock row names its size (chrtID), the product comes from the catalogue's
    sizes, the value from the size's current price with the seller's discount."""
    price = Price.objects.filter(
        seller_id=OuterRef("seller_id"), chrt_id=OuterRef("chrt_id")
    ).values("discounted_price")[:1]
    product = Size.objects.filter(
        seller_id=OuterRef("seller_id"), chrt_id=OuterRef("chrt_id")
    ).values("product__nm_id")[:1]
    rows = (
        Stock.objects.filter(seller_id__in=seller_ids)
        .annotate(price=Subquery(price), product=Coalesce("nm_id", Subquery(product)))
        .values("seller_id", "product")
        .annotate(
            units=Sum("quantity"),
            value=Sum(
                F("quantity") * F("price"),
                output_field=DecimalField(max_digits=20, decimal_places=2),
            ),
            unpriced=Coalesce(
                Sum("quantity", filter=Q(price__isnull=True)), 0, output_field=IntegerField()
            ),
        )
        .order_by()
    )
    found: dict[int, dict[int, ProductStock]] = {pk: {} for pk in seller_ids}
    for row in rows:
        stock = ProductStock(
            row["product"] or 0,
            units=row["units"],
            value=row["value"] or ZERO,
            unpriced=row["unpriced"],
        )
        found[row["seller_id"]][stock.nm_id] = stock
    return found


def sold_by_product(seller_ids: list[int], window: Period) -> dict[int, dict[int, int]]:
    """Units of each product of these cabinets bought out in the window (one query)."""
    rows = (
        SaleDay.objects.filter(
            seller_id__in=seller_ids, day__range=(window.first, window.last), buyouts__gt=0
        )
        .values("seller_id", "nm_id")
        .annotate(sold=Sum("buyouts"))
        .order_by()
    )
    found: dict[int, dict[int, int]] = {pk: {} for pk in seller_ids}
    for row in rows:
        found[row["seller_id"]][row["nm_id"]] = row["sold"]
    return found


def cover_window(today: date, days: int) -> Period:
    """The last `days` days, today included."""
    return Period(today - (days - 1) * ONE_DAY, today)


def out_of_stock(stocks: dict[int, ProductStock], sold: dict[int, int]) -> list[int]:
    """The products that sold in the window and have none on hand now, best sellers first."""
    empty = [nm for nm in sold if nm not in stocks or stocks[nm].units <= 0]
    return sorted(empty, key=lambda nm: -sold[nm])


def stock_of(
    seller_id: int, *, today: date, cover_days: int, sales: bool, shown: int | None = SHOWN_COVER
) -> StockView:
    """Stock on hand; with `sales` (the user sees them), days of cover from the buyouts of
    the last `cover_days` days (of the `shown` products that run out first; None: of all)
    and the products sold then but out of stock now."""
    stocks = stock_by_product([seller_id])[seller_id]
    units = sum(stock.units for stock in stocks.values())
    value = sum((stock.value for stock in stocks.values()), ZERO)
    unpriced = sum(stock.unpriced for stock in stocks.values())
    if not sales:
        return StockView(units, value, unpriced, [], [], cover_days)
    sold = sold_by_product([seller_id], cover_window(today, cover_days))[seller_id]
    selling = {nm: stocks.get(nm) or ProductStock(nm) for nm in sold}
    for nm, stock in selling.items():
        stock.sold, stock.cover_days = sold[nm], cover_days
    named(seller_id, selling)
    out = [selling[nm] for nm in out_of_stock(stocks, sold)]
    cover = sorted(
        (stock for stock in selling.values() if stock.units > 0), key=lambda s: s.days_of_cover
    )[:shown]
    return StockView(units, value, unpriced, cover, out, cover_days)
