"""What the database says, read at scrape time: tokens, tasks, pauses, WB's waits."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from gateway.models import RateBucket, WBPause
from sellers.models import Seller
from sync.models import SyncRun, SyncStream
from tokens.models import WBToken
from tokens.tests.conftest import bulk_tokens

from .conftest import total

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(timezone.datetime(2026, 6, 1, 12, 0))


def test_tokens_by_status_and_each_cabinets_soonest_expiry(scrape):
    _expired, second, broken = bulk_tokens(3)
    WBToken.objects.filter(pk=broken.pk).update(status=WBToken.Status.INVALID)
    samples = scrape()
    assert total(samples, "wberp_tokens", status="valid") == 2
    assert total(samples, "wberp_tokens", status="invalid") == 1
    assert total(samples, "wberp_tokens", status="expired") == 0
    # bulk_tokens makes token n expire in n days: the first is already at its expiry time.
    second_days = total(samples, "wberp_token_expiry_days", seller=second.seller.sid)
    assert 0.99 < second_days <= 1.0
    assert ("wberp_token_expiry_days", ("seller", broken.seller.sid)) not in samples


def enqueue(status=TaskResultStatus.READY, *, enqueued_at, run_after=None, **fields):
    result = DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="x.y",
        backend_name="default",
        run_after=run_after,
        **fields,
    )
    DBTaskResult.objects.filter(pk=result.pk).update(enqueued_at=enqueued_at)
    return result


def test_tasks_waiting_scheduled_running_and_the_oldest_wait(scrape):
    with time_machine.travel(NOW, tick=False):
        enqueue(enqueued_at=NOW - timedelta(seconds=30))
        enqueue(enqueued_at=NOW - timedelta(hours=1), run_after=NOW - timedelta(seconds=90))
        enqueue(enqueued_at=NOW - timedelta(hours=2), run_after=NOW + timedelta(minutes=5))
        enqueue(TaskResultStatus.RUNNING, enqueued_at=NOW - timedelta(hours=3))
        enqueue(TaskResultStatus.SUCCESSFUL, enqueued_at=NOW - timedelta(hours=4))
        samples = scrape()
    assert total(samples, "wberp_tasks", state="waiting") == 2
    assert total(samples, "wberp_tasks", state="scheduled") == 1
    assert total(samples, "wberp_tasks", state="running") == 1
    # The task due since 90 s ago has waited longest (the one enqueued an hour ago was not due).
    assert total(samples, "wberp_task_oldest_waiting_seconds") == 90


def test_no_waiting_task_is_a_zero_wait(scrape):
    assert total(scrape(), "wberp_task_oldest_waiting_seconds") == 0


def test_an_open_breaker_and_a_closed_one_counting_failures(scrape):
    paused, counting = bulk_tokens(2)
    with time_machine.travel(NOW, tick=False):
        WBPause.objects.create(
            seller=paused.seller, host="content-api", until=NOW + timedelta(minutes=2), failures=3
        )
        WBPause.objects.create(seller=counting.seller, host="statistics-api", failures=1)
        samples = scrape()
    opened = ("seller", paused.seller.sid), ("host", "content-api")
    closed = ("seller", counting.seller.sid), ("host", "statistics-api")
    assert samples[("wberp_wb_breaker_open", *sorted(opened))] == 1
    assert samples[("wberp_wb_breaker_failures", *sorted(opened))] == 3
    assert samples[("wberp_wb_breaker_open", *sorted(closed))] == 0
    assert samples[("wberp_wb_breaker_failures", *sorted(closed))] == 1


def test_only_buckets_waiting_out_a_429_are_shown_with_the_time_left(scrape):
    with time_machine.travel(NOW, tick=False):
        RateBucket.objects.create(
            sid="s1",
            group="statistics",
            tokens=0,
            refilled_at=NOW,
            blocked_until=NOW + timedelta(seconds=40),
        )
        RateBucket.objects.create(
            sid="s2",
            group="statistics",
            tokens=0,
            refilled_at=NOW,
            blocked_until=NOW - timedelta(seconds=1),
        )
        samples = scrape()
    assert total(samples, "wberp_wb_rate_limit_wait_seconds", seller="s1") == 40
    assert not [
        key
        for key in samples
        if key[0] == "wberp_wb_rate_limit_wait_seconds" and ("seller", "s2") in key
    ]


def stream(seller: Seller, dataset: str, **fields) -> SyncStream:
    return SyncStream.objects.create(seller=seller, dataset=dataset, **fields)


def run(of: SyncStream, *, inserted: int, updated: int = 0, removed: int = 0) -> SyncRun:
    return SyncRun.objects.create(
        stream=of,
        trigger=SyncRun.Trigger.SCHEDULE,
        started_at=NOW,
        rows_inserted=inserted,
        rows_updated=updated,
        rows_removed=removed,
    )


def test_the_sync_lag_blocked_and_failing_streams_and_the_rows_written(scrape):
    seller = Seller.objects.create(sid="4242", name="ООО Секрет")
    cards = stream(seller, "cards", last_success_at=NOW - timedelta(minutes=10))
    stream(seller, "prices", state=SyncStream.State.BLOCKED, error_code="no_token")
    stream(
        seller,
        "orders",
        state=SyncStream.State.RETRYING,
        attempts=3,
        last_success_at=NOW - timedelta(hours=2),
    )
    run(cards, inserted=100)
    run(cards, inserted=5, updated=7, removed=2)
    with time_machine.travel(NOW, tick=False):
        samples = scrape()
    assert total(samples, "wberp_sync_lag_seconds", seller="4242", dataset="cards") == 600
    assert total(samples, "wberp_sync_lag_seconds", seller="4242", dataset="orders") == 7200
    assert not [
        key
        for key in samples
        if key[0] == "wberp_sync_lag_seconds" and ("dataset", "prices") in key
    ]  # never synced: no lag to tell
    assert (
        samples[
            ("wberp_sync_blocked", ("dataset", "prices"), ("error", "no_token"), ("seller", "4242"))
        ]
        == 1
    )
    assert total(samples, "wberp_sync_blocked", dataset="cards") == 0
    assert total(samples, "wberp_sync_failed_attempts", seller="4242", dataset="orders") == 3
    assert total(samples, "wberp_sync_failed_attempts", dataset="cards") == 0
    states = {
        state: total(samples, "wberp_sync_streams", state=state)
        for state in SyncStream.State.values
    }
    assert states == {"idle": 1, "running": 0, "retrying": 1, "blocked": 1}
    written = {
        change: total(samples, "wberp_sync_rows_total", dataset="cards", change=change)
        for change in ("inserted", "updated", "removed")
    }
    assert written == {"inserted": 105, "updated": 7, "removed": 2}
    assert not [key for key in samples if "ООО Секрет" in str(key)]  # sids only, never names
