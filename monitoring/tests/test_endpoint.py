"""/metrics exists only when configured, and answers only a scraper with the token or address."""

import ipaddress

import pytest
from django.test import Client

from wberp.tests.production import production_env
from wberp.tests.test_settings import manage

from .conftest import METRICS_TOKEN

pytestmark = pytest.mark.django_db


def get(headers=None, **extra):
    return Client().get("/metrics", headers=headers or {}, **extra)


def test_without_a_token_or_an_address_list_there_is_no_endpoint(settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "", []
    assert get().status_code == 404
    assert get({"Authorization": "Bearer "}).status_code == 404


def test_the_token_is_required_and_compared_whole(settings):
    settings.METRICS_TOKEN = METRICS_TOKEN
    assert get().status_code == 401
    assert get().headers["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert get({"Authorization": f"Bearer {METRICS_TOKEN[:-1]}"}).status_code == 401
    assert get({"Authorization": f"Bearer {METRICS_TOKEN}x"}).status_code == 401
    assert get({"Authorization": METRICS_TOKEN}).status_code == 401
    response = get({"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    assert response["Cache-Control"] == "no-store"
    assert METRICS_TOKEN not in response.content.decode()


def test_an_allowed_address_needs_no_token_and_others_see_nothing(settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = [ipaddress.ip_network("10.0.0.0/8")]
    assert get(REMOTE_ADDR="10.1.2.3").status_code == 200
    assert get(REMOTE_ADDR="192.0.2.7").status_code == 404
    assert get(REMOTE_ADDR="not-an-address").status_code == 404


def test_a_forged_forwarded_address_is_not_an_allowed_one(settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = [ipaddress.ip_network("10.0.0.0/8")]
    settings.TRUSTED_PROXY_COUNT = 1
    forged = {"X-Forwarded-For": "10.0.0.1, 192.0.2.7"}
    assert get(forged, REMOTE_ADDR="10.9.9.9").status_code == 404
    assert get({"X-Forwarded-For": "10.0.0.1"}, REMOTE_ADDR="10.9.9.9").status_code == 200


def test_a_scrape_by_internal_host_name_over_http_is_answered(settings):
    """Prometheus asks http://web:8000/metrics: neither ALLOWED_HOSTS nor the HTTPS redirect
    stands in the way, and no session or login is involved."""
    settings.METRICS_TOKEN = METRICS_TOKEN
    settings.ALLOWED_HOSTS = ["erp.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    response = get({"Authorization": f"Bearer {METRICS_TOKEN}"}, HTTP_HOST="web:8000")
    assert response.status_code == 200
    assert "Set-Cookie" not in response


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("METRICS_TOKEN", "too-short", "METRICS_TOKEN must be at least 32 characters"),
        ("METRICS_ALLOWED_IPS", "10.0.0.0/8,not-a-network", "METRICS_ALLOWED_IPS:"),
    ],
)
def test_a_weak_token_or_a_malformed_address_list_stops_start_up(variable, value, message):
    result = manage("check", env=production_env(**{variable: value}))
    assert result.returncode != 0
    assert message in result.stderr
