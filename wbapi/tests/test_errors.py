from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from requests.structures import CaseInsensitiveDict

from wbapi import errors
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
    describe_error_body,
    error_from_response,
    retry_after_from_headers,
    scrub,
)


def headers(**values: str) -> CaseInsensitiveDict:
    return CaseInsensitiveDict({name.replace("_", "-"): value for name, value in values.items()})


@pytest.mark.parametrize(
    ("error_class", "code", "permanent"),
    [
        (WBError, "wb_error", False),
        (InvalidToken, "invalid_token", True),
        (AccessDenied, "access_denied", True),
        (WBUnavailable, "wb_unavailable", False),
        (ProtocolError, "protocol_error", False),
        (RequestRejected, "request_rejected", True),
    ],
)
def test_every_wb_answer_error_has_a_stable_code_and_permanence(error_class, code, permanent):
    error = error_class()

    assert (error.code, error.permanent) == (code, permanent)
    assert error.message == str(error) == error_class.default_message


def test_every_local_error_is_permanent_and_has_a_stable_code():
    local_errors = {
        MalformedToken("empty"): "malformed_token",
        TokenExpired(datetime(2026, 1, 1, tzinfo=UTC)): "token_expired",
        SandboxUnavailable(("statistics",)): "sandbox_unavailable",
        SellerMismatch("a", "b"): "seller_mismatch",
    }

    for error, code in local_errors.items():
        assert error.code == code
        assert error.permanent
        assert error.status is None


def test_rate_limited_is_transient_and_carries_the_wait():
    error = RateLimited(retry_after=7.5)

    assert (error.code, error.permanent, error.retry_after) == ("rate_limited", False, 7.5)


def test_an_expired_token_error_says_when():
    assert "2026-01-01 00:00 UTC" in str(TokenExpired(datetime(2026, 1, 1, tzinfo=UTC)))


def test_its_repr_names_code_status_and_request_id():
    error = InvalidToken("no", status=401, request_id="abc")

    assert repr(error) == (
        "InvalidToken(code='invalid_token', status=401, request_id='abc', message='no')"
    )


GATEWAY_401 = {
    "title": "unauthorized",
    "detail": "token problem; token is malformed",
    "code": "0a1b2c--d3e4f5",
    "requestId": "7f3e0c9a1b2d4e5f",
    "origin": "s2s-api-auth-catalog",
    "status": 401,
    "statusText": "Unauthorized",
    "timestamp": "2026-03-01T12:00:00Z",
}


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (GATEWAY_401, "token problem; token is malformed"),
        ({"title": "forbidden", "status": 403}, "forbidden"),
        (
            {"data": None, "error": True, "errorText": "Invalid nmID", "additionalErrors": None},
            "Invalid nmID",
        ),
        (
            {"error": True, "errorText": "Bad request", "additionalErrors": {"nmID": "not found"}},
            "Bad request; nmID: not found",
        ),
        (
            {"error": True, "errorText": "Bad request", "additionalErrors": ["one", "two"]},
            "Bad request; one; two",
        ),
        (
            {"code": "IncorrectParameter", "message": "Invalid dateFrom", "data": None},
            "Invalid dateFrom",
        ),
        (
            [
                {"code": "StoreIsProcessing", "message": "The store is processing", "data": []},
                {"code": "NotFound", "message": "Warehouse not found", "data": [{"chrtId": 1}]},
            ],
            "The store is processing; Warehouse not found",
        ),
        (
            {"errors": ["dateFrom is required", "limit is too big"]},
            "dateFrom is required; limit is too big",
        ),
        ({"errors": "dateFrom is required"}, "dateFrom is required"),
        (
            {
                "status": 400,
                "title": "Bad Request",
                "detail": "period is too long",
                "requestId": "r1",
                "origin": "open-api-finreports",
            },
            "period is too long",
        ),
        ({"title": "payment required", "detail": "insufficient funds"}, "insufficient funds"),
        ({"code": "07e4668e-ac22"}, "07e4668e-ac22"),
        ("plain text", "plain text"),
        ({"data": {"x": 1}}, None),
        (None, None),
        (42, None),
        ([], None),
    ],
)
def test_it_finds_the_message_in_every_wb_error_body_shape(payload, message):
    assert describe_error_body(payload) == message


