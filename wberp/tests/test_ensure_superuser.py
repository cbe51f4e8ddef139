import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_env(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "owner")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "first-pass-123")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "owner@example.com")


def test_it_creates_the_superuser_once(superuser_env):
    call_command("ensure_superuser")
    user = get_user_model().objects.get(username="owner")
    assert user.is_superuser and user.is_staff and user.check_password("first-pass-123")


def test_it_leaves_an_existing_user_alone(superuser_env, monkeypatch):
    call_command("ensure_superuser")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "changed-later")
    call_command("ensure_superuser")
    assert get_user_model().objects.get(username="owner").check_password("first-pass-123")


def test_it_explains_missing_variables(monkeypatch):
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "owner")
    with pytest.raises(CommandError, match="DJANGO_SUPERUSER_PASSWORD"):
        call_command("ensure_superuser")
