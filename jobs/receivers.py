"""django-tasks' signals to the job records: a worker started or finished a run.

Sent for every task; the services touch the database only for the tasks of jobs.
"""

from django_tasks import TaskResult
from django_tasks.signals import task_finished, task_started

from .services import job_run_finished, job_run_started


def on_task_started(*, task_result: TaskResult, **kwargs) -> None:
    job_run_started(result=task_result)


def on_task_finished(*, task_result: TaskResult, **kwargs) -> None:
    job_run_finished(result=task_result)


def connect() -> None:
    task_started.connect(on_task_started, dispatch_uid="jobs.task_started")
    task_finished.connect(on_task_finished, dispatch_uid="jobs.task_finished")
