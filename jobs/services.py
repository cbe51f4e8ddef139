"""The periodic jobs' writes: the tick's step that enqueues them, and the record of each run.

How a run is kept safe, whatever happens to the worker that runs it:

1. The tick claims the job's row, enqueues its task, sets a lease and moves the next run,
   in one transaction (the task row of django-tasks-db is written in the same one).
2. When a worker starts the task, the lease is renewed from then (`job_run_started`).
3. When it finishes, the outcome is recorded and the lease cleared (`job_run_finished`);
   a failed run is tried again after the job's `retry_after`.
4. A lease that runs out means the run was lost: the worker was killed, or the machine
   went away. The next tick enqueues the job again (and marks the stuck queue row
   failed). The task does its work so that a second run is harmless.

This needs a backend that queues (django-tasks-db): with ImmediateBackend a run ends
inside the enqueue, before the job's row knows it, and is later taken for lost.
"""

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_tasks import TaskResult, TaskResultStatus
from django_tasks.base import Task
from django_tasks.exceptions import TaskResultDoesNotExist
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from .models import PeriodicJob
from .registry import Job, jobs_of_task, registered_jobs

logger = logging.getLogger(__name__)

WORKER_LOST = "jobs.WorkerLost"
WORKER_LOST_TRACEBACK = (
    "The worker running this task stopped before it finished (its job's lease ran out). "
    "The job was enqueued again.\n"
)


def jobs_enqueue_due(*, now: datetime | None = None) -> list[str]:
    """The tick's step: enqueue each due job, and each job whose run was lost; their names.

    The claim is one transaction: SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL, the
    write lock that BEGIN IMMEDIATE takes on SQLite. However many workers tick at once,
    a due run is enqueued once: a second tick skips the locked rows, or sees them moved.
    """
    now = now or timezone.now()
    jobs = registered_jobs()
    if not jobs:
        return []
    job_rows_ensure(jobs=jobs, now=now)
    claimable = PeriodicJob.objects.filter(name__in=jobs).claimable(now)
    if not claimable.exists():  # a plain read: no lock is taken while nothing is due
        return []
    with transaction.atomic():
        rows = list(claimable.select_for_update(skip_locked=True))
        return [row.name for row in rows if claim(row, jobs[row.name], now)]


def job_rows_ensure(*, jobs: dict[str, Job], now: datetime) -> None:
    """A row for every declared job; a row whose schedule changed in code follows it."""
    stored = dict(PeriodicJob.objects.filter(name__in=jobs).values_list("name", "schedule"))
    missing = [
        PeriodicJob(name=name, schedule=job.schedule.key, next_run_at=job.schedule.first_run(now))
        for name, job in jobs.items()
        if name not in stored
    ]
    if missing:
        PeriodicJob.objects.bulk_create(missing, ignore_conflicts=True)
    for name, key in stored.items():
        schedule = jobs[name].schedule
        if key != schedule.key:
            PeriodicJob.objects.filter(name=name, schedule=key).update(
                schedule=schedule.key, next_run_at=schedule.next_run(now)
            )


def claim(row: PeriodicJob, job: Job, now: datetime) -> bool:
    """Enqueue a claimed job's run; whether a task was enqueued."""
    if row.lease_until is None:
        return enqueue_run(row, job, now, next_run_at=job.schedule.next_run(now))
    return reclaim(row, job, now)


def reclaim(row: PeriodicJob, job: Job, now: datetime) -> bool:
    """The lease of the job's current run ran out: see what became of the run."""
    result = queue_result(job, row.task_result_id)
    if result is not None and result.status == TaskResultStatus.READY:
        # Still waiting for a free worker: nothing is lost, and a copy would run twice.
        row.lease_until = now + job.lease
        row.save(update_fields=["lease_until"])
        return False
    if result is not None and result.status in (
        TaskResultStatus.SUCCESSFUL,
        TaskResultStatus.FAILED,
    ):
        record_finish(row, job, result, now)  # it ended, but its end was not recorded
        row.save()
        return False
    logger.warning(
        "Job %s: run %s was lost (its lease ran out); enqueuing it again",
        job.name,
        row.task_result_id,
    )
    queue_result_mark_lost(job, row.task_result_id, now)
    row.last_outcome = PeriodicJob.Outcome.LOST
    row.last_error = ""
    return enqueue_run(row, job, now, next_run_at=row.next_run_at)


