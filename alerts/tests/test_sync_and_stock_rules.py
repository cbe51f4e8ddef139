"""The sync's and the stocks' alerts: a stream blocked, failing run after run, data older than
its refresh, a selling product running out. Each fires once for a condition and again only
after it clears and returns, and only to those who see the cabinet in the rule's area."""

from datetime import timedelta

import pytest
import time_machine

from access.models import CabinetGrant, Level
from alerts.messages import message_for
from alerts.models import AlertState, Notification, Rule
from alerts.services import alerts_evaluate
from catalog.models import Product, Stock, StockKind
from dashboards.services import rollups_rebuild
from sales.models import Sale
from sellers.models import Seller
from sync.engine import RUN_FAILURES
from sync.models import SyncStream

from .conftest import START

pytestmark = pytest.mark.django_db
State = SyncStream.State


def at(hours: float):
    return time_machine.travel(START + timedelta(hours=hours), tick=False)


@pytest.fixture
def seller(db) -> Seller:
    return Seller.objects.create(sid="777001", name="ООО Ромашка")


def stream(seller: Seller, dataset: str, **fields) -> SyncStream:
    return SyncStream.objects.create(seller=seller, dataset=dataset, **fields)


def evaluate(hours: float) -> dict[str, int]:
    with at(hours):
        return alerts_evaluate()


def notified(user, rule: str) -> int:
    return Notification.objects.filter(user=user, state__rule=rule).count()


def set_state(of: SyncStream, **fields) -> None:
    SyncStream.objects.filter(pk=of.pk).update(**fields)


# --- Streams -------------------------------------------------------------------------------


def test_a_blocked_stream_fires_once_clears_when_it_resumes_and_fires_again(
    owner, subscribe, seller
):
    subscribe(owner, Rule.STREAM_BLOCKED)
    prices = stream(seller, "prices", state=State.BLOCKED, error_code="no_token")
    assert evaluate(0) == {"fired": 1, "cleared": 0}
    assert evaluate(1) == {"fired": 0, "cleared": 0}
    set_state(prices, state=State.RUNNING, error_code="")
    assert evaluate(2) == {"fired": 0, "cleared": 1}
    set_state(prices, state=State.BLOCKED, error_code="no_token")
    assert evaluate(3) == {"fired": 1, "cleared": 0}
    state = AlertState.objects.get(rule=Rule.STREAM_BLOCKED)
    assert state.times_fired == 2 and notified(owner, Rule.STREAM_BLOCKED) == 2
    message = message_for(state)
    assert message.text.startswith("The sync of Prices and discounts of ООО Ромашка has stopped")
    assert message.path == "/sellers/777001/sync/"


def test_a_stream_fires_once_it_has_failed_more_runs_than_the_setting(
    owner, subscribe, seller, settings
):
    settings.ALERTS_SYNC_FAILED_RUNS = 2
    subscribe(owner, Rule.STREAM_FAILING)
    orders = stream(seller, "orders", state=State.RETRYING, attempts=3 * RUN_FAILURES - 1)
    assert evaluate(0)["fired"] == 0  # two runs failed, the third is failing still
    set_state(orders, attempts=3 * RUN_FAILURES)
    assert evaluate(1)["fired"] == 1
    set_state(orders, attempts=4 * RUN_FAILURES)
    assert evaluate(2) == {"fired": 0, "cleared": 0}  # the same condition, failing on
    set_state(orders, state=State.RUNNING, attempts=0)  # a page was read
    assert evaluate(3) == {"fired": 0, "cleared": 1}
    set_state(orders, state=State.RETRYING, attempts=3 * RUN_FAILURES)
    assert evaluate(4)["fired"] == 1
    assert notified(owner, Rule.STREAM_FAILING) == 2
    with at(4):
        text = message_for(AlertState.objects.get(rule=Rule.STREAM_FAILING)).text
    assert "has failed 3 runs in a row" in text and "ООО Ромашка" in text


def test_data_older_than_its_interval_times_the_factor_fires_and_clears_with_a_pass(
    owner, subscribe, seller, settings
):
    settings.ALERTS_STALE_FACTOR = 3
    subscribe(owner, Rule.DATA_STALE)
    cards = stream(seller, "cards", last_success_at=START)  # cards: every hour
    stream(seller, "warehouses", last_success_at=START)  # every day: not stale for days
    stream(seller, "orders")  # never synced: no data to be old
    assert evaluate(2.9)["fired"] == 0
    assert evaluate(3.1)["fired"] == 1
    assert evaluate(5) == {"fired": 0, "cleared": 0}
    set_state(cards, last_success_at=START + timedelta(hours=5))
    assert evaluate(5.5) == {"fired": 0, "cleared": 1}
    assert evaluate(8.1)["fired"] == 1
    (state,) = AlertState.objects.filter(rule=Rule.DATA_STALE)
    assert state.subject == str(cards.pk) and state.times_fired == 2
    text = message_for(state).text
    assert text.startswith("Product cards of ООО Ромашка is as of") and "every 1 hour" in text


def test_a_cabinets_own_interval_sets_when_its_data_is_stale(owner, subscribe, seller):
    subscribe(owner, Rule.DATA_STALE)
    stream(seller, "cards", last_success_at=START, interval=timedelta(days=1))
    assert evaluate(3.1)["fired"] == 0
    assert evaluate(3 * 24 + 0.1)["fired"] == 1


