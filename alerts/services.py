"""Alerts' writes: firing and clearing conditions, sending what they owe, reading marks."""

import logging
from datetime import datetime, timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from .channels import DeliveryFailed, deliver
from .models import (
    AlertSettings,
    AlertState,
    AlertSubscription,
    Delivery,
    Notification,
    new_webhook_secret,
)
from .rules import Condition, conditions_now
from .selectors import subscribers

logger = logging.getLogger(__name__)

# The n-th failed try is followed by a wait of RETRY_BASE * 2**(n-1), at most RETRY_CAP;
# after MAX_ATTEMPTS tries (about a day and a half) the delivery is given up on.
RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(hours=6)
MAX_ATTEMPTS = 12
# A try not finished by then (its worker killed) is made again.
ATTEMPT_LEASE = timedelta(minutes=2)
BATCH = 50


def alerts_evaluate(*, now: datetime | None = None) -> dict[str, int]:
    """Fire each condition that started to hold, clear each that stopped; once per change."""
    now = now or timezone.now()
    holding = conditions_now(now)
    fired = cleared = 0
    with transaction.atomic():
        active = AlertState.objects.select_for_update().filter(active=True)
        known = {(state.rule, state.subject): state for state in active}
        for key, state in known.items():
            if key not in holding:
                state.active, state.cleared_at = False, now
                state.save(update_fields=["active", "cleared_at"])
                cleared += 1
        for key, condition in holding.items():
            if key not in known and (state := fire(condition, now)) is not None:
                notify(state, now)
                fired += 1
    return {"fired": fired, "cleared": cleared}


def fire(condition: Condition, now: datetime) -> AlertState | None:
    """The condition's state, turned active; None if another run has just fired it."""
    state, created = AlertState.objects.get_or_create(
        rule=condition.rule,
        subject=condition.subject,
        defaults={"seller_id": condition.seller_id, "details": condition.details, "fired_at": now},
    )
    if not created:
        if state.active:
            return None
        # It held before, cleared, and holds again.
        state.active, state.cleared_at, state.fired_at = True, None, now
        state.seller_id, state.details = condition.seller_id, condition.details
        state.times_fired += 1
        state.save()
    return state


def notify(state: AlertState, now: datetime) -> None:
    for subscription in subscribers(state):
        notification = Notification.objects.create(
            user=subscription.user, state=state, created_at=now
        )
        Delivery.objects.bulk_create(
            Delivery(notification=notification, channel=channel, next_attempt_at=now)
            for channel in subscription.channels
        )


def deliveries_send_due(*, now: datetime | None = None) -> dict[str, int]:
    """Try each delivery that is due, a batch at a time; each outcome is committed as it comes."""
    outcomes = {"sent": 0, "retry": 0, "failed": 0}
    for delivery in claim_due(now or timezone.now()):
        outcomes[attempt(delivery)] += 1
    return outcomes


def claim_due(now: datetime) -> list[Delivery]:
    """Due deliveries, each marked as being tried (until the lease ends) by this process only."""
    with transaction.atomic():
        due = (
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "pk")[:BATCH]
        )
        claimed = list(due)
        Delivery.objects.filter(pk__in=[d.pk for d in claimed]).update(
            next_attempt_at=now + ATTEMPT_LEASE
        )
    with_recipients = Delivery.objects.select_related(
        "notification__user__alert_settings", "notification__state__seller"
    )
    return list(with_recipients.filter(pk__in=[d.pk for d in claimed]).order_by("pk"))


def attempt(delivery: Delivery) -> str:
    try:
        deliver(delivery)
    except DeliveryFailed as exc:
        return record_failure(delivery, exc.reason)
    delivery.status, delivery.sent_at = Delivery.Status.SENT, timezone.now()
    delivery.attempts += 1
    delivery.last_error = ""
    delivery.save(update_fields=["status", "sent_at", "attempts", "last_error"])
    return "sent"


def record_failure(delivery: Delivery, reason: str) -> str:
    delivery.attempts += 1
    delivery.last_error = reason[:200]
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = Delivery.Status.FAILED
    else:
        wait = min(RETRY_BASE * 2 ** (delivery.attempts - 1), RETRY_CAP)
        delivery.next_attempt_at = timezone.now() + wait
    delivery.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
    logger.warning(
        "Alert delivery %s by %s failed (try %d): %s",
        delivery.pk,
        delivery.channel,
        delivery.attempts,
        reason,
    )
    return "failed" if delivery.status == Delivery.Status.FAILED else "retry"


def notification_mark_read(*, user: AbstractBaseUser, notification_id: int) -> int:
    """Mark one of the user's notifications read; how many were (0 if not theirs)."""
    return Notification.objects.filter(user=user, pk=notification_id, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notifications_mark_all_read(*, user: AbstractBaseUser) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def alert_settings_save(
    *, user: AbstractBaseUser, webhook_url: str, sellers, rules: dict[str, set[str]]
) -> AlertSettings:
    """The user's webhook, cabinets and subscriptions: `rules` maps each rule wanted to its
    channels ("in_app" alone, or with "email" and "webhook"); rules left out are dropped."""
    with transaction.atomic():
        alert_settings, _created = AlertSettings.objects.get_or_create(user=user)
        alert_settings.webhook_url = webhook_url
        alert_settings.save(update_fields=["webhook_url"])
        alert_settings.sellers.set(sellers)
        AlertSubscription.objects.filter(user=user).exclude(rule__in=rules).delete()
        for rule, channels in rules.items():
            AlertSubscription.objects.update_or_create(
                user=user,
                rule=rule,
                defaults={"by_email": "email" in channels, "by_webhook": "webhook" in channels},
            )
    return alert_settings


def webhook_secret_rotate(*, user: AbstractBaseUser) -> AlertSettings:
    with transaction.atomic():
        alert_settings, _created = AlertSettings.objects.get_or_create(user=user)
        alert_settings.webhook_secret = new_webhook_secret()
        alert_settings.save(update_fields=["webhook_secret"])
    return alert_settings
