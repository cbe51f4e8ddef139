"""The agency overview (/): each cabinet's headline figures as its dashboard has them, token
and sync health, what needs attention, only the cabinets and areas a user holds, and the same
number of queries for one cabinet as for five."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.models import Product, Size, Stock
from conftest import client_for
from dashboards.models import FinanceDay, OrderDay, SaleDay
from dashboards.services import cabinet_days_refresh, rollups_rebuild
from finance.models import Report
from sync.models import SyncStream
from tokens.models import WBToken
from wberp.periods import moscow_today
from wberp.tests.wbdata import WB_DATA_NOW

from .conftest import EVERY_AREA
from .test_dashboard import PERMS, grant, raw_figures

pytestmark = pytest.mark.django_db
OVERVIEW_PERMS = [*EVERY_AREA, "tokens.view_wbtoken", "sync.view_syncstream"]


@pytest.fixture
def reader(make_user):
    client = client_for(make_user("overview-reader", staff=True, perms=OVERVIEW_PERMS))
    client.cookies["django_language"] = "en"
    return client


def overview(client, **query):
    response = client.get(reverse("home"), query)
    assert response.status_code == 200
    return response


def rows_of(response) -> dict:
    return {row.seller.sid: row for row in response.context["rows"]}


def test_each_cabinet_has_the_figures_its_dashboard_has(synced_cabinet, reader, make_seller):
    seller = synced_cabinet.seller
    rollups_rebuild(seller=seller)
    quiet = make_seller("A quiet cabinet")
    query = {"date_from": "2026-01-05", "date_to": "2026-01-18"}
    with time_machine.travel(WB_DATA_NOW, tick=False):
        response = overview(reader, **query)
        dashboard = reader.get(reverse("sellers:detail", args=[seller.sid]), query)
    rows = rows_of(response)
    period = response.context["period"]
    shown = {view.figure.name: view.figure.value for view in dashboard.context["dashboard"].figures}
    ours = {name: figure.value for name, figure in rows[seller.sid].headline.figures.items()}
    assert ours == shown == raw_figures(seller, period)
    assert rows[quiet.sid].headline["orders"].value == 0
    page = response.content.decode()
    assert "Cabinets side by side" in page and seller.display_name in page


def cabinet(make_token, number: int, today: date):
    """A cabinet with a day of trade and finance, a token expiring in 3 days, a blocked
    stream, a product sold but out of stock and a report whose rows are not read."""
    token = make_token(f"Token {number}", seller_name=f"Cabinet {number}")
    WBToken.objects.filter(pk=token.pk).update(
        status=WBToken.Status.VALID, expires_at=timezone.now() + timedelta(days=3, hours=1)
    )
    seller = token.seller
    OrderDay.objects.create(seller=seller, day=today, nm_id=1, orders=3, orders_sum=300)
    SaleDay.objects.create(seller=seller, day=today, nm_id=1, buyouts=2, buyouts_sum=200)
    cabinet_days_refresh(seller, {today})
    FinanceDay.objects.create(seller=seller, day=today, for_pay=150, logistics=10)
    product = Product.objects.create(seller=seller, nm_id=1, changed_at=timezone.now())
    Size.objects.create(seller=seller, product=product, chrt_id=11)
    Stock.objects.create(
        seller=seller, kind="fbw", warehouse_id=1, chrt_id=11, quantity=0, changed_at=timezone.now()
    )
    SyncStream.objects.create(seller=seller, dataset="orders", state=SyncStream.State.BLOCKED)
    Report.objects.create(
        seller=seller, report_id=number, date_from=today, date_to=today, listed=True
    )
    return seller


def test_what_needs_attention_is_listed_by_cabinet(make_token, reader):
    today = moscow_today()
    seller = cabinet(make_token, 1, today)
    response = overview(reader, period="today")
    row = rows_of(response)[seller.sid]
    assert {item.kind for item in row.attention} == {"token", "sync", "stock", "finance"}
    assert row.tokens.expiring == 1 and row.tokens.valid == 1
    assert row.sync.blocked == 1 and row.sync.synced_at is None
    assert row.headline["orders"].value == 3
    assert row.headline["to_pay"].estimated  # the report has no rows
    page = response.content.decode()
    assert "expires in 3 days" in page
    assert "1 product bought out in the last 14 days is out of stock." in page
    assert "1 finance report is not reconciled" in page


def test_queries_stay_the_same_for_one_cabinet_and_for_five(
    make_token, reader, django_assert_max_num_queries
):
    today = moscow_today()
    cabinet(make_token, 1, today)
    with CaptureQueriesContext(connection) as one:
        overview(reader, period="30")
    for number in range(2, 6):
        cabinet(make_token, number, today)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = overview(reader, period="30")
    assert len(response.context["rows"]) == 5


def test_a_user_sees_only_their_cabinets_and_of_each_only_their_areas(make_token, make_user):
    today = moscow_today()
    ours, other = cabinet(make_token, 1, today), cabinet(make_token, 2, today)
    user = make_user("sales-overview", staff=True, perms=[*PERMS, "tokens.view_wbtoken"])
    grant(user, ours, sales=1)
    client = client_for(user)
    client.cookies["django_language"] = "en"
    response = overview(client, period="today")
    rows = rows_of(response)
    assert set(rows) == {ours.sid}
    row = rows[ours.sid]
    assert row.headline["orders"].value == 3 and row.headline["commission"] is None
    assert row.tokens is None and row.sync is None  # no tokens or sync area
    assert {item.kind for item in row.attention} == set()  # stock and finance are not theirs
    assert other.display_name not in response.content.decode()


def test_a_bad_period_is_said_and_the_last_seven_days_shown(reader):
    response = overview(reader, date_from="2026-02-10", date_to="2026-02-01")
    assert any("after its last" in str(message) for message in response.context["messages"])
    assert response.context["period"].days == 7


def test_the_overview_reads_in_russian(make_token, reader):
    cabinet(make_token, 1, moscow_today())
    reader.cookies["django_language"] = "ru"
    page = overview(reader).content.decode()
    assert "Требует внимания" in page and "Выручка" in page
