"""The daily rollups: equal to sums of the raw rows and of WB's ground truth, kept so by each
page the sync stores (cancellations and new sales included), equal to a rebuild, and rebuilt by
a command."""

import importlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partialmethod
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from dashboards.models import CabinetDay, FinanceDay, OrderDay, SaleDay
from dashboards.services import orders_rollup_refresh, rollups_rebuild, sales_rollup_refresh
from sales.models import Order, Sale
from sync.models import SyncRun
from sync.services import sync_now
from sync.testing import run_sync
from wbapi.streaming import Rows

from .expected import (
    cabinet_days_of,
    expected_of,
    rollups_of,
    truth_finance_by_day,
    truth_orders_by_day,
    truth_sales_by_day,
)

PAGE_ROWS = 150


def test_a_rebuild_sums_the_raw_rows_and_wb_s_ground_truth_by_moscow_day(synced_cabinet):
    seller = synced_cabinet.seller
    rollups_rebuild(seller=seller)
    orders, sales, finance = rollups_of(seller)
    assert (orders, sales, finance) == expected_of(seller)
    assert orders == truth_orders_by_day(synced_cabinet.truth("orders"))
    assert sales == truth_sales_by_day(synced_cabinet.truth("sales"))
    assert finance == truth_finance_by_day(synced_cabinet.truth("finance_rows"))
    assert any(figures.get("cancellations") for figures in orders.values())
    stored, summed = cabinet_days_of(seller)
    assert stored == summed and stored
    assert any(figures.get("returns") for figures in sales.values())


def test_the_migration_fills_the_pages_figures_of_the_days_stored_as_a_rebuild_does(
    synced_cabinet,
):
    seller = synced_cabinet.seller  # its rollups rebuilt
    rebuilt = rollups_of(seller), cabinet_days_of(seller)[0]
    OrderDay.objects.update(orders_cancelled=0, orders_finished_sum=0)
    SaleDay.objects.update(sales_finished_sum=0)
    CabinetDay.objects.update(orders_cancelled=0, orders_finished_sum=0, sales_finished_sum=0)
    migration = importlib.import_module("dashboards.migrations.0003_page_figures")
    migration.fill_new_figures(apps, None)
    assert (rollups_of(seller), cabinet_days_of(seller)[0]) == rebuilt
    assert any(figures.get("orders_cancelled") for figures in rebuilt[0][0].values())


def test_a_rebuild_since_a_day_leaves_the_days_before_it(synced_cabinet):
    seller = synced_cabinet.seller
    rollups_rebuild(seller=seller)
    since = OrderDay.objects.filter(seller=seller).order_by("day")[10].day
    OrderDay.objects.filter(seller=seller).update(orders=999)
    rollups_rebuild(seller=seller, since=since)
    rebuilt = OrderDay.objects.filter(seller=seller, day__gte=since)
    assert rebuilt.exists() and not rebuilt.filter(orders=999).exists()
    assert not OrderDay.objects.filter(seller=seller, day__lt=since).exclude(orders=999).exists()


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.django_db
def test_an_order_counts_on_its_moscow_day_and_a_cancellation_on_the_day_it_was_made(
    make_seller,
):
    seller = make_seller()
    late = Order.objects.create(
        seller=seller,
        srid="late",
        date=moment("2026-03-01T23:30:00+03:00"),  # 20:30 UTC: still the 1st in Moscow
        last_change_date=moment("2026-03-01T23:30:00+03:00"),
        nm_id=7,
        barcode="b7",
        price_with_disc=Decimal("100.00"),
    )
    Order.objects.create(
        seller=seller,
        srid="early",
        date=moment("2026-03-02T00:30:00+03:00"),  # 21:30 UTC on the 1st: the 2nd in Moscow
        last_change_date=moment("2026-03-02T00:30:00+03:00"),
        nm_id=7,
        barcode="b7",
        price_with_disc=Decimal("50.00"),
    )
    days = {datetime(2026, 3, d).date() for d in (1, 2, 3, 4)}
    orders_rollup_refresh(seller=seller, days=days)
    by_day = {row.day.day: row for row in OrderDay.objects.filter(seller=seller)}
    assert {day: row.orders for day, row in by_day.items()} == {1: 1, 2: 1}
    assert by_day[1].orders_sum == Decimal("100.00") and by_day[2].orders_sum == Decimal("50.00")

    late.is_cancel, late.cancel_date = True, moment("2026-03-04T01:00:00+03:00")
    late.save()
    orders_rollup_refresh(seller=seller, days=days)
    orders_rollup_refresh(seller=seller, days=days)  # again: the same
    by_day = {row.day.day: row for row in OrderDay.objects.filter(seller=seller)}
    assert by_day[1].orders == 1 and by_day[1].cancellations == 0
    assert by_day[4].orders == 0 and by_day[4].cancellations == 1
    assert by_day[4].cancellations_sum == Decimal("100.00")


