"""WB's documented request limits, one entry per limit group.

WB limits each seller profile with a token bucket per method or group of methods and tabulates
it as period / limit / interval / burst: `burst` requests may go back to back, after which one
more becomes available every `interval` (= period / limit). The emulator enforces this table;
the client uses the interval as the wait when a 429 carries no retry header.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

MINUTE = 60.0
HOUR = 60 * MINUTE
DAY = 24 * HOUR


@dataclass(frozen=True)
class RateLimit:
    period: float  # seconds
    limit: int  # requests per period
    burst: int  # bucket size

    @property
    def interval(self) -> float:
        """Seconds for one request's worth of the bucket to refill."""
        return self.period / self.limit


@dataclass(frozen=True)
class LimitGroup:
    """The limit of one method or group of methods, per seller profile."""

    default: RateLimit
    # Rows WB gives for particular token types (usually much stricter ones for basic tokens).
    by_token_type: MappingProxyType[str, RateLimit] = field(
        default_factory=lambda: MappingProxyType({})
    )
    # Counted separately on every host the method lives on (WB does this for /ping).
    per_host: bool = False

    def for_token_type(self, token_type: str) -> RateLimit:
        return self.by_token_type.get(token_type, self.default)


LIMIT_GROUPS: dict[str, LimitGroup] = {
    # WB's December 2025 text says "at most 3 requests per 30 s, per host"; its October 2026
    # table says 30 s / 3 / 10 s with a burst of 99. The stricter reading is used: WB still warns
    # that automated pinging gets blocked, and a client that copes with a burst of 3 copes with
    # 99, while one tuned to 99 would only fail in production.
    "ping": LimitGroup(RateLimit(period=30, limit=3, burst=3), per_host=True),
    "seller-info": LimitGroup(
        RateLimit(period=MINUTE, limit=1, burst=10),
        by_token_type=MappingProxyType({"basic": RateLimit(period=DAY, limit=1, burst=1)}),
    ),
}

# On top of each method's own limit, a sandbox host answers at most one request a second for
# all methods of its category together (the limit note of every sandbox method, Oct 2026).
SANDBOX_LIMIT = RateLimit(period=1, limit=1, burst=1)
