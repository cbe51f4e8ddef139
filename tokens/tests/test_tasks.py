"""The daily re-check of every token: a periodic job whose task starts a bulk check."""

from datetime import time, timedelta

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from jobs.models import PeriodicJob
from jobs.registry import registered_jobs
from jobs.schedules import DailyAt
from jobs.services import jobs_enqueue_due
from jobs.testing import run_worker_batch
from tokens.batches import check_batch_run
from tokens.models import CheckBatch, WBToken, WBTokenCheck
from tokens.tasks import recheck_tokens

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(make_token):
    """A token of a seller of its own: WB's limits count per seller."""

    def make(name: str) -> WBToken:
        return make_token(name, seller_name=f"ООО {name}")

    return make


def checked_at(token: WBToken, hours_ago: float | None) -> WBToken:
    when = None if hours_ago is None else timezone.now() - timedelta(hours=hours_ago)
    WBToken.objects.filter(pk=token.pk).update(last_checked_at=when)
    return token


def test_the_recheck_is_a_daily_job_at_four_in_the_morning():
    job = registered_jobs()["tokens.recheck"]
    assert job.task is recheck_tokens
    assert job.schedule == DailyAt(time(4, 0))
    assert job.lease >= timedelta(hours=1)  # room for many tokens paced by WB's limits


def test_the_recheck_checks_every_token_not_checked_in_the_last_20_hours(shop):
    recent = checked_at(shop("Checked this morning"), 19)
    stale = checked_at(shop("Checked yesterday"), 21)
    never = checked_at(shop("Never checked"), None)
    assert recheck_tokens.call() == {"tokens": 2}  # a bulk check started, in the background
    batch = CheckBatch.objects.get(trigger=WBTokenCheck.Trigger.SCHEDULE)
    assert check_batch_run(batch_id=batch.pk) == "finished"
    scheduled = WBTokenCheck.objects.filter(trigger=WBTokenCheck.Trigger.SCHEDULE)
    assert sorted(check.token_id for check in scheduled) == sorted([stale.pk, never.pk])
    assert {check.checked_by for check in scheduled} == {None}
    assert WBToken.objects.get(pk=recent.pk).checks.filter(trigger="schedule").count() == 0


def test_no_second_recheck_starts_while_one_is_going_and_a_later_one_starts_afresh(shop):
    tokens = [checked_at(shop(f"Shop {n}"), None) for n in range(2)]
    assert recheck_tokens.call() == {"tokens": 2}
    assert recheck_tokens.call() == {"tokens": 0}  # the first is not finished
    check_batch_run(batch_id=CheckBatch.objects.get().pk)
    assert recheck_tokens.call() == {"tokens": 0}  # both were checked just now
    checked_at(tokens[0], 21)
    assert recheck_tokens.call() == {"tokens": 1}


@pytest.mark.django_db(transaction=True)  # a worker closes its connection
def test_a_worker_runs_the_due_recheck_with_no_argument(shop, settings):
    # No dataset syncs: the worker's tick would read the new cabinet's whole year of orders,
    # sales and reports from the emulator first (20 s), none of which the recheck needs.
    settings.SYNC_DATASETS = []
    token = checked_at(shop("Main shop"), None)
    jobs_enqueue_due()  # the job's row, due tomorrow at 04:00
    PeriodicJob.objects.filter(name="tokens.recheck").update(next_run_at=timezone.now())
    run_worker_batch()  # the job, then the bulk check it started
    [result] = DBTaskResult.objects.filter(task_path="tokens.tasks.recheck_tokens")
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.args_kwargs == {"args": [], "kwargs": {}}
    assert result.return_value == {"tokens": 1}
    assert token.checks.filter(trigger=WBTokenCheck.Trigger.SCHEDULE).count() == 1
    job = PeriodicJob.objects.get(name="tokens.recheck")
    assert job.last_outcome == PeriodicJob.Outcome.SUCCEEDED
