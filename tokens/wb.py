"""The token desk's one door to WB.

Every call made with a stored token goes through `check_token_with_wb`, which
adds what a web process needs on top of `wbapi.WBClient`:

- a bound on WB calls in flight per process (WB_API_MAX_CONCURRENCY), so that a
  slow WB cannot take every web thread and other pages stay fast;
- a circuit breaker in the database: after a 429, or after repeated
  unavailability, no worker calls that seller's host again before a stored
  time, which the pages show.
"""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from wbapi.claims import COMMON_CATEGORY, TokenClaims
from wbapi.client import CheckResult, RequestRecord, WBClient
from wbapi.errors import ProtocolError, RateLimited, SandboxUnavailable, WBError, WBUnavailable
from wbapi.hosts import first_sandbox_host, host_for

from .models import WBPause, WBToken

# Consecutive unavailable answers before the breaker opens, and how long it stays open.
BREAKER_THRESHOLD = 3
BREAKER_COOLDOWN = timedelta(minutes=2)
# A 429 without a usable wait still pauses for this long.
MIN_RATE_LIMIT_PAUSE = timedelta(seconds=1)


class ChecksPaused(WBError):
    """The circuit breaker is open for this seller's host; nothing was sent."""

    code = "paused"
    default_message = "Calls for this seller are paused after WB errors."

    def __init__(self, until: datetime) -> None:
        self.until = until
        super().__init__(f"Calls for this seller are paused until {until.isoformat()}.")


class TooBusy(WBError):
    """Every WB call slot of this process is taken; nothing was sent."""

    code = "busy"
    default_message = "Too many WB calls are in progress."


@dataclass
class WBOutcome:
    """What one check with WB gave: a result or an error, and the requests it took."""

    result: CheckResult | None = None
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


@cache
def _call_slots() -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(settings.WB_API_MAX_CONCURRENCY)


@receiver(setting_changed)
def _resize_call_slots(*, setting: str, **kwargs) -> None:
    if setting == "WB_API_MAX_CONCURRENCY":
        _call_slots.cache_clear()


def check_host(*, is_test: bool, categories: tuple[str, ...]) -> str:
    """The host a check of a token talks to (and that the breaker guards)."""
    if is_test:
        return first_sandbox_host(categories)
    return host_for(COMMON_CATEGORY, sandbox=False)


def paused_until(token: WBToken) -> datetime | None:
    """When checks of a stored token resume, if its seller's host is paused now."""
    try:
        host = check_host(is_test=token.is_test, categories=token.categories)
    except SandboxUnavailable:
        return None
    return active_pause(token.seller_sid, host)


@sensitive_variables("raw_token")
def new_client(raw_token: str, *, on_request=None) -> WBClient:
    return WBClient(
        raw_token,
        base_url=settings.WB_API_BASE_URL,
        timeout=(settings.WB_API_CONNECT_TIMEOUT, settings.WB_API_READ_TIMEOUT),
        deadline=settings.WB_API_DEADLINE,
        auth_scheme=settings.WB_API_AUTH_SCHEME,
        on_request=on_request,
    )


@sensitive_variables("raw_token")
def check_token_with_wb(raw_token: str, claims: TokenClaims) -> WBOutcome:
    """Validate a token with WB. Never raises a WBError: it is returned in the outcome."""
    outcome = WBOutcome()
    started = time.monotonic()
    seller_sid = claims.seller_sid or ""
    pause = None
    try:
        host = check_host(is_test=claims.is_test, categories=claims.categories)
        pause = WBPause.objects.filter(seller_sid=seller_sid, host=host).first()
        if pause is not None and pause.is_active():
            raise ChecksPaused(pause.until)
        with wb_call_slot():
            client = new_client(raw_token, on_request=outcome.records.append)
            outcome.result = client.check(now=timezone.now())
    except WBError as exc:
        outcome.error = exc
    outcome.duration_ms = round((time.monotonic() - started) * 1000)
    if outcome.records:
        update_breaker(seller_sid, host, outcome.error, known=pause)
    return outcome


@contextmanager
def wb_call_slot() -> Iterator[None]:
    """Hold one of this process's WB call slots, or fail fast with TooBusy."""
    slots = _call_slots()
    if not slots.acquire(timeout=settings.WB_API_SLOT_WAIT):
        raise TooBusy()
    try:
        yield
    finally:
        slots.release()


def active_pause(seller_sid: str, host: str) -> datetime | None:
    """When calls for this seller's host resume, if they are paused now."""
    return (
        WBPause.objects.filter(seller_sid=seller_sid, host=host, until__gt=timezone.now())
        .values_list("until", flat=True)
        .first()
    )


def update_breaker(
    seller_sid: str, host: str, error: WBError | None, *, known: WBPause | None = None
) -> None:
    """Close the breaker on success; open it on a 429 or repeated unavailability.

    `known` is the breaker row read before the call, so that the usual case (a
    success with no breaker row) costs no query at all.
    """
    if error is None:
        if known is not None:
            WBPause.objects.filter(pk=known.pk).delete()
        return
    if not isinstance(error, RateLimited | WBUnavailable | ProtocolError):
        return
    now = timezone.now()
    with transaction.atomic():
        pause, _created = WBPause.objects.select_for_update().get_or_create(
            seller_sid=seller_sid, host=host
        )
        pause.failures += 1
        pause.reason = error.code
        if isinstance(error, RateLimited):
            pause.until = now + max(timedelta(seconds=error.retry_after), MIN_RATE_LIMIT_PAUSE)
        elif pause.failures >= BREAKER_THRESHOLD:
            pause.until = now + BREAKER_COOLDOWN
        pause.save()
