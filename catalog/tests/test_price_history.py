"""The prices sync records a size's price the first time it sees it and each time it changes."""

from datetime import UTC, datetime, timedelta

import pytest

from catalog.models import Price, PriceChange
from sync.services import sync_now
from sync.testing import run_sync

from .truth import truth

pytestmark = pytest.mark.django_db(transaction=True)

MOMENT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def prices_seller(catalogue_seller, settings):
    settings.SYNC_DATASETS = ["prices"]
    return catalogue_seller(products=40, categories="prices")


def price_terms(prices: dict) -> dict[int, tuple]:
    """Per size, what makes a price change: price, discounted price, discount."""
    return {
        chrt_id: (price, discounted, discount)
        for chrt_id, (_, price, discounted, discount, _) in prices.items()
    }


def recorded(seller) -> list[tuple]:
    return sorted(
        PriceChange.objects.filter(seller=seller).values_list(
            "chrt_id", "price", "discounted_price", "discount", "seen_at"
        )
    )


def test_the_first_sync_records_each_sizes_price_once_and_an_unchanged_resync_nothing(
    prices_seller, wb
):
    wb.set_clock(MOMENT)
    run_sync()
    terms = price_terms(truth(wb, prices_seller)["prices"])
    first = recorded(prices_seller)
    assert {row[0]: row[1:4] for row in first} == terms
    assert len(first) == len(terms) == Price.objects.filter(seller=prices_seller).count()

    sync_now(seller=prices_seller)
    run_sync()
    assert recorded(prices_seller) == first


def test_a_resync_after_prices_changed_records_only_the_sizes_whose_price_or_discount_changed(
    prices_seller, wb
):
    wb.set_clock(MOMENT)
    run_sync()
    before = price_terms(truth(wb, prices_seller)["prices"])
    first_seen = {row[0]: row[4] for row in recorded(prices_seller)}
    wb.advance_clock(timedelta(days=20))
    after = price_terms(truth(wb, prices_seller)["prices"])
    changed = {chrt_id for chrt_id, terms in after.items() if before.get(chrt_id) != terms}
    assert changed and len(changed) < len(after)  # some changed, some did not

    sync_now(seller=prices_seller)
    run_sync()
    later = [row for row in recorded(prices_seller) if row[4] != first_seen[row[0]]]
    assert {row[0]: row[1:4] for row in later} == {chrt_id: after[chrt_id] for chrt_id in changed}
    assert len(later) == len(changed)