@pytest.mark.django_db
def test_a_return_counts_as_a_positive_amount_and_subtracts_from_what_wb_pays(make_seller):
    seller = make_seller()
    common = {"seller": seller, "srid": "o1", "nm_id": 7, "barcode": "b7"}
    sold = moment("2026-03-01T12:00:00+03:00")
    Sale.objects.create(
        **common,
        sale_id="S1",
        date=sold,
        last_change_date=sold,
        price_with_disc=Decimal("100.00"),
        for_pay=Decimal("80.00"),
    )
    Sale.objects.create(
        **common,
        sale_id="R1",
        is_return=True,
        date=sold,
        last_change_date=sold,
        price_with_disc=Decimal("-100.00"),
        for_pay=Decimal("-80.00"),
    )
    sales_rollup_refresh(seller=seller, days={sold.astimezone(UTC).date()})
    row = SaleDay.objects.get(seller=seller)
    assert (row.buyouts, row.returns) == (1, 1)
    assert (row.buyouts_sum, row.returns_sum, row.for_pay) == (
        Decimal("100.00"),
        Decimal("100.00"),
        Decimal("0.00"),
    )


@pytest.fixture
def trading_seller(make_token, wb, settings):
    """A cabinet synced from the emulator in pages of 150 rows, WB's clock standing still.

    Three weeks of trade at 80 orders a day: a tenth of the orders are cancelled within three
    days, so about twelve orders stored now are cancelled in the three days the test moves the
    clock on (with 8 a day, none was, one run in three)."""
    settings.WB_STATISTICS_PAGE_ROWS = PAGE_ROWS
    settings.WB_FINANCE_PAGE_ROWS = 700
    wb.freeze_clock()
    token = make_token("Rollups", seller_name="Rollups", categories="statistics,finance")
    start = wb.now().date() - timedelta(days=21)
    wb.configure(
        token.seller.sid,
        products=20,
        orders_per_day=80,
        page_rows=PAGE_ROWS,
        history_start=(start - timedelta(days=start.weekday())).isoformat(),
    )
    return token.seller


