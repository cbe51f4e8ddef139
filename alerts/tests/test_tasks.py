import pytest
import time_machine

from alerts.models import Delivery, Notification, Rule
from alerts.tasks import deliver_alerts, evaluate_alerts
from jobs.registry import registered_jobs

from .conftest import START

pytestmark = pytest.mark.django_db


def test_both_jobs_are_periodic():
    jobs = registered_jobs()
    assert jobs["alerts.evaluate"].task is evaluate_alerts
    assert jobs["alerts.deliver"].task is deliver_alerts


def test_the_tasks_evaluate_and_deliver(owner, subscribe, token_expiring):
    subscribe(owner, Rule.TOKEN_EXPIRING_3, channels=("email",))
    token_expiring(1)
    with time_machine.travel(START, tick=False):
        assert evaluate_alerts.call() == {"fired": 3, "cleared": 0}
        assert deliver_alerts.call() == {"sent": 1, "retry": 0, "failed": 0}
    assert Notification.objects.count() == 1
    assert Delivery.objects.get().status == Delivery.Status.SENT
