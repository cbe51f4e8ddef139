"""Tasks of the test jobs. Each writes what it does to the file JOBS_WORKLOAD_LOG, one
line per event (`<event> <pid>`), so that a test can see every run in every process."""

import os
import time
from datetime import datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path

from django_tasks import task

from jobs.registry import Job
from jobs.schedules import DailyAt, Every

# How long a slow run waits to be released before it gives up and fails.
RELEASE_TIMEOUT = 60.0


def log_path() -> Path:
    return Path(os.environ["JOBS_WORKLOAD_LOG"])


def release_path() -> Path:
    return log_path().with_suffix(".release")


def note(event: str) -> None:
    # One short write with O_APPEND: lines of concurrent processes never interleave.
    with log_path().open("a", encoding="utf-8") as log:
        log.write(f"{event} {os.getpid()}\n")


def events(event: str) -> list[int]:
    """The pids of the processes that logged `event`, one per time they did."""
    if not log_path().exists():
        return []
    lines = log_path().read_text(encoding="utf-8").splitlines()
    return [int(pid) for name, pid in (line.split() for line in lines) if name == event]


@task()
def record_run() -> str:
    note("run")
    return "done"


@task()
def slow_run() -> str:
    """Runs until the test creates the release file."""
    note("start")
    deadline = time.monotonic() + RELEASE_TIMEOUT
    while not release_path().exists():
        if time.monotonic() > deadline:
            raise TimeoutError("never released")
        time.sleep(0.05)
    note("end")
    return "released"


@task()
def failing_run() -> None:
    raise RuntimeError("this run fails")


def note_tick(*, now: datetime) -> None:
    note("tick")


DAILY = Job("workload.daily", DailyAt(time_of_day(3, 0)), record_run)
SLOW = Job("workload.slow", Every(timedelta(days=1)), slow_run, lease=timedelta(seconds=3))
JOBS = (DAILY, SLOW)
