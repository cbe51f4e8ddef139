"""Every admin's date filters, the project's and third-party ones: hand-typed dates."""

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import client_for

pytestmark = pytest.mark.django_db
ATTEMPTS = reverse("admin:axes_accessattempt_changelist")


@pytest.fixture
def attempts(superuser):
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(
        user_agent="pytest",
        ip_address="192.0.2.1",
        username="someone",
        get_data="",
        post_data="",
        failures_since_start=1,
        attempt_time=timezone.now(),
    )
    return client_for(superuser)


@pytest.mark.parametrize("value", ["00010101", "0001-01-01 00:00", "99999-01-01", "x"])
def test_a_date_out_of_the_calendar_is_a_bad_lookup_not_a_server_error(attempts, value):
    response = attempts.get(ATTEMPTS, {"attempt_time__gte": value})
    assert response.status_code == 302 and response["Location"].endswith("?e=1")


def test_a_hand_typed_date_is_read_in_the_sites_time_zone(attempts):
    today = timezone.localdate()
    shown = attempts.get(ATTEMPTS, {"attempt_time__gte": today.isoformat()})
    assert shown.status_code == 200 and "someone" in shown.content.decode()
    later = attempts.get(ATTEMPTS, {"attempt_time__gte": f"{today.year + 1}-01-01"})
    assert later.status_code == 200 and "someone" not in later.content.decode()
