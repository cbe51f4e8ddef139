"""The shared WB rate budget: token buckets in the database, spent before every request."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gateway import budget
from gateway.models import RateBucket
from wbapi.limits import LIMIT_GROUPS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def wb_time(settings):
    """WB's own intervals, without the margin for requests on their way."""
    settings.WB_RATE_SPEED = 1
    settings.WB_RATE_MARGIN = 0


SID = "0d9f5c1e-5a8c-4a34-9f1e-3c1d2b4a5e6f"


def ping(host: str = "content-api", token_type: str = "personal") -> budget.Bucket:
    return budget.bucket_for(SID, "ping", token_type=token_type, host=host)


def seller_info(token_type: str = "personal") -> budget.Bucket:
    return budget.bucket_for(SID, "seller-info", token_type=token_type, host="common-api")


def test_a_full_bucket_serves_its_burst_back_to_back_then_one_per_interval():
    now = timezone.now()
    bucket = ping()
    burst = LIMIT_GROUPS["ping"].default.burst
    assert [budget.take([bucket], now=now) for _ in range(burst)] == [None] * burst
    available_at = budget.take([bucket], now=now)
    assert available_at == now + timedelta(seconds=10)  # 30 s / 3 requests
    assert budget.take([bucket], now=now + timedelta(seconds=9.9)) is not None
    assert budget.take([bucket], now=now + timedelta(seconds=10)) is None


def test_several_buckets_are_spent_together_or_not_at_all():
    now = timezone.now()
    content, prices = ping("content-api"), ping("discounts-prices-api")
    for _ in range(3):
        assert budget.take([content], now=now) is None
    assert budget.take([prices, content], now=now) == now + timedelta(seconds=10)
    # The prices bucket was not touched by the refused pair.
    assert [budget.take([prices], now=now) for _ in range(3)] == [None, None, None]


def test_ping_is_counted_per_host_and_seller_info_per_seller():
    assert ping("content-api").scope == "content-api"
    assert ping("content-api") != ping("statistics-api")
    assert seller_info().scope == ""


def test_a_basic_token_has_a_bucket_of_its_own_where_wb_gives_it_a_stricter_row():
    # seller-info: 1 a day for a basic token, 1 a minute for the others.
    basic, personal = seller_info("basic"), seller_info("personal")
    assert basic != personal and basic.interval == 24 * 3600
    now = timezone.now()
    assert budget.take([basic], now=now) is None
    assert budget.take([basic], now=now) == now + timedelta(days=1)
    assert budget.take([personal], now=now) is None  # the personal token is not held back
    # /ping has no row of its own for basic tokens: one bucket for every token type.
    assert ping(token_type="basic") == ping(token_type="personal")


def test_after_a_429_the_bucket_serves_nothing_until_wbs_retry_time():
    now = timezone.now()
    bucket = ping()
    until = now + timedelta(seconds=120)
    budget.block(bucket, until, now=now)
    assert budget.take([bucket], now=now + timedelta(seconds=119)) == until
    assert budget.blocked_until([bucket], now=now) == until
    assert budget.take([bucket], now=until) == until + timedelta(seconds=10)  # refills from then
    assert budget.take([bucket], now=until + timedelta(seconds=10)) is None
    assert budget.blocked_until([bucket], now=until + timedelta(seconds=10)) is None


def test_a_charge_for_a_4xx_can_take_the_bucket_below_empty():
    now = timezone.now()
    bucket = budget.bucket_for(SID, "marketplace-stocks", token_type="personal", host="m")
    budget.charge(bucket, 30, now=now)  # burst 20: ten requests' worth in debt
    assert budget.take([bucket], now=now) == now + timedelta(seconds=11 * 0.2)


def test_wb_rate_speed_divides_every_interval_and_the_margin_is_added(settings):
    settings.WB_RATE_SPEED = 10
    settings.WB_RATE_MARGIN = 0.25
    assert ping().interval == pytest.approx(1.0 + 0.25) and ping().burst == 3


def test_a_slow_limit_gets_a_margin_in_proportion(settings):
    """A 429 costs a bucket its whole interval: a minute's gets twelve times the margin of the
    intervals up to 5 s."""
    settings.WB_RATE_MARGIN = 0.05
    orders = budget.bucket_for(SID, "statistics-orders", token_type="personal", host="s")
    assert orders.interval == pytest.approx(60 + 0.6)
    cards = budget.bucket_for(SID, "content", token_type="personal", host="c")
    assert cards.interval == pytest.approx(0.6 + 0.05)
    settings.WB_RATE_SPEED = 2
    assert budget.bucket_for(
        SID, "statistics-orders", token_type="personal", host="s"
    ).interval == (pytest.approx(30 + 0.3))


def test_buckets_are_rows_shared_by_every_process():
    budget.take([ping()])
    row = RateBucket.objects.get(sid=SID, group="ping", scope="content-api")
    assert row.tokens == pytest.approx(2.0, abs=0.01)
