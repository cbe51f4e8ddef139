"""Every request to WB is counted in the database, by host, limit group, status and latency."""

import pytest
from django.db import DatabaseError

from monitoring.models import LATENCY_BUCKETS, WBRequestTally
from monitoring.wbrequests import latency_bucket
from tokens.services import token_check
from wbapi.transport import RequestRecord

from .conftest import total

pytestmark = pytest.mark.django_db


def test_the_counts_match_what_wb_saw(make_token, superuser, wb, scrape):
    token = make_token()
    token_check(token=token, by=superuser)
    samples = scrape()
    pings = wb.request_count(path="/ping")
    assert pings >= 2
    assert total(samples, "wberp_wb_requests_total", group="ping", status="200") == pings
    info = wb.request_count(path="/api/v1/seller-info")
    assert total(samples, "wberp_wb_requests_total", group="seller-info") == info
    assert total(samples, "wberp_wb_requests_total") == len(wb.request_log)
    assert total(samples, "wberp_wb_rate_limited_total") == 0


def test_a_429_is_counted_as_one_and_under_its_status(make_token, superuser, wb, scrape):
    token = make_token()
    wb.set_fault("status", status=429, headers={"X-Ratelimit-Retry": "60"}, sid=token.seller.sid)
    token_check(token=token, by=superuser)
    samples = scrape()
    refused = wb.request_count(status=429)
    assert refused >= 1
    assert total(samples, "wberp_wb_rate_limited_total") == refused
    assert total(samples, "wberp_wb_requests_total", status="429", error="rate_limited") == refused


def test_an_answer_that_never_came_has_no_status_and_its_error(make_token, superuser, wb, scrape):
    token = make_token()
    wb.set_fault("reset", sid=token.seller.sid)
    token_check(token=token, by=superuser)
    samples = scrape()
    assert total(samples, "wberp_wb_requests_total", status="", error="wb_unavailable") >= 1


def record(ms: float, **fields) -> RequestRecord:
    values = {
        "method": "GET",
        "host": "content-api",
        "path": "/x",
        "status": 200,
        "request_id": None,
        "error": None,
        "limit_group": "cards",
    }
    return RequestRecord(**{**values, **fields, "duration_ms": ms})


def test_the_histogram_is_cumulative_with_the_sum_of_seconds(scrape):
    from gateway.signals import recording_into

    kept: list[RequestRecord] = []
    on_request = recording_into(kept)
    for ms in (10, 40, 300, 700_000):
        on_request(record(ms))
    assert len(kept) == 4
    samples = scrape()
    bucket = "wberp_wb_request_duration_seconds_bucket"
    labels = {"host": "content-api", "group": "cards"}
    assert total(samples, bucket, le="0.05", **labels) == 2
    assert total(samples, bucket, le="0.5", **labels) == 3
    assert total(samples, bucket, le="600.0", **labels) == 3
    assert total(samples, bucket, le="+Inf", **labels) == 4
    assert total(samples, "wberp_wb_request_duration_seconds_count", **labels) == 4
    assert total(samples, "wberp_wb_request_duration_seconds_sum", **labels) == pytest.approx(
        700.35
    )


def test_a_bucket_is_the_first_whose_bound_holds_the_latency():
    assert latency_bucket(0.0) == 0
    assert latency_bucket(0.05) == 0
    assert latency_bucket(0.051) == 1
    assert latency_bucket(601) == len(LATENCY_BUCKETS)


def test_a_failure_to_count_never_fails_the_call(monkeypatch, caplog):
    from gateway.signals import recording_into

    def broken(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(WBRequestTally.objects, "bulk_create", broken)
    kept: list[RequestRecord] = []
    recording_into(kept)(record(5))
    assert len(kept) == 1
    assert "Could not count a WB request to content-api" in caplog.text
