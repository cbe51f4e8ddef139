"""Checking a token with WB: /ping on each of the token's hosts, and WB's seller-info.

Every check spends the seller's shared rate budget before it sends anything, honours the
circuit breaker, holds one of the process's WB call slots and stays within WB_API_DEADLINE as a
whole. It never raises a WBError: the outcome carries it, with every request made.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from wbapi.claims import COMMON_CATEGORY, TokenClaims
from wbapi.client import RequestRecord, SellerInfo, WBClient
from wbapi.errors import RateLimited, SandboxUnavailable, SellerMismatch, WBError
from wbapi.hosts import CATEGORY_HOSTS, HOST_CATEGORIES, host_for

from . import breaker, budget
from .errors import ChecksPaused, RateBudgetExhausted
from .signals import recording_into
from .slots import wb_call_slot

# A check asked for in a web request waits at most this long for the seller's rate budget;
# beyond it, nothing is sent and the person is told when WB's limit allows the next one.
INTERACTIVE_MAX_WAIT = 2.0
# Error codes after which the breaker counts the host as unavailable.
UNAVAILABLE_CODES = frozenset({"wb_unavailable", "protocol_error"})


@dataclass(frozen=True)
class Verification:
    """What WB confirmed: the hosts that answered /ping, and seller-info if it was asked."""

    hosts: tuple[str, ...]
    seller: SellerInfo | None


@dataclass
class WBOutcome:
    """What one check with WB gave: a verification or an error, and the requests it took."""

    result: Verification | None = None
    error: WBError | None = None
    records: list[RequestRecord] = field(default_factory=list)
    duration_ms: int = 0

    @property
    def last_status(self) -> int | None:
        return self.records[-1].status if self.records else None

    @property
    def last_request_id(self) -> str:
        ids = [record.request_id for record in self.records if record.request_id]
        return ids[-1] if ids else ""


@dataclass(frozen=True)
class Step:
    """One request of a check: what it calls and the budget it draws on."""

    host: str
    bucket: budget.Bucket
    call: Callable[[WBClient], object]


class TokenScope(Protocol):
    """What decides a check's hosts; TokenClaims and a stored WBToken both have it."""

    is_test: bool
    categories: tuple[str, ...]


class StoredToken(TokenScope, Protocol):
    seller_id: int | None
    token_type: str


def check_hosts(claims: TokenScope) -> list[str]:
    """The hosts a check pings: those of the token's categories (their sandbox hosts for a
    test token); common-api for a token without any category that has a host."""
    categories = [name for name in claims.categories if name in CATEGORY_HOSTS]
    if claims.is_test:
        hosts = [CATEGORY_HOSTS[name][1] for name in categories if CATEGORY_HOSTS[name][1]]
        if not hosts:
            raise SandboxUnavailable(claims.categories)
        return hosts
    return [host_for(name, sandbox=False) for name in categories] or [
        host_for(COMMON_CATEGORY, sandbox=False)
    ]


def check_steps(claims: TokenClaims, *, with_seller_info: bool) -> list[Step]:
    sid, token_type = claims.seller_sid or "", claims.token_type
    steps = [
        Step(
            host,
            budget.bucket_for(sid, "ping", token_type=token_type, host=host),
            lambda client, category=HOST_CATEGORIES[host]: client.ping(category),
        )
        for host in check_hosts(claims)
    ]
    if with_seller_info and not claims.is_test:  # the sandbox has no seller-info
        common = host_for(COMMON_CATEGORY, sandbox=False)
        bucket = budget.bucket_for(sid, "seller-info", token_type=token_type, host=common)
        steps.append(Step(common, bucket, WBClient.seller_info))
    return steps


