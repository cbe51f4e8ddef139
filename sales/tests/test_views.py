"""A cabinet's orders and sales pages: filters, search, totals, pages without counting,
bad input as a list, never an error, and the same number of queries whatever the rows."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import client_for
from dashboards.services import rollups_rebuild
from sales.models import Order, Sale
from sales.views import PAGE_SIZE
from sellers.models import Seller
from wbapi.moscow import MOSCOW
from wberp.tests.wbdata import WB_DATA_NOW

pytestmark = pytest.mark.django_db
# Every cabinet (the pages within one user's cabinets: access/tests).
SEE_ALL = "access.see_all_cabinets"
WEEK = {
    "date_from": (WB_DATA_NOW - timedelta(days=6)).date().isoformat(),
    "date_to": WB_DATA_NOW.date().isoformat(),
}


@pytest.fixture
def reader(make_user):
    """Staff who may view orders and sales, reading English."""
    user = make_user(
        "sales-reader", staff=True, perms=[SEE_ALL, "sales.view_order", "sales.view_sale"]
    )
    client = client_for(user)
    client.cookies["django_language"] = "en"
    return client


def orders_url(seller) -> str:
    return reverse("sales:orders", args=[seller.sid])


def sales_url(seller) -> str:
    return reverse("sales:sales", args=[seller.sid])


def test_the_orders_of_the_chosen_days_are_listed_newest_first_with_their_totals(
    synced_cabinet, reader
):
    seller = synced_cabinet.seller
    response = reader.get(orders_url(seller), WEEK)
    assert response.status_code == 200
    shown = response.context["page"].object_list
    week = Order.objects.filter(seller=seller, date__date__gte=WEEK["date_from"])
    assert [order.srid for order in shown] == [
        order.srid for order in week.order_by("-date", "-id")[:PAGE_SIZE]
    ]
    totals = response.context["totals"]
    assert totals["orders"] == week.count()
    assert totals["orders_sum"] == sum(order.price_with_disc for order in week)
    assert totals["orders_cancelled"] == week.filter(is_cancel=True).count()
    assert shown[0].srid.encode() in response.content


@pytest.mark.parametrize("field", ["srid", "supplier_article", "nm_id", "barcode"])
def test_search_finds_an_order_by_srid_vendor_code_nmid_or_barcode(synced_cabinet, reader, field):
    order = Order.objects.filter(seller=synced_cabinet.seller).latest("date")
    response = reader.get(orders_url(synced_cabinet.seller), {**WEEK, "q": getattr(order, field)})
    found = response.context["page"].object_list
    assert order in found and all(getattr(row, field) == getattr(order, field) for row in found)


def test_filters_narrow_the_list_and_its_totals(synced_cabinet, reader):
    seller = synced_cabinet.seller
    order = Order.objects.filter(seller=seller, is_cancel=True).latest("date")
    day = order.date.astimezone(MOSCOW).date().isoformat()
    filters = {"date_from": day, "date_to": day, "state": "cancelled"}
    filters |= {"warehouse": order.warehouse_name, "region": order.region_name}
    response = reader.get(orders_url(seller), filters)
    rows = response.context["page"].object_list
    assert order in rows
    assert all(row.is_cancel and row.warehouse_name == order.warehouse_name for row in rows)
    assert response.context["totals"]["orders"] == len(rows)


def test_pages_follow_one_another_without_counting_rows(synced_cabinet, reader):
    seller = synced_cabinet.seller
    months = {"date_from": "2025-12-01", "date_to": WEEK["date_to"]}
    first = reader.get(orders_url(seller), months).context["page"]
    second = reader.get(orders_url(seller), {**months, "page": 2}).context["page"]
    assert first.has_next and not first.has_previous and second.has_previous
    assert not {o.pk for o in first.object_list} & {o.pk for o in second.object_list}
    with CaptureQueriesContext(connection) as queries:
        reader.get(orders_url(seller), {**months, "page": 2})
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"] and '"sales_order"' in q["sql"]]
    assert counts == []  # the totals come from the day rollups; no count to number pages


def test_the_number_of_queries_does_not_grow_with_the_rows(synced_cabinet, reader):
    seller = synced_cabinet.seller
    counts = []
    for days in (1, 60):
        since = (WB_DATA_NOW - timedelta(days=days)).date().isoformat()
        with CaptureQueriesContext(connection) as queries:
            reader.get(orders_url(seller), {"date_from": since, "date_to": WEEK["date_to"]})
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "yesterday", "date_to": "2026-02-31", "page": "x"},
        {"q": "x" * 500, "state": "gone", "page": "-3"},
        {"q": "9" * 40},  # a number too big for nmID
        {"date_from": "2026-03-02", "date_to": "2026-01-01"},  # backwards: swapped
        {"warehouse": "Склад \u202e", "region": "<script>"},
    ],
)
def test_bad_input_still_shows_a_list(synced_cabinet, reader, query):
    response = reader.get(orders_url(synced_cabinet.seller), query)
    assert response.status_code == 200
    assert b"<script>" not in response.content


def test_htmx_gets_only_the_results(synced_cabinet, reader):
    response = reader.get(orders_url(synced_cabinet.seller), WEEK, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.content.lstrip().startswith(b'<div id="results">')


def test_an_unknown_cabinet_is_not_found(reader, db):
    assert reader.get(reverse("sales:orders", args=["no-such-sid"])).status_code == 404


def test_staff_without_the_permission_is_refused(synced_cabinet, make_user):
    client = client_for(make_user("only-orders", staff=True, perms=[SEE_ALL, "sales.view_order"]))
    assert client.get(orders_url(synced_cabinet.seller)).status_code == 200
    assert client.get(sales_url(synced_cabinet.seller)).status_code == 403


def test_sales_and_returns_are_listed_apart_or_together_with_net_totals(synced_cabinet, reader):
    seller = synced_cabinet.seller
    months = {"date_from": "2025-11-01", "date_to": WEEK["date_to"]}
    both = reader.get(sales_url(seller), months).context
    returns = reader.get(sales_url(seller), {**months, "state": "returns"}).context
    assert both["totals"]["returns"] == returns["totals"]["returns"] > 0
    assert all(row.is_return for row in returns["page"].object_list)
    period = Sale.objects.filter(seller=seller, date__date__gte="2025-11-01")
    assert both["totals"]["for_pay"] == sum((s.for_pay for s in period), Decimal(0))
    sale = period.filter(is_return=True).first()
    found = reader.get(sales_url(seller), {**months, "q": sale.sale_id}).context["page"].object_list
    assert found == [sale]


def moscow_day(moment) -> str:
    return moment.astimezone(MOSCOW).date().isoformat()


def order_sums(orders) -> dict:
    """The Orders page's totals, summed here row by row."""
    return {
        "orders": len(orders),
        "orders_sum": sum((o.price_with_disc or 0 for o in orders), Decimal("0.00")),
        "orders_cancelled": sum(1 for o in orders if o.is_cancel),
        "orders_finished_sum": sum((o.finished_price or 0 for o in orders), Decimal("0.00")),
    }


