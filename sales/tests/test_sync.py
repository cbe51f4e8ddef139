"""The sync of orders and sales: after a pass the tables equal WB's ground truth, over several
pages; a later pass brings the changes (cancellations, new sales); a pass with nothing new
asks WB once and writes nothing; a token without Statistics blocks only these streams."""

from datetime import timedelta

import pytest

from sales.models import Order, Sale
from sync.models import SyncRun, SyncStream
from sync.services import sync_now
from sync.testing import run_sync
from wbapi.moscow import parse_moment

pytestmark = pytest.mark.django_db(transaction=True)
PAGE_ROWS = 150
ORDERS, SALES = "/api/v1/supplier/orders", "/api/v1/supplier/sales"


@pytest.fixture
def money_seller(make_token, wb, settings):
    """A cabinet with a small trade, WB's clock standing still, pages of 150 rows."""
    settings.WB_STATISTICS_PAGE_ROWS = PAGE_ROWS
    settings.WB_FINANCE_PAGE_ROWS = 700
    wb.freeze_clock()

    def make(name: str = "Money seller", categories: str = "statistics,finance"):
        token = make_token(name, seller_name=name, categories=categories)
        wb.configure(token.seller.sid, products=20, orders_per_day=8, page_rows=PAGE_ROWS)
        return token.seller

    return make


def stored_orders(seller) -> dict:
    rows = Order.objects.filter(seller=seller).values_list("srid", "last_change_date", "is_cancel")
    return {srid: (changed, cancelled) for srid, changed, cancelled in rows}


def true_orders(wb, seller) -> dict:
    return {
        row["srid"]: (parse_moment(row["lastChangeDate"]), row["isCancel"])
        for row in wb.truth(seller.sid, "orders")
    }


def stored_sales(seller) -> set:
    return set(Sale.objects.filter(seller=seller).values_list("sale_id", "last_change_date"))


def true_sales(wb, seller) -> set:
    return {
        (row["saleID"], parse_moment(row["lastChangeDate"]))
        for row in wb.truth(seller.sid, "sales")
    }


def requests_to(wb, path: str, *, after: int = 0) -> int:
    return sum(1 for entry in wb.request_log[after:] if entry.path == path)


def test_a_sync_stores_every_order_and_sale_as_wb_has_them_over_several_pages(money_seller, wb):
    seller = money_seller()
    run_sync()
    assert stored_orders(seller) == true_orders(wb, seller)
    assert stored_sales(seller) == true_sales(wb, seller)
    assert requests_to(wb, ORDERS) > 3 and requests_to(wb, SALES) > 3  # pages of 150 rows
    stream = SyncStream.objects.get(seller=seller, dataset="orders")
    assert stream.state == SyncStream.State.IDLE and stream.last_success_at is not None


def newly_cancelled(before: dict, truth: dict) -> list[str]:
    """Orders stored uncancelled before that WB shows cancelled now."""
    return [
        srid
        for srid, (_, cancelled) in truth.items()
        if cancelled and not before.get(srid, (0, True))[1]
    ]


def test_a_later_pass_brings_cancellations_and_new_rows_and_keeps_what_wb_dropped(money_seller, wb):
    seller = money_seller()
    run_sync()
    first = before = stored_orders(seller)
    cancelled = []
    # A tenth of orders are cancelled within three days of being placed: which of those already
    # stored get cancelled in the next days depends on the day, so pass days until one has.
    for _ in range(10):
        wb.advance_clock(timedelta(days=3))
        sync_now(seller=seller, dataset="orders")
        sync_now(seller=seller, dataset="sales")
        run_sync()
        truth, stored = true_orders(wb, seller), stored_orders(seller)
        assert {srid: stored[srid] for srid in truth} == truth
        cancelled = newly_cancelled(before, truth)
        if cancelled:
            break
        before = stored
    assert cancelled  # orders stored uncancelled, cancelled since
    assert set(first) - set(truth) <= set(stored)  # older than WB keeps: still stored
    assert true_sales(wb, seller) <= stored_sales(seller)


def test_a_pass_with_nothing_new_asks_wb_once_a_stream_and_writes_nothing(money_seller, wb):
    seller = money_seller()
    run_sync()
    logged = len(wb.request_log)
    for dataset in ("orders", "sales", "finance"):
        sync_now(seller=seller, dataset=dataset)
    run_sync()
    paths = {entry.path for entry in wb.request_log[logged:]}
    assert len(wb.request_log) - logged == 3, paths
    runs = SyncRun.objects.filter(trigger=SyncRun.Trigger.MANUAL)
    assert runs.count() == 3
    assert sum(run.rows_inserted + run.rows_updated for run in runs) == 0


def test_a_token_without_statistics_blocks_only_the_orders_and_sales_with_a_reason(
    money_seller, wb
):
    seller = money_seller(categories="finance")
    run_sync()
    streams = {s.dataset: s for s in SyncStream.objects.filter(seller=seller)}
    for dataset in ("orders", "sales"):
        assert streams[dataset].state == SyncStream.State.BLOCKED
        assert streams[dataset].error_code
    assert streams["finance"].state == SyncStream.State.IDLE
    assert not Order.objects.filter(seller=seller).exists()
