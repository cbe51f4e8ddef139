"""Real `manage.py db_worker` processes against the test database, as in production.

Several workers tick at once and a due daily job runs exactly once; a worker killed in the
middle of a run (SIGKILL: no clean-up at all) loses nothing, because the job's lease runs
out and a restarted worker runs it again; a SIGTERM lets the current task finish.
The workers load jobs.tests.workload (worker_settings.py), whose tasks log what they do.
"""

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from jobs.models import PeriodicJob
from jobs.services import WORKER_LOST
from jobs.testing import WAIT_TIMEOUT, WorkerProcesses, worker_database_url
from wberp.tests.production import production_env

from .workload import tasks as workload

# Each test flushes the database the workers used, once they are stopped.
pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = WAIT_TIMEOUT


@pytest.fixture
def workers(tmp_path, workload_log) -> Iterator[Callable[[str], WorkerProcesses]]:
    """Workers that load jobs.tests.workload (worker_settings.py), whose tasks log what they
    do; `jobs` names the workload's jobs they declare."""
    started: list[WorkerProcesses] = []

    def make(jobs: str) -> WorkerProcesses:
        started.append(
            WorkerProcesses(
                tmp_path,
                DJANGO_SETTINGS_MODULE="jobs.tests.worker_settings",
                JOBS_WORKLOAD_LOG=os.environ["JOBS_WORKLOAD_LOG"],
                JOBS_WORKLOAD_JOBS=jobs,
            )
        )
        return started[-1]

    yield make
    for group in started:
        group.kill_all()


def wait_for(condition: Callable[[], object], what: str, workers: WorkerProcesses) -> None:
    workers.wait_for(condition, what)


def ticks_by(pids: list[int]) -> Counter:
    counts = Counter(workload.events("tick"))
    return Counter({pid: counts[pid] for pid in pids})


def stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=TIMEOUT)


def test_three_workers_run_a_due_daily_job_exactly_once(workers):
    job = workload.DAILY
    # Not due yet: it becomes due only once all three tick, so that they race for it.
    row = PeriodicJob.objects.create(
        name=job.name, schedule=job.schedule.key, next_run_at=timezone.now() + timedelta(days=1)
    )
    pool = workers(job.name)
    processes = [pool.start() for _ in range(3)]
    pids = [process.pid for process in processes]
    wait_for(lambda: all(ticks_by(pids).values()), "every worker to tick", pool)

    PeriodicJob.objects.filter(pk=row.pk).update(next_run_at=timezone.now())

    def finished() -> bool:
        return PeriodicJob.objects.get(pk=row.pk).last_outcome == PeriodicJob.Outcome.SUCCEEDED

    wait_for(finished, "the job's run to finish", pool)
    # Three more ticks by each worker after the run: none enqueues the job again.
    after_run = ticks_by(pids)
    wait_for(lambda: all(ticks_by(pids)[p] >= after_run[p] + 3 for p in pids), "ticks", pool)

    assert len(workload.events("run")) == 1
    [result] = DBTaskResult.objects.filter(task_path=job.task.module_path)
    assert result.status == TaskResultStatus.SUCCESSFUL
    row.refresh_from_db()
    assert row.task_result_id == str(result.id)
    assert row.lease_until is None
    assert row.next_run_at == job.schedule.next_run(row.last_enqueued_at)
    assert row.next_run_at > timezone.now()  # the next 03:00, not this one again
    for process in processes:
        assert stop(process) == 0, pool.output(process)


def test_a_run_killed_with_its_worker_is_done_by_the_next_worker(workers):
    job = workload.SLOW  # due at once; its lease is 3 seconds
    pool = workers(job.name)
    first = pool.start()
    wait_for(lambda: workload.events("start"), "the first worker to start the run", pool)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=TIMEOUT)

    [lost] = DBTaskResult.objects.filter(task_path=job.task.module_path)
    assert lost.status == TaskResultStatus.RUNNING  # what the queue alone would keep forever
    row = PeriodicJob.objects.get(name=job.name)
    assert row.lease_until is not None
    scheduled_next = row.next_run_at

    workload.release_path().touch()  # the next run may finish
    second = pool.start()

    def succeeded() -> bool:
        return PeriodicJob.objects.get(name=job.name).last_outcome == "succeeded"

    wait_for(succeeded, "the restarted worker to finish the job", pool)
    assert workload.events("start") == [first.pid, second.pid]
    assert workload.events("end") == [second.pid]
    lost.refresh_from_db()
    assert (lost.status, lost.exception_class_path) == (TaskResultStatus.FAILED, WORKER_LOST)
    row.refresh_from_db()
    done = DBTaskResult.objects.get(id=row.task_result_id)
    assert done.status == TaskResultStatus.SUCCESSFUL
    assert done.worker_ids != lost.worker_ids
    assert row.next_run_at == scheduled_next  # a lost run is redone, not rescheduled
    assert stop(second) == 0, pool.output(second)


def test_a_sigterm_lets_the_current_run_finish_then_stops_the_worker(workers):
    job = workload.SLOW
    pool = workers(job.name)
    worker = pool.start()
    wait_for(lambda: workload.events("start"), "the worker to start the run", pool)
    worker.send_signal(signal.SIGTERM)
    workload.release_path().touch()
    assert worker.wait(timeout=TIMEOUT) == 0, pool.output(worker)
    assert workload.events("end") == [worker.pid]
    row = PeriodicJob.objects.get(name=job.name)
    assert (row.last_outcome, row.lease_until) == (PeriodicJob.Outcome.SUCCEEDED, None)
    assert "shutting down gracefully" in pool.output(worker)


@pytest.mark.parametrize(
    ("bad", "check_id"),
    [
        pytest.param({"WB_TOKEN_KEYS": "not-a-valid-key"}, "tokens.E001", id="token-keys"),
        pytest.param(
            {"WB_API_BASE_URL": "http://{host}.wildberries.ru"}, "gateway.E002", id="plain-http"
        ),
    ],
)
def test_a_worker_refuses_to_start_with_an_unsafe_configuration(tmp_path, bad, check_id):
    result = subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-reload"],
        cwd=settings.BASE_DIR,
        env=production_env(DATABASE_URL=worker_database_url(), HOME=str(tmp_path), **bad),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode != 0
    assert check_id in result.stderr, result.stderr
    assert not DBTaskResult.objects.exists()
