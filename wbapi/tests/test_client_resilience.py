"""Retries, rate limits, deadlines and broken connections, counted in the emulator's log."""

from __future__ import annotations

import time

import pytest
import requests
import responses

from wbapi.client import BACKOFF_BASE, WBClient
from wbapi.emulator.testing import EmulatorServer
from wbapi.errors import (
    AccessDenied,
    InvalidToken,
    ProtocolError,
    RateLimited,
    RequestRejected,
    WBUnavailable,
)
from wbapi.tests.helpers import FakeSleep


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_it_retries_a_5xx_exactly_the_allowed_number_of_times(
    emulator, make_client, fake_sleep, status
):
    emulator.set_fault("status", status=status)

    with pytest.raises(WBUnavailable) as caught:
        make_client(emulator.mint(), retries=2).ping()

    assert caught.value.status == status
    assert emulator.request_count(path="/ping", status=status) == 3
    assert len(fake_sleep.calls) == 2


def test_it_waits_with_exponential_backoff_and_full_jitter(emulator, make_client, fake_sleep):
    emulator.set_fault("status", status=503)
    client = make_client(emulator.mint(), retries=3, deadline=60)
    client.rng.uniform = lambda low, high: high  # the top of each jitter range

    with pytest.raises(WBUnavailable):
        client.ping()

    assert fake_sleep.calls == [BACKOFF_BASE, BACKOFF_BASE * 2, BACKOFF_BASE * 4]


def test_it_succeeds_when_a_retry_does(emulator, make_client):
    emulator.set_fault("status", status=503, times=2)

    result = make_client(emulator.mint(), retries=2).ping()

    assert result.status == "OK"
    assert [entry.status for entry in emulator.request_log] == [503, 503, 200]


def test_it_does_not_retry_when_retries_is_zero(emulator, make_client, fake_sleep):
    emulator.set_fault("status", status=503)

    with pytest.raises(WBUnavailable):
        make_client(emulator.mint(), retries=0).ping()

    assert emulator.request_count() == 1
    assert fake_sleep.calls == []


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, RequestRejected),
        (401, InvalidToken),
        (403, AccessDenied),
        (404, RequestRejected),
        (409, RequestRejected),
        (422, RequestRejected),
    ],
)
def test_it_never_retries_a_4xx(emulator, make_client, fake_sleep, status, error_class):
    emulator.set_fault("status", status=status)

    with pytest.raises(error_class):
        make_client(emulator.mint(), retries=5).ping()

    assert emulator.request_count() == 1
    assert fake_sleep.calls == []


def test_it_waits_out_a_short_429_once_and_succeeds(emulator, make_client, fake_sleep):
    emulator.set_fault("status", status=429, times=1, headers={"X-Ratelimit-Retry": "1"})

    result = make_client(emulator.mint(), max_retry_wait=2.0).ping()

    assert result.status == "OK"
    assert fake_sleep.calls == [1.0]
    assert [entry.status for entry in emulator.request_log] == [429, 200]


def test_it_waits_for_a_429_only_once(emulator, make_client, fake_sleep):
    emulator.set_fault("status", status=429, headers={"X-Ratelimit-Retry": "0.5"})

    with pytest.raises(RateLimited) as caught:
        make_client(emulator.mint()).ping()

    assert caught.value.retry_after == 0.5
    assert fake_sleep.calls == [0.5]
    assert emulator.request_count(status=429) == 2


def test_it_raises_rate_limited_at_once_when_wb_asks_for_a_long_wait(
    emulator, make_client, fake_sleep
):
    client = make_client(emulator.mint())
    for _ in range(3):  # the burst WB allows on one host
        client.ping()

    started = time.monotonic()
    with pytest.raises(RateLimited) as caught:
        client.ping()

    assert time.monotonic() - started < 0.5
    assert caught.value.retry_after == 10.0
    assert not caught.value.permanent
    assert fake_sleep.calls == []
    assert emulator.request_count(status=429) == 1


def test_it_raises_rate_limited_when_the_wait_would_pass_the_deadline(
    emulator, make_client, fake_sleep
):
    emulator.set_fault("status", status=429, headers={"X-Ratelimit-Retry": "1.5"})

    with pytest.raises(RateLimited):
        make_client(emulator.mint(), max_retry_wait=5, deadline=1.0).ping()

    assert fake_sleep.calls == []


