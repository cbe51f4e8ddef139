"""The emulator as WB: paths, bodies, error shapes, limits and headers, faults, control."""

from __future__ import annotations

import json
import re
import socket
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from wbapi.buckets import Buckets
from wbapi.claims import decode_token
from wbapi.emulator.sellers import generate_seller
from wbapi.emulator.testing import EmulatorServer, running_emulator
from wbapi.hosts import PING_HOSTS, SANDBOX_HOSTS
from wbapi.tests.helpers import FakeClock, make_token, wb_payload

GATEWAY_FIELDS = {
    "title",
    "detail",
    "code",
    "requestId",
    "origin",
    "status",
    "statusText",
    "timestamp",
}
RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")


def get(server: EmulatorServer, host: str, path: str, token: str | None = None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = server.base_url.replace("{host}", host) + path
    return requests.get(url, headers=headers, timeout=5, **kwargs)


def control(server: EmulatorServer, method: str, path: str, **kwargs) -> requests.Response:
    url = server.base_url.replace("{host}", "__emulator__") + path
    return requests.request(method, url, timeout=5, **kwargs)


def assert_gateway_error(response: requests.Response, status: int, detail: str) -> dict:
    body = response.json()
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert set(body) == GATEWAY_FIELDS
    assert body["status"] == status
    assert body["detail"] == detail
    assert body["requestId"] == response.headers["X-Request-Id"]
    assert RFC3339_UTC.match(body["timestamp"])
    return body


# --- Success answers --------------------------------------------------------------------------


@pytest.mark.parametrize("host", PING_HOSTS)
def test_ping_answers_on_every_host_that_has_it(emulator, host):
    test = host in SANDBOX_HOSTS
    token = emulator.mint(type="test" if test else "personal")

    response = get(emulator, host, "/ping", token)

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["Status"] == "OK"


def test_ping_gives_a_moscow_timestamp_a_request_id_and_the_remaining_requests(emulator):
    response = get(emulator, "content-api", "/ping", emulator.mint())

    body = response.json()
    assert set(body) == {"TS", "Status"}
    stamp = datetime.fromisoformat(body["TS"])
    assert body["TS"].endswith("+03:00")
    assert abs(stamp - datetime.now(UTC)) < timedelta(seconds=5)
    assert REQUEST_ID.match(response.headers["X-Request-Id"])
    assert response.headers["X-Ratelimit-Remaining"] == "2"


def test_seller_info_returns_the_seller_named_at_mint_time(emulator):
    token = emulator.mint(seller_name="ООО «Лён»", tin="7707083893", trade_mark="Len", country="KZ")

    body = get(emulator, "common-api", "/api/v1/seller-info", token).json()

    assert body == {
        "name": "ООО «Лён»",
        "sid": decode_token(token).seller_sid,
        "tin": "7707083893",
        "tradeMark": "Len",
        "country": "KZ",
    }


def test_minting_for_the_same_seller_name_gives_the_same_seller(emulator):
    first = decode_token(emulator.mint(seller_name="ИП Петров П. П."))
    second = decode_token(emulator.mint(seller_name="ИП Петров П. П."))

    assert first.seller_sid == second.seller_sid
    assert first.seller_oid == second.seller_oid
    assert first.token_id != second.token_id


def test_it_generates_the_same_plausible_seller_for_the_same_sid():
    sellers = [generate_seller(f"sid-{n}") for n in range(40)]

    assert sellers == [generate_seller(f"sid-{n}") for n in range(40)]
    assert {len(seller.tin) for seller in sellers} == {10, 12}
    assert all(_tin_is_valid(seller.tin) for seller in sellers)
    assert all(seller.name.startswith(("ИП ", "ООО ")) for seller in sellers)


def _tin_is_valid(tin: str) -> bool:
    digits = [int(d) for d in tin]

    def check(weights):
        return sum(d * w for d, w in zip(digits, weights, strict=False)) % 11 % 10

    if len(digits) == 10:
        return check((2, 4, 10, 3, 5, 9, 4, 6, 8)) == digits[9]
    return (
        check((7, 2, 4, 10, 3, 5, 9, 4, 6, 8)) == digits[10]
        and check((3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)) == digits[11]
    )


def test_minted_tokens_have_wbs_claim_layout(emulator):
    token = emulator.mint(type="service", categories="content,finance", read_only=True, days=30)

    header = token.split(".")[0]
    claims = decode_token(token)
    assert header == "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"  # {"alg":"HS256","typ":"JWT"}
    assert (claims.acc, claims.token_type, claims.issued_for) == (4, "service", "asid:1001")
    assert claims.categories == ("content", "finance")
    assert claims.read_only
    assert claims.days_left(datetime.now(UTC)) == 29
    assert claims.seller_oid and claims.token_id and claims.issued_at


@pytest.mark.parametrize(
    ("options", "acc", "issued_for", "is_test"),
    [
        ({"type": "basic"}, 1, None, False),
        ({"type": "test"}, 2, None, True),
        ({"type": "personal"}, 3, "self", False),
        ({"type": "personal", "test": True}, 3, "self", True),
    ],
)
def test_it_mints_every_token_type(emulator, options, acc, issued_for, is_test):
    claims = decode_token(emulator.mint(**options))

    assert (claims.acc, claims.issued_for, claims.is_test) == (acc, issued_for, is_test)


def test_it_refuses_to_mint_an_unknown_category_or_type(emulator):
    with pytest.raises(ValueError, match="category"):
        emulator.mint(categories="content,stocks")
    with pytest.raises(ValueError, match="token type"):
        emulator.mint(type="admin")


# --- Refusals -------------------------------------------------------------------------------


def test_it_answers_401_without_a_token(emulator):
    response = get(emulator, "common-api", "/ping")

    body = assert_gateway_error(response, 401, "the Authorization header is missing or empty")
    assert (body["title"], body["statusText"]) == ("unauthorized", "Unauthorized")


@pytest.mark.parametrize(
    ("make", "detail"),
    [
        (lambda server: "not-a-token", "token problem; token is malformed: not_three_parts"),
        (lambda server: make_token(wb_payload()), "token problem; signature does not match"),
        (lambda server: server.mint(days=-1), "token problem; token is expired"),
        (lambda server: server.mint(sid=""), "token problem; token names no seller"),
    ],
)
def test_it_answers_401_for_a_token_it_cannot_accept(emulator, make, detail):
    assert_gateway_error(get(emulator, "common-api", "/ping", make(emulator)), 401, detail)


def test_it_answers_401_for_a_revoked_token(emulator):
    token = emulator.mint()
    emulator.revoke(token)

    response = get(emulator, "common-api", "/ping", token)

    assert_gateway_error(response, 401, "token problem; token has been revoked")


def test_it_keeps_test_tokens_and_production_hosts_apart(emulator):
    detail = "test tokens work on sandbox hosts only, and only test tokens do"

    test_on_production = get(emulator, "content-api", "/ping", emulator.mint(type="test"))
    personal_on_sandbox = get(emulator, "content-api-sandbox", "/ping", emulator.mint())

    assert_gateway_error(test_on_production, 401, detail)
    assert_gateway_error(personal_on_sandbox, 401, detail)


def test_it_accepts_a_raw_token_as_well_as_a_bearer_one(emulator):
    token = emulator.mint()
    url = emulator.base_url.replace("{host}", "common-api") + "/ping"

    response = requests.get(url, headers={"Authorization": token}, timeout=5)

    assert response.status_code == 200


def test_it_answers_403_when_the_tokens_categories_do_not_cover_the_host(emulator):
    token = emulator.mint(categories="content")

    response = get(emulator, "statistics-api", "/ping", token)

    body = assert_gateway_error(response, 403, "scope is not allowed for this resource")
    assert body["title"] == "forbidden"


def test_a_secondary_host_belongs_to_its_category(emulator):
    emulator.set_fault("status", status=200, body={}, host="dp-calendar-api")
    token = emulator.mint(categories="content")

    # dp-calendar-api has no /ping of its own, so the route is unknown there.
    assert get(emulator, "dp-calendar-api", "/ping", token).status_code == 200
    emulator.clear_faults()
    assert get(emulator, "dp-calendar-api", "/ping", token).status_code == 404


@pytest.mark.parametrize(
    ("token_type", "detail"),
    [("basic", "base token is not allowed"), ("service", "token type is not allowed here")],
)
def test_it_opens_user_management_to_personal_tokens_only(emulator, token_type, detail):
    refused = get(emulator, "user-management-api", "/ping", emulator.mint(type=token_type))
    allowed = get(emulator, "user-management-api", "/ping", emulator.mint(type="personal"))

    assert_gateway_error(refused, 403, detail)
    assert allowed.status_code == 200


def test_the_common_api_takes_a_token_of_any_category(emulator):
    token = emulator.mint(categories="")

    assert get(emulator, "common-api", "/api/v1/seller-info", token).status_code == 200


@pytest.mark.parametrize(
    ("host", "path"),
    [
        ("common-api", "/api/v2/unknown"),
        ("content-api", "/api/v1/seller-info"),
        ("no-such-api", "/ping"),
        ("common-api", "/"),
    ],
)
def test_it_answers_404_for_an_unknown_path_or_host(emulator, host, path):
    response = get(emulator, host, path, emulator.mint())

    body = assert_gateway_error(
        response, 404, "no such method on this host; see the WB API documentation"
    )
    assert body["title"] == "path not found"


# --- Rate limits ------------------------------------------------------------------------------


def test_a_429_carries_wbs_headers_and_body_field_by_field(emulator):
    token = emulator.mint()
    remaining = [get(emulator, "common-api", "/ping", token) for _ in range(3)]

    refused = get(emulator, "common-api", "/ping", token)

    assert [r.headers["X-Ratelimit-Remaining"] for r in remaining] == ["2", "1", "0"]
    body = assert_gateway_error(
        refused, 429, f"request limit reached for seller {decode_token(token).seller_sid}"
    )
    assert (body["title"], body["statusText"]) == ("too many requests", "Too Many Requests")
    assert refused.headers["X-Ratelimit-Retry"] == "10"
    assert refused.headers["X-Ratelimit-Limit"] == "3"
    assert refused.headers["X-Ratelimit-Reset"] == "30"
    assert "X-Ratelimit-Remaining" not in refused.headers


def test_ping_is_limited_per_host_and_per_seller(emulator):
    token, other_seller = emulator.mint(), emulator.mint()
    for _ in range(3):
        get(emulator, "common-api", "/ping", token)

    assert get(emulator, "common-api", "/ping", token).status_code == 429
    assert get(emulator, "content-api", "/ping", token).status_code == 200
    assert get(emulator, "common-api", "/ping", other_seller).status_code == 200


def test_a_sandbox_host_answers_one_request_a_second_for_its_whole_category(emulator):
    token = emulator.mint(type="test", categories="content,prices")

    first = get(emulator, "content-api-sandbox", "/ping", token)
    second = get(emulator, "content-api-sandbox", "/ping", token)
    other_category = get(emulator, "discounts-prices-api-sandbox", "/ping", token)

    assert (first.status_code, second.status_code) == (200, 429)
    assert (second.headers["X-Ratelimit-Retry"], second.headers["X-Ratelimit-Limit"]) == ("1", "1")
    assert other_category.status_code == 200


def test_limits_belong_to_the_seller_not_the_token(emulator):
    first = emulator.mint(seller_name="ИП Общий О. О.")
    second = emulator.mint(seller_name="ИП Общий О. О.")
    for _ in range(3):
        get(emulator, "common-api", "/ping", first)

    assert get(emulator, "common-api", "/ping", second).status_code == 429


def test_seller_info_allows_a_burst_of_ten_for_personal_tokens(emulator):
    token = emulator.mint()

    statuses = [get(emulator, "common-api", "/api/v1/seller-info", token) for _ in range(11)]

    assert [r.status_code for r in statuses] == [200] * 10 + [429]
    assert statuses[-1].headers["X-Ratelimit-Retry"] == "60"


def test_seller_info_allows_one_request_a_day_for_basic_tokens(emulator):
    token = emulator.mint(type="basic")

    first = get(emulator, "common-api", "/api/v1/seller-info", token)
    second = get(emulator, "common-api", "/api/v1/seller-info", token)

    assert (first.status_code, second.status_code) == (200, 429)
    assert second.headers["X-Ratelimit-Retry"] == "86400"
    assert second.headers["X-Ratelimit-Limit"] == "1"


def test_speed_shortens_every_limit_period():
    clock = FakeClock()
    with running_emulator(speed=200) as fast:
        fast.state.buckets = Buckets(speed=fast.state.buckets.speed, clock=clock)
        token = fast.mint()
        for _ in range(3):
            get(fast, "common-api", "/ping", token)

        refused = get(fast, "common-api", "/ping", token)
        retry = float(refused.headers["X-Ratelimit-Retry"])
        clock.advance(retry * 0.9)
        too_early = get(fast, "common-api", "/ping", token)
        clock.advance(retry * 0.1 + 1e-9)  # what floating-point addition loses
        again = get(fast, "common-api", "/ping", token)

    assert refused.status_code == 429
    # One request back every 10 s / 200, the whole bucket of 3 in 30 s / 200.
    assert retry == pytest.approx(10 / 200)
    assert float(refused.headers["X-Ratelimit-Reset"]) == pytest.approx(30 / 200)
    assert too_early.status_code == 429
    assert again.status_code == 200


def test_reset_refills_every_bucket(emulator):
    token = emulator.mint()
    for _ in range(4):
        get(emulator, "common-api", "/ping", token)

    emulator.reset()

    assert get(emulator, "common-api", "/ping", token).status_code == 200


# --- Faults -----------------------------------------------------------------------------------


def test_a_status_fault_answers_with_wbs_error_shape_until_used_up(emulator):
    token = emulator.mint()
    emulator.set_fault("status", status=503, times=2)

    statuses = [get(emulator, "common-api", "/ping", token).status_code for _ in range(3)]

    assert statuses == [503, 503, 200]
    assert [entry.fault for entry in emulator.request_log] == ["status", "status", None]


def test_a_fault_can_be_limited_to_a_host_path_token_or_seller(emulator):
    token, other = emulator.mint(), emulator.mint()
    claims = decode_token(token)
    emulator.set_fault("status", status=500, host="content-api")
    emulator.set_fault("status", status=502, path="/api/v1/seller-info")
    emulator.set_fault("status", status=503, token_id=claims.token_id)
    emulator.set_fault("status", status=504, sid=decode_token(other).seller_sid)

    assert get(emulator, "content-api", "/ping", other).status_code == 500
    assert get(emulator, "common-api", "/api/v1/seller-info", other).status_code == 502
    assert get(emulator, "common-api", "/ping", token).status_code == 503
    assert get(emulator, "common-api", "/ping", other).status_code == 504
    emulator.clear_faults()
    assert get(emulator, "common-api", "/ping", other).status_code == 200


def test_a_malformed_json_fault_sends_broken_json_as_json(emulator):
    emulator.set_fault("malformed_json")

    response = get(emulator, "common-api", "/ping", emulator.mint())

    assert response.headers["Content-Type"].startswith("application/json")
    with pytest.raises(ValueError):
        response.json()


def test_an_html_fault_sends_a_page_instead_of_json(emulator):
    emulator.set_fault("html", status=502)

    response = get(emulator, "common-api", "/ping", emulator.mint())

    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<html>" in response.text


def test_a_reset_fault_closes_the_connection_without_an_answer(emulator):
    emulator.set_fault("reset", times=1)

    with pytest.raises(requests.ConnectionError):
        get(emulator, "common-api", "/ping", emulator.mint())

    assert emulator.request_log[0].status is None


def test_a_latency_fault_delays_the_answer(private_emulator):
    private_emulator.set_fault("latency", delay=0.3)

    started = time.monotonic()
    response = get(private_emulator, "common-api", "/ping", private_emulator.mint())

    assert response.status_code == 200
    assert 0.3 <= time.monotonic() - started < 1.0


def test_a_drip_fault_trickles_the_body(private_emulator):
    private_emulator.set_fault("drip", delay=0.01)

    started = time.monotonic()
    response = get(private_emulator, "common-api", "/ping", private_emulator.mint())

    assert response.json()["Status"] == "OK"
    assert time.monotonic() - started >= 0.01 * len(response.content)


def test_a_slow_headers_fault_trickles_the_status_line_and_headers(private_emulator):
    private_emulator.set_fault("slow_headers", delay=0.005)
    request = (
        "GET /common-api/ping HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {private_emulator.mint()}\r\nConnection: close\r\n\r\n"
    )

    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", private_emulator.port), timeout=5) as conn:
        conn.sendall(request.encode())
        answer = b"".join(iter(lambda: conn.recv(4096), b""))

    head, body = answer.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.0 200 OK\r\n")
    assert json.loads(body)["Status"] == "OK"
    assert time.monotonic() - started >= 0.005 * len(head)


@pytest.mark.parametrize(
    ("fault", "complaint"),
    [
        ({"kind": "flood"}, "Unknown fault kind"),
        ({"kind": "status"}, "needs a status"),
        ({"kind": "status", "status": 999}, "HTTP status"),
        ({"kind": "reset", "times": 0}, "at least 1"),
        ({"kind": "latency", "delay": -1}, "negative"),
        ({"kind": "latency", "delay": "long"}, "wrong type"),
        ({"kind": "reset", "colour": "red"}, "Unknown fault fields"),
        ({"kind": "reset", "id": 7}, "Unknown fault fields"),
        ({"kind": "status", "status": 500, "headers": {"X": 1}}, "string values"),
        (["status"], "JSON object"),
    ],
)
def test_the_control_endpoint_rejects_a_malformed_fault(emulator, fault, complaint):
    response = control(emulator, "POST", "/faults", json=fault)

    assert response.status_code == 400
    assert complaint in response.json()["detail"]


def test_the_control_endpoint_adds_lists_and_clears_faults(emulator):
    added = control(emulator, "POST", "/faults", json={"kind": "status", "status": 503})
    listed = control(emulator, "GET", "/faults").json()
    answered = get(emulator, "common-api", "/ping", emulator.mint()).status_code
    control(emulator, "DELETE", "/faults")

    assert added.status_code == 201
    assert listed == [added.json()]
    assert added.json()["kind"] == "status"
    assert answered == 503
    assert control(emulator, "GET", "/faults").json() == []


def test_the_control_endpoint_reports_the_request_log_with_filters(emulator):
    token = emulator.mint()
    get(emulator, "common-api", "/ping", token)
    get(emulator, "content-api", "/ping", token)
    get(emulator, "common-api", "/nowhere", token)

    everything = control(emulator, "GET", "/log").json()
    common_ok = control(emulator, "GET", "/log", params={"host": "common-api", "status": 200})

    assert everything["count"] == 3
    assert common_ok.json()["count"] == 1
    (entry,) = common_ok.json()["requests"]
    assert (entry["host"], entry["path"], entry["status"]) == ("common-api", "/ping", 200)
    assert entry["sid"] == decode_token(token).seller_sid
    assert "Authorization" not in str(everything)
    assert token not in str(everything)


def test_the_control_endpoint_revokes_a_token_and_resets_everything(emulator):
    token = emulator.mint()

    revoked = control(emulator, "POST", "/revoke", json={"token": token})
    refused = get(emulator, "common-api", "/ping", token).status_code
    reset = control(emulator, "POST", "/reset")

    assert revoked.json() == {"revoked": f"…{token[-4:]}"}
    assert refused == 401
    assert reset.status_code == 200
    assert emulator.request_count() == 0
    assert get(emulator, "common-api", "/ping", token).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("POST", "/revoke", {"json": {"token": 5}}, 400),
        ("POST", "/revoke", {"json": {"token": "not a token"}}, 400),
        ("POST", "/faults", {"data": b"{not json"}, 400),
        ("GET", "/log", {"params": {"status": "ok"}}, 400),
        ("GET", "/nothing", {}, 404),
    ],
)
def test_the_control_endpoint_answers_bad_requests_with_an_error(
    emulator, method, path, kwargs, status
):
    assert control(emulator, method, path, **kwargs).status_code == status


def test_control_requests_are_not_logged_or_faulted(emulator):
    emulator.set_fault("reset")

    assert control(emulator, "GET", "/log").json()["count"] == 0
    assert emulator.request_count() == 0


def test_the_request_log_counts_by_host_path_and_status(emulator):
    token = emulator.mint()
    for _ in range(4):
        get(emulator, "common-api", "/ping", token)
    get(emulator, "common-api", "/api/v1/seller-info", token)

    assert emulator.request_count() == 5
    assert emulator.request_count(host="common-api", path="/ping") == 4
    assert emulator.request_count(path="/ping", status=200) == 3
    assert emulator.request_count(status=429) == 1
    assert emulator.request_count(host="content-api") == 0


def test_a_server_sharing_a_state_dir_accepts_the_others_tokens(tmp_path):
    with EmulatorServer(state_dir=tmp_path) as first:
        token = first.mint(seller_name="ИП Общий О. О.")
    with EmulatorServer(state_dir=tmp_path) as second:
        response = get(second, "common-api", "/api/v1/seller-info", token)

    assert response.json()["name"] == "ИП Общий О. О."
    assert (tmp_path / "key").stat().st_mode & 0o777 == 0o600
