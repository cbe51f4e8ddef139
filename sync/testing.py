"""For tests of any app: drive the sync in the test process until its streams settle."""

import time
from collections.abc import Callable

import pytest
from django.db.models import Q
from django.utils import timezone

from jobs.testing import run_worker_batch

from .models import SyncStream

SETTLE_TIMEOUT = 60.0


def streams_settled() -> bool:
    """No stream is in a pass or due for one: each is blocked or waits for a later run."""
    State = SyncStream.State
    busy = Q(state__in=(State.RUNNING, State.RETRYING))
    due = Q(state=State.IDLE, next_run_at__lte=timezone.now())
    return not SyncStream.objects.filter(busy | due).exists()


def run_sync(
    *,
    until: Callable[[], bool] = streams_settled,
    timeout: float = SETTLE_TIMEOUT,
    tick: bool = True,
) -> None:
    """Tick (unless `tick` is false) and run every ready task, again and again, until
    `until()` holds.

    Uses a worker in this process (jobs.testing.run_worker_batch): call it from a test marked
    `django_db(transaction=True)`. Pages wait for the seller's rate budget, so this polls.
    """
    deadline = time.monotonic() + timeout
    run_worker_batch(tick=tick)
    while not until():
        if time.monotonic() > deadline:
            states = list(SyncStream.objects.values_list("dataset", "state", "error_code"))
            pytest.fail(f"The sync did not settle in {timeout} s: {states}")
        time.sleep(0.01)
        run_worker_batch(tick=tick)
