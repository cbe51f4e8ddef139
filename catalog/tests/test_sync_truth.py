"""After a sync, every catalogue table equals the emulator's ground truth."""

from datetime import UTC, datetime, timedelta

import pytest

from catalog.models import Product, Size, Stock
from jobs.testing import run_worker_batch
from sync.models import SyncRun, SyncStream
from sync.services import sync_now
from sync.testing import run_sync

from .truth import stored, truth

pytestmark = pytest.mark.django_db(transaction=True)


def test_three_cabinets_equal_the_ground_truth(catalogue_seller, wb):
    sellers = [catalogue_seller(f"Cabinet {n}", products=60 + 50 * n) for n in range(3)]
    run_sync()
    for seller in sellers:
        mine, theirs = stored(seller), truth(wb, seller)
        for dataset in theirs:
            assert mine[dataset] == theirs[dataset], dataset
        assert stock_totals_match(seller)
    assert not SyncStream.objects.exclude(state=SyncStream.State.IDLE).exists()


MOMENT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def stock_totals_match(seller) -> bool:
    """Every product's stock total is the sum of its sizes' stock rows, and some are not 0."""
    totals = {}
    sizes = dict(Size.objects.filter(seller=seller).values_list("chrt_id", "product_id"))
    for chrt_id, quantity in Stock.objects.filter(seller=seller).values_list("chrt_id", "quantity"):
        if chrt_id in sizes:
            totals[sizes[chrt_id]] = totals.get(sizes[chrt_id], 0) + quantity
    kept = dict(Product.objects.filter(seller=seller).values_list("pk", "stock_total"))
    return any(kept.values()) and kept == {pk: totals.get(pk, 0) for pk in kept}


def requests_to(wb, path_prefix: str, *, after: int = 0) -> int:
    """Requests to paths that start so, among those logged after the first `after`."""
    return sum(1 for entry in wb.request_log[after:] if entry.path.startswith(path_prefix))


def test_an_incremental_sync_after_changes_makes_the_tables_equal_again_with_fewest_requests(
    catalogue_seller, wb
):
    seller = catalogue_seller(products=150)
    wb.set_clock(MOMENT)
    run_sync()
    before = truth(wb, seller)
    wb.advance_clock(timedelta(hours=6))  # cards edited, prices changed, stock moved
    after = truth(wb, seller)
    changed_cards = sum(
        1 for nm_id, card in after["cards"].items() if before["cards"].get(nm_id) != card
    )
    assert changed_cards and after["prices"] != before["prices"]
    logged = len(wb.request_log)
    sync_now(seller=seller)
    run_sync()
    assert stored(seller) == after
    assert stock_totals_match(seller)  # the list's stock column follows the stock moved
    # WB's paging: cards from the last cursor until a page is short; the rest read whole.
    sizes = len(after["prices"])
    sent = {
        path: requests_to(wb, path, after=logged)
        for path in (
            "/content/v2/get/cards/list",
            "/api/v2/list/goods/filter",
            "/api/v3/warehouses",
            "/api/v3/stocks/",
            "/api/analytics/v1/stocks-report/wb-warehouses",
        )
    }
    assert sent == {
        "/content/v2/get/cards/list": changed_cards // 100 + 1,
        "/api/v2/list/goods/filter": 2,  # one page, then the empty one that ends it
        "/api/v3/warehouses": 1,
        "/api/v3/stocks/": len(after["warehouses"]) * (sizes // 1000 + 1),
        "/api/analytics/v1/stocks-report/wb-warehouses": 2,
    }
    assert SyncRun.objects.filter(trigger=SyncRun.Trigger.MANUAL, full=False).count() == 1


def test_the_stocks_start_when_the_cards_and_warehouses_end_without_waiting_for_a_tick(
    catalogue_seller, wb
):
    seller = catalogue_seller(products=30)
    run_worker_batch()  # the one tick: it starts every stream but the stocks, which wait
    stocks = SyncStream.objects.get(seller=seller, dataset="stocks")
    assert stocks.run is None
    stocks_synced = SyncStream.objects.filter(pk=stocks.pk, last_success_at__isnull=False).exists
    run_sync(until=stocks_synced, tick=False)
    assert stored(seller)["stocks"] == truth(wb, seller)["stocks"]
