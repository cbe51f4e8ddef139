"""The cabinet dashboard (/sellers/<sid>/): every figure equals sums computed here from the
raw rows of a generated cabinet and from WB's ground truth, for several periods and across
Moscow-day boundaries; each figure against the period before; what a user may not see is not
read or shown; bad periods are said, never a 500; queries stay few."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from catalog.models import Price, Product, Size, Stock
from conftest import client_for
from dashboards.selectors import Period
from dashboards.services import rollups_rebuild
from finance.models import Report, ReportRow
from sales.models import Order, Sale
from wbapi.moscow import MOSCOW, parse_moment
from wberp.tests.wbdata import WB_DATA_NOW

from .expected import day, money

TODAY = WB_DATA_NOW.astimezone(MOSCOW).date()


def dashboard(client, seller, **query):
    response = client.get(reverse("sellers:detail", args=[seller.sid]), query)
    assert response.status_code == 200
    return response


def figures(response) -> dict:
    return {view.figure.name: view.figure for view in response.context["dashboard"].figures}


# --- Sums computed here, from the raw rows --------------------------------------------------


def in_period(moment, period: Period) -> bool:
    return moment is not None and period.first <= day(moment) <= period.last


def raw_figures(seller, period: Period) -> dict:
    """The headline figures of `period`, row by row from the stored orders, sales and report
    rows; to be paid from the reports only if they cover every day."""
    orders = list(Order.objects.filter(seller=seller))
    sales = list(Sale.objects.filter(seller=seller))
    placed = [o for o in orders if in_period(o.date, period)]
    cancelled = [o for o in orders if o.is_cancel and in_period(o.cancel_date or o.date, period)]
    bought = [s for s in sales if not s.is_return and in_period(s.date, period)]
    back = [s for s in sales if s.is_return and in_period(s.date, period)]
    settled = len(bought) + len(cancelled)
    found = {
        "orders": len(placed),
        "orders_sum": sum((o.price_with_disc for o in placed), Decimal(0)),
        "buyouts": len(bought),
        "cancellations": len(cancelled),
        "returns": len(back),
        "buyout_percent": Decimal(len(bought)) * 100 / settled if settled else None,
        "revenue": sum((s.price_with_disc for s in bought), Decimal(0))
        - sum((abs(s.price_with_disc) for s in back), Decimal(0)),
    }
    rows = [
        r
        for r in ReportRow.objects.filter(seller=seller)
        if period.first <= r.rr_date <= period.last
    ]

    def column(name, rows=rows):
        return sum((getattr(r, name) or 0 for r in rows), Decimal(0))

    sold = [r for r in rows if r.doc_type_name != "Возврат"]
    returned = [r for r in rows if r.doc_type_name == "Возврат"]
    found.update(
        commission=column("ppvz_sales_commission", sold)
        - column("ppvz_sales_commission", returned),
        logistics=column("delivery_service"),
        storage=column("paid_storage"),
        penalties=column("penalty"),
        deductions=column("deduction"),
        acceptance=column("paid_acceptance"),
    )
    spans = Report.objects.filter(seller=seller, rows_count__gt=0).values_list(
        "date_from", "date_to"
    )
    if period.covered_by(spans):
        found["to_pay"] = (
            column("for_pay", sold)
            - column("for_pay", returned)
            - found["logistics"]
            - found["storage"]
            - found["penalties"]
            - found["deductions"]
            - found["acceptance"]
            + column("additional_payment")
        )
    else:
        found["to_pay"] = sum((s.for_pay for s in bought), Decimal(0)) - sum(
            (abs(s.for_pay) for s in back), Decimal(0)
        )
    return found


def truth_figures(cabinet, period: Period) -> dict:
    """The trade figures of `period` from WB's ground truth (WB's own field names)."""
    orders, sales = cabinet.truth("orders"), cabinet.truth("sales")

    def on(text) -> bool:
        return in_period(parse_moment(text), period)

    bought = [s for s in sales if s["saleID"].startswith("S") and on(s["date"])]
    back = [s for s in sales if s["saleID"].startswith("R") and on(s["date"])]
    return {
        "orders": sum(1 for o in orders if on(o["date"])),
        "orders_sum": sum((money(o["priceWithDisc"]) for o in orders if on(o["date"])), Decimal(0)),
        "cancellations": sum(1 for o in orders if o["isCancel"] and on(o["cancelDate"])),
        "buyouts": len(bought),
        "returns": len(back),
        "revenue": sum((money(s["priceWithDisc"]) for s in bought + back), Decimal(0)),
    }


PERIODS = {
    "the last 7 days": {"period": "7"},
    "the last 30 days": {"period": "30"},
    "today": {"period": "today"},
    "a custom fortnight": {"period": "custom", "date_from": "2026-01-05", "date_to": "2026-01-18"},
    "one custom day": {"date_from": "2026-02-10", "date_to": "2026-02-10"},
}


@pytest.mark.parametrize("query", PERIODS.values(), ids=PERIODS.keys())
def test_each_figure_equals_the_sums_of_the_raw_rows_and_of_wb_s_truth(cabinet, reader, query):
    seller = cabinet.seller
    response = dashboard(reader, seller, **query)
    period = response.context["dashboard"].period
    shown = figures(response)
    for when, expected in (
        (period, raw_figures(seller, period)),
        (period.previous(), raw_figures(seller, period.previous())),
    ):
        values = {
            name: figure.value if when == period else figure.previous
            for name, figure in shown.items()
        }
        assert values == expected, when
    truth = truth_figures(cabinet, period)
    assert {name: shown[name].value for name in truth} == truth


def test_the_ninety_days_cover_reports_and_returns_and_cancellations(cabinet, reader):
    shown = figures(dashboard(reader, cabinet.seller, period="90"))
    assert shown["returns"].value > 0 and shown["cancellations"].value > 0
    assert shown["commission"].value > 0 and shown["storage"].value > 0
    assert shown["revenue"].delta == shown["revenue"].value - shown["revenue"].previous


def test_to_be_paid_comes_from_the_reports_where_they_cover_the_period_else_from_sales(
    cabinet, reader
):
    covered = figures(dashboard(reader, cabinet.seller, **PERIODS["a custom fortnight"]))
    assert not covered["to_pay"].estimated
    latest = Report.objects.filter(seller=cabinet.seller).order_by("-date_to").first()
    assert latest.date_to < TODAY  # this week's report is not out yet
    uncovered = dashboard(reader, cabinet.seller, period="7")
    assert figures(uncovered)["to_pay"].estimated
    assert "estimated from sales" in uncovered.content.decode()


@pytest.mark.django_db
def test_orders_on_either_side_of_moscow_midnight_count_on_their_moscow_days(make_seller, reader):
    seller = make_seller()
    for srid, moment in (
        ("before", "2026-03-01T23:59:00+03:00"),
        ("after", "2026-03-02T00:01:00+03:00"),
    ):
        at = parse_moment(moment)
        Order.objects.create(
            seller=seller, srid=srid, date=at, last_change_date=at, price_with_disc=Decimal(10)
        )
    rollups_rebuild(seller=seller)
    with time_machine.travel(WB_DATA_NOW, tick=False):
        first = figures(dashboard(reader, seller, date_from="2026-03-01", date_to="2026-03-01"))
        second = figures(dashboard(reader, seller, date_from="2026-03-02", date_to="2026-03-02"))
    assert (first["orders"].value, second["orders"].value) == (1, 1)
    assert second["orders"].previous == 1 and second["orders"].delta == 0


BAD_PERIODS = {
    "first after last": ({"date_from": "2026-02-10", "date_to": "2026-02-01"}, "after its last"),
    "not a date": ({"period": "custom", "date_from": "yesterday", "date_to": "2026-02-01"}, "From"),
    "half a period": ({"period": "custom", "date_from": "2026-02-01"}, "both"),
    "in the future": ({"date_from": "2026-03-01", "date_to": "2026-04-01"}, "after today"),
    "too long": ({"date_from": "2024-01-01", "date_to": "2026-03-01"}, "at most"),
    "unknown period": ({"period": "forever"}, "Period"),
}


@pytest.mark.parametrize(("query", "said"), BAD_PERIODS.values(), ids=BAD_PERIODS.keys())
def test_a_period_that_does_not_fit_is_said_and_the_last_seven_days_shown(
    cabinet, reader, query, said
):
    response = dashboard(reader, cabinet.seller, **query)
    messages = [str(message) for message in response.context["messages"]]
    assert any(said in message for message in messages), messages
    assert response.context["dashboard"].period == Period(TODAY - timedelta(days=6), TODAY)


def grant(user, seller, **levels):
    from access.models import CabinetGrant

    return CabinetGrant.objects.create(seller=seller, user=user, **levels)


PERMS = ["sellers.view_seller", "sales.view_order", "sales.view_sale", "finance.view_report"]
PERMS += ["catalog.view_stock"]


def test_a_user_sees_only_the_figures_of_the_areas_they_hold(cabinet, make_user):
    seller = cabinet.seller
    sales_only = make_user("sales-only", staff=True, perms=PERMS)
    grant(sales_only, seller, sales=1)
    shown = figures(dashboard(client_for(sales_only), seller, period="30"))
    assert {"orders", "revenue", "to_pay"} <= set(shown)
    assert not {"commission", "logistics", "storage"} & set(shown)
    page = dashboard(client_for(sales_only), seller, period="30")
    assert page.context["dashboard"].stock is None
    assert (
        "Комиссия WB" not in page.content.decode()
        and "WB's commission" not in page.content.decode()
    )

    finance_only = make_user("finance-only", staff=True, perms=PERMS)
    grant(finance_only, seller, finance=1)
    covered = figures(dashboard(client_for(finance_only), seller, **PERIODS["a custom fortnight"]))
    assert {"commission", "to_pay"} <= set(covered) and "orders" not in covered
    assert not covered["to_pay"].estimated
    uncovered = figures(dashboard(client_for(finance_only), seller, period="7"))
    assert "to_pay" not in uncovered  # no report covers it, and sales are not theirs to see


def test_an_area_without_its_model_permission_shows_nothing_of_it(cabinet, make_user):
    user = make_user("no-perms", staff=True, perms=["sellers.view_seller"])
    grant(user, cabinet.seller, sales=1, finance=1, catalogue=1)
    response = dashboard(client_for(user), cabinet.seller)
    assert response.context["dashboard"].figures == []
    assert response.context["dashboard"].trade is None


def test_a_cabinet_outside_the_user_s_grants_is_not_found(cabinet, make_user, make_seller):
    user = make_user("elsewhere", staff=True, perms=PERMS)
    grant(user, make_seller("Other"), sales=1)
    url = reverse("sellers:detail", args=[cabinet.seller.sid])
    assert client_for(user).get(url).status_code == 404


def test_the_page_reads_a_constant_number_of_queries(
    cabinet, reader, django_assert_max_num_queries
):
    with django_assert_max_num_queries(24):
        dashboard(reader, cabinet.seller, period="90")


# --- Stock --------------------------------------------------------------------------------------


def stock_up(seller, nm_id: int, *, units: int, price: str | None):
    """A catalogue product of one size with `units` on one WB warehouse at `price`."""
    now = WB_DATA_NOW
    product = Product.objects.create(
        seller=seller, nm_id=nm_id, vendor_code=f"V{nm_id}", changed_at=now
    )
    size = Size.objects.create(seller=seller, product=product, chrt_id=nm_id * 10)
    if price is not None:
        Price.objects.create(
            seller=seller,
            nm_id=nm_id,
            chrt_id=size.chrt_id,
            price=Decimal(price) * 2,
            discounted_price=Decimal(price),
            changed_at=now,
        )
    Stock.objects.create(
        seller=seller,
        kind="fbw",
        warehouse_id=1,
        chrt_id=size.chrt_id,
        quantity=units,
        changed_at=now,
    )


def test_stock_on_hand_days_of_cover_and_stock_outs(cabinet, reader):
    seller = cabinet.seller
    window = Period(TODAY - timedelta(days=13), TODAY)
    sold: dict[int, int] = {}
    for sale in Sale.objects.filter(seller=seller, is_return=False):
        if in_period(sale.date, window):
            sold[sale.nm_id] = sold.get(sale.nm_id, 0) + 1
    selling = sorted(sold, key=lambda nm: -sold[nm])
    stocked, empty, unpriced = selling[0], selling[1], 999
    stock_up(seller, stocked, units=70, price="100.00")
    stock_up(seller, empty, units=0, price="50.00")
    stock_up(seller, unpriced, units=5, price=None)
    stock = dashboard(reader, seller, cover="14").context["dashboard"].stock
    assert (stock.units, stock.value, stock.unpriced) == (75, Decimal("7000.00"), 5)
    assert [p.nm_id for p in stock.cover] == [stocked]
    assert stock.cover[0].days_of_cover == Decimal(70) / (Decimal(sold[stocked]) / 14)
    out = {p.nm_id: p.sold for p in stock.out_of_stock}
    assert out[empty] == sold[empty]
    assert set(out) == set(sold) - {stocked}  # the rest sold, and are in no stock at all
    assert dashboard(reader, seller, cover="30").context["dashboard"].stock.cover_days == 30


# --- The page -----------------------------------------------------------------------------------


def test_the_page_charts_the_days_and_says_how_each_figure_is_computed(cabinet, reader):
    response = dashboard(reader, cabinet.seller, period="30")
    page = response.content.decode()
    assert page.count('<svg class="chart-svg"') == 2
    assert "<circle" in page and "<rect" in page and "<title>" in page
    assert "style=" not in page and "<script>" not in page
    assert "items still on their way to the buyer" in page.lower()
    assert 'class="freshness"' in page and "Orders: not synced yet." in page  # how fresh
    assert "Top products by revenue" in page
    assert "What wberp can read" in page  # the cabinet's tokens, lower on the page
    days = response.context["dashboard"].trade.chart.lines[0].dots
    assert len(days) == 30


def test_the_page_reads_in_russian(cabinet, reader):
    reader.cookies["django_language"] = "ru"
    page = dashboard(reader, cabinet.seller).content.decode()
    assert "Заказы" in page and "Выручка" in page
