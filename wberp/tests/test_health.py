from unittest import mock

import pytest
from django.db import OperationalError

from wberp import health


def test_healthz_answers_without_touching_the_database(client):
    # No django_db mark: any query here would raise.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_health_answers_any_host_and_never_redirects(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="10.0.0.5:8000")
    assert response.status_code == 200


@pytest.mark.django_db
def test_readyz_is_ok_when_database_answers_and_is_migrated(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_readyz_is_503_when_database_is_unreachable(client):
    with mock.patch.object(
        health.connection, "ensure_connection", side_effect=OperationalError("connection refused")
    ):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "reason": "database unreachable"}


@pytest.mark.django_db
def test_readyz_is_503_with_unapplied_migrations(client, monkeypatch):
    monkeypatch.setattr(health, "_migrations_applied", False)
    with mock.patch.object(health.MigrationExecutor, "migration_plan", return_value=[1, 2]):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["reason"] == "2 unapplied migration(s)"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("setting", "value", "check_id"),
    [
        ("WB_TOKEN_KEYS", ["not-a-valid-key"], "tokens.E001"),
        ("WB_API_BASE_URL", "http://{host}.wildberries.ru", "gateway.E002"),
        ("WB_API_BASE_URL", "http://127.0.0.1:8010/{host}", "gateway.E002"),
    ],
)
def test_readyz_is_503_while_the_configuration_is_unsafe(
    client, settings, setting, value, check_id
):
    setattr(settings, setting, value)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "reason": f"configuration: {check_id}"}


@pytest.mark.django_db
def test_readyz_recovers_once_the_configuration_is_fixed(client, settings):
    keys = settings.WB_TOKEN_KEYS
    settings.WB_TOKEN_KEYS = ["not-a-valid-key"]
    assert client.get("/readyz").status_code == 503
    settings.WB_TOKEN_KEYS = keys
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_answers_forbid_content_sniffing(client, path, monkeypatch):
    assert client.get(path)["X-Content-Type-Options"] == "nosniff"
    monkeypatch.setattr(health, "_migrations_applied", False)
    with mock.patch.object(health.MigrationExecutor, "migration_plan", return_value=[1]):
        assert client.get(path)["X-Content-Type-Options"] == "nosniff"  # a 503 for /readyz