def test_a_429_without_wbs_header_falls_back_to_retry_after(emulator, make_client, fake_sleep):
    emulator.set_fault("status", status=429, times=1, headers={"Retry-After": "2"})

    make_client(emulator.mint()).ping()

    assert fake_sleep.calls == [2.0]


def test_a_429_without_any_header_waits_the_documented_interval(emulator, make_client):
    emulator.set_fault("status", status=429)
    basic = make_client(emulator.mint(type="basic"), max_retry_wait=0)
    personal = make_client(emulator.mint(), max_retry_wait=0)

    with pytest.raises(RateLimited) as on_ping:
        personal.ping()
    with pytest.raises(RateLimited) as on_seller_info:
        personal.seller_info()
    with pytest.raises(RateLimited) as basic_on_seller_info:
        basic.seller_info()

    assert on_ping.value.retry_after == 10.0
    assert on_seller_info.value.retry_after == 60.0
    assert basic_on_seller_info.value.retry_after == 24 * 3600.0


def test_a_real_bucket_refills_in_time_for_a_short_wait():
    with EmulatorServer(speed=100) as fast:
        client = WBClient(fast.mint(), base_url=fast.base_url)
        for _ in range(4):  # the 4th is refused for 0.1 s, waited out, and retried
            client.ping()

        assert fast.request_count(status=429) == 1
        assert fast.request_count(status=200) == 4


def test_it_does_not_follow_redirects(emulator, make_client):
    emulator.set_fault("status", status=302, headers={"Location": emulator.base_url + "/ping"})

    with pytest.raises(ProtocolError, match="redirect") as caught:
        make_client(emulator.mint()).ping()

    assert caught.value.status == 302
    assert emulator.request_count() == 1


def test_a_connection_reset_is_wb_unavailable_and_retried(emulator, make_client, fake_sleep):
    emulator.set_fault("reset")

    with pytest.raises(WBUnavailable) as caught:
        make_client(emulator.mint(), retries=2).ping()

    assert caught.value.status is None
    assert emulator.request_count() == 3
    assert [entry.fault for entry in emulator.request_log] == ["reset"] * 3


def test_an_html_error_page_from_a_proxy_is_wb_unavailable(emulator, make_client):
    emulator.set_fault("html", status=502, times=1)

    assert make_client(emulator.mint()).ping().status == "OK"
    assert [entry.status for entry in emulator.request_log] == [502, 200]


@pytest.mark.parametrize(
    ("fault", "status_seen"),
    [
        ("drip", 200),  # the body a byte at a time, after a complete status line
        ("slow_headers", None),  # the status line and headers a byte at a time
    ],
)
def test_the_deadline_holds_against_a_server_sending_a_byte_at_a_time(
    private_emulator, fault, status_seen
):
    """Each byte comes well within the read timeout; only the deadline can stop this."""
    private_emulator.set_fault(fault, delay=0.1)
    client = WBClient(private_emulator.mint(), base_url=private_emulator.base_url, deadline=0.8)

    started = time.monotonic()
    with pytest.raises(WBUnavailable, match=r"within 0\.8 s") as caught:
        client.ping()

    assert time.monotonic() - started < 0.8 + 0.25
    assert caught.value.status == status_seen


def test_the_deadline_covers_every_retry(private_emulator):
    private_emulator.set_fault("latency", delay=5)
    client = WBClient(
        private_emulator.mint(),
        base_url=private_emulator.base_url,
        timeout=(0.5, 0.3),
        deadline=1.0,
        retries=10,
    )

    started = time.monotonic()
    with pytest.raises(WBUnavailable):
        client.ping()

    assert time.monotonic() - started < 1.0 + 0.25
    assert 2 <= private_emulator.request_count() <= 4


def test_a_read_timeout_is_wb_unavailable(private_emulator):
    private_emulator.set_fault("latency", delay=1)
    client = WBClient(
        private_emulator.mint(), base_url=private_emulator.base_url, timeout=(1, 0.2), retries=0
    )

    with pytest.raises(WBUnavailable, match="in time"):
        client.ping()


@responses.activate
def test_a_connect_timeout_is_wb_unavailable_and_retried():
    with EmulatorServer() as server:
        token = server.mint()
    responses.get(
        "https://common-api.wildberries.ru/ping", body=requests.ConnectTimeout("timed out")
    )
    client = WBClient(token, retries=1)
    client.sleep = FakeSleep()

    with pytest.raises(WBUnavailable, match="in time"):
        client.ping()

    assert len(responses.calls) == 2
