"""The client against the emulator over loopback: results, errors, headers, secrecy."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
import requests
import responses

from wbapi import __version__
from wbapi.client import USER_AGENT, RequestRecord, WBClient
from wbapi.emulator.testing import EmulatorServer
from wbapi.errors import (
    AccessDenied,
    InvalidToken,
    MalformedToken,
    ProtocolError,
    RateLimited,
    RequestRejected,
    SandboxUnavailable,
    SellerMismatch,
    TokenExpired,
    WBError,
    WBUnavailable,
)
from wbapi.tests.helpers import secret_pieces


def test_check_confirms_a_personal_token_and_its_seller(emulator, make_client):
    token = emulator.mint(
        seller_name="ИП Тестова А. Б.",
        tin="500100732259",
        trade_mark="Linen Lab",
        country="RU",
        categories="content,statistics",
    )

    result = make_client(token).check()

    assert result.pinged_host == "common-api"
    assert result.requests == 2
    assert result.claims.token_type == "personal"
    assert result.claims.categories == ("content", "statistics")
    assert result.seller.name == "ИП Тестова А. Б."
    assert result.seller.tin == "500100732259"
    assert result.seller.trade_mark == "Linen Lab"
    assert result.seller.country == "RU"
    assert result.seller.sid == result.claims.seller_sid
    assert emulator.request_count(host="common-api", path="/ping", status=200) == 1
    assert emulator.request_count(host="common-api", path="/api/v1/seller-info", status=200) == 1


def test_check_sends_a_test_token_only_to_the_sandbox(emulator, make_client):
    token = emulator.mint(type="test", categories="statistics,marketplace,feedbacks")

    result = make_client(token).check()

    assert result.claims.is_test
    assert result.pinged_host == "marketplace-api-sandbox"
    assert result.seller is None
    assert result.requests == 1
    assert emulator.request_count() == emulator.request_count(host="marketplace-api-sandbox") == 1


def test_check_refuses_a_test_token_without_a_sandbox_category_before_any_request(
    emulator, make_client
):
    client = make_client(emulator.mint(type="test", categories="statistics,finance"))

    with pytest.raises(SandboxUnavailable) as caught:
        client.check()

    assert caught.value.categories == ("statistics", "finance")
    assert emulator.request_count() == 0


def test_it_rejects_expired_token_before_any_request(emulator, make_client):
    client = make_client(emulator.mint(days=-1))

    with pytest.raises(TokenExpired):
        client.check()

    assert emulator.request_count() == 0


def test_check_uses_the_given_time_to_judge_expiry(emulator, make_client):
    client = make_client(emulator.mint(days=3))

    with pytest.raises(TokenExpired):
        client.check(now=datetime.now(UTC) + timedelta(days=4))


def test_it_rejects_a_malformed_token_before_any_request(emulator):
    with pytest.raises(MalformedToken) as caught:
        WBClient("not a token", base_url=emulator.base_url)

    assert caught.value.reason == "not_a_token"
    assert emulator.request_count() == 0


def test_check_fails_when_wb_names_another_seller(emulator, make_client):
    token = emulator.mint()
    other = {"name": "Someone else", "sid": "11111111-2222-3333-4444-555555555555"}
    emulator.set_fault("status", status=200, body=other, path="/api/v1/seller-info")

    with pytest.raises(SellerMismatch) as caught:
        make_client(token).check()

    assert caught.value.seller_sid == other["sid"]
    assert caught.value.permanent


def test_ping_goes_to_the_category_host(emulator, make_client):
    client = make_client(emulator.mint(categories="content"))

    result = client.ping("content")

    assert result.host == "content-api"
    assert result.status == "OK"
    assert result.ts.endswith("+03:00")
    assert len(result.request_id) == 32


def test_ping_with_a_test_token_goes_to_the_sandbox_host(emulator, make_client):
    client = make_client(emulator.mint(type="test", categories="prices"))

    assert client.ping("prices").host == "discounts-prices-api-sandbox"
    with pytest.raises(SandboxUnavailable):
        client.ping()


def test_seller_info_returns_generated_data_for_a_seller_nobody_named(emulator, make_client):
    token = emulator.mint(sid="3f0e6a52-9c1b-4d7e-8a2f-5b6c7d8e9f01")

    first = make_client(token).seller_info()

    assert first.sid == "3f0e6a52-9c1b-4d7e-8a2f-5b6c7d8e9f01"
    assert first.name
    assert first.tin.isdigit()
    assert first == make_client(emulator.mint(sid=first.sid)).seller_info()


def test_it_raises_invalid_token_for_a_token_wb_does_not_know(emulator, make_client):
    with EmulatorServer() as stranger:
        token = stranger.mint()

    with pytest.raises(InvalidToken) as caught:
        make_client(token).ping()

    assert caught.value.status == 401
    assert caught.value.permanent
    assert caught.value.request_id
    assert "signature" in caught.value.message


def test_it_raises_invalid_token_for_a_revoked_token(emulator, make_client):
    token = emulator.mint()
    client = make_client(token)
    client.ping()
    emulator.revoke(token)

    with pytest.raises(InvalidToken, match="revoked"):
        client.ping()


def test_it_raises_access_denied_with_wbs_detail_for_a_category_outside_the_scope(
    emulator, make_client
):
    client = make_client(emulator.mint(categories="content"))

    with pytest.raises(AccessDenied) as caught:
        client.ping("finance")

    assert caught.value.detail == "scope is not allowed for this resource"
    assert caught.value.status == 403


def test_it_raises_access_denied_for_a_basic_token_on_a_personal_only_api(emulator, make_client):
    client = make_client(emulator.mint(type="basic"))

    with pytest.raises(AccessDenied) as caught:
        client.ping("users")

    assert caught.value.detail == "base token is not allowed"


GATEWAY_BODY = {
    "title": "unauthorized",
    "detail": "token problem; token is expired",
    "code": "c0de",
    "requestId": "b0d7e1d",
    "origin": "s2s-api-auth-catalog",
    "status": 401,
    "statusText": "Unauthorized",
    "timestamp": "2026-03-01T12:00:00Z",
}


@pytest.mark.parametrize(
    ("status", "body", "error_class", "message", "request_id"),
    [
        (401, GATEWAY_BODY, InvalidToken, "token problem; token is expired", "b0d7e1d"),
        (
            403,
            {**GATEWAY_BODY, "title": "forbidden", "detail": "read-only token", "status": 403},
            AccessDenied,
            "read-only token",
            "b0d7e1d",
        ),
        (
            400,
            {"data": None, "error": True, "errorText": "Wrong filter", "additionalErrors": None},
            RequestRejected,
            "Wrong filter",
            None,
        ),
        (
            400,
            {"code": "IncorrectRequest", "message": "Invalid limit", "data": None},
            RequestRejected,
            "Invalid limit",
            None,
        ),
        (
            409,
            [{"code": "StoreIsProcessing", "message": "The store is processing", "data": []}],
            RequestRejected,
            "The store is processing",
            None,
        ),
        (400, {"errors": ["dateFrom is required"]}, RequestRejected, "dateFrom is required", None),
        (400, {"errors": "limit is too big"}, RequestRejected, "limit is too big", None),
        (
            400,
            {"status": 400, "title": "Bad Request", "detail": "period", "requestId": "fin-1"},
            RequestRejected,
            "period",
            "fin-1",
        ),
        (
            402,
            {"title": "payment required", "detail": "insufficient funds"},
            RequestRejected,
            "insufficient funds",
            None,
        ),
        (404, None, RequestRejected, "injected fault", None),
        (429, None, RateLimited, "injected fault", None),
        (503, None, WBUnavailable, "injected fault", None),
    ],
)
def test_it_raises_the_right_error_for_every_wb_error_body(
    emulator, make_client, status, body, error_class, message, request_id
):
    emulator.set_fault("status", status=status, body=body)
    client = make_client(emulator.mint(), retries=0, max_retry_wait=0)

    with pytest.raises(error_class) as caught:
        client.ping()

    assert caught.value.status == status
    assert caught.value.message == message
    # Without a request id in the body, the emulator's X-Request-Id header is used.
    assert caught.value.request_id == (request_id or emulator.request_log[-1].request_id)


def test_it_sends_a_bearer_token_by_default_and_a_raw_one_when_asked(emulator, make_client):
    token = emulator.mint()

    make_client(token).ping()
    make_client(token, auth_scheme="raw").ping("content")

    assert [entry.auth_scheme for entry in emulator.request_log] == ["bearer", "raw"]


def test_it_refuses_an_unknown_auth_scheme(emulator, make_client):
    with pytest.raises(ValueError, match="auth_scheme"):
        make_client(emulator.mint(), auth_scheme="basic")


@responses.activate
def test_it_sends_its_user_agent_and_asks_for_json():
    responses.get(
        "https://common-api.wildberries.ru/ping",
        json={"TS": "2026-03-01T15:00:00+03:00", "Status": "OK"},
    )
    token = _minted_token()

    WBClient(token, auth_scheme="raw").ping()

    sent = responses.calls[0].request.headers
    assert sent["Authorization"] == token
    assert sent["Accept"] == "application/json"
    assert sent["User-Agent"] == USER_AGENT
    assert USER_AGENT.startswith(f"wberp/{__version__} ")


def test_it_reports_every_attempt_to_on_request(emulator, make_client):
    records: list[RequestRecord] = []
    client = make_client(emulator.mint(), on_request=records.append)
    emulator.set_fault("status", status=502, times=1)

    client.check()

    assert [(r.host, r.path, r.status, r.error) for r in records] == [
        ("common-api", "/ping", 502, "wb_unavailable"),
        ("common-api", "/ping", 200, None),
        ("common-api", "/api/v1/seller-info", 200, None),
    ]
    assert all(r.method == "GET" and r.duration_ms >= 0 and r.request_id for r in records)


def test_it_logs_one_line_per_attempt_with_method_host_path_status_and_request_id(
    emulator, make_client, caplog
):
    caplog.set_level(logging.INFO, logger="wbapi.client")

    result = make_client(emulator.mint()).ping()

    (record,) = caplog.records
    assert record.levelno == logging.INFO
    assert record.args[:4] == ("GET", "common-api", "/ping", 200)
    assert result.request_id in record.getMessage()


def test_its_repr_shows_only_the_tokens_last_four_characters(emulator, make_client):
    token = emulator.mint()

    shown = repr(make_client(token))

    assert f"…{token[-4:]}" in shown
    assert all(piece not in shown for piece in secret_pieces(token))


FAILURES = [
    {"kind": "status", "status": 401},
    {"kind": "status", "status": 403, "body": {"detail": "denied"}},
    {"kind": "status", "status": 429},
    {"kind": "status", "status": 503},
    {"kind": "status", "status": 302, "headers": {"Location": "https://example.com/"}},
    {"kind": "reset"},
    {"kind": "html"},
    {"kind": "malformed_json"},
]


def test_the_token_never_appears_in_errors_or_logs(emulator, make_client, caplog):
    caplog.set_level(logging.DEBUG)
    token = emulator.mint(categories="content")
    caught: list[str] = []
    client = make_client(token, on_request=lambda record: caught.append(repr(record)))
    caught.append(repr(client))

    for fault in FAILURES:
        emulator.clear_faults()
        emulator.set_fault(**fault)
        with pytest.raises(WBError) as error:
            client.ping()
        caught += [str(error.value), repr(error.value), repr(error.value.args)]
        caught.append(repr(error.value.__cause__))
    emulator.clear_faults()
    with pytest.raises(AccessDenied) as denied:
        client.ping("finance")
    caught += [str(denied.value), repr(denied.value), str(denied.value.detail)]

    logged = [record.getMessage() for record in caplog.records]
    assert any("urllib3" in record.name for record in caplog.records)
    for text in caught + logged:
        assert all(piece not in text for piece in secret_pieces(token)), text


def test_a_token_echoed_back_by_wb_is_scrubbed_from_the_error(emulator, make_client):
    token = emulator.mint()
    emulator.set_fault("status", status=401, body={"detail": f"bad token {token}"})

    with pytest.raises(InvalidToken) as caught:
        make_client(token).ping()

    assert caught.value.message == f"bad token …{token[-4:]}"


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ({"kind": "malformed_json"}, "not valid JSON"),
        ({"kind": "html"}, "text/html instead of JSON"),
        ({"kind": "status", "status": 200, "body": ["not", "an", "object"]}, "expected JSON"),
        ({"kind": "status", "status": 200, "body": {"TS": 1, "Status": "OK"}}, "'TS'"),
        ({"kind": "status", "status": 204}, "expected JSON object"),
    ],
)
def test_it_raises_protocol_error_for_an_answer_it_cannot_use(
    emulator, make_client, fault, message
):
    emulator.set_fault(**fault)

    with pytest.raises(ProtocolError, match=message) as caught:
        make_client(emulator.mint()).ping()

    assert caught.value.status == fault.get("status", 200)
    assert caught.value.request_id
    assert emulator.request_count() == 1


def test_it_raises_protocol_error_for_a_body_over_the_size_cap(emulator, make_client):
    emulator.set_fault("status", status=200, body={"TS": "x" * (1024 * 1024), "Status": "OK"})

    with pytest.raises(ProtocolError, match="too large"):
        make_client(emulator.mint()).ping()


def test_it_raises_wb_unavailable_when_nothing_listens(emulator, fake_sleep):
    token = emulator.mint()
    with EmulatorServer() as gone:
        base_url = gone.base_url
    client = WBClient(token, base_url=base_url, retries=1)
    client.sleep = fake_sleep

    with pytest.raises(WBUnavailable, match="connect"):
        client.ping()

    assert len(fake_sleep.calls) == 1


def test_it_rejects_a_base_url_without_a_host_placeholder(emulator):
    with pytest.raises(ValueError, match="host"):
        WBClient(emulator.mint(), base_url="http://127.0.0.1:8010/")


def _minted_token() -> str:
    with EmulatorServer() as server:
        return server.mint()


def test_its_session_never_retries_by_itself():
    client = WBClient(_minted_token())

    for scheme in ("http://", "https://"):
        adapter = client.session.get_adapter(scheme + "example.com")
        assert isinstance(adapter, requests.adapters.HTTPAdapter)
        assert adapter.max_retries.total == 0
        assert not adapter.max_retries.respect_retry_after_header
