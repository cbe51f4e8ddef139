"""A product's page: its orders, buyouts, returns and revenue per size for a period, checked
against sums of the emulator's own rows; its price history as a table and a chart."""

from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import PriceChange
from catalog.testing import SizeSpec, product_make
from conftest import client_for
from dashboards.services import rollups_rebuild
from wbapi.moscow import MOSCOW

pytestmark = pytest.mark.django_db
PERMS = ["access.see_all_cabinets", "catalog.view_product"]
FEBRUARY = {"date_from": "2026-02-01", "date_to": "2026-02-28"}


@pytest.fixture
def viewer(make_user):
    client = client_for(make_user("product-viewer", staff=True, perms=PERMS))
    client.cookies["django_language"] = "en"
    return client


def product_url(product, **params) -> str:
    return reverse("catalog:product", args=[product.seller.sid, product.nm_id])


def in_february(moment: str) -> bool:
    """Whether WB's date and time (Moscow's, without an offset) is a day of February 2026."""
    return date(2026, 2, 1) <= datetime.fromisoformat(moment).date() <= date(2026, 2, 28)


def test_a_products_trade_per_size_equals_the_sums_of_wbs_rows_for_the_period(
    synced_cabinet, viewer
):
    seller = synced_cabinet.seller
    rollups_rebuild(seller=seller)
    sales = [r for r in synced_cabinet.truth("sales") if in_february(r["date"])]
    returned = Counter(r["nmId"] for r in sales if r["saleID"].startswith("R"))
    nm_id = returned.most_common(1)[0][0]  # a product with returns too
    orders = [r for r in synced_cabinet.truth("orders") if r["nmId"] == nm_id]
    sizes = {r["barcode"]: r["techSize"] for r in orders}
    product = product_make(
        seller,
        nm_id,
        sizes=[SizeSpec(n, size, (barcode,)) for n, (barcode, size) in enumerate(sizes.items())],
    )
    mine_sales = [r for r in sales if r["nmId"] == nm_id]

    response = viewer.get(product_url(product), FEBRUARY)
    assert response.status_code == 200
    shown = {row.barcode: row for row in response.context["trade"].sizes}
    assert set(shown) <= set(sizes)
    for barcode, size in sizes.items():
        placed = [r for r in orders if r["barcode"] == barcode and in_february(r["date"])]
        cancelled = [
            r
            for r in orders
            if r["barcode"] == barcode and r["isCancel"] and in_february(r["cancelDate"])
        ]
        sold = [r for r in mine_sales if r["barcode"] == barcode]
        if not (placed or cancelled or sold):
            assert barcode not in shown
            continue
        row = shown[barcode]
        assert row.tech_size == size
        assert row.orders == len(placed)
        assert row.orders_sum == sum(money(r) for r in placed)
        assert row.cancelled == len(cancelled)
        assert row.buyouts == sum(1 for r in sold if r["saleID"].startswith("S"))
        assert row.returns == sum(1 for r in sold if r["saleID"].startswith("R"))
        assert row.revenue == sum(money(r) for r in sold)  # a return's is negative
    total = response.context["trade"].total
    assert total.orders == sum(1 for r in orders if in_february(r["date"]))
    assert total.revenue == sum(money(r) for r in mine_sales)


def money(row: dict) -> Decimal:
    return Decimal(str(row["priceWithDisc"]))


def test_the_period_is_moscow_days_and_a_bad_one_shows_the_default(synced_cabinet, viewer):
    product = product_make(synced_cabinet.seller, 1)
    response = viewer.get(product_url(product), FEBRUARY)
    period = response.context["period"]
    assert period.start == datetime(2026, 2, 1, tzinfo=MOSCOW)
    assert period.end == datetime(2026, 3, 1, tzinfo=MOSCOW)
    assert "No orders or sales of this product in the period." in response.text
    for params in ({"date_from": "nonsense"}, {"days": "-4"}, {"date_to": "2026-99-01"}):
        response = viewer.get(product_url(product), params)
        assert response.status_code == 200
        assert response.context["period"].days == 30
    reversed_days = viewer.get(
        product_url(product), {"date_from": "2026-02-10", "date_to": "2026-02-01"}
    )
    assert reversed_days.context["period"].days == 10
    week = viewer.get(product_url(product), {"days": "7"})
    assert week.context["period"].days == 7
    assert 'aria-current="page">Last 7 days' in week.text


def test_the_price_history_is_a_table_and_a_line_of_the_lowest_price_a_day(seller, viewer):
    product = product_make(
        seller, 5, sizes=[SizeSpec(51, "S", price=None), SizeSpec(52, "M", price=None)]
    )
    now = timezone.now()

    def change(chrt_id, days_ago, price, discount):
        PriceChange.objects.create(
            seller=seller,
            nm_id=5,
            chrt_id=chrt_id,
            tech_size={51: "S", 52: "M"}[chrt_id],
            currency="RUB",
            price=Decimal(price),
            discount=discount,
            discounted_price=Decimal(price) * (100 - discount) / 100,
            seen_at=now - timedelta(days=days_ago),
        )

    change(51, 3, "1000", 10)  # 900
    change(52, 3, "2000", 50)  # 1000
    change(52, 1, "2000", 60)  # 800
    response = viewer.get(product_url(product))
    changes = response.context["price_changes"]
    assert [(c.chrt_id, c.discount) for c in changes] == [(52, 60), (51, 10), (52, 50)]
    chart = response.context["price_chart"]
    assert [dot.tooltip.split(": ")[1] for dot in chart.chart.lines[0].dots] == [
        "900.00",
        "900.00",
        "800.00",
        "800.00",
    ]
    assert "lowest 800.00" in chart.summary
    assert 'id="price-history-title"' in response.text
    assert "60%" in response.text


def test_a_product_without_recorded_prices_says_they_are_to_come(seller, viewer):
    product = product_make(seller, 6)
    response = viewer.get(product_url(product))
    assert response.context["price_chart"] is None
    assert "No price recorded yet" in response.text


@pytest.fixture
def seller():
    from sellers.models import Seller

    return Seller.objects.create(sid="seller-p", name="Cabinet P")
