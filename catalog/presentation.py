"""How the catalogue's pages put figures into words and pictures."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from wberp.charts import BarChart, LineChart, Point, Series, bar_chart, line_chart

from .selectors import DayPrice, DayStock


@dataclass(frozen=True)
class Chart:
    chart: BarChart | LineChart
    summary: str


def day_text(day: date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def grouped(number) -> str:
    """A number in the reader's locale, thousands grouped: "12 345", "12,345"."""
    return formats.number_format(number, force_grouping=True)


def units_text(quantity: int) -> str:
    return ngettext("%(count)s unit", "%(count)s units", quantity) % {"count": grouped(quantity)}


def stock_chart(history: list[DayStock]) -> Chart | None:
    """A bar a day from the first snapshot to the last (a day without one has no bar); None
    without any snapshot."""
    if not history:
        return None
    by_day = {row.day: row.quantity for row in history}
    first, last = history[0].day, history[-1].day
    days = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
    points = [
        Point(
            label=formats.date_format(day, "d.m"),
            value=by_day.get(day),
            tooltip=f"{day_text(day)}: {units_text(by_day[day])}"
            if day in by_day
            else _("%(day)s: no snapshot") % {"day": day_text(day)},
        )
        for day in days
    ]
    return Chart(chart=bar_chart(points, number=grouped), summary=history_summary(history))


def history_summary(history: list[DayStock]) -> str:
    """What the chart shows, in a sentence or two, for those who do not see it."""
    highest = max(history, key=lambda row: row.quantity)
    lowest = min(history, key=lambda row: row.quantity)
    text = ngettext(
        "Stock on every warehouse, %(days)d day with a snapshot, %(first)s to %(last)s: "
        "%(start)s at first, %(end)s at last.",
        "Stock on every warehouse, %(days)d days with a snapshot, %(first)s to %(last)s: "
        "%(start)s at first, %(end)s at last.",
        len(history),
    ) % {
        "days": len(history),
        "first": day_text(history[0].day),
        "last": day_text(history[-1].day),
        "start": units_text(history[0].quantity),
        "end": units_text(history[-1].quantity),
    }
    return (
        text
        + " "
        + _("Highest %(high)s on %(high_day)s, lowest %(low)s on %(low_day)s.")
        % {
            "high": units_text(highest.quantity),
            "high_day": day_text(highest.day),
            "low": units_text(lowest.quantity),
            "low_day": day_text(lowest.day),
        }
    )


def money_text(amount) -> str:
    return formats.number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)


def price_chart(days: list[DayPrice]) -> Chart | None:
    """A line through the product's lowest price with discount at each day's end; None
    without any recorded price."""
    priced = [day for day in days if day.price is not None]
    if not priced:
        return None
    points = [
        Point(
            label=formats.date_format(day.day, "d.m"),
            value=day.price,
            tooltip=f"{day_text(day.day)}: {money_text(day.price)}"
            if day.price is not None
            else _("%(day)s: no price") % {"day": day_text(day.day)},
        )
        for day in days
    ]
    lowest = min(priced, key=lambda day: day.price)
    highest = max(priced, key=lambda day: day.price)
    summary = _(
        "Lowest price with discount of the product's sizes, %(first)s to %(last)s: %(start)s "
        "at first, %(end)s at last; highest %(high)s on %(high_day)s, lowest %(low)s on "
        "%(low_day)s."
    ) % {
        "first": day_text(days[0].day),
        "last": day_text(days[-1].day),
        "start": money_text(priced[0].price),
        "end": money_text(priced[-1].price),
        "high": money_text(highest.price),
        "high_day": day_text(highest.day),
        "low": money_text(lowest.price),
        "low_day": day_text(lowest.day),
    }
    series = Series(_("Lowest price with discount"), points)
    return Chart(chart=line_chart([series], number=grouped), summary=summary)
