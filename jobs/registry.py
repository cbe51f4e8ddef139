"""Periodic jobs, declared in code next to their task:

    @periodic("tokens.recheck", DailyAt(time(4, 0)), lease=timedelta(hours=2))
    @task()
    def recheck_tokens() -> dict: ...

The jobs app imports every installed app's `tasks` module at start-up, so that each
process (web and workers) knows every job. A job's task takes no arguments: whatever it
works on, it finds in the database when it runs, so a second run is always safe.
"""

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured
from django_tasks.base import Task

from .schedules import Schedule

# Longer than any run of the job may take: a run not finished by then is presumed lost
# (its worker killed) and is enqueued again.
DEFAULT_LEASE = timedelta(minutes=30)
# A run that failed is tried again this much later, unless its next run comes sooner.
DEFAULT_RETRY_AFTER = timedelta(minutes=15)
NAME_MAX_LENGTH = 100


@dataclass(frozen=True)
class Job:
    name: str
    schedule: Schedule
    task: Task
    lease: timedelta = DEFAULT_LEASE
    retry_after: timedelta = DEFAULT_RETRY_AFTER


_jobs: dict[str, Job] = {}


def periodic(
    name: str,
    schedule: Schedule,
    *,
    lease: timedelta = DEFAULT_LEASE,
    retry_after: timedelta = DEFAULT_RETRY_AFTER,
) -> Callable[[Task], Task]:
    """Declare the task below as the periodic job `name`; goes above `@task()`."""

    def declare(task: Task) -> Task:
        register(Job(name, schedule, task, lease=lease, retry_after=retry_after))
        return task

    return declare


def register(job: Job) -> None:
    if not isinstance(job.task, Task):
        raise ImproperlyConfigured(f"Job {job.name!r}: put @periodic above @task(), on a task.")
    if takes_arguments(job.task):
        raise ImproperlyConfigured(f"Job {job.name!r}: the task of a job takes no arguments.")
    if not 0 < len(job.name) <= NAME_MAX_LENGTH:
        raise ImproperlyConfigured(f"Job {job.name!r}: a name of 1 to 100 characters.")
    if job.lease <= timedelta(0) or job.retry_after <= timedelta(0):
        raise ImproperlyConfigured(f"Job {job.name!r}: lease and retry_after must be positive.")
    known = _jobs.get(job.name)
    if known is not None and known.task.module_path != job.task.module_path:
        raise ImproperlyConfigured(
            f"Two jobs are named {job.name!r}: {known.task.module_path} and {job.task.module_path}."
        )
    _jobs[job.name] = job


def takes_arguments(task: Task) -> bool:
    parameters = inspect.signature(task.func).parameters.values()
    return any(parameter.default is inspect.Parameter.empty for parameter in parameters)


def registered_jobs() -> dict[str, Job]:
    return dict(_jobs)


def jobs_of_task(module_path: str) -> list[Job]:
    return [job for job in _jobs.values() if job.task.module_path == module_path]
