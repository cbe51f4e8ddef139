"""Reading a cabinet's data through the gateway: token choice, budget, refusals, counts."""

import pytest
import time_machine
from django.utils import timezone

from gateway.data import fetched_page, usable_token
from gateway.errors import NoUsableToken, RateBudgetExhausted
from gateway.models import RateBucket
from tokens.models import WBToken
from wbapi.errors import InvalidToken, RequestRejected, WBUnavailable
from wbapi.methods.content import CARDS, CardsCursor
from wbapi.methods.marketplace import SellerStocksPager, StocksCursor

pytestmark = pytest.mark.django_db


def fetch(seller, pager=CARDS, cursor=None) -> list:
    """The page's records, read and closed."""
    with fetched_page(seller=seller, pager=pager, cursor=cursor or CardsCursor()) as fetched:
        return list(fetched.page)


@pytest.fixture
def seller_token(make_token, wb):
    token = make_token(categories="content,marketplace,statistics", seller_name="Data seller")
    wb.configure(token.seller.sid, products=12)
    return token


def test_a_page_is_read_with_the_sellers_token_and_counted(seller_token, wb):
    seller = seller_token.seller
    with fetched_page(seller=seller, pager=CARDS, cursor=CardsCursor()) as fetch:
        cards = list(fetch.page)
        assert fetch.token_id == seller_token.pk and len(fetch.records) == 1
    assert {card.nm_id for card in cards} == {
        card["nmID"] for card in wb.truth(seller.sid, "cards")
    }
    seller_token.refresh_from_db()
    assert seller_token.request_count == 4 + 1  # its checks' requests and the page's


def test_a_personal_token_is_preferred_and_a_sandbox_or_invalid_one_never_used(make_token, wb):
    basic = make_token("Basic", type="basic", categories="content", seller_name="Pick")
    personal = make_token("Personal", categories="content", seller_name="Pick")
    make_token("Sandbox", type="test", test=True, categories="content", seller_name="Pick")
    assert usable_token(basic.seller, "content") == personal
    WBToken.objects.filter(pk=personal.pk).update(status=WBToken.Status.INVALID)
    assert usable_token(basic.seller, "content") == basic
    with pytest.raises(NoUsableToken) as refused:
        usable_token(basic.seller, "finance")
    assert refused.value.permanent and refused.value.category == "finance"


def test_nothing_is_sent_when_the_budget_is_spent(seller_token, wb, settings):
    settings.WB_RATE_SPEED = 1  # WB's own minute: the burst of 5 is all there is
    seller = seller_token.seller
    # The budget's clock stands still, so that no request refills while a slow machine sends
    # the five.
    with time_machine.travel(timezone.now(), tick=False):
        for _ in range(5):
            fetch(seller)
        sent = wb.request_count(path="/content/v2/get/cards/list")
        with pytest.raises(RateBudgetExhausted) as held:
            fetch(seller)
        assert (held.value.until - timezone.now()).total_seconds() > 0
    assert wb.request_count(path="/content/v2/get/cards/list") == sent


def test_a_rejected_token_is_marked_invalid_and_not_picked_again(seller_token, wb):
    wb.set_fault("status", status=401, path="/content/v2/get/cards/list")
    with pytest.raises(InvalidToken):
        fetch(seller_token.seller)
    seller_token.refresh_from_db()
    assert seller_token.status == WBToken.Status.INVALID and seller_token.last_error
    with pytest.raises(NoUsableToken):
        usable_token(seller_token.seller, "content")


def test_a_4xx_on_marketplace_costs_ten_requests_of_the_budget(seller_token, wb, settings):
    settings.WB_RATE_SPEED = 1
    settings.WB_RATE_MARGIN = 0
    wb.set_fault("status", status=400, path="/api/v3/stocks/1", times=1)
    pager, cursor = SellerStocksPager([1, 2, 3]), StocksCursor(warehouse_id=1)
    # The budget's clock stands still: no refill between taking the request and the charge for
    # its refusal, however slowly the machine gets from one to the other.
    with time_machine.travel(timezone.now(), tick=False), pytest.raises(RequestRejected):
        fetch(seller_token.seller, pager, cursor)
    bucket = RateBucket.objects.get(sid=seller_token.seller.sid, group="marketplace-stocks")
    assert bucket.tokens == pytest.approx(20 - 10, abs=0.1)


def test_a_transient_failure_is_not_retried_here(seller_token, wb):
    wb.set_fault("status", status=503, path="/content/v2/get/cards/list")
    with pytest.raises(WBUnavailable):
        fetch(seller_token.seller)
    assert wb.request_count(path="/content/v2/get/cards/list") == 1
