"""WB's rate limits as a budget shared by every process: token buckets in the database.

Before each WB request the caller takes one request from every bucket the request draws on, in
one transaction that locks their rows (`SELECT … FOR UPDATE`; on SQLite the IMMEDIATE
transaction's write lock serialises it), so that no two processes or machines spend the same
request. A request that cannot be afforded is not sent: the caller learns when it can be, and
waits or comes back then. After a 429 the bucket stays empty until WB's retry time.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from wbapi.limits import LIMIT_GROUPS

from .models import RateBucket


@dataclass(frozen=True)
class Bucket:
    """One bucket a request draws on: the seller's, for a limit group, at WB's rate.

    `burst` requests may go back to back, then one per `interval` seconds: WB's interval
    (divided by WB_RATE_SPEED, development only, like the emulator's --speed), plus a margin
    (`margin_for`, from WB_RATE_MARGIN). The margin absorbs the time between taking a request
    from the budget and WB receiving it: without it, a request that took longer on its way than
    the next one would let the two reach WB closer together than WB's interval, and earn a 429.
    """

    sid: str
    group: str
    scope: str
    burst: int
    interval: float

    def matches(self, row: RateBucket) -> bool:
        return (row.sid, row.group, row.scope) == (self.sid, self.group, self.scope)


def bucket_for(sid: str, group: str, *, token_type: str, host: str) -> Bucket:
    """The bucket of `group` that a token of `token_type` draws on when calling `host`."""
    limit_group = LIMIT_GROUPS[group]
    scope = "|".join(limit_group.bucket_scope(token_type=token_type, host=host)).strip("|")
    rate = limit_group.for_token_type(token_type)
    interval = rate.interval / settings.WB_RATE_SPEED
    return Bucket(sid, group, scope, rate.burst, interval + margin_for(interval))


# WB_RATE_MARGIN is the margin of an interval of up to this many seconds; a longer one gets
# proportionally more.
MARGIN_INTERVAL = 5.0


def margin_for(interval: float) -> float:
    """The margin added to an interval: a 429 costs its bucket a whole interval (the wait for
    WB's retry time), so the slower the limit, the more margin is worth keeping. 0.05 s for the
    cards' 0.6 s, 0.6 s for the orders' minute; a margin of 0 stays 0."""
    return settings.WB_RATE_MARGIN * max(1.0, interval / MARGIN_INTERVAL)


def take(buckets: list[Bucket], *, now: datetime | None = None) -> datetime | None:
    """Spend one request from each bucket, or from none of them.

    Returns None when spent; otherwise nothing is spent and the time from which all of them can
    serve is returned.
    """
    now = now or timezone.now()
    with transaction.atomic():
        rows = _locked_rows(buckets, now)
        available_at = max(_available_at(row, bucket, now, 1) for bucket, row in rows)
        if available_at > now:
            return available_at
        for bucket, row in rows:
            _spend(row, bucket, now, 1)
    return None


def charge(bucket: Bucket, cost: float, *, now: datetime | None = None) -> None:
    """Spend `cost` more requests, as WB does for a 4xx on some hosts (the bucket may go below
    zero; it is then empty for longer)."""
    now = now or timezone.now()
    with transaction.atomic():
        [(_, row)] = _locked_rows([bucket], now)
        _spend(row, bucket, now, cost)


def block(bucket: Bucket, until: datetime, *, now: datetime | None = None) -> None:
    """After a 429: the bucket serves nothing before WB's retry time, and refills from then."""
    now = now or timezone.now()
    with transaction.atomic():
        [(_, row)] = _locked_rows([bucket], now)
        row.tokens = 0.0
        row.refilled_at = max(until, now)
        row.blocked_until = until
        row.save(update_fields=["tokens", "refilled_at", "blocked_until"])


def free_at(bucket: Bucket, *, now: datetime | None = None) -> datetime:
    """When the bucket can next serve a request (`now` if it can at once); a plain read."""
    now = now or timezone.now()
    row = RateBucket.objects.filter(_keys([bucket])).first()
    return now if row is None else max(now, _available_at(row, bucket, now, 1))


def blocked_until(buckets: list[Bucket], *, now: datetime | None = None) -> datetime | None:
    """Until when the longest 429 wait among these buckets lasts, if one lasts now."""
    waits = RateBucket.objects.filter(_keys(buckets), blocked_until__gt=now or timezone.now())
    return waits.order_by("-blocked_until").values_list("blocked_until", flat=True).first()


def _locked_rows(buckets: list[Bucket], now: datetime) -> list[tuple[Bucket, RateBucket]]:
    """The buckets' rows, created full if new, locked in primary-key order (no deadlocks)."""
    RateBucket.objects.bulk_create(
        [
            RateBucket(sid=b.sid, group=b.group, scope=b.scope, tokens=b.burst, refilled_at=now)
            for b in buckets
        ],
        ignore_conflicts=True,
    )
    rows = list(RateBucket.objects.select_for_update().filter(_keys(buckets)).order_by("pk"))
    return [(bucket, next(row for row in rows if bucket.matches(row))) for bucket in buckets]


def _level(row: RateBucket, bucket: Bucket, now: datetime) -> float:
    """Requests in the bucket at `now`."""
    elapsed = max((now - row.refilled_at).total_seconds(), 0.0)
    return min(float(bucket.burst), row.tokens + elapsed / bucket.interval)


def _available_at(row: RateBucket, bucket: Bucket, now: datetime, cost: float) -> datetime:
    if row.blocked_until is not None and row.blocked_until > now:
        return row.blocked_until
    missing = cost - _level(row, bucket, now)
    return now if missing <= 0 else now + timedelta(seconds=missing * bucket.interval)


def _spend(row: RateBucket, bucket: Bucket, now: datetime, cost: float) -> None:
    row.tokens = _level(row, bucket, now) - cost
    row.refilled_at = max(row.refilled_at, now)
    row.save(update_fields=["tokens", "refilled_at"])


def _keys(buckets: list[Bucket]) -> Q:
    wanted = Q()
    for bucket in buckets:
        wanted |= Q(sid=bucket.sid, group=bucket.group, scope=bucket.scope)
    return wanted
