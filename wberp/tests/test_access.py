"""Every page is for active staff only; login, language and health are public."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

STAFF_PAGES = ["home", "password_change", "password_change_done", "admin:index"]
PUBLIC_PAGES = ["login", "healthz", "readyz"]


@pytest.mark.parametrize("name", STAFF_PAGES)
def test_anonymous_is_sent_to_login(client, name):
    url = reverse(name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("name", STAFF_PAGES)
def test_non_staff_user_gets_403_page(plain_client, name):
    response = plain_client.get(reverse(name))
    assert response.status_code == 403
    assert "Доступ запрещён".encode() in response.content


@pytest.mark.parametrize("name", STAFF_PAGES)
def test_staff_user_sees_the_page(staff_client, name):
    assert staff_client.get(reverse(name)).status_code == 200


def test_inactive_staff_user_cannot_log_in(client, make_user):
    user = make_user("gone", staff=True)
    user.is_active = False
    user.save()
    response = client.post(reverse("login"), {"username": "gone", "password": "x"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_pages_need_no_login(client, name):
    assert client.get(reverse(name)).status_code == 200


def test_admin_login_page_is_not_a_side_door(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_home_links_to_admin_and_shows_navigation(staff_client):
    response = staff_client.get(reverse("home"))
    assert reverse("admin:index").encode() in response.content
    assert b'id="nav-global"' in response.content


def test_pages_load_htmx_from_our_origin_with_csrf_on_body(staff_client):
    content = staff_client.get(reverse("home")).content.decode()
    scripts = re.findall(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", content)
    assert "/static/django_htmx/htmx-2.min.js" in scripts
    assert all(src.startswith("/static/") for src in scripts), scripts
    assert 'hx-headers=\'{"X-CSRFToken": "' in content
