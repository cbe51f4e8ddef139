"""Who may call the API: signed-in staff with the pages' permissions; CSRF on unsafe methods."""

import json
import re

import pytest
from django.test import Client

from .conftest import TOKENS, APIClient, api_client_for

pytestmark = pytest.mark.django_db


def test_anonymous_callers_get_a_401_with_www_authenticate():
    response = APIClient().get(TOKENS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "API token" in response.json()["detail"]


def test_the_401_is_in_the_language_accept_language_names():
    response = APIClient(language="ru").get(TOKENS)
    assert response["Content-Language"] == "ru"
    assert "токен API" in response.json()["detail"]
    assert "Accept-Language" in response["Vary"]


def test_a_signed_in_user_who_is_not_staff_is_refused(plain_user):
    response = api_client_for(plain_user).get(TOKENS)
    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to do that."}


def test_staff_without_the_permission_is_refused(staff_user):
    client = api_client_for(staff_user)
    assert client.get(TOKENS).status_code == 403
    assert client.post_json(TOKENS, {"name": "x", "token": "y"}).status_code == 403


def test_a_viewer_may_read_but_not_write(viewer, make_token):
    token = make_token()
    assert viewer.get(TOKENS).status_code == 200
    assert viewer.patch_json(f"{TOKENS}{token.pk}", {"name": "New"}).status_code == 403
    assert viewer.delete(f"{TOKENS}{token.pk}").status_code == 403
    assert viewer.post(f"{TOKENS}{token.pk}/check").status_code == 403


def test_unsafe_methods_with_the_session_need_the_csrf_token(manager_user, make_token):
    token = make_token()
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(manager_user)
    url = f"{TOKENS}{token.pk}"
    body = json.dumps({"name": "Renamed"})
    refused = client.patch(url, body, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert client.get(url).status_code == 200  # reading needs none
    client.get("/")  # the CSRF cookie, as any page sets it
    csrf = client.cookies["csrftoken"].value
    allowed = client.patch(url, body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert allowed.status_code == 200


def test_the_docs_and_the_schema_are_for_staff_only(staff_user, plain_user):
    anonymous = Client()
    for url in ("/api/v1/docs", "/api/v1/openapi.json"):
        assert anonymous.get(url)["Location"].startswith("/accounts/login/")
        assert api_client_for(plain_user).get(url).status_code == 403
        assert api_client_for(staff_user).get(url).status_code == 200


def test_the_docs_load_swagger_ui_from_the_apps_static_files_under_the_csp(staff_user):
    response = api_client_for(staff_user).get("/api/v1/docs")
    page = response.content.decode()
    # Every script that runs is a static file (the settings are JSON, which never runs).
    scripts = [tag for tag in re.findall(r"<script\b[^>]*>", page) if "application/json" not in tag]
    assert scripts and all('src="/static/' in script for script in scripts)
    assert "swagger-ui" in page and "cdn" not in page.lower()
    assert "script-src 'self'" in response["Content-Security-Policy"]
