"""Token problems block a stream with a reason and no further requests; a working token
added for the seller makes it resume from its cursor."""

import time

import pytest
from django.utils import translation

from catalog.tests.truth import stored, truth
from jobs.testing import run_worker_batch
from sync.engine import stream_page, streams_claim_due
from sync.models import SyncRun, SyncStream
from sync.selectors import seller_sync_status
from sync.testing import run_sync
from tokens.services import token_create

pytestmark = pytest.mark.django_db(transaction=True)

CARDS = "/content/v2/get/cards/list"
SELLER = "Revoked Ltd"


def cards_stream(seller) -> SyncStream:
    return SyncStream.objects.get(seller=seller, dataset="cards")


def read_pages(seller, pages: int) -> None:
    """Start the cards' pass and read its first `pages` pages here, one by one, as the tasks
    would (theirs find the lease moved on and leave the stream alone)."""
    streams_claim_due()
    while SyncRun.objects.get(stream=cards_stream(seller)).pages < pages:
        stream = cards_stream(seller)
        stream_page(stream_id=stream.pk, lease_id=stream.lease_id)


def test_a_token_revoked_mid_sync_blocks_until_a_new_one_and_the_sync_resumes(mint, superuser, wb):
    raw = mint(categories="content", seller_name=SELLER)
    seller = token_create(name="First", raw_token=raw, by=superuser).seller
    wb.configure(seller.sid, products=1000)
    read_pages(seller, 3)
    wb.revoke(raw)
    run_sync()
    stream = cards_stream(seller)
    assert stream.state == SyncStream.State.BLOCKED and stream.error_code == "invalid_token"
    status = next(s for s in seller_sync_status(seller) if s.dataset.name == "cards")
    with translation.override("en"):
        assert status.state_text.startswith("Stopped: WB rejected the token")
    blocked_run = SyncRun.objects.get(stream=stream)
    assert (
        blocked_run.outcome == SyncRun.Outcome.BLOCKED and blocked_run.error_code == "invalid_token"
    )
    pages_before, sent = blocked_run.pages, wb.request_count(path=CARDS)
    for _ in range(5):  # ticks go by: nothing is sent for a blocked stream
        run_worker_batch()
        time.sleep(0.05)
    assert wb.request_count(path=CARDS) == sent

    token_create(
        name="Second", raw_token=mint(categories="content", seller_name=SELLER), by=superuser
    )
    run_sync()
    assert stored(seller)["cards"] == truth(wb, seller)["cards"]
    stream = cards_stream(seller)
    assert stream.state == SyncStream.State.IDLE
    resumed = SyncRun.objects.filter(stream=stream).latest("started_at")
    assert (
        resumed.trigger == SyncRun.Trigger.RESUME and resumed.outcome == SyncRun.Outcome.SUCCEEDED
    )
    # From its cursor: the pages already stored are not read again.
    assert pages_before + resumed.pages == 10
    assert wb.request_count(path=CARDS) == sent + resumed.pages


def test_a_seller_without_a_token_for_the_category_is_blocked_without_a_request(make_token, wb):
    seller = make_token(categories="content", seller_name="Only cards").seller
    run_sync()
    prices = SyncStream.objects.get(seller=seller, dataset="prices")
    assert prices.state == SyncStream.State.BLOCKED and prices.error_code == "no_token"
    assert wb.request_count(host="discounts-prices-api") == 0
    status = next(s for s in seller_sync_status(seller) if s.dataset.name == "prices")
    with translation.override("en"):
        assert "has the “prices” category" in status.state_text
