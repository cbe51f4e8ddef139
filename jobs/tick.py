"""The tick: what every worker process does every JOBS_TICK_SECONDS, besides running tasks.

There is no scheduler process to keep alive, and no singleton: every worker ticks, and
each step claims its work with row locks in one transaction, so that any number of
workers on any number of machines enqueue each piece of work once. A tick is a list of
steps; an app adds its own in its AppConfig.ready():

    register_tick_step("sync.claim_streams", sync_claim_due_streams)

A step is called with the time of the tick, commits its own transaction, and must be
short: it enqueues work, it does none. One failing step does not stop the others.
"""

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from django.db import close_old_connections, connections
from django.utils import timezone

logger = logging.getLogger(__name__)

TickStep = Callable[..., object]

_steps: dict[str, TickStep] = {}


def register_tick_step(name: str, step: TickStep) -> None:
    """Run `step(now=…)` on every tick, after the steps registered before it."""
    _steps[name] = step


def tick_steps() -> dict[str, TickStep]:
    return dict(_steps)


def run_tick(*, now: datetime | None = None) -> dict[str, object]:
    """Run every step once; what each returned (None for a step that failed)."""
    now = now or timezone.now()
    outcomes: dict[str, object] = {}
    for name, step in tick_steps().items():
        try:
            outcomes[name] = step(now=now)
        except Exception:
            logger.exception("Tick step %s failed; the next tick tries again", name)
            outcomes[name] = None
    return outcomes


class TickThread(threading.Thread):
    """Ticks in a worker process, on its own database connection, until stopped.

    A daemon, so that it never holds its process up: if the process ends in the middle
    of a tick, the tick's transaction is rolled back and nothing is half-claimed.
    """

    def __init__(self, *, interval: float) -> None:
        super().__init__(name="jobs-tick", daemon=True)
        self.interval = interval
        self._stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self._stopping.is_set():
                self.tick_once()
                self._stopping.wait(self.interval)
        finally:
            connections.close_all()

    def tick_once(self) -> None:
        try:
            close_old_connections()  # as Django does around a request: drop a broken one
            run_tick()
        except Exception:
            logger.exception("Tick failed; the next tick tries again")

    def stop(self, *, timeout: float = 10.0) -> None:
        self._stopping.set()
        self.join(timeout)
