"""Bulk checks wait for WB's per-seller limits instead of earning 429s."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tokens.models import WBToken
from tokens.pacing import SellerPacer
from tokens.services import fill_from_token, read_pasted_token, token_check_many
from tokens.wb import WBOutcome
from wbapi.buckets import Buckets

PING_INTERVAL = 10.0  # WB: 3 pings per 30 s, burst 3
SELLER_INFO_INTERVAL = 60.0  # WB: 1 seller-info per minute, burst 10
SANDBOX_INTERVAL = 1.0  # WB: 1 request a second on a sandbox category, burst 1


class FakeTime:
    """A monotonic clock that only moves when something sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time():
    return FakeTime()


@pytest.fixture
def pacer(fake_time):
    return SellerPacer(sleep=fake_time.sleep, clock=fake_time.clock)


def token(seller: str = "seller-1", *, kind: str = "personal", **fields) -> WBToken:
    fields.setdefault("is_test", kind == "test")
    fields.setdefault("expires_at", timezone.now() + timedelta(days=30))
    return WBToken(name=f"{seller} token", seller_sid=seller, token_type=kind, **fields)


def test_the_first_three_checks_of_a_seller_do_not_wait(pacer, fake_time):
    assert [pacer.wait_for(token()) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert fake_time.sleeps == []


def test_the_fourth_check_of_a_seller_waits_the_ping_interval(pacer, fake_time):
    for _ in range(3):
        pacer.wait_for(token())
    assert pacer.wait_for(token()) == pytest.approx(PING_INTERVAL)
    assert fake_time.sleeps == [pytest.approx(PING_INTERVAL)]


def test_time_that_passed_counts_towards_the_wait(pacer, fake_time):
    for _ in range(3):
        pacer.wait_for(token())
    fake_time.now += 4
    assert pacer.wait_for(token()) == pytest.approx(6.0)
    fake_time.now += 30
    assert [pacer.wait_for(token()) for _ in range(3)] == [0.0, 0.0, 0.0]


def test_sellers_do_not_wait_for_each_other(pacer, fake_time):
    for _ in range(3):
        pacer.wait_for(token("seller-1"))
    assert [pacer.wait_for(token(f"seller-{n}")) for n in range(2, 6)] == [0.0] * 4
    assert fake_time.sleeps == []


def test_sandbox_checks_of_a_seller_are_a_second_apart(pacer, fake_time):
    # WB's sandbox: one request a second for a category's methods together.
    assert [pacer.wait_for(token(kind="test")) for _ in range(3)] == [
        0.0,
        pytest.approx(SANDBOX_INTERVAL),
        pytest.approx(SANDBOX_INTERVAL),
    ]
    assert pacer.wait_for(token("seller-2", kind="test")) == 0.0


def test_a_test_token_never_draws_on_seller_info(pacer, fake_time):
    # One sandbox check per ping interval forever: seller-info's burst of 10 never runs out.
    for _ in range(20):
        fake_time.now += PING_INTERVAL
        assert pacer.wait_for(token(kind="test")) == 0.0
    assert fake_time.sleeps == []


def test_a_production_token_also_uses_the_seller_info_bucket(pacer, fake_time):
    # Same pace as above: after 11 checks in 110 s, seller-info (10 + one a minute) is used up.
    for _ in range(11):
        fake_time.now += PING_INTERVAL
        assert pacer.wait_for(token()) == 0.0
    fake_time.now += PING_INTERVAL
    assert pacer.wait_for(token()) == pytest.approx(SELLER_INFO_INTERVAL / 6)
    assert fake_time.sleeps == [pytest.approx(SELLER_INFO_INTERVAL / 6)]


def test_an_expired_token_never_waits(pacer, fake_time):
    for _ in range(3):
        pacer.wait_for(token())
    expired = token(expires_at=timezone.now() - timedelta(seconds=1))
    assert [pacer.wait_for(expired) for _ in range(5)] == [0.0] * 5
    assert fake_time.sleeps == []
    assert pacer.wait_for(token()) == pytest.approx(PING_INTERVAL)  # it took nothing


def test_a_wait_longer_than_max_wait_is_not_slept(fake_time):
    pacer = SellerPacer(max_wait=5.0, sleep=fake_time.sleep, clock=fake_time.clock)
    for _ in range(3):
        pacer.wait_for(token())
    assert pacer.wait_for(token()) == 0.0
    assert fake_time.sleeps == []


def test_a_basic_tokens_daily_seller_info_allowance_is_not_sat_out(pacer, fake_time):
    assert pacer.wait_for(token(kind="basic")) == 0.0
    fake_time.now += PING_INTERVAL
    assert pacer.wait_for(token(kind="basic")) == 0.0  # a day's wait: WB answers instead
    assert fake_time.sleeps == []


def test_on_wait_is_told_the_token_and_the_seconds(fake_time):
    calls = []
    pacer = SellerPacer(
        sleep=fake_time.sleep,
        clock=fake_time.clock,
        on_wait=lambda waiting, seconds: calls.append((waiting, seconds)),
    )
    for _ in range(3):
        pacer.wait_for(token())
    fourth = token()
    pacer.wait_for(fourth)
    assert calls == [(fourth, pytest.approx(PING_INTERVAL))]
    assert fake_time.sleeps == [pytest.approx(PING_INTERVAL)]


def test_on_wait_is_not_called_for_a_wait_that_is_skipped(fake_time):
    calls = []
    pacer = SellerPacer(
        max_wait=1.0,
        sleep=fake_time.sleep,
        clock=fake_time.clock,
        on_wait=lambda *args: calls.append(args),
    )
    for _ in range(4):
        pacer.wait_for(token())
    assert calls == []


# --- With WB ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_bulk_check_of_one_sellers_tokens_waits_instead_of_earning_429s(
    mint, wb, fake_time, monkeypatch
):
    # The emulator's buckets run on the same fake clock, so a fake sleep is a real wait to WB.
    monkeypatch.setattr(wb.state, "buckets", Buckets(clock=fake_time.clock))
    stored = []
    for number in range(4):
        row = WBToken(name=f"Shop {number}")
        fill_from_token(row, read_pasted_token(mint()), WBOutcome(), WBToken.Status.UNCHECKED)
        row.save(force_insert=True)
        stored.append(row)
    assert len({row.seller_sid for row in stored}) == 1
    waits = []
    pacer = SellerPacer(
        sleep=fake_time.sleep,
        clock=fake_time.clock,
        on_wait=lambda waiting, seconds: waits.append((waiting.pk, seconds)),
    )

    summary = token_check_many(tokens=stored, by=None, pacer=pacer)

    assert summary.outcomes == {WBToken.Status.VALID: 4} and summary.all_valid
    assert waits == [(stored[3].pk, pytest.approx(PING_INTERVAL))]
    assert fake_time.sleeps == [pytest.approx(PING_INTERVAL)]
    assert wb.request_count(host="common-api", path="/ping", status=200) == 4
    assert wb.request_count(status=429) == 0
    assert set(WBToken.objects.values_list("status", flat=True)) == {WBToken.Status.VALID}
