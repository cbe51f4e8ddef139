"""A page task's queue row left RUNNING by a lost worker is marked failed by the tick once it
has run for longer than a lease; one running for less is left alone."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from jobs.services import WORKER_LOST
from sync.engine import lease_length, tasks_mark_lost
from sync.tasks import sync_stream_page

pytestmark = pytest.mark.django_db


def running_page_task(started_ago: timedelta) -> DBTaskResult:
    result = sync_stream_page.enqueue(1, "a lease")
    DBTaskResult.objects.filter(id=result.id).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now() - started_ago
    )
    return DBTaskResult.objects.get(id=result.id)


def test_a_page_task_running_longer_than_a_lease_is_marked_lost(settings):
    settings.SYNC_LEASE_SECONDS = 60
    lost = running_page_task(lease_length() + timedelta(seconds=1))
    going = running_page_task(lease_length() - timedelta(seconds=5))
    assert tasks_mark_lost() == 1
    lost.refresh_from_db()
    going.refresh_from_db()
    assert (lost.status, lost.exception_class_path) == (TaskResultStatus.FAILED, WORKER_LOST)
    assert lost.finished_at is not None
    assert going.status == TaskResultStatus.RUNNING
    assert tasks_mark_lost() == 0  # once