@sensitive_variables("raw_token")
def verify_token(
    raw_token: str,
    claims: TokenClaims,
    *,
    seller_id: int | None,
    with_seller_info: bool,
    max_wait: float = INTERACTIVE_MAX_WAIT,
) -> WBOutcome:
    """Check a token with WB. `seller_id`: its stored seller (None for a seller not stored yet)."""
    outcome = WBOutcome()
    started = time.monotonic()
    known_pauses = {}
    try:
        steps = check_steps(claims, with_seller_info=with_seller_info)
        known_pauses = breaker.breaker_rows(seller_id, [step.host for step in steps])
        if until := breaker.paused_until(known_pauses):
            raise ChecksPaused(until)
        spend_budget([step.bucket for step in steps], max_wait=max_wait)
        with wb_call_slot():
            outcome.result = run_steps(raw_token, claims, steps, outcome.records)
    except WBError as exc:
        outcome.error = exc
    outcome.duration_ms = round((time.monotonic() - started) * 1000)
    update_breaker(seller_id, outcome.records, known_pauses)
    return outcome


def spend_budget(buckets: list[budget.Bucket], *, max_wait: float) -> None:
    """Take the requests from the seller's budget, waiting up to `max_wait` seconds in all."""
    give_up_at = time.monotonic() + max_wait
    while (available_at := budget.take(buckets)) is not None:
        wait = max((available_at - timezone.now()).total_seconds(), 0.0)
        if time.monotonic() + wait > give_up_at:
            raise RateBudgetExhausted(available_at)
        sleep(wait)


# Replaceable in tests, so that no test waits for real.
sleep: Callable[[float], None] = time.sleep


@sensitive_variables("raw_token", "client")
def run_steps(
    raw_token: str, claims: TokenClaims, steps: list[Step], records: list[RequestRecord]
) -> Verification:
    """Make the check's requests in turn, all within one WB_API_DEADLINE."""
    client = new_client(raw_token, on_request=recording_into(records))
    deadline_at = time.monotonic() + settings.WB_API_DEADLINE
    seller = None
    for step in steps:
        # Each call's own deadline is what is left of the check's.
        client.deadline = max(deadline_at - time.monotonic(), 0.001)
        try:
            answer = step.call(client)
        except RateLimited as exc:
            budget.block(step.bucket, timezone.now() + timedelta(seconds=exc.retry_after))
            raise
        if isinstance(answer, SellerInfo):
            seller = answer
            if seller.sid != claims.seller_sid:
                raise SellerMismatch(claims.seller_sid, seller.sid)
    return Verification(tuple(dict.fromkeys(step.host for step in steps)), seller)


@sensitive_variables("raw_token")
def new_client(raw_token: str, *, on_request=None) -> WBClient:
    """The WB client for a token, configured from the settings: the only place one is made."""
    return WBClient(
        raw_token,
        base_url=settings.WB_API_BASE_URL,
        timeout=(settings.WB_API_CONNECT_TIMEOUT, settings.WB_API_READ_TIMEOUT),
        deadline=settings.WB_API_DEADLINE,
        auth_scheme=settings.WB_API_AUTH_SCHEME,
        on_request=on_request,
    )


def update_breaker(seller_id: int | None, records: list[RequestRecord], known: dict) -> None:
    """Each host's last answer opens or closes its breaker."""
    last_by_host = {record.host: record for record in records}
    for host, record in last_by_host.items():
        unavailable = record.error in UNAVAILABLE_CODES
        breaker.record_outcome(seller_id, host, unavailable=unavailable, known=known.get(host))


def check_wait(token: "StoredToken") -> tuple[str, datetime] | None:
    """Why a check of a stored token would send nothing now, and until when: the breaker after
    repeated WB errors ("paused"), or WB's retry time after a 429 ("rate_limited")."""
    try:
        hosts = check_hosts(token)
    except SandboxUnavailable:
        return None
    if until := breaker.paused_until(breaker.breaker_rows(token.seller_id, hosts)):
        return "paused", until
    sid = token.seller.sid if token.seller_id else ""
    pings = [budget.bucket_for(sid, "ping", token_type=token.token_type, host=h) for h in hosts]
    if until := budget.blocked_until(pings):
        return "rate_limited", until
    return None
