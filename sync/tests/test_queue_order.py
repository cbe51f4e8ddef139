"""The queue gives page tasks in the order they fall due: a page free to go at once (WB's burst
not spent) is not put behind the pages deferred to a later slot that have fallen due since,
which on a busy worker would hold it back for as long as such pages keep coming."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from sellers.models import Seller
from sync.engine import lease_and_enqueue
from sync.models import SyncStream

pytestmark = pytest.mark.django_db


def stream(sid: str, dataset: str) -> SyncStream:
    seller = Seller.objects.create(sid=sid, name=sid)
    return SyncStream.objects.create(seller=seller, dataset=dataset, next_run_at=timezone.now())


def queued_streams() -> list[int]:
    """The streams of the ready page tasks, in the order a worker takes them."""
    return [task.args_kwargs["args"][0] for task in DBTaskResult.objects.ready()]


def test_a_page_due_at_once_goes_before_a_page_that_fell_due_after_it():
    at_once, deferred = stream("a", "orders"), stream("b", "sales")
    lease_and_enqueue(at_once, at=timezone.now())
    lease_and_enqueue(deferred, at=timezone.now() + timedelta(milliseconds=20))
    time.sleep(0.05)  # the deferred page falls due
    assert queued_streams() == [at_once.pk, deferred.pk]


def test_pages_deferred_to_a_slot_wait_for_it():
    later = stream("c", "finance")
    lease_and_enqueue(later, at=timezone.now() + timedelta(minutes=1))
    assert queued_streams() == []
    assert DBTaskResult.objects.get().run_after == later.next_run_at


def test_among_pages_due_those_of_slower_wb_limits_go_first():
    """WB's stocks report allows 3 requests a minute and the orders 1, the cards 100: a late
    page of the report holds its pass up by 20 seconds a page, one of the cards by its own
    wait only."""
    cards, report, orders = stream("d", "cards"), stream("e", "fbw_stocks"), stream("f", "orders")
    now = timezone.now()
    for queued in (cards, report, orders):
        lease_and_enqueue(queued, at=now)
    assert queued_streams() == [orders.pk, report.pk, cards.pk]
    priorities = {task.args_kwargs["args"][0]: task.priority for task in DBTaskResult.objects.all()}
    assert priorities == {cards.pk: 1, report.pk: 20, orders.pk: 60}


def test_among_pages_of_one_limit_those_of_a_chain_go_first():
    """The seller's stocks wait for the cards and the warehouses; the prices are on their own."""
    prices, stocks, cards = stream("i", "prices"), stream("j", "stocks"), stream("k", "cards")
    warehouses = stream("l", "warehouses")
    now = timezone.now()
    for queued in (prices, stocks, cards, warehouses):
        lease_and_enqueue(queued, at=now)
    assert queued_streams() == [stocks.pk, cards.pk, warehouses.pk, prices.pk]


def test_a_chain_with_a_link_disabled_has_no_precedence(settings):
    settings.SYNC_DATASETS = ["cards", "prices"]  # the stocks, which wait for the cards, are off
    prices, cards = stream("m", "prices"), stream("n", "cards")
    now = timezone.now()
    for queued in (prices, cards):
        lease_and_enqueue(queued, at=now)
    assert queued_streams() == [prices.pk, cards.pk]
