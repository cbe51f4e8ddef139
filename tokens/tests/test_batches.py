"""Bulk checks in the background: batches of tokens checked by tasks, resumable, paced."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from gateway import budget
from jobs.testing import WorkerProcesses
from tokens.batches import (
    BATCH_LEASE,
    RESUME_GRACE,
    check_batch_run,
    check_batch_start,
    check_batch_summary,
    check_batches_resume,
)
from tokens.models import CheckBatch, CheckBatchItem, WBToken, WBTokenCheck

pytestmark = pytest.mark.django_db
State = CheckBatchItem.State
Trigger = WBTokenCheck.Trigger
TASK = "tokens.tasks.run_check_batch"


@pytest.fixture
def shops(make_token):
    """`count` tokens, each of a seller of its own unless `seller` is given."""

    def make(count: int, seller: str | None = None, **options) -> list[WBToken]:
        return [
            make_token(f"Shop {n}", seller_name=seller or f"ООО Shop {n}", **options)
            for n in range(count)
        ]

    return make


def queued(batch: CheckBatch) -> list[DBTaskResult]:
    tasks = DBTaskResult.objects.filter(task_path=TASK, args_kwargs__args=[str(batch.pk)])
    return list(tasks.order_by("enqueued_at"))


def test_starting_a_batch_enqueues_its_task_and_checks_nothing_yet(shops, superuser, wb):
    tokens = shops(3)
    requests = wb.request_count()
    batch = check_batch_start(tokens=tokens, by=superuser, trigger=Trigger.BULK)
    assert batch.total == 3 and batch.created_by == superuser
    assert list(batch.items.values_list("token_name", "state")) == [
        ("Shop 0", State.PENDING),
        ("Shop 1", State.PENDING),
        ("Shop 2", State.PENDING),
    ]
    assert len(queued(batch)) == 1  # carrying the batch's id only
    assert wb.request_count() == requests


def test_a_run_checks_every_token_and_finishes(shops, superuser, wb):
    tokens = shops(3)
    batch = check_batch_start(tokens=tokens, by=superuser, trigger=Trigger.BULK)
    assert check_batch_run(batch_id=batch.pk) == "finished"
    batch.refresh_from_db()
    assert batch.finished_at is not None and batch.lease_until is None
    summary = check_batch_summary(batch)
    assert summary.all_valid and summary.done == 3 and summary.problems == []
    for token in tokens:
        assert token.checks.filter(trigger=Trigger.BULK, checked_by=superuser).count() == 1
    assert check_batch_run(batch_id=batch.pk) == "elsewhere"  # nothing more to do


def test_the_summary_names_each_token_that_failed_and_why(shops, superuser, wb):
    good, revoked, unreadable = shops(3)
    wb.revoke(wb.mint(sid=revoked.seller.sid))  # another token of that seller: no effect
    wb.set_fault("status", status=401, sid=revoked.seller.sid)
    WBToken.objects.filter(pk=unreadable.pk).update(ciphertext=good.ciphertext)
    batch = check_batch_start(tokens=[good, revoked, unreadable], by=superuser, trigger="bulk")
    check_batch_run(batch_id=batch.pk)
    summary = check_batch_summary(batch)
    assert not summary.all_valid
    assert summary.outcomes == {"valid": 1, "invalid": 1}
    assert summary.not_checked == 1
    assert [item.token_name for item in summary.problems] == ["Shop 1", "Shop 2"]
    assert summary.problems[0].check_made.outcome == "invalid"
    assert summary.problems[1].reason == (
        "The stored token does not match this record or was altered."
    )


def test_a_seller_out_of_budget_waits_while_the_others_go_on(shops, superuser, wb, settings):
    settings.WB_RATE_SPEED = 1  # WB's real intervals: the held seller stays held
    first, second = shops(1, seller="ООО Held"), shops(1, seller="ООО Free")
    held = first[0]
    # The held seller's /ping budget on content-api is spent for the next ten seconds.
    bucket = budget.bucket_for(held.seller.sid, "ping", token_type="personal", host="content-api")
    until = timezone.now() + timedelta(seconds=10)
    budget.block(bucket, until)
    batch = check_batch_start(tokens=[held, *second], by=superuser, trigger=Trigger.BULK)

    assert check_batch_run(batch_id=batch.pk) == "later"

    assert batch.items.get(token=held).state == State.PENDING
    assert batch.items.get(token=second[0]).state == State.CHECKED
    batch.refresh_from_db()
    assert batch.lease_until is None and batch.finished_at is None
    assert abs((batch.next_attempt_at - until).total_seconds()) < 1
    [_, later] = queued(batch)
    assert later.run_after is not None and abs((later.run_after - until).total_seconds()) < 1


def test_a_task_hands_over_after_its_time_budget(shops, superuser, wb):
    batch = check_batch_start(tokens=shops(2), by=superuser, trigger=Trigger.BULK)
    assert check_batch_run(batch_id=batch.pk, time_budget=timedelta(0)) == "later"
    assert batch.items.filter(state=State.CHECKED).count() == 1  # one check, then handed over
    assert len(queued(batch)) == 2
    assert check_batch_run(batch_id=batch.pk) == "finished"


def test_a_batch_held_by_a_live_task_is_not_run_twice(shops, superuser, wb):
    batch = check_batch_start(tokens=shops(1), by=superuser, trigger=Trigger.BULK)
    CheckBatch.objects.filter(pk=batch.pk).update(lease_until=timezone.now() + BATCH_LEASE)
    assert check_batch_run(batch_id=batch.pk) == "elsewhere"
    assert batch.items.get().state == State.PENDING


def test_the_tick_enqueues_a_batch_whose_task_was_lost(shops, superuser, wb):
    batch = check_batch_start(tokens=shops(1), by=superuser, trigger=Trigger.BULK)
    now = timezone.now()
    assert check_batches_resume(now=now) == 0  # just enqueued: its task may start any moment
    # Its worker was killed holding the lease, which has since run out.
    CheckBatch.objects.filter(pk=batch.pk).update(
        lease_until=now - timedelta(seconds=1), next_attempt_at=now - RESUME_GRACE * 2
    )
    assert check_batches_resume(now=now) == 1
    assert check_batches_resume(now=now) == 0  # enqueued once
    assert len(queued(batch)) == 2
    assert check_batch_run(batch_id=batch.pk) == "finished"


def test_a_token_deleted_meanwhile_is_reported_not_checked(shops, superuser, wb):
    gone, kept = shops(2)
    batch = check_batch_start(tokens=[gone, kept], by=superuser, trigger=Trigger.BULK)
    gone.delete()
    check_batch_run(batch_id=batch.pk)
    summary = check_batch_summary(batch)
    assert summary.not_checked == 1 and summary.outcomes == {"valid": 1}
    assert summary.problems[0].token_name == "Shop 0"


@pytest.mark.django_db(transaction=True)  # the workers use the database this test writes
def test_a_worker_killed_mid_batch_loses_nothing_and_the_batch_completes(
    shops, superuser, wb, tmp_path
):
    tokens = shops(6)
    # Each /ping held a while, so that the worker is killed between checks.
    wb.set_fault("latency", delay=0.3, path="/ping")
    batch = check_batch_start(tokens=tokens, by=superuser, trigger=Trigger.BULK)
    env = {
        "DEBUG": "true",  # the emulator's address and its speed are for development only
        "WB_API_BASE_URL": wb.base_url,
        "WB_RATE_SPEED": str(settings.WB_RATE_SPEED),
        "WB_API_READ_TIMEOUT": "5",
        "WB_API_DEADLINE": "10",
        "WB_TOKEN_KEYS": ",".join(settings.WB_TOKEN_KEYS),
        "WB_TOKEN_FINGERPRINT_KEY": settings.WB_TOKEN_FINGERPRINT_KEY,
        "HOME": str(tmp_path),
        "SYNC_DATASETS": "none",  # only the batch's checks: no cabinet syncs beside them
    }
    workers = WorkerProcesses(tmp_path, **env)
    try:
        first = workers.start()
        workers.wait_for(lambda: batch.items.filter(state=State.CHECKED).count() >= 2, "two checks")
        workers.kill(first)
        batch.refresh_from_db()
        assert batch.finished_at is None and batch.lease_until is not None
        # Time passes: the lease of the killed task runs out.
        past = timezone.now() - timedelta(seconds=1)
        CheckBatch.objects.filter(pk=batch.pk).update(
            lease_until=past, next_attempt_at=past - RESUME_GRACE
        )
        workers.start()
        workers.wait_for(
            lambda: CheckBatch.objects.get(pk=batch.pk).finished_at is not None, "the batch"
        )
    finally:
        workers.kill_all()
    batch.refresh_from_db()
    assert check_batch_summary(batch).all_valid
    for token in tokens:
        checks = token.checks.filter(trigger=Trigger.BULK).count()
        # At most the check in flight when the worker died was made twice.
        assert checks in (1, 2)
    assert sum(t.checks.filter(trigger=Trigger.BULK).count() for t in tokens) <= len(tokens) + 1
