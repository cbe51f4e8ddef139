"""Alerts' periodic jobs: thin, each calls one service."""

from datetime import timedelta

from django_tasks import task

from jobs.registry import periodic
from jobs.schedules import Every

from .services import alerts_evaluate, deliveries_send_due


@periodic("alerts.evaluate", Every(timedelta(minutes=5)), lease=timedelta(minutes=10))
@task()
def evaluate_alerts() -> dict[str, int]:
    """Fire the conditions that began to hold, clear those that stopped."""
    return alerts_evaluate()


@periodic("alerts.deliver", Every(timedelta(minutes=1)), lease=timedelta(minutes=10))
@task()
def deliver_alerts() -> dict[str, int]:
    """Send what is due by e-mail and webhook; failures are tried again later."""
    return deliveries_send_due()
