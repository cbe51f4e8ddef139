"""The tick's step: due jobs are enqueued once, their next run moves, lost runs come back."""

import threading
from datetime import UTC, datetime, time, timedelta
from uuid import UUID

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from jobs.models import PeriodicJob
from jobs.registry import Job
from jobs.schedules import DailyAt, Every
from jobs.services import WORKER_LOST, job_run_finished, job_run_started, jobs_enqueue_due
from jobs.testing import run_worker_batch

from .conftest import NOW
from .workload.tasks import failing_run, record_run

pytestmark = pytest.mark.django_db

DAILY = Job("test.daily", DailyAt(time(4, 0)), record_run, lease=timedelta(minutes=10))
HOURLY = Job("test.hourly", Every(timedelta(hours=1)), record_run)
FAILING = Job("test.failing", Every(timedelta(days=1)), failing_run)
TOMORROW_4AM = datetime(2026, 3, 3, 1, 0, tzinfo=UTC)  # 04:00 in Moscow, the day after NOW


def queued(job: Job) -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=job.task.module_path).order_by("enqueued_at"))


def due_daily(**fields) -> PeriodicJob:
    """The daily job's row, due a minute before NOW."""
    return PeriodicJob.objects.create(
        name=DAILY.name,
        schedule=DAILY.schedule.key,
        next_run_at=NOW - timedelta(minutes=1),
        **fields,
    )


def run_worker() -> None:
    run_worker_batch(tick=False)


# --- Rows -----------------------------------------------------------------------------------


def test_each_declared_job_gets_a_row_with_its_first_run(jobs):
    jobs(DAILY, HOURLY)
    assert jobs_enqueue_due(now=NOW) == ["test.hourly"]  # an interval job runs at once
    daily = PeriodicJob.objects.get(name="test.daily")
    assert daily.next_run_at == TOMORROW_4AM
    assert daily.schedule == "daily 04:00 Europe/Moscow"
    assert (daily.lease_until, daily.task_result_id) == (None, "")
    hourly = PeriodicJob.objects.get(name="test.hourly")
    assert hourly.next_run_at == NOW + timedelta(hours=1)
    assert DBTaskResult.objects.get().id == UUID(hourly.task_result_id)


def test_a_schedule_changed_in_code_moves_the_next_run_without_running_it(jobs):
    PeriodicJob.objects.create(name=DAILY.name, schedule="every 60s", next_run_at=NOW)
    jobs(DAILY)
    assert jobs_enqueue_due(now=NOW) == []
    row = PeriodicJob.objects.get(name=DAILY.name)
    assert (row.schedule, row.next_run_at) == (DAILY.schedule.key, TOMORROW_4AM)
    assert queued(DAILY) == []


def test_a_row_whose_job_is_no_longer_declared_is_left_alone(jobs):
    PeriodicJob.objects.create(name="gone", schedule="every 60s", next_run_at=NOW)
    jobs(DAILY)
    jobs_enqueue_due(now=NOW)
    assert PeriodicJob.objects.get(name="gone").next_run_at == NOW


# --- Enqueueing -----------------------------------------------------------------------------


def test_a_due_job_is_enqueued_once_with_a_lease_and_its_next_run_moved(jobs):
    jobs(DAILY)
    due_daily()
    assert jobs_enqueue_due(now=NOW) == ["test.daily"]
    assert jobs_enqueue_due(now=NOW) == []
    [result] = queued(DAILY)
    assert result.status == TaskResultStatus.READY
    assert result.args_kwargs == {"args": [], "kwargs": {}}
    row = PeriodicJob.objects.get(name=DAILY.name)
    assert row.task_result_id == str(result.id)
    assert row.last_enqueued_at == NOW
    assert row.lease_until == NOW + DAILY.lease
    assert row.next_run_at == TOMORROW_4AM


def test_a_job_that_is_not_due_is_not_enqueued_and_nothing_is_written(jobs):
    jobs(DAILY)
    jobs_enqueue_due(now=NOW)  # creates the row, due tomorrow
    with CaptureQueriesContext(connection) as queries:
        assert jobs_enqueue_due(now=NOW + timedelta(hours=1)) == []
    statements = [query["sql"].split()[0].upper() for query in queries.captured_queries]
    assert statements == ["SELECT", "SELECT"], queries.captured_queries
    assert queued(DAILY) == []


def test_a_job_whose_run_is_not_finished_is_not_enqueued_again_when_due(jobs):
    jobs(HOURLY)
    jobs_enqueue_due(now=NOW)
    # Its next run comes while the first still holds the lease (30 minutes by default).
    assert jobs_enqueue_due(now=NOW + timedelta(hours=1, minutes=1)) == []
    assert len(queued(HOURLY)) == 1


@pytest.mark.django_db(transaction=True)  # a worker closes its connection
def test_a_job_due_several_times_while_no_worker_ran_is_enqueued_once(jobs):
    jobs(HOURLY)
    jobs_enqueue_due(now=NOW)
    run_worker()
    later = NOW + timedelta(hours=5)
    assert jobs_enqueue_due(now=later) == ["test.hourly"]
    assert jobs_enqueue_due(now=later) == []
    assert PeriodicJob.objects.get(name=HOURLY.name).next_run_at == later + timedelta(hours=1)