def sale_sums(sales) -> dict:
    """The Sales page's totals, summed here row by row: a return by its amounts' size."""
    bought = [s for s in sales if not s.is_return]
    back = [s for s in sales if s.is_return]

    def net(name: str) -> Decimal:
        gained = sum((getattr(s, name) or 0 for s in bought), Decimal("0.00"))
        return gained - sum((abs(getattr(s, name) or 0) for s in back), Decimal("0.00"))

    return {
        "buyouts": len(bought),
        "buyouts_sum": sum((s.price_with_disc or 0 for s in bought), Decimal("0.00")),
        "returns": len(back),
        "returns_sum": sum((abs(s.price_with_disc or 0) for s in back), Decimal("0.00")),
        "for_pay": net("for_pay"),
        "sales_finished_sum": net("finished_price"),
    }


def totals_of(reader, url: str, query: dict) -> tuple[dict, list[str]]:
    """The page's totals, and the tables its queries read them from."""
    with CaptureQueriesContext(connection) as queries:
        totals = reader.get(url, query).context["totals"]
    sums = [q["sql"] for q in queries if "SUM(" in q["sql"]]
    tables = [
        name
        for name in ("dashboards_cabinetday", "sales_order", "sales_sale")
        if any(f'"{name}"' in sql for sql in sums)
    ]
    return totals, tables


@pytest.mark.parametrize("days", [1, 7, 60])
def test_totals_of_whole_days_are_read_from_the_rollups_and_equal_the_rows_sums(
    synced_cabinet, reader, days
):
    seller = synced_cabinet.seller
    first = (WB_DATA_NOW - timedelta(days=days - 1)).date().isoformat()
    period = {"date_from": first, "date_to": WEEK["date_to"]}

    def within(rows) -> list:
        return [row for row in rows if first <= moscow_day(row.date) <= WEEK["date_to"]]

    orders = within(Order.objects.filter(seller=seller))
    totals, tables = totals_of(reader, orders_url(seller), period)
    assert tables == ["dashboards_cabinetday"]
    assert totals == order_sums(orders)
    # A filter the rollups do not have sums the raw rows: the two states add up to the whole.
    active, tables = totals_of(reader, orders_url(seller), {**period, "state": "active"})
    cancelled, _ = totals_of(reader, orders_url(seller), {**period, "state": "cancelled"})
    assert tables == ["sales_order"]
    assert {name: active[name] + cancelled[name] for name in totals} == totals

    sales = within(Sale.objects.filter(seller=seller))
    totals, tables = totals_of(reader, sales_url(seller), period)
    assert tables == ["dashboards_cabinetday"]
    assert totals == sale_sums(sales)
    bought, tables = totals_of(reader, sales_url(seller), {**period, "state": "sales"})
    back, _ = totals_of(reader, sales_url(seller), {**period, "state": "returns"})
    assert tables == ["sales_sale"]
    assert {name: bought[name] + back[name] for name in totals} == totals


