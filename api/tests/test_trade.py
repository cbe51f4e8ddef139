"""/api/v1/sellers/{sid}/orders/ and /sales/: the pages' filters, cursor pages, updated_since,
CSV, permissions and the cabinet's scope."""

from datetime import timedelta

import pytest

from sales.models import Order, Sale
from sales.tests.test_views import WEEK
from wberp.tests.wbdata import WB_DATA_NOW

from .conftest import api_client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(make_user):
    perms = ["access.see_all_cabinets", "sales.view_order", "sales.view_sale"]
    return api_client_for(make_user("trade-reader", staff=True, perms=perms))


def every_page(client, url: str, query: dict) -> list[dict]:
    rows, cursor = [], None
    while True:
        body = client.get(url, {**query, **({"cursor": cursor} if cursor else {})}).json()
        rows.extend(body["data"])
        if not (cursor := body["next_cursor"]):
            return rows


def test_orders_of_the_week_newest_first_page_by_page(synced_cabinet, reader):
    seller = synced_cabinet.seller
    url = f"/api/v1/sellers/{seller.sid}/orders/"
    rows = every_page(reader, url, {**WEEK, "limit": 7})
    week = Order.objects.filter(seller=seller, date__date__gte=WEEK["date_from"])
    assert [row["srid"] for row in rows] == list(
        week.order_by("-date", "-id").values_list("srid", flat=True)
    )
    assert len(rows) > 7
    first = rows[0]
    assert {"srid", "date", "last_change_date", "nm_id", "price_with_disc", "is_cancel"} <= set(
        first
    )
    assert "seller" not in first and "id" not in first


def test_the_pages_filters_apply(synced_cabinet, reader):
    seller = synced_cabinet.seller
    url = f"/api/v1/sellers/{seller.sid}/orders/"
    cancelled = every_page(reader, url, {**WEEK, "state": "cancelled"})
    assert cancelled and all(row["is_cancel"] for row in cancelled)
    one = Order.objects.filter(seller=seller).order_by("-date").first()
    found = reader.get(url, {**WEEK, "search": one.srid}).json()["data"]
    assert [row["srid"] for row in found] == [one.srid]
    assert reader.get(url, {"state": "nonsense"}).status_code == 422


def test_updated_since_gives_only_the_rows_wb_changed_after_it(synced_cabinet, reader):
    seller = synced_cabinet.seller
    url = f"/api/v1/sellers/{seller.sid}/sales/"
    moment = WB_DATA_NOW - timedelta(days=2)
    rows = every_page(reader, url, {**WEEK, "updated_since": moment.isoformat()})
    expected = Sale.objects.filter(
        seller=seller, date__date__gte=WEEK["date_from"], last_change_date__gt=moment
    )
    assert sorted(row["sale_id"] for row in rows) == sorted(
        expected.values_list("sale_id", flat=True)
    )
    assert 0 < len(rows) < Sale.objects.filter(seller=seller).count()


def test_sales_as_csv(synced_cabinet, reader):
    seller = synced_cabinet.seller
    response = reader.get(f"/api/v1/sellers/{seller.sid}/sales/", {**WEEK, "format": "csv"})
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("\ufeffsrid,date,last_change_date,")
    week = Sale.objects.filter(seller=seller, date__date__gte=WEEK["date_from"])
    assert len(lines) == 1 + week.count()


def test_each_list_needs_its_pages_permission_and_a_visible_cabinet(synced_cabinet, make_user):
    sid = synced_cabinet.seller.sid
    perms = ["access.see_all_cabinets", "sales.view_order"]
    orders_only = api_client_for(make_user("o", staff=True, perms=perms))
    assert orders_only.get(f"/api/v1/sellers/{sid}/orders/").status_code == 200
    assert orders_only.get(f"/api/v1/sellers/{sid}/sales/").status_code == 403
    assert orders_only.get("/api/v1/sellers/no-such/orders/").status_code == 404
