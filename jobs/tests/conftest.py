from datetime import UTC, datetime

import pytest
import time_machine

from jobs import registry, tick
from jobs.registry import Job, register

from .workload import tasks as workload

# 10:00 in Moscow, where the site's schedules count their days.
NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


@pytest.fixture
def jobs(monkeypatch):
    """A registry with no job in it, for the test to register those it needs."""
    monkeypatch.setattr(registry, "_jobs", {})

    def declare(*declared: Job) -> None:
        for job in declared:
            register(job)

    return declare


@pytest.fixture
def steps(monkeypatch) -> dict:
    """A tick with no step, for the test to register those it needs."""
    empty: dict = {}
    monkeypatch.setattr(tick, "_steps", empty)
    return empty


@pytest.fixture
def frozen():
    """The clock stopped at NOW, for the parts that read it (the signals, the queue)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def workload_log(tmp_path, monkeypatch):
    """Where the workload's tasks write what they did."""
    path = tmp_path / "workload.log"
    monkeypatch.setenv("JOBS_WORKLOAD_LOG", str(path))
    return workload
