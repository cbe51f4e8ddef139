"""The canary, through the API: neither a stored WB token nor an API token's secret shows up
in any answer (body or header) or any log line, whatever route and method is called with it.

The helpers are the site-wide canary's (wberp/tests/test_canary.py): any 12 characters in a
row of a secret, anywhere, is a find.
"""

import json

import pytest
from django.test import Client

from api.services import api_token_create
from wberp.middleware import API_PAGE_VIEW_NAMES
from wberp.tests.test_canary import (  # noqa: F401 - fixtures, used by name
    boss,
    canaries,
    canary,
    logs,
)
from wberp.tests.urlcrawl import all_routes, make_objects

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "patch", "delete")


def api_routes():
    return [
        route
        for route in all_routes()
        if route.route.startswith("api/v1/") and route.key not in API_PAGE_VIEW_NAMES
    ]


# The fixtures' names are the imported ones on purpose: that is how pytest finds them.
def test_no_secret_leaves_through_any_api_route(canary, canaries, logs, boss):  # noqa: F811
    _api_token, raw = api_token_create(user=boss, name="Canary API token")
    # Its public id is shown on purpose (`wberp_0123456789ab_…`); the secret after it never.
    canaries.add(raw.split("_", 2)[2])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    samples = make_objects(canary)
    body = json.dumps({"name": "Renamed", "token": canaries.tokens[0]})
    visited = 0
    for route in api_routes():
        url = samples.url(route)
        for method in METHODS:
            response = client.generic(method.upper(), url, body, content_type="application/json")
            where = f"{method.upper()} {url} ({response.status_code})"
            assert response.status_code < 500, where
            content = (
                b"".join(response.streaming_content) if response.streaming else response.content
            )
            canaries.assert_absent(content, where)
            canaries.assert_absent(repr(response.headers), f"the headers of {where}")
            visited += 1
    assert visited >= 20
    canaries.assert_absent("\n".join(logs.lines), "the log")