def test_the_two_ways_to_the_totals_cut_the_days_at_moscow_midnight(reader):
    seller = Seller.objects.create(sid="midnight", name="Midnight")
    late = datetime.fromisoformat("2026-03-01T23:59:59+03:00")  # 20:59:59 UTC
    early = datetime.fromisoformat("2026-03-02T00:00:00+03:00")  # 21:00 UTC on the 1st
    common = {"seller": seller, "warehouse_name": "Коледино", "nm_id": 7, "barcode": "b7"}
    for srid, moment, price, cancelled in (
        ("late", late, "100.00", True),
        ("early", early, "40.00", False),
    ):
        Order.objects.create(
            **common,
            srid=srid,
            date=moment,
            last_change_date=moment,
            is_cancel=cancelled,
            cancel_date=early if cancelled else None,
            price_with_disc=Decimal(price),
            finished_price=Decimal(price) - 10,
        )
    for sale_id, moment, amount in (
        ("S1", late, "90.00"),
        ("R1", early, "-90.00"),
        ("S2", early, "30.00"),
    ):
        Sale.objects.create(
            **common,
            srid=sale_id,
            sale_id=sale_id,
            is_return=sale_id.startswith("R"),
            date=moment,
            last_change_date=moment,
            price_with_disc=Decimal(amount),
            for_pay=Decimal(amount) * Decimal("0.8"),
            finished_price=Decimal(amount) - 5,
        )
    rollups_rebuild(seller=seller)
    expected = {
        "2026-03-01": (
            {
                "orders": 1,
                "orders_sum": Decimal("100.00"),
                "orders_cancelled": 1,
                "orders_finished_sum": Decimal("90.00"),
            },
            {
                "buyouts": 1,
                "buyouts_sum": Decimal("90.00"),
                "returns": 0,
                "returns_sum": Decimal("0.00"),
                "for_pay": Decimal("72.00"),
                "sales_finished_sum": Decimal("85.00"),
            },
        ),
        "2026-03-02": (
            {
                "orders": 1,
                "orders_sum": Decimal("40.00"),
                "orders_cancelled": 0,
                "orders_finished_sum": Decimal("30.00"),
            },
            {
                "buyouts": 1,
                "buyouts_sum": Decimal("30.00"),
                "returns": 1,
                "returns_sum": Decimal("90.00"),
                "for_pay": Decimal("-48.00"),
                "sales_finished_sum": Decimal("-70.00"),
            },
        ),
    }
    for day, (orders, sales) in expected.items():
        dates = {"date_from": day, "date_to": day}
        by_warehouse = {**dates, "warehouse": "Коледино"}  # every row: the raw rows summed
        for url, figures in ((orders_url(seller), orders), (sales_url(seller), sales)):
            from_days, from_days_tables = totals_of(reader, url, dates)
            from_rows, from_rows_tables = totals_of(reader, url, by_warehouse)
            assert from_days == from_rows == figures
            assert (
                from_days_tables == ["dashboards_cabinetday"]
                and from_rows_tables != from_days_tables
            )


def test_the_pages_speak_russian(synced_cabinet, make_user):
    user = make_user(
        "ru-reader", staff=True, perms=[SEE_ALL, "sales.view_order", "sales.view_sale"]
    )
    client = client_for(user)
    client.cookies["django_language"] = "ru"
    page = client.get(orders_url(synced_cabinet.seller), WEEK).content.decode()
    assert '<h1 class="long-name">Заказы:' in page
    assert "Продажи и возвраты" in client.get(sales_url(synced_cabinet.seller)).content.decode()


def test_the_page_says_when_its_data_was_last_read_from_wb(synced_cabinet, reader):
    from django.utils import timezone

    from sync.models import SyncStream

    seller = synced_cabinet.seller
    assert b"Not read from WB yet." in reader.get(orders_url(seller), WEEK).content
    SyncStream.objects.create(seller=seller, dataset="orders", last_success_at=timezone.now())
    page = reader.get(orders_url(seller), WEEK).content.decode()
    assert "As of " in page and "WB refreshes orders every 30 minutes." in page
