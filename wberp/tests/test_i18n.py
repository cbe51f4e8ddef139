import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_login_page_is_russian_by_default_whatever_the_browser_says(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "ru"
    assert '<html lang="ru">' in response.content.decode()
    assert "Войти" in response.content.decode()


def test_switching_to_english_sticks(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assert response.status_code == 302
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in page
    assert "Log in" in page


def test_unknown_language_cookie_falls_back_to_russian(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"
    assert client.get(reverse("login"))["Content-Language"] == "ru"


def test_home_page_text_is_translated(staff_client):
    assert "Обзор" in staff_client.get(reverse("home")).content.decode()
