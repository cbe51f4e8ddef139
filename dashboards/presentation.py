"""How the dashboards put their figures into words and charts: each figure's label and the
note that says how it is computed, and the charts by day with their text summaries."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from access.selectors import User
from catalog.presentation import day_text, grouped
from sellers.models import Seller
from sync.cabinet import data_freshness
from wberp.charts import BarChart, LineChart, Point, Series, bar_chart, line_chart
from wberp.periods import moscow_today

from .selectors import (
    Day,
    Figure,
    Period,
    ProductFigures,
    Sight,
    StockView,
    days_of,
    headlines,
    products_of,
    sights_of,
    stock_of,
    top_and_bottom,
)

# name -> (label, how it is computed). Trade figures come from statistics-api's orders and
# sales rows, finance figures from the realization reports' rows, both by Moscow day.
FIGURES: dict[str, tuple[Promise, Promise]] = {
    "orders": (
        gettext_lazy("Orders"),
        gettext_lazy("Orders placed in the period, cancelled ones included (one a unit)."),
    ),
    "orders_sum": (
        gettext_lazy("Ordered for"),
        gettext_lazy("Those orders at the price with your discount (WB's priceWithDisc)."),
    ),
    "buyouts": (
        gettext_lazy("Buyouts"),
        gettext_lazy("Items bought out in the period (sales rows S…), by the day of sale."),
    ),
    "cancellations": (
        gettext_lazy("Cancellations"),
        gettext_lazy("Orders cancelled in the period, by WB's cancellation date."),
    ),
    "returns": (
        gettext_lazy("Returns"),
        gettext_lazy("Items returned in the period (sales rows R…), by the day of return."),
    ),
    "buyout_percent": (
        gettext_lazy("Buyout %"),
        gettext_lazy(
            "Buyouts ÷ (buyouts + cancellations) in the period. Items still on their way to "
            "the buyer are in neither, as in WB's own buyout percentage."
        ),
    ),
    "revenue": (
        gettext_lazy("Revenue"),
        gettext_lazy("Buyouts less returns, at the price with your discount."),
    ),
    "to_pay": (
        gettext_lazy("To be paid"),
        gettext_lazy(
            "From the finance reports: for goods sold less logistics, storage, penalties, "
            "deductions and paid acceptance, plus WB's additional payments."
        ),
    ),
    "commission": (
        gettext_lazy("WB's commission"),
        gettext_lazy("Commission of the report rows (ppvz_sales_commission), less returns'."),
    ),
    "logistics": (
        gettext_lazy("Logistics"),
        gettext_lazy("Delivery to and from buyers in the report rows (delivery_rub)."),
    ),
    "storage": (gettext_lazy("Storage"), gettext_lazy("Paid storage in the report rows.")),
    "penalties": (gettext_lazy("Penalties"), gettext_lazy("Penalties in the report rows.")),
    "deductions": (
        gettext_lazy("Deductions"),
        gettext_lazy("Other deductions in the report rows (such as WB's promotion)."),
    ),
    "acceptance": (
        gettext_lazy("Paid acceptance"),
        gettext_lazy("Paid acceptance of supplies in the report rows."),
    ),
}
ESTIMATED_NOTE = gettext_lazy(
    "Estimated from sales: no finance report covers every day of the period, so this is what "
    "the sales rows say WB pays for the buyouts (forPay), less returns, before WB's charges."
)
SALES_NOTE = gettext_lazy(
    "Orders and sales by Moscow day, from statistics-api's rows; finance figures by the "
    "report rows' operation day. The previous period is as many days just before."
)


@dataclass(frozen=True)
class FigureView:
    """A figure as a page shows it."""

    figure: Figure

    @property
    def label(self) -> Promise:
        return FIGURES[self.figure.name][0]

    @property
    def note(self) -> Promise:
        if self.figure.estimated:
            return ESTIMATED_NOTE
        return FIGURES[self.figure.name][1]

    @property
    def direction(self) -> str:
        delta = self.figure.delta
        return "" if not delta else ("up" if delta > 0 else "down")


def figure_views(figures) -> list[FigureView]:
    return [FigureView(figure) for figure in figures]


@dataclass(frozen=True)
class Chart:
    chart: BarChart | LineChart
    summary: str


def short_day(day) -> str:
    return formats.date_format(day, "d.m")


def trade_chart(days: list[Day]) -> Chart:
    """Orders and buyouts a day, two lines."""
    orders_name, buyouts_name = _("Orders"), _("Buyouts")

    def series(name: str, attribute: str) -> Series:
        return Series(
            name,
            [
                Point(
                    short_day(d.day),
                    getattr(d, attribute),
                    f"{day_text(d.day)}: {name} {grouped(getattr(d, attribute))}",
                )
                for d in days
            ],
        )

    chart = line_chart(
        [series(orders_name, "orders"), series(buyouts_name, "buyouts")], number=grouped
    )
    total_orders, total_buyouts = sum(d.orders for d in days), sum(d.buyouts for d in days)
    busiest = max(days, key=lambda d: d.orders)
    summary = ngettext(
        "%(days)d day, %(first)s to %(last)s: %(orders)s orders and %(buyouts)s buyouts in all; "
        "most orders on %(busiest)s (%(most)s).",
        "%(days)d days, %(first)s to %(last)s: %(orders)s orders and %(buyouts)s buyouts in "
        "all; most orders on %(busiest)s (%(most)s).",
        len(days),
    ) % {
        "days": len(days),
        "first": day_text(days[0].day),
        "last": day_text(days[-1].day),
        "orders": grouped(total_orders),
        "buyouts": grouped(total_buyouts),
        "busiest": day_text(busiest.day),
        "most": grouped(busiest.orders),
    }
    return Chart(chart, summary)


def revenue_chart(days: list[Day]) -> Chart:
    """Revenue a day, a bar each (a day of more returns than buyouts draws no bar)."""
    money = [
        Point(
            short_day(d.day),
            d.revenue if d.revenue > 0 else None,
            f"{day_text(d.day)}: {grouped(d.revenue)}",
        )
        for d in days
    ]
    total = sum(d.revenue for d in days)
    best = max(days, key=lambda d: d.revenue)
    summary = _(
        "Revenue %(first)s to %(last)s: %(total)s in all; the most on %(best)s (%(most)s)."
    ) % {
        "first": day_text(days[0].day),
        "last": day_text(days[-1].day),
        "total": grouped(total),
        "best": day_text(best.day),
        "most": grouped(best.revenue),
    }
    return Chart(bar_chart(money, number=grouped), summary)


@dataclass(frozen=True)
class Dashboard:
    """Everything a cabinet's dashboard shows for a period, as the user may see it."""

    period: Period
    sight: Sight
    figures: list[FigureView]
    trade: Chart | None
    revenue: Chart | None
    top: list[ProductFigures]
    bottom: list[ProductFigures]
    stock: StockView | None
    freshness: list


