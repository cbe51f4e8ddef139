"""The circuit breaker: after repeated WB errors, no calls to that seller's host for a while.

A stored pause, shared by every process. Only WB being unavailable or answering nonsense opens
it; WB's rate limit is the budget's business (budget.py), and says nothing about WB's health.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from .models import WBPause

# Consecutive unavailable answers before the breaker opens, and how long it stays open.
BREAKER_THRESHOLD = 3
BREAKER_COOLDOWN = timedelta(minutes=2)


def breaker_rows(seller_id: int | None, hosts: list[str]) -> dict[str, WBPause]:
    """The breaker rows of the seller's `hosts` (usually none: one short query)."""
    if seller_id is None:
        return {}
    return {
        pause.host: pause for pause in WBPause.objects.filter(seller_id=seller_id, host__in=hosts)
    }


def paused_until(rows: dict[str, WBPause]) -> datetime | None:
    """When calls resume, if any of the hosts is paused now."""
    active = [pause.until for pause in rows.values() if pause.is_active()]
    return max(active) if active else None


def record_outcome(
    seller_id: int | None, host: str, *, unavailable: bool, known: WBPause | None
) -> None:
    """Close the breaker on an answer; count an unavailable one, opening it at the threshold.

    `known` is the host's row as read before the call, so that the usual case (an answer and no
    row) costs no query.
    """
    if seller_id is None:
        return  # a seller not stored yet has no breaker
    if not unavailable:
        if known is not None:
            WBPause.objects.filter(pk=known.pk).delete()
        return
    with transaction.atomic():
        pause, _created = WBPause.objects.select_for_update().get_or_create(
            seller_id=seller_id, host=host
        )
        pause.failures += 1
        if pause.failures >= BREAKER_THRESHOLD:
            pause.until = timezone.now() + BREAKER_COOLDOWN
        pause.save()
