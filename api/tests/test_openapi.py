"""The OpenAPI document: its version, the contract's schema names, and what every route says."""

import pytest

from .conftest import api_client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(staff_user) -> dict:
    response = api_client_for(staff_user).get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_it_is_openapi_3_1_with_the_contracts_schema_names(document):
    assert document["openapi"].startswith("3.1")
    schemas = set(document["components"]["schemas"])
    assert {"WBTokenCreate", "WBTokenPublic", "WBTokensPublic", "WBTokenUpdate"} <= schemas
    assert {"SellerPublic", "SellersPage", "Error", "Invalid"} <= schemas
    public = document["components"]["schemas"]["WBTokenPublic"]["properties"]
    assert not {"token", "ciphertext", "fingerprint"} & set(public)


def test_it_names_both_ways_in(document):
    schemes = document["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["APITokenBearer"].items()
    assert schemes["StaffSession"]["in"] == "cookie"


def test_every_route_documents_its_errors(document):
    paths = document["paths"]
    assert set(paths) == {
        "/api/v1/wb-tokens/",
        "/api/v1/wb-tokens/{id}",
        "/api/v1/wb-tokens/{id}/check",
        "/api/v1/sellers/",
        "/api/v1/sellers/{sid}/",
        "/api/v1/sellers/{sid}/orders/",
        "/api/v1/sellers/{sid}/sales/",
        "/api/v1/sellers/{sid}/products/",
        "/api/v1/sellers/{sid}/stocks/",
        "/api/v1/sellers/{sid}/finance/reports/",
        "/api/v1/sellers/{sid}/finance/reports/{report_id}/",
        "/api/v1/sellers/{sid}/finance/reports/{report_id}/rows/",
        "/api/v1/sellers/{sid}/sync/",
    }
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert {"401", "403", "422", "429"} <= set(operation["responses"]), (method, path)
            assert operation["security"], (method, path)
