"""Fixtures shared by every app's tests: users of each role and their clients."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def make_user(django_user_model):
    def make(username: str, *, staff: bool = False, superuser: bool = False, perms=()):
        user = django_user_model.objects.create_user(
            username=username,
            password=PASSWORD,
            is_staff=staff or superuser,
            is_superuser=superuser,
        )
        for codename in perms:
            app_label, _, name = codename.partition(".")
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=name)
            )
        return user

    return make


@pytest.fixture
def plain_user(make_user):
    """Active, authenticated, but not staff."""
    return make_user("customer")


@pytest.fixture
def staff_user(make_user):
    """Staff without any permission."""
    return make_user("clerk", staff=True)


@pytest.fixture
def superuser(make_user):
    return make_user("boss", superuser=True)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def plain_client(plain_user) -> Client:
    return client_for(plain_user)


@pytest.fixture
def staff_client(staff_user) -> Client:
    return client_for(staff_user)
