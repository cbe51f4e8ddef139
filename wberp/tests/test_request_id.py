import json
import logging

import pytest

from wberp.logging import JsonFormatter, RequestIdFilter, request_id_var


def test_every_response_carries_a_fresh_request_id(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_a_plain_incoming_request_id_is_kept(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-1234abcd")
    assert response["X-Request-ID"] == "lb-1234abcd"


def test_a_uuid_from_a_proxy_is_kept(client):
    incoming = "5e962861-da67-4122-8bd4-dbf90062b411"
    assert client.get("/healthz", HTTP_X_REQUEST_ID=incoming)["X-Request-ID"] == incoming


@pytest.mark.parametrize(
    "bad",
    [
        "short",
        "x" * 37,
        "x" * 65,
        "abc def ghi",
        "abc\r\nSet-Cookie:x",
        "abcdefgh\n",
        "id-<script>x",
        "идентификатор",
        "abc%0d%0aX:y",
        "0123456789٠١٢٣",
    ],
)
def test_an_unsafe_incoming_request_id_is_replaced(client, bad):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=bad)
    assert response["X-Request-ID"] != bad
    assert len(response["X-Request-ID"]) == 32


def test_log_records_get_the_current_request_id():
    record = logging.makeLogRecord({"msg": "hello"})
    token = request_id_var.set("req-42abc")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    assert record.request_id == "req-42abc"


def test_json_lines_hold_time_level_logger_message_request_id_and_extras():
    record = logging.makeLogRecord(
        {
            "name": "wberp.test",
            "levelname": "WARNING",
            "msg": "token %s checked",
            "args": ("abcd",),
            "request_id": "req-1",
            "event": "check",
        }
    )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "wberp.test"
    assert entry["message"] == "token abcd checked"
    assert entry["request_id"] == "req-1"
    assert entry["event"] == "check"
    assert entry["time"].endswith("+00:00")