def enqueue_run(row: PeriodicJob, job: Job, now: datetime, *, next_run_at: datetime) -> bool:
    result = job.task.enqueue()
    row.task_result_id = result.id
    row.last_enqueued_at = now
    row.lease_until = now + job.lease
    row.next_run_at = next_run_at
    row.save()
    logger.info("Job %s: enqueued run %s", job.name, result.id)
    return True


def queue_result(job: Job, result_id: str) -> TaskResult | None:
    """The queue's record of a run, if the queue still has one."""
    try:
        return job.task.get_backend().get_result(result_id)
    except (TaskResultDoesNotExist, NotImplementedError):
        return None


def queue_result_mark_lost(job: Job, result_id: str, now: datetime) -> None:
    """Mark the django-tasks-db row of a job's run that a lost worker left RUNNING as failed."""
    if isinstance(job.task.get_backend(), DatabaseBackend):
        queue_rows_mark_lost(DBTaskResult.objects.filter(id=result_id), now)


def queue_task_mark_lost(task: Task, *, started_before: datetime, now: datetime) -> int:
    """Mark the django-tasks-db rows of `task` RUNNING since before `started_before` as failed,
    for a task that never runs that long unless its worker was lost; how many there were."""
    if not isinstance(task.get_backend(), DatabaseBackend):
        return 0
    rows = DBTaskResult.objects.filter(task_path=task.module_path, started_at__lt=started_before)
    return queue_rows_mark_lost(rows, now)


def queue_rows_mark_lost(rows: QuerySet[DBTaskResult], now: datetime) -> int:
    """Mark queue rows that a lost worker left RUNNING as failed (`jobs.WorkerLost`).

    Only for people and for pruning: the admin and the metrics stop counting them as running,
    and `prune_db_task_results` (which skips running rows) can remove them. The truth of the
    work is in wberp's own tables either way.
    """
    return rows.filter(status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED,
        finished_at=now,
        exception_class_path=WORKER_LOST,
        traceback=WORKER_LOST_TRACEBACK,
    )


# --- What workers report (django-tasks signals; see receivers.py) ----------------------------


def job_run_started(*, result: TaskResult, now: datetime | None = None) -> None:
    """A worker started a job's run: its lease counts from now."""
    now = now or timezone.now()
    for job in jobs_of_task(result.task.module_path):
        PeriodicJob.objects.filter(name=job.name, task_result_id=result.id).update(
            last_started_at=now, lease_until=now + job.lease
        )


def job_run_finished(*, result: TaskResult, now: datetime | None = None) -> None:
    """A worker finished a job's run: record the outcome and free the job for its next run."""
    now = now or timezone.now()
    for job in jobs_of_task(result.task.module_path):
        with transaction.atomic():
            row = (
                PeriodicJob.objects.select_for_update()
                .filter(name=job.name, task_result_id=result.id)
                .first()
            )
            if row is not None:  # not a run the job still waits for (it was presumed lost)
                record_finish(row, job, result, now)
                row.save()


def record_finish(row: PeriodicJob, job: Job, result: TaskResult, now: datetime) -> None:
    row.lease_until = None
    row.last_finished_at = now
    if result.status == TaskResultStatus.SUCCESSFUL:
        row.last_outcome, row.last_error = PeriodicJob.Outcome.SUCCEEDED, ""
        return
    row.last_outcome = PeriodicJob.Outcome.FAILED
    row.last_error = result.errors[-1].exception_class_path[:200] if result.errors else ""
    row.next_run_at = min(row.next_run_at, now + job.retry_after)
