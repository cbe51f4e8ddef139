"""What every worker process must agree on before calling WB: rate budgets and pauses.

Both live in the database, so that web workers, task workers and commands on any number of
machines draw on the same budget and honour the same pause.
"""

from django.db import models
from django.utils import timezone


class RateBucket(models.Model):
    """WB's token bucket for one seller and one limit group, as wberp spends it.

    `tokens` requests were available at `refilled_at`; the bucket refills at the group's rate up
    to its burst. After a 429 it stays empty until `blocked_until`, WB's retry time. Keyed by the
    seller's WB id, so that a token can be checked before its seller is stored.
    """

    sid = models.CharField(max_length=64)
    group = models.CharField(max_length=40)
    # What else tells the group's buckets apart: "host|token type" (see LimitGroup.bucket_scope).
    scope = models.CharField(max_length=100, blank=True)
    tokens = models.FloatField()
    refilled_at = models.DateTimeField()
    blocked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sid", "group", "scope"], name="ratebucket_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.sid} {self.group} {self.scope}".strip()


class WBPause(models.Model):
    """Circuit breaker: no calls to `host` for `seller` before `until`, after repeated WB errors.

    A 429 never opens it: WB's rate limit empties the seller's bucket instead (RateBucket).
    """

    seller = models.ForeignKey("sellers.Seller", on_delete=models.CASCADE, related_name="+")
    host = models.CharField(max_length=64)
    until = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["seller", "host"], name="wbpause_unique_seller_host")
        ]

    def __str__(self) -> str:
        return f"{self.seller_id}@{self.host} until {self.until}"

    def is_active(self) -> bool:
        return self.until is not None and self.until > timezone.now()