def cabinet_dashboard(user: User, seller: Seller, period: Period, cover_days: int) -> Dashboard:
    """The dashboard of `seller` for `period`: a query or two a figure group the user may
    see, none for the others."""
    sight = sights_of(user, [seller.pk])[seller.pk]
    headline = headlines({seller.pk: sight}, period)[seller.pk]
    trade = revenue = None
    top = bottom = []
    if sight.sales:
        days = days_of(seller.pk, period)
        trade, revenue = trade_chart(days), revenue_chart(days)
        top, bottom = top_and_bottom(products_of(seller.pk, period))
    stock = None
    if sight.stock:
        stock = stock_of(seller.pk, today=moscow_today(), cover_days=cover_days, sales=sight.sales)
    return Dashboard(
        period=period,
        sight=sight,
        figures=figure_views(headline),
        trade=trade,
        revenue=revenue,
        top=top,
        bottom=bottom,
        stock=stock,
        freshness=data_freshness(seller, datasets_seen(sight)),
    )


def datasets_seen(sight: Sight) -> list[str]:
    """The datasets behind the figures `sight` shows, for their freshness."""
    names = []
    if sight.sales:
        names += ["orders", "sales"]
    if sight.finance:
        names.append("finance")
    if sight.stock:
        names += ["stocks", "fbw_stocks", "prices"]
    return names
