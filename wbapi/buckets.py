"""Token buckets, as WB describes its limits: `burst` requests at once, then one per interval.

The emulator enforces WB's limits with them; the token desk paces its bulk checks with them.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from wbapi.limits import RateLimit


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    remaining: int  # whole requests left in the bucket after this one
    retry_after: float  # seconds until the next request can pass (0 if allowed)
    reset_after: float  # seconds until the bucket is full again


@dataclass
class _Bucket:
    tokens: float
    updated: float


class Buckets:
    """Buckets by key. `speed` divides every period, so that tests need not wait for real."""

    def __init__(self, *, speed: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[Hashable, _Bucket] = {}

    def take(self, key: Hashable, rate: RateLimit) -> Verdict:
        """Spend one request from the bucket if it holds one."""
        interval = rate.interval / self.speed
        with self._lock:
            bucket = self._refilled(key, rate)
            allowed = bucket.tokens >= 1
            if allowed:
                bucket.tokens -= 1
            return Verdict(
                allowed=allowed,
                remaining=math.floor(bucket.tokens),
                retry_after=0.0 if allowed else (1 - bucket.tokens) * interval,
                reset_after=(rate.burst - bucket.tokens) * interval,
            )

    def charge(self, key: Hashable, rate: RateLimit, requests: int) -> None:
        """Spend `requests` more from the bucket, into debt if need be: WB counts some
        answers as several requests (a marketplace 4xx as 10)."""
        with self._lock:
            self._refilled(key, rate).tokens -= requests

    def clear(self) -> None:
        with self._lock:
            self._buckets.clear()

    def _refilled(self, key: Hashable, rate: RateLimit) -> _Bucket:
        """The bucket with what has flowed in since it was last used (hold the lock)."""
        now = self._clock()
        bucket = self._buckets.setdefault(key, _Bucket(float(rate.burst), now))
        interval = rate.interval / self.speed
        bucket.tokens = min(rate.burst, bucket.tokens + (now - bucket.updated) / interval)
        bucket.updated = now
        return bucket
