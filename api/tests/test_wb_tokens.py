"""The token contract: /api/v1/wb-tokens/, every route, status code and error shape."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from tokens.models import WBToken, WBTokenCheck
from tokens.tests.conftest import bulk_tokens

from .conftest import SELLER, TOKENS, api_client_for

pytestmark = pytest.mark.django_db


def token_url(token, suffix: str = "") -> str:
    return f"{TOKENS}{token.pk}{suffix}"


# --- Create ---------------------------------------------------------------------------------


def test_creating_a_token_validates_it_with_wb_and_returns_it_public(manager, mint):
    raw = mint(categories="content,statistics", days=30)
    response = manager.post_json(TOKENS, {"name": "Main shop", "token": raw})
    assert response.status_code == 201
    body = response.json()
    token = WBToken.objects.get()
    assert body["id"] == str(token.pk)
    assert body["name"] == "Main shop"
    assert body["hint"] == raw[-4:]
    assert body["fingerprint_prefix"] == token.fingerprint[:8]
    assert body["type"] == "personal"
    assert body["seller"] == {
        "sid": token.seller.sid,
        "name": SELLER,
        "inn": "7700000000",
        "trade_mark": "Romashka",
    }
    assert body["categories"] == ["content", "statistics"]
    assert body["status"] == "valid"
    assert body["days_left"] == 30
    assert body["read_only"] is False and body["sandbox"] is False
    assert body["readable"] is True
    assert body["last_error"] is None
    assert body["counters"]["checks"] == 1
    assert body["created_by"] == "manager"
    assert raw not in response.content.decode()
    assert token.ciphertext not in response.content.decode()


def test_a_token_wb_rejects_is_refused_in_the_callers_language_and_not_stored(
    manager_user, mint, wb
):
    raw = mint()
    wb.revoke(raw)
    russian = api_client_for(manager_user, language="ru")
    response = russian.post_json(TOKENS, {"name": "Shop", "token": raw})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_token"
    assert "WB отклонил токен" in response.json()["detail"]
    assert response["Content-Language"] == "ru"
    assert not WBToken.objects.exists()


def test_a_malformed_token_is_a_400_with_the_decoders_words(manager):
    response = manager.post_json(TOKENS, {"name": "Shop", "token": "not a token"})
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_token"
    assert not WBToken.objects.exists()


def test_a_duplicate_is_a_409_naming_the_stored_one(manager, make_token, mint):
    raw = mint()
    manager.post_json(TOKENS, {"name": "First", "token": raw})
    response = manager.post_json(TOKENS, {"name": "Second", "token": raw})
    assert response.status_code == 409
    assert response.json() == {
        "detail": "This token is already stored as “First”.",
        "code": "duplicate",
    }


def test_wb_unreachable_is_a_503_that_says_how_to_store_it_unchecked(manager, mint, wb):
    raw = mint()
    wb.set_fault("status", status=503)
    response = manager.post_json(TOKENS, {"name": "Shop", "token": raw})
    assert response.status_code == 503
    assert '"allow_unverified": true' in response.json()["detail"]
    assert not WBToken.objects.exists()
    stored = manager.post_json(TOKENS, {"name": "Shop", "token": raw, "allow_unverified": True})
    assert stored.status_code == 201
    assert stored.json()["status"] == "unchecked"


def test_a_body_that_does_not_fit_the_schema_is_a_422_listing_what_is_wrong(manager):
    response = manager.post_json(TOKENS, {"name": "Shop"})
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)
    assert response.json()["detail"][0]["loc"][-1] == "token"


def test_an_empty_name_is_refused_by_the_same_rule_as_the_pages(manager, mint):
    response = manager.post_json(TOKENS, {"name": "  ", "token": mint()})
    assert response.status_code == 400
    assert response.json() == {"detail": "Give the token a name.", "code": "name_required"}


# --- List -----------------------------------------------------------------------------------


def test_the_list_is_newest_first_with_the_total_count(viewer):
    tokens = bulk_tokens(5)
    for age, token in enumerate(tokens):
        WBToken.objects.filter(pk=token.pk).update(created_at=timezone.now() - timedelta(hours=age))
    response = viewer.get(TOKENS, {"skip": 1, "limit": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5
    assert [row["name"] for row in body["data"]] == ["Shop 0001", "Shop 0002"]


def test_the_list_filters_as_the_list_page_does(viewer):
    tokens = bulk_tokens(4)
    WBToken.objects.filter(pk=tokens[0].pk).update(status="invalid")
    WBToken.objects.filter(pk=tokens[1].pk).update(status="expired", name="Other")

    def names(**query):
        body = viewer.get(TOKENS, query).json()
        assert body["count"] == len(body["data"])
        return sorted(row["name"] for row in body["data"])

    assert names(status="invalid") == ["Shop 0000"]
    assert names(status="problems") == ["Other", "Shop 0000"]
    assert names(search="Other") == ["Other"]
    assert names(search="…abcd", status="valid") == ["Shop 0002", "Shop 0003"]
    assert names(type="basic") == []
    assert names(category="finance") == []
    assert len(names(category="analytics")) == 4
    assert len(names(expiring="expired")) == 1  # the first token expires as it is made


@pytest.mark.parametrize(
    "query",
    [
        {"skip": -1},
        {"limit": 0},
        {"limit": 1001},
        {"limit": "many"},
        {"skip": 10**30},
        {"status": "nonsense"},
        {"category": "nonsense"},
        {"search": "x" * 101},
    ],
)
def test_bounds_and_unknown_filter_values_are_a_422(viewer, query):
    response = viewer.get(TOKENS, query)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)


def test_the_list_takes_a_constant_number_of_queries(viewer, django_assert_max_num_queries):
    bulk_tokens(3)
    with django_assert_max_num_queries(8) as few:
        viewer.get(TOKENS)
    bulk_tokens(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(viewer.get(TOKENS).json()["data"]) == 33


# --- Read, update, delete, check --------------------------------------------------------------


def test_one_token_by_id_and_a_404_for_an_unknown_one(viewer, make_token):
    token = make_token()
    assert viewer.get(token_url(token)).json()["name"] == "Main shop"
    missing = viewer.get(f"{TOKENS}{uuid.uuid4()}")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Not found."}
    assert viewer.get(f"{TOKENS}not-a-uuid").status_code == 422


def test_patch_changes_only_the_fields_sent(manager, make_token):
    token = make_token()
    response = manager.patch_json(token_url(token), {"name": "Renamed"})
    assert response.status_code == 200
    assert response.json()["name"] == "Renamed"
    token.refresh_from_db()
    assert token.name == "Renamed"
    assert token.checks.count() == 1  # not re-validated: the token was not sent


def test_patch_with_a_new_token_validates_it_like_a_new_one(manager, make_token, mint):
    token = make_token()
    other = mint(seller_name="ИП Другой")
    refused = manager.patch_json(token_url(token), {"token": other})
    assert refused.status_code == 409
    assert refused.json()["code"] == "other_seller"
    replaced = manager.patch_json(token_url(token), {"token": other, "allow_other_seller": True})
    assert replaced.status_code == 200
    assert replaced.json()["seller"]["name"] == "ИП Другой"
    assert replaced.json()["hint"] == other[-4:]


def test_delete_removes_the_token(manager, make_token):
    token = make_token()
    response = manager.delete(token_url(token))
    assert response.status_code == 204
    assert not WBToken.objects.filter(pk=token.pk).exists()
    assert manager.delete(token_url(token)).status_code == 404


def test_check_asks_wb_and_returns_the_outcome(manager, mint, wb):
    raw = mint()
    token_id = manager.post_json(TOKENS, {"name": "Shop", "token": raw}).json()["id"]
    wb.revoke(raw)
    response = manager.post(f"{TOKENS}{token_id}/check")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "invalid"
    assert body["counters"]["checks"] == 2
    assert body["last_error"]["code"] == "invalid_token"
    assert WBTokenCheck.objects.filter(token_id=token_id).count() == 2


def test_a_check_that_cannot_be_tried_is_a_503_and_changes_nothing(manager, make_token, wb):
    token = make_token()
    wb.set_fault("status", status=503)
    response = manager.post(token_url(token, "/check"))
    assert response.status_code == 200  # tried: WB did not answer, the status stays
    assert response.json()["status"] == "valid"


def test_a_nul_in_the_query_string_is_a_json_400(viewer):
    response = viewer.get(TOKENS, {"search": "a\x00b"})
    assert response.status_code == 400
    assert response.json() == {"detail": "The query string holds a NUL character."}


def test_a_body_that_is_not_json_is_a_400_saying_so(manager):
    response = manager.post(TOKENS, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "The request body is not valid JSON."}
