"""For tests of any app: a worker in the test process, as `db_worker --batch` runs, and real
`manage.py db_worker` processes against the test database, as in production."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from wberp.tests.production import postgres_url, production_env

WAIT_TIMEOUT = 60.0
# Quick polls and ticks, so that the tests take seconds; no reload, whatever DEBUG says.
WORKER_OPTIONS = ("--no-reload", "--no-startup-delay", "--interval=0.1", "--tick-interval=0.2")

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)


def run_worker_batch(*, tick: bool = True) -> None:
    """Tick once (unless `tick` is false), run every task that is queued, return.

    The worker closes its database connection as it goes: call this from a test marked
    `django_db(transaction=True)`. It installs its own signal handlers; pytest's are put
    back afterwards, so that Ctrl-C still stops the test run.
    """
    saved = {number: signal.getsignal(number) for number in SIGNALS}
    try:
        call_command("db_worker", batch=True, tick=tick, startup_delay=False, verbosity=0)
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)


def worker_database_url() -> str:
    """The test database, as a DATABASE_URL another process can open (SQLite's is a file)."""
    if connection.vendor == "postgresql":
        return postgres_url(connection.settings_dict)
    return f"sqlite:///{connection.settings_dict['NAME']}"


class WorkerProcesses:
    """`db_worker` processes started by a test, each in its own process group, with the
    production environment plus `env` over the test database. Call kill_all() at the end."""

    def __init__(self, tmp_path: Path, **env: str) -> None:
        self.tmp_path = tmp_path
        self.env = production_env(
            DATABASE_URL=worker_database_url(),
            CONN_MAX_AGE="0",
            LOG_FORMAT="text",
            LOG_LEVEL="INFO",
            **env,
        )
        self.processes: list[subprocess.Popen] = []

    def start(self) -> subprocess.Popen:
        log = (self.tmp_path / f"worker-{len(self.processes)}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", *WORKER_OPTIONS],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.processes.append(process)
        return process

    def output(self, process: subprocess.Popen) -> str:
        path = self.tmp_path / f"worker-{self.processes.index(process)}.log"
        return path.read_text(encoding="utf-8", errors="replace")

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL: no clean-up at all, as when a machine goes away."""
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def kill_all(self) -> None:
        for process in self.processes:
            self.kill(process)

    def wait_for(self, condition: Callable[[], object], what: str) -> None:
        """Poll until `condition` holds; fail with the workers' output after WAIT_TIMEOUT, or
        as soon as a worker dies of anything but a SIGKILL."""
        deadline = time.monotonic() + WAIT_TIMEOUT
        while not condition():
            if time.monotonic() > deadline:
                outputs = "\n".join(self.output(p)[-3000:] for p in self.processes)
                pytest.fail(f"Timed out waiting for {what}. Worker output:\n{outputs}")
            for process in self.processes:
                died = process.poll() not in (None, -signal.SIGKILL)
                assert not died, self.output(process)
            time.sleep(0.05)
