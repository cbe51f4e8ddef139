"""Property tests from the API's own OpenAPI document (schemathesis): every operation, signed
in with an API token that may do everything, called with generated parameters and bodies. No
answer may be a server error, and every answer must be one the document names, in its
content type and matching its schema.

The schema is loaded at module level (schemathesis' pytest fixture loading does not work with
the pinned pytest) and the calls go to the app in-process, through WSGI.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.main import api
from api.services import api_token_create

from .conftest import ALL_TOKEN_PERMS

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = get_wsgi_application()
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def connection_kept():
    """Requests in-process keep the test's database connection (and transaction) open, as
    Django's test client does: the handler would close it after every request."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def bearer(make_user, make_token) -> dict:
    """An API token of a user with every permission, and a stored WB token to act on."""
    make_token()
    user = make_user(
        "fuzzer",
        staff=True,
        perms=[
            *ALL_TOKEN_PERMS,
            "sellers.view_seller",
            "sales.view_order",
            "sales.view_sale",
            "catalog.view_product",
            "catalog.view_stock",
            "finance.view_report",
            "sync.view_syncstream",
            "sync.change_syncstream",
        ],
    )
    _token, raw = api_token_create(user=user, name="schemathesis")
    return {"Authorization": f"Bearer {raw}"}


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_answers_as_documented(case, bearer, connection_kept):
    case.call_and_validate(headers=bearer, checks=CHECKS)