# --- Stocks --------------------------------------------------------------------------------

NM_ID = 5_550_001


def sold(seller: Seller, units: int, *, days_ago: float, nm_id: int = NM_ID, returns=False):
    moment = START - timedelta(days=days_ago)
    prefix = "R" if returns else "S"
    Sale.objects.bulk_create(
        Sale(
            seller=seller,
            srid=f"srid-{nm_id}-{days_ago}-{number}",
            sale_id=f"{prefix}{nm_id}{int(days_ago * 10)}{number}",
            is_return=returns,
            nm_id=nm_id,
            date=moment,
            last_change_date=moment,
        )
        for number in range(units)
    )
    rollups_rebuild(seller=seller)  # as the sales' ingest keeps them


def in_stock(seller: Seller, units: int, *, kind=StockKind.FBS, warehouse=1, nm_id=NM_ID):
    Stock.objects.update_or_create(
        seller=seller,
        kind=kind,
        warehouse_id=warehouse,
        chrt_id=nm_id * 10,
        defaults={"nm_id": nm_id, "quantity": units, "changed_at": START},
    )


@pytest.fixture
def selling(seller) -> Seller:
    """A product bought out 28 times in the last 14 days (2 a day), its stocks synced
    (weekly, so that their data is not stale in these tests' hours)."""
    stream(seller, "stocks", last_success_at=START, interval=timedelta(days=7))
    Product.objects.create(
        seller=seller, nm_id=NM_ID, vendor_code="ART-1", title="Кружка", changed_at=START
    )
    sold(seller, 20, days_ago=3)
    sold(seller, 8, days_ago=13)
    sold(seller, 50, days_ago=20)  # before the window
    sold(seller, 5, days_ago=1, returns=True)  # returns are no sales
    return seller


def test_stock_for_fewer_days_than_the_setting_fires_once_clears_when_restocked_and_again(
    owner, subscribe, selling, settings
):
    settings.ALERTS_STOCK_DAYS = 7
    subscribe(owner, Rule.STOCK_RUNNING_OUT)
    in_stock(selling, 10)
    in_stock(selling, 6, kind=StockKind.FBW, warehouse=2)  # 16 units: 8 days at 2 a day
    assert evaluate(0)["fired"] == 0
    in_stock(selling, 8)  # 14 units: 7 days
    assert evaluate(1)["fired"] == 1
    assert evaluate(2) == {"fired": 0, "cleared": 0}
    in_stock(selling, 100)
    assert evaluate(3) == {"fired": 0, "cleared": 1}
    in_stock(selling, 0)
    assert evaluate(4)["fired"] == 1
    state = AlertState.objects.get(rule=Rule.STOCK_RUNNING_OUT)
    assert state.subject == f"{selling.pk}:{NM_ID}" and state.times_fired == 2
    assert state.details["stock"] == 6 and state.details["days_left"] == 3.0
    message = message_for(state)
    assert message.text.startswith("ART-1 (nmID 5550001) of ООО Ромашка: 6 in stock, 2.0 sold")
    assert message.path == f"/sellers/{selling.sid}/products/{NM_ID}/"


def test_a_product_with_no_stock_row_left_has_none_and_one_sold_long_ago_none_to_lose(
    owner, subscribe, selling
):
    subscribe(owner, Rule.STOCK_RUNNING_OUT)
    sold(selling, 30, days_ago=40, nm_id=NM_ID + 1)  # sold out of the window: not selling
    assert evaluate(0)["fired"] == 1  # NM_ID: no stock row, sold 2 a day
    assert AlertState.objects.get().details["days_left"] == 0


def test_no_stock_alert_before_the_cabinets_stocks_are_synced(owner, subscribe, selling):
    subscribe(owner, Rule.STOCK_RUNNING_OUT)
    set_state(SyncStream.objects.get(dataset="stocks"), last_success_at=None)
    assert evaluate(0)["fired"] == 0


# --- Who hears of what -------------------------------------------------------------------


def test_an_alert_reaches_only_those_who_see_the_cabinet_in_its_area(make_user, subscribe, selling):
    accountant = make_user("accountant", staff=True)
    storekeeper = make_user("storekeeper", staff=True)
    CabinetGrant.objects.create(seller=selling, user=accountant, finance=Level.VIEW)
    CabinetGrant.objects.create(
        seller=selling, user=storekeeper, catalogue=Level.VIEW, finance=Level.VIEW
    )
    for user in (accountant, storekeeper):
        subscribe(user, Rule.STOCK_RUNNING_OUT, Rule.STREAM_BLOCKED)
    stream(selling, "prices", state=State.BLOCKED, error_code="no_token")
    assert evaluate(0)["fired"] == 2  # both conditions hold, whoever hears of them
    assert notified(accountant, Rule.STOCK_RUNNING_OUT) == 0  # finance only: no stocks
    assert notified(storekeeper, Rule.STOCK_RUNNING_OUT) == 1
    assert notified(accountant, Rule.STREAM_BLOCKED) == 0  # nor the sync
    assert notified(storekeeper, Rule.STREAM_BLOCKED) == 0
