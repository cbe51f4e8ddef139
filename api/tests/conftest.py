import json

import pytest
from django.test import Client
from django.utils import translation

from conftest import SELLER  # noqa: F401 - this app's tests import it from here

# The whole desk: every cabinet (the API within one user's cabinets: access/tests).
SEE_ALL = "access.see_all_cabinets"
ALL_TOKEN_PERMS = (
    SEE_ALL,
    "tokens.view_wbtoken",
    "tokens.add_wbtoken",
    "tokens.change_wbtoken",
    "tokens.delete_wbtoken",
    "tokens.check_wbtoken",
)
TOKENS = "/api/v1/wb-tokens/"


@pytest.fixture(autouse=True)
def english():
    """Messages outside requests in English, so that assertions read plainly."""
    with translation.override("en"):
        yield


class APIClient(Client):
    """A test client that speaks JSON in English unless told otherwise."""

    def __init__(self, *args, language: str = "en", **kwargs) -> None:
        super().__init__(*args, HTTP_ACCEPT_LANGUAGE=language, **kwargs)

    def post_json(self, url: str, data: dict | None = None, **extra):
        return self.post(url, json.dumps(data or {}), content_type="application/json", **extra)

    def patch_json(self, url: str, data: dict, **extra):
        return self.patch(url, json.dumps(data), content_type="application/json", **extra)


def api_client_for(user, **kwargs) -> APIClient:
    client = APIClient(**kwargs)
    client.force_login(user)
    return client


@pytest.fixture
def manager_user(make_user):
    return make_user("manager", staff=True, perms=ALL_TOKEN_PERMS)


@pytest.fixture
def manager(manager_user) -> APIClient:
    """Staff with every token permission, signed in."""
    return api_client_for(manager_user)


@pytest.fixture
def viewer(make_user) -> APIClient:
    """Staff who may only view tokens."""
    return api_client_for(make_user("viewer", staff=True, perms=[SEE_ALL, "tokens.view_wbtoken"]))
