"""A first dataset through the whole engine: the cards of a seller, paged by WB's cursor."""

import pytest

from catalog.models import Barcode, Product, Size
from sync.models import SyncRun, SyncStream
from sync.testing import run_sync

pytestmark = pytest.mark.django_db(transaction=True)


def stored_cards(seller) -> dict[int, dict]:
    cards = {}
    for product in Product.objects.filter(seller=seller):
        cards[product.nm_id] = {
            "vendorCode": product.vendor_code,
            "updatedAt": product.wb_updated_at,
            "sizes": sorted(
                (size.chrt_id, size.tech_size, tuple(b.barcode for b in size.barcodes.all()))
                for size in Size.objects.filter(product=product).prefetch_related("barcodes")
            ),
        }
    return cards


def true_cards(wb, seller) -> dict[int, dict]:
    from wbapi.moscow import parse_moment

    return {
        card["nmID"]: {
            "vendorCode": card["vendorCode"],
            "updatedAt": parse_moment(card["updatedAt"]),
            "sizes": sorted(
                (size["chrtID"], size["techSize"], tuple(size["skus"])) for size in card["sizes"]
            ),
        }
        for card in wb.truth(seller.sid, "cards")
    }


def test_the_cards_of_a_seller_equal_the_emulators_after_a_sync(catalogue_seller, wb):
    seller = catalogue_seller(products=250, categories="content")
    run_sync()
    assert stored_cards(seller) == true_cards(wb, seller)
    stream = SyncStream.objects.get(seller=seller, dataset="cards")
    assert stream.state == SyncStream.State.IDLE and stream.last_success_at is not None
    run = SyncRun.objects.get(stream=stream)
    pages = wb.request_count(path="/content/v2/get/cards/list")
    assert run.outcome == SyncRun.Outcome.SUCCEEDED and run.pages == pages == 3
    assert (
        run.rows_inserted
        == Product.objects.count() + Size.objects.count() + Barcode.objects.count()
    )
