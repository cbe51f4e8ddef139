"""The emulated WB's clock: the time its world is at.

Real time by default, so a running demo's data changes on its own; tests freeze, set and
advance it instead of sleeping. It drives the world only: token expiry is checked against the
real time and rate limits against the monotonic clock (scaled by `--speed`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime


class EmulatorClock:
    """Real time plus an offset, or a frozen moment; safe to use from several threads."""

    def __init__(self, wall: Callable[[], float] = time.time) -> None:
        self._wall = wall
        self._lock = threading.Lock()
        self._offset = 0.0
        self._frozen_at: float | None = None

    def timestamp(self) -> float:
        """Seconds since the Unix epoch, as the world sees them."""
        with self._lock:
            return self._reading()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp(), UTC)

    @property
    def frozen(self) -> bool:
        with self._lock:
            return self._frozen_at is not None

    def freeze(self, at: datetime | None = None) -> None:
        """Stop the clock, at `at` or at its current reading."""
        with self._lock:
            self._frozen_at = at.timestamp() if at is not None else self._reading()

    def set(self, at: datetime) -> None:
        """Move the clock to `at`; a running clock keeps running from there."""
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at = at.timestamp()
            else:
                self._offset = at.timestamp() - self._wall()

    def advance(self, seconds: float) -> None:
        """Move the clock forward (or back, for a negative number) by `seconds`."""
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += seconds
            else:
                self._offset += seconds

    def resume(self) -> None:
        """Let a frozen clock run again from where it stands."""
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - self._wall()
                self._frozen_at = None

    def reset(self) -> None:
        """Back to real time."""
        with self._lock:
            self._offset, self._frozen_at = 0.0, None

    def _reading(self) -> float:
        if self._frozen_at is not None:
            return self._frozen_at
        return self._wall() + self._offset
