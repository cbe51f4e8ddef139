"""WB's documented request limits, one entry per limit group.

WB limits each seller profile with a token bucket per method or group of methods and tabulates
it as period / limit / interval / burst: `burst` requests may go back to back, after which one
more becomes available every `interval` (= period / limit). The emulator enforces this table;
wberp's gateway spends the same buckets before every request, so that WB never has to refuse
one; the client uses the interval as the wait when a 429 carries no retry header.

Figures are WB's tables for personal, service and basic-with-secret tokens (they are the same),
with a separate row where WB gives one for basic tokens (shared/wb-api, SDK 0.1.177).
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
    # Requests an answer with a 4xx status costs (marketplace-api counts one as 10).
    client_error_cost: int = 1

    def for_token_type(self, token_type: str) -> RateLimit:
        return self.by_token_type.get(token_type, self.default)

    def bucket_scope(self, *, token_type: str, host: str) -> tuple[str, str]:
        """What, beside the seller and the group, tells this group's buckets apart.

        (host or "", token type or ""): the host where the group is counted per host, and the
        token type where WB gives that type a row of its own, so that a basic token's far
        stricter allowance is a bucket of its own and never holds back the seller's other
        tokens (the emulator keys its buckets the same way).
        """
        return (
            host if self.per_host else "",
            token_type if token_type in self.by_token_type else "",
        )


def _basic(period: float, limit: int, burst: int) -> MappingProxyType[str, RateLimit]:
    return MappingProxyType({"basic": RateLimit(period=period, limit=limit, burst=burst)})


LIMIT_GROUPS: dict[str, LimitGroup] = {
    # WB's December 2025 text says "at most 3 requests per 30 s, per host"; its October 2026
    # table says 30 s / 3 / 10 s with a burst of 99. The stricter reading is used: WB still warns
    # that automated pinging gets blocked, and a client that copes with a burst of 3 copes with
    # 99, while one tuned to 99 would only fail in production.
    "ping": LimitGroup(RateLimit(period=30, limit=3, burst=3), per_host=True),
    "seller-info": LimitGroup(
        RateLimit(period=MINUTE, limit=1, burst=10), by_token_type=_basic(DAY, 1, 1)
    ),
    # content-api: cards list (and the other read methods of the Content category).
    "content": LimitGroup(RateLimit(period=MINUTE, limit=100, burst=5)),
    # discounts-prices-api: every method of the Prices and discounts category together.
    "prices": LimitGroup(RateLimit(period=6, limit=10, burst=5), by_token_type=_basic(HOUR, 4, 1)),
    # marketplace-api: seller warehouses, and the seller-warehouse stock methods; a request
    # answered with any 4xx counts as 10.
    "marketplace-warehouses": LimitGroup(
        RateLimit(period=MINUTE, limit=300, burst=20), client_error_cost=10
    ),
    "marketplace-stocks": LimitGroup(
        RateLimit(period=MINUTE, limit=300, burst=20), client_error_cost=10
    ),
    # seller-analytics-api: stock on WB's warehouses (personal, service and basic with secret).
    "analytics-stocks-report": LimitGroup(RateLimit(period=MINUTE, limit=3, burst=1)),
    # statistics-api: orders and sales, each its own limit.
    "statistics-orders": LimitGroup(
        RateLimit(period=MINUTE, limit=1, burst=10), by_token_type=_basic(3 * HOUR, 1, 1)
    ),
    "statistics-sales": LimitGroup(
        RateLimit(period=MINUTE, limit=1, burst=1), by_token_type=_basic(2 * HOUR, 1, 1)
    ),
    # finance-api: the realization report's rows, and the list of reports (personal and
    # service tokens only).
    "finance-detailed": LimitGroup(
        RateLimit(period=MINUTE, limit=1, burst=1), by_token_type=_basic(DAY, 2, 1)
    ),
    "finance-list": LimitGroup(RateLimit(period=MINUTE, limit=1, burst=1)),
}

# On top of each method's own limit, a sandbox host answers at most one request a second for
# all methods of its category together (the limit note of every sandbox method, Oct 2026).
SANDBOX_LIMIT = RateLimit(period=1, limit=1, burst=1)
