"""Logging in and out, and the security log it leaves."""

import logging
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from conftest import PASSWORD
from wberp.templatetags.wberp import duration_text

pytestmark = pytest.mark.django_db


def test_staff_user_logs_in_and_lands_on_home(client, staff_user):
    response = client.post(reverse("login"), {"username": "clerk", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_login_is_logged_without_the_password(client, staff_user, caplog):
    with caplog.at_level(logging.INFO, logger="wberp.security"):
        client.post(
            reverse("login"), {"username": "clerk", "password": PASSWORD}, REMOTE_ADDR="10.1.2.3"
        )
    [record] = [r for r in caplog.records if r.name == "wberp.security"]
    assert record.getMessage() == "login succeeded user=clerk ip=10.1.2.3"
    assert PASSWORD not in caplog.text


def test_failed_login_is_logged_without_the_password(client, staff_user, caplog):
    with caplog.at_level(logging.INFO, logger="wberp.security"):
        response = client.post(reverse("login"), {"username": "clerk", "password": "wrong-pw"})
    assert response.status_code == 200
    messages = [r.getMessage() for r in caplog.records if r.name == "wberp.security"]
    assert messages == ["login failed user=clerk ip=127.0.0.1"]
    assert "wrong-pw" not in caplog.text


def test_logout_ends_the_session_and_is_logged(staff_client, caplog):
    session_key = staff_client.session.session_key
    with caplog.at_level(logging.INFO, logger="wberp.security"):
        response = staff_client.post(reverse("logout"))
    assert response.status_code == 302
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=session_key).exists()
    assert any(r.getMessage().startswith("logout user=clerk") for r in caplog.records)
    assert staff_client.get(reverse("home")).status_code == 302


def test_logout_by_get_is_refused(staff_client):
    assert staff_client.get(reverse("logout")).status_code == 405


def test_repeated_failures_lock_out_the_username_from_that_ip(client, staff_user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "clerk", "password": "nope"})
    response = client.post(reverse("login"), {"username": "clerk", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_ip(client, staff_user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("login"), {"username": "clerk", "password": "nope"}, REMOTE_ADDR="10.0.0.9"
        )
    response = client.post(
        reverse("login"), {"username": "clerk", "password": PASSWORD}, REMOTE_ADDR="10.0.0.10"
    )
    assert response.status_code == 302


def test_password_change_keeps_the_user_signed_in(staff_client):
    response = staff_client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-better-pass-2026",
            "new_password2": "a-much-better-pass-2026",
        },
    )
    assert response.status_code == 302
    assert staff_client.get(reverse("home")).status_code == 200


def test_old_password_guesses_lock_the_password_change_out(staff_client, staff_user, settings):
    guess = {"new_password1": "a-much-better-pass-2026", "new_password2": "a-much-better-pass-2026"}
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        response = staff_client.post(
            reverse("password_change"), {"old_password": f"g{attempt}", **guess}
        )
        assert response.status_code in (200, 429)
    response = staff_client.post(reverse("password_change"), {"old_password": PASSWORD, **guess})
    assert response.status_code == 429
    staff_user.refresh_from_db()
    assert staff_user.check_password(PASSWORD)


def test_a_wrong_old_password_is_logged_as_such(staff_client, caplog):
    with caplog.at_level(logging.WARNING, logger="wberp.security"):
        staff_client.post(reverse("password_change"), {"old_password": "wrong-pw"})
    messages = [r.getMessage() for r in caplog.records if r.name == "wberp.security"]
    assert messages == ["password change failed user=clerk ip=127.0.0.1"]
    assert "wrong-pw" not in caplog.text


def test_the_admins_password_change_page_is_not_a_side_door(staff_client):
    response = staff_client.get(reverse("admin:password_change"))
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change")


def test_the_lockout_page_says_for_how_long(client, staff_user, settings):
    settings.AXES_COOLOFF_TIME = 0.25
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "clerk", "password": "nope"})
    response = client.post(reverse("login"), {"username": "clerk", "password": PASSWORD})
    assert response.status_code == 429
    assert "на 15 минут после последней попытки" in response.content.decode()


@pytest.mark.parametrize(
    ("minutes", "english", "russian"),
    [
        (1, "1 minute", "1 минуту"),
        (15, "15 minutes", "15 минут"),
        (60, "1 hour", "1 час"),
        (90, "1 hour 30 minutes", "1 час 30 минут"),
        (120, "2 hours", "2 часа"),
    ],
)
def test_a_lockout_length_reads_in_either_language(minutes, english, russian):
    length = timedelta(minutes=minutes)
    with translation.override("en"):
        assert duration_text(length) == english
    with translation.override("ru"):
        assert duration_text(length) == russian
