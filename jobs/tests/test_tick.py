"""The tick runs every registered step; the worker command ticks beside its loop."""

import logging
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.utils import translation

from jobs.management.commands.db_worker import watches_for_reload
from jobs.models import PeriodicJob
from jobs.registry import Job
from jobs.schedules import Every
from jobs.services import jobs_enqueue_due
from jobs.testing import run_worker_batch
from jobs.tick import TickThread, register_tick_step, run_tick, tick_steps

from .conftest import NOW
from .workload.tasks import record_run

HOURLY = Job("test.hourly", Every(timedelta(hours=1)), record_run)


def test_the_jobs_app_registers_its_step():
    assert tick_steps()["jobs.enqueue_due"] is jobs_enqueue_due


@pytest.mark.parametrize("interval", ["0", "-1", "nan", "soon"])
def test_the_tick_interval_must_be_a_positive_number_of_seconds(interval):
    expected = "--tick-interval: Must be a number of seconds above 0"
    with translation.override("en"), pytest.raises(CommandError, match=expected):
        call_command("db_worker", "--batch", f"--tick-interval={interval}")


def test_steps_run_in_the_order_they_were_registered_with_the_tick_time(steps):
    calls = []
    register_tick_step("first", lambda *, now: calls.append(("first", now)) or 1)
    register_tick_step("second", lambda *, now: calls.append(("second", now)) or 2)
    assert run_tick(now=NOW) == {"first": 1, "second": 2}
    assert calls == [("first", NOW), ("second", NOW)]


def test_a_failing_step_is_logged_and_the_others_still_run(steps, caplog):
    def broken(*, now):
        raise RuntimeError("broken step")

    register_tick_step("broken", broken)
    register_tick_step("after", lambda *, now: "ran")
    with caplog.at_level(logging.ERROR, logger="jobs.tick"):
        assert run_tick(now=NOW) == {"broken": None, "after": "ran"}
    assert "Tick step broken failed" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_the_tick_thread_ticks_on_its_own_connection_and_closes_it_when_stopped(steps):
    ticked = threading.Event()
    used = []

    def step(*, now):
        PeriodicJob.objects.exists()
        used.append(connections["default"])
        ticked.set()

    register_tick_step("probe", step)
    thread = TickThread(interval=3600)  # one tick at once, the next long after the stop
    thread.start()
    assert ticked.wait(timeout=20)
    thread.stop(timeout=20)
    assert not thread.is_alive()
    [wrapper] = used
    assert wrapper is not connections["default"]
    assert wrapper.connection is None  # closed


@pytest.mark.django_db(transaction=True)  # a worker closes its connection
def test_a_batch_worker_ticks_once_then_runs_what_is_due(jobs, workload_log):
    jobs(HOURLY)
    run_worker_batch()
    assert len(workload_log.events("run")) == 1
    row = PeriodicJob.objects.get(name=HOURLY.name)
    assert row.last_outcome == PeriodicJob.Outcome.SUCCEEDED


@pytest.mark.django_db(transaction=True)  # a worker closes its connection
def test_a_worker_with_no_tick_enqueues_no_job(jobs, workload_log):
    jobs(HOURLY)
    run_worker_batch(tick=False)
    assert workload_log.events("run") == []
    assert not PeriodicJob.objects.exists()


@pytest.mark.parametrize(
    ("reload", "batch", "child", "expected"),
    [
        (True, False, False, True),  # the autoreloader's parent: it only restarts the worker
        (True, False, True, False),  # its child: the worker itself
        (True, True, False, False),  # --batch turns --reload off
        (False, False, False, False),
    ],
)
def test_only_the_autoreloader_parent_skips_the_tick(monkeypatch, reload, batch, child, expected):
    if child:
        monkeypatch.setenv("RUN_MAIN", "true")
    else:
        monkeypatch.delenv("RUN_MAIN", raising=False)
    assert watches_for_reload({"reload": reload, "batch": batch}) is expected