def test_it_flattens_line_breaks_and_cuts_long_messages():
    payload = {"detail": "first\nsecond\t\tthird " + "x" * 1000}

    text = error_from_response(400, headers(), payload, default_retry_after=1).message

    assert text.startswith("first second third x")
    assert len(text) == errors.MAX_MESSAGE_LENGTH
    assert text.endswith("…")


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, RequestRejected),
        (401, InvalidToken),
        (402, RequestRejected),
        (403, AccessDenied),
        (404, RequestRejected),
        (409, RequestRejected),
        (422, RequestRejected),
        (429, RateLimited),
        (500, WBUnavailable),
        (502, WBUnavailable),
        (503, WBUnavailable),
        (504, WBUnavailable),
    ],
)
def test_it_maps_each_status_to_its_error(status, error_class):
    error = error_from_response(status, headers(), None, default_retry_after=1.0)

    assert type(error) is error_class
    assert error.status == status
    assert str(status) in error.message


def test_it_takes_the_request_id_from_the_body_first_then_from_a_header():
    from_body = error_from_response(
        401, headers(X_Request_Id="hdr"), GATEWAY_401, default_retry_after=1.0
    )
    from_header = error_from_response(400, headers(x_request_id="hdr"), {}, default_retry_after=1.0)

    assert from_body.request_id == "7f3e0c9a1b2d4e5f"
    assert from_header.request_id == "hdr"


def test_access_denied_carries_wbs_detail():
    error = error_from_response(
        403, headers(), {"detail": "scope is not allowed for this resource"}, default_retry_after=1
    )

    assert error.detail == "scope is not allowed for this resource"


@pytest.mark.parametrize(
    ("response_headers", "retry_after"),
    [
        (headers(X_Ratelimit_Retry="7", Retry_After="30"), 7.0),
        (headers(x_ratelimit_retry="0.25"), 0.25),
        (headers(Retry_After="30"), 30.0),
        (headers(X_Ratelimit_Retry="soon", Retry_After="12"), 12.0),
        (headers(X_Ratelimit_Retry="-3"), 0.0),
        (headers(X_Ratelimit_Retry="nan"), 60.0),
        (headers(), 60.0),
    ],
)
def test_a_429_waits_for_wbs_header_then_retry_after_then_the_documented_interval(
    response_headers, retry_after
):
    error = error_from_response(429, response_headers, None, default_retry_after=60.0)

    assert error.retry_after == retry_after


def test_it_reads_retry_after_given_as_an_http_date():
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)

    assert retry_after_from_headers(headers(Retry_After=later), now) == 90.0


def test_it_scrubs_the_token_and_any_piece_of_it_from_texts_wb_sends_back():
    token = "eyJhbGciOi.eyJleHAiOjE3.c2lnbmF0dXJlWXYZ"
    payload = {"detail": f"bad token {token}; payload eyJleHAiOjE3; tail=lbmF0dXJl, ok"}

    error = error_from_response(401, headers(), payload, default_retry_after=1.0, secret=token)

    assert error.message == "bad token …WXYZ; payload …WXYZ; …WXYZ, ok"
    assert scrub("nothing secret here", token) == "nothing secret here"


def test_it_scrubs_a_token_even_when_wbs_text_is_longer_than_a_message():
    token = "eyJhbGciOi." + "eyJ" * 200 + ".c2lnbmF0dXJlWXYZ"
    payload = {"detail": "x " * 140 + token}

    message = error_from_response(
        401, headers(), payload, default_retry_after=1, secret=token
    ).message

    assert all(token[i : i + 8] not in message for i in range(len(token) - 7))


def test_it_reads_only_a_bounded_part_of_a_huge_or_deeply_nested_body():
    nested: object = "deep down"
    for _ in range(900):
        nested = [nested]
    payload = [nested, {"errors": nested}, *({"message": f"m{n}"} for n in range(1000))]

    text = describe_error_body(payload)

    assert "deep down" not in text
    assert text.endswith("m17")