@pytest.mark.django_db(transaction=True)
def test_the_sync_keeps_the_rollups_equal_to_a_rebuild_through_cancellations_and_revisions(
    trading_seller, wb
):
    seller = trading_seller
    run_sync()
    assert rollups_of(seller) == expected_of(seller)
    assert rollups_of(seller)[0] == truth_orders_by_day(wb.truth(seller.sid, "orders"))
    assert OrderDay.objects.filter(seller=seller).count() > 0

    before = dict(Order.objects.filter(seller=seller).values_list("srid", "is_cancel"))
    wb.advance_clock(timedelta(days=3))
    assert FinanceDay.objects.filter(seller=seller).exists()
    reports = wb.truth(seller.sid, "finance_reports")
    wb.revise_report(seller.sid, reports[-1]["reportId"])
    for dataset in ("orders", "sales", "finance"):
        sync_now(seller=seller, dataset=dataset)
    run_sync()
    after = dict(Order.objects.filter(seller=seller).values_list("srid", "is_cancel"))
    assert any(after[srid] and not cancelled for srid, cancelled in before.items())

    incremental = rollups_of(seller)
    assert incremental == expected_of(seller)
    stored, summed = cabinet_days_of(seller)
    assert stored == summed
    rollups_rebuild(seller=seller)
    assert rollups_of(seller) == incremental
    # WB keeps 90 days of orders and their sales: older rows stay stored, so the days since
    # are compared (a sale comes up to 22 days after its order).
    since = (wb.now() - timedelta(days=60)).date()
    assert recent(incremental[1], since) == recent(
        truth_sales_by_day(wb.truth(seller.sid, "sales")), since
    )
    # The sync reads the reports of the last twelve weeks; WB has more.
    first_report_day = min(incremental[2])
    true_finance = truth_finance_by_day(wb.truth(seller.sid, "finance_rows"))
    assert incremental[2] == {
        day: figures for day, figures in true_finance.items() if day >= first_report_day
    }


@pytest.mark.django_db(transaction=True)
def test_a_page_of_many_batches_recomputes_its_days_once_and_equals_a_rebuild(
    trading_seller, monkeypatch
):
    import finance.datasets
    import sales.datasets

    seller = trading_seller
    # Batches of 40 rows: each page of 150 orders or sales reaches the datasets in 4 of them.
    monkeypatch.setattr(Rows, "batches", partialmethod(Rows.batches, size=40))
    refreshed: dict[str, list[set]] = {"orders": [], "sales": [], "finance": []}
    for module, name, dataset in (
        (sales.datasets, "orders_rollup_refresh", "orders"),
        (sales.datasets, "sales_rollup_refresh", "sales"),
        (finance.datasets, "finance_rollup_refresh", "finance"),
    ):
        monkeypatch.setattr(module, name, spy(getattr(module, name), refreshed[dataset]))
    stored_batches: list[tuple] = []
    days_of_a_batch = counted(sales.datasets.order_days, stored_batches)
    monkeypatch.setattr(sales.datasets, "order_days", days_of_a_batch)
    run_sync()

    for dataset in ("orders", "sales"):
        pages = SyncRun.objects.filter(stream__seller=seller, stream__dataset=dataset)
        page_count = sum(pages.values_list("pages", flat=True))
        assert page_count > 1
        assert len(refreshed[dataset]) == page_count  # a call a page, not one a batch
        assert all(days for days in refreshed[dataset][:-1])
    assert len(stored_batches) >= 3 * len(refreshed["orders"][:-1])  # pages of 4 batches
    assert refreshed["finance"] and any(refreshed["finance"])
    assert OrderDay.objects.filter(seller=seller).count() > 0
    incremental = rollups_of(seller)
    assert incremental == expected_of(seller)
    rollups_rebuild(seller=seller)
    assert rollups_of(seller) == incremental


def spy(function, calls: list):
    """`function`, recording the days of every call in `calls`."""

    def recorded(*, seller, days):
        calls.append(set(days))
        return function(seller=seller, days=days)

    return recorded


def counted(function, calls: list):
    """`function`, recording the arguments of every call in `calls`."""

    def recorded(*args):
        calls.append(args)
        return function(*args)

    return recorded


def recent(by_day: dict, since) -> dict:
    return {key: figures for key, figures in by_day.items() if key[0] >= since}


def test_the_command_rebuilds_one_cabinet_or_says_what_is_wrong(synced_cabinet):
    seller = synced_cabinet.seller
    out = StringIO()
    call_command("rollups_rebuild", "--seller", seller.sid, stdout=out)
    assert seller.sid in out.getvalue()
    assert rollups_of(seller) == expected_of(seller)
    with pytest.raises(CommandError, match="no-such-cabinet"):
        call_command("rollups_rebuild", "--seller", "no-such-cabinet")
    with pytest.raises(CommandError, match="yesterday"):
        call_command("rollups_rebuild", "--since", "yesterday")