@pytest.mark.django_db(transaction=True)
def test_concurrent_ticks_enqueue_a_due_job_once(jobs):
    """Six ticks at the same moment, each on its own connection, as workers do."""
    jobs(DAILY)
    due_daily()
    ticks = 6
    start = threading.Barrier(ticks)
    claimed: list[list[str]] = []
    errors: list[BaseException] = []

    def tick() -> None:
        try:
            start.wait(timeout=10)
            claimed.append(jobs_enqueue_due(now=NOW))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=tick) for _ in range(ticks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(claimed) == [[]] * (ticks - 1) + [["test.daily"]]
    assert len(queued(DAILY)) == 1
    assert PeriodicJob.objects.get(name=DAILY.name).next_run_at == TOMORROW_4AM


# --- Runs -----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # a worker closes its connection
def test_a_run_is_recorded_when_a_worker_runs_it(jobs, frozen, workload_log):
    jobs(DAILY)
    due_daily()
    jobs_enqueue_due(now=NOW)
    frozen.shift(timedelta(seconds=5))
    run_worker()
    row = PeriodicJob.objects.get(name=DAILY.name)
    assert workload_log.events("run")  # the task itself ran
    assert row.last_outcome == PeriodicJob.Outcome.SUCCEEDED
    assert row.last_started_at == row.last_finished_at == NOW + timedelta(seconds=5)
    assert row.lease_until is None
    assert row.next_run_at == TOMORROW_4AM
    assert [result.status for result in queued(DAILY)] == [TaskResultStatus.SUCCESSFUL]


def test_the_lease_counts_from_when_a_worker_starts_the_run(jobs):
    jobs(DAILY)
    due_daily()
    jobs_enqueue_due(now=NOW)
    [result] = queued(DAILY)
    started = NOW + timedelta(minutes=7)  # it waited for a free worker
    job_run_started(result=result.task_result, now=started)
    row = PeriodicJob.objects.get(name=DAILY.name)
    assert (row.last_started_at, row.lease_until) == (started, started + DAILY.lease)


@pytest.mark.django_db(transaction=True)  # a worker closes its connection
def test_a_failed_run_is_recorded_and_tried_again_after_a_while(jobs, frozen):
    jobs(FAILING)
    jobs_enqueue_due(now=NOW)
    run_worker()
    row = PeriodicJob.objects.get(name=FAILING.name)
    assert row.last_outcome == PeriodicJob.Outcome.FAILED
    assert row.last_error == "builtins.RuntimeError"
    assert row.lease_until is None
    assert row.next_run_at == NOW + FAILING.retry_after  # not tomorrow
    assert jobs_enqueue_due(now=NOW + FAILING.retry_after) == [FAILING.name]


# --- Lost runs ------------------------------------------------------------------------------


def lease_ran_out(job: Job) -> datetime:
    """Move to just after the row's lease ends."""
    return PeriodicJob.objects.get(name=job.name).lease_until + timedelta(seconds=1)


def test_a_run_left_running_by_a_killed_worker_is_enqueued_again_after_its_lease(jobs):
    jobs(DAILY)
    due_daily()
    jobs_enqueue_due(now=NOW)
    [first] = queued(DAILY)
    first.claim("killed-worker")  # the worker took it, then died: RUNNING forever
    assert jobs_enqueue_due(now=NOW + DAILY.lease - timedelta(seconds=1)) == []
    later = lease_ran_out(DAILY)
    assert jobs_enqueue_due(now=later) == ["test.daily"]
    first.refresh_from_db()
    assert first.status == TaskResultStatus.FAILED
    assert first.exception_class_path == WORKER_LOST
    [_, second] = queued(DAILY)
    assert second.status == TaskResultStatus.READY
    row = PeriodicJob.objects.get(name=DAILY.name)
    assert row.task_result_id == str(second.id)
    assert row.last_outcome == PeriodicJob.Outcome.LOST
    assert row.lease_until == later + DAILY.lease
    assert row.next_run_at == TOMORROW_4AM  # the schedule is not moved by a retry


def test_a_run_gone_from_the_queue_is_enqueued_again_after_its_lease(jobs):
    jobs(DAILY)
    due_daily()
    jobs_enqueue_due(now=NOW)
    DBTaskResult.objects.all().delete()
    assert jobs_enqueue_due(now=lease_ran_out(DAILY)) == ["test.daily"]
    assert len(queued(DAILY)) == 1


def test_a_run_still_waiting_for_a_worker_is_not_enqueued_twice(jobs):
    jobs(DAILY)
    due_daily()
    jobs_enqueue_due(now=NOW)
    later = lease_ran_out(DAILY)
    assert jobs_enqueue_due(now=later) == []
    assert len(queued(DAILY)) == 1
    assert PeriodicJob.objects.get(name=DAILY.name).lease_until == later + DAILY.lease


def test_a_run_that_ended_unrecorded_is_recorded_from_the_queue(jobs):
    jobs(DAILY)
    due_daily()
    jobs_enqueue_due(now=NOW)
    [result] = queued(DAILY)
    result.claim("worker")
    result.set_successful("done")  # and the worker died before it told the job
    later = lease_ran_out(DAILY)
    assert jobs_enqueue_due(now=later) == []
    row = PeriodicJob.objects.get(name=DAILY.name)
    assert (row.last_outcome, row.lease_until, row.last_finished_at) == (
        PeriodicJob.Outcome.SUCCEEDED,
        None,
        later,
    )
    assert len(queued(DAILY)) == 1


def test_a_run_presumed_lost_that_finishes_after_all_changes_nothing(jobs):
    jobs(DAILY)
    due_daily()
    jobs_enqueue_due(now=NOW)
    [first] = queued(DAILY)
    first.claim("slow-worker")
    jobs_enqueue_due(now=lease_ran_out(DAILY))  # presumed lost: a second run is queued
    first.refresh_from_db()
    first.set_successful("done late")
    job_run_finished(result=first.task_result, now=NOW + timedelta(hours=1))
    row = PeriodicJob.objects.get(name=DAILY.name)
    assert row.last_outcome == PeriodicJob.Outcome.LOST
    assert row.lease_until is not None  # still waiting for the second run
