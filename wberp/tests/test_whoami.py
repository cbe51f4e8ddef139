"""/whoami: who is signed in, as JSON; for active staff only, never cached."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_login(client):
    url = reverse("whoami")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_non_staff_user_gets_403(plain_client):
    assert plain_client.get(reverse("whoami")).status_code == 403


def test_staff_user_gets_their_name_and_language(staff_client):
    response = staff_client.get(reverse("whoami"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"username": "clerk", "language": "ru"}
    assert "no-cache" in response["Cache-Control"]


def test_the_language_follows_the_chosen_one(staff_client, settings):
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert staff_client.get(reverse("whoami")).json()["language"] == "en"


def test_only_get_is_allowed(staff_client):
    assert staff_client.post(reverse("whoami")).status_code == 405
