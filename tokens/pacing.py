"""Client-side pacing of bulk checks, so that WB's per-seller limits are not hit.

WB counts /ping (per host) and seller-info per seller profile, with small
bursts (see wbapi.limits). Checking many tokens of one seller back to back
would earn 429s and pause that seller; the pacer waits instead, the way WB
refills its buckets. Waits longer than `max_wait` (a basic token's daily
seller-info allowance, say) are not sat out: the check goes ahead and WB's
answer is recorded.
"""

import time
from collections.abc import Callable

from django.utils import timezone

from wbapi.buckets import Buckets
from wbapi.limits import LIMIT_GROUPS, SANDBOX_LIMIT, RateLimit

from .models import WBToken


class SellerPacer:
    def __init__(
        self,
        *,
        max_wait: float = 65.0,
        on_wait: Callable[[WBToken, float], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_wait = max_wait
        self.on_wait = on_wait
        self._sleep = sleep
        self._buckets = Buckets(clock=clock)

    def wait_for(self, token: WBToken) -> float:
        """Sleep until a check of `token` fits its seller's limits; return the seconds waited."""
        if token.expires_at <= timezone.now():
            return 0.0  # checked locally, no request
        waited = 0.0
        for group, rate in self._limits(token):
            verdict = self._buckets.take((token.seller_sid, group), rate)
            while not verdict.allowed and waited + verdict.retry_after <= self.max_wait:
                if self.on_wait is not None:
                    self.on_wait(token, verdict.retry_after)
                self._sleep(verdict.retry_after)
                waited += verdict.retry_after
                verdict = self._buckets.take((token.seller_sid, group), rate)
        return waited

    def _limits(self, token: WBToken) -> list[tuple[str, RateLimit]]:
        """The buckets a check of `token` draws on: a sandbox check pings a sandbox host
        (counted for the seller, whichever host it is), a production one also asks for
        seller-info."""
        ping = ("ping", LIMIT_GROUPS["ping"].for_token_type(token.token_type))
        if token.is_test:
            return [ping, ("sandbox", SANDBOX_LIMIT)]
        return [ping, ("seller-info", LIMIT_GROUPS["seller-info"].for_token_type(token.token_type))]
