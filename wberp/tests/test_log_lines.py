"""Log lines: gunicorn's in the app's format, and none with anything shaped like a WB token."""

import base64
import json
import logging
import runpy
import secrets
import sys
from pathlib import Path

import pytest
from django.conf import settings

from wberp.logging import AccessJsonFormatter, JsonFormatter, TextFormatter, without_tokens
from wberp.redaction import HIDDEN, hide_tokens


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# Shaped like a WB token (an ES256 JWT); it opens nothing.
FAKE_TOKEN = ".".join(
    [
        b64(b'{"alg":"ES256","kid":"20250520v1","typ":"JWT"}'),
        b64(secrets.token_bytes(180)),
        b64(secrets.token_bytes(64)),
    ]
)
PIECES = [FAKE_TOKEN[start : start + 12] for start in range(0, len(FAKE_TOKEN) - 12, 12)]


def assert_hidden(line: str) -> None:
    assert not [piece for piece in PIECES if piece in line], line
    assert HIDDEN in line


def django_warning_with_a_traceback() -> logging.LogRecord:
    """As Django logs a 404 for an address someone pasted a token into, plus a traceback."""
    try:
        raise ValueError(f"cannot parse {FAKE_TOKEN}")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Not Found: %s",
        (f"/{FAKE_TOKEN}/",),
        exc_info,
    )
    record.request_id = "req-1"
    record.path = f"/{FAKE_TOKEN}/"  # an extra field, as `extra=` adds it
    return record


@pytest.mark.parametrize(
    "formatter", [TextFormatter("%(message)s %(path)s"), JsonFormatter()], ids=["text", "json"]
)
def test_a_token_in_the_message_an_extra_field_or_a_traceback_is_hidden(formatter):
    line = formatter.format(django_warning_with_a_traceback())
    assert_hidden(line)
    assert "Not Found: /<hidden>/" in line


def test_a_json_line_stays_valid_json_after_hiding():
    entry = json.loads(JsonFormatter().format(django_warning_with_a_traceback()))
    assert entry["message"] == "Not Found: /<hidden>/"
    assert entry["path"] == "/<hidden>/"
    assert "ValueError: cannot parse <hidden>" in entry["exception"]


def gunicorn_access_record(**atoms) -> logging.LogRecord:
    """A record as gunicorn's access logger makes it: the format, and the request's parts."""
    parts = {
        "h": "10.0.0.7",
        "r": f"GET /tokens/?q={FAKE_TOKEN} HTTP/1.1",
        "m": "GET",
        "U": "/tokens/",
        "q": f"q={FAKE_TOKEN}",
        "s": "200",
        "b": "5120",
        "B": 5120,
        "M": 14,
        "f": f"https://erp.example.com/tokens/?q={FAKE_TOKEN}",
        "a": "Mozilla/5.0",
        "{x-request-id}o": "4f2a9c1e0b7d4e6f8a3b5c7d9e1f2a3b",
        **atoms,
    }
    return logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1, '%(h)s "%(r)s" %(s)s %(b)s', (parts,), None
    )


def test_gunicorn_access_lines_are_json_with_the_requests_parts():
    entry = json.loads(AccessJsonFormatter().format(gunicorn_access_record()))
    assert entry["logger"] == "gunicorn.access"
    assert entry["message"] == "GET /tokens/ 200"
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/tokens/", "200")
    assert (entry["bytes"], entry["duration_ms"]) == (5120, 14)
    assert entry["remote_addr"] == "10.0.0.7"
    assert entry["request_id"] == "4f2a9c1e0b7d4e6f8a3b5c7d9e1f2a3b"
    assert entry["query"] == "q=<hidden>"
    assert entry["referer"] == "https://erp.example.com/tokens/?q=<hidden>"


def test_gunicorn_access_lines_in_text_hide_the_token_too():
    line = TextFormatter("%(message)s").format(gunicorn_access_record())
    assert_hidden(line)
    assert line.startswith('10.0.0.7 "GET /tokens/?q=<hidden> HTTP/1.1" 200')


@pytest.mark.parametrize(
    "text",
    [
        "token 5e962861-da67-4122-8bd4-dbf90062b411 checked",
        "GET /tokens/?status=valid&sort=-expires&page=12 200",
        "seller ООО Ромашка, INN 7707083893, trade mark Romashka",
        "fingerprint 3f1c0a9b7e5d2c4a6b8e0f1a3c5e7a9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c",
        "wbapi.errors.RateLimited_while_checking_the_token_of_a_seller_with_a_long_name",
    ],
)
def test_ordinary_text_is_left_as_it_is(text):
    assert hide_tokens(text) == text


def test_gunicorn_access_lines_can_be_turned_off(monkeypatch):
    config = Path(settings.BASE_DIR) / "wberp" / "gunicorn.py"
    assert runpy.run_path(str(config))["accesslog"] == "-"
    monkeypatch.setenv("GUNICORN_ACCESS_LOG", "off")
    assert runpy.run_path(str(config))["accesslog"] is None


def test_records_are_made_without_tokens_for_every_handler():
    """Django's LOGGING_CONFIG installs the factory; a handler that formats on its own, as
    a third-party one would, gets the token hidden too."""
    record = django_warning_with_a_traceback()
    made = logging.getLogRecordFactory()(
        record.name,
        record.levelno,
        record.pathname,
        record.lineno,
        record.msg,
        record.args,
        record.exc_info,
    )
    line = logging.Formatter("%(message)s").format(made)
    assert_hidden(line)
    assert made.exc_info[1] is record.exc_info[1]  # kept for the error report


def test_gunicorns_atoms_stay_fields_when_a_token_is_hidden_in_them():
    record = without_tokens(gunicorn_access_record())
    assert record.args["q"] == "q=<hidden>"
    assert record.args["m"] == "GET"
    assert json.loads(AccessJsonFormatter().format(record))["path"] == "/tokens/"


FORGED = "2026-12-01 20:22:00,000 INFO    wberp.security [-] login succeeded user=admin ip=10.0.0.1"


@pytest.mark.parametrize("breaker", ["\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x85", "\u2028"])
@pytest.mark.parametrize(
    "formatter",
    [TextFormatter("%(asctime)s %(levelname)-7s %(name)s %(message)s"), JsonFormatter()],
    ids=["text", "json"],
)
def test_a_username_with_a_line_break_cannot_forge_a_log_line(formatter, breaker):
    record = logging.makeLogRecord(
        {
            "name": "wberp.security",
            "levelno": logging.WARNING,
            "levelname": "WARNING",
            "msg": "login failed user=%s ip=%s",
            "args": (f"x{breaker}{FORGED}", "10.0.0.9"),
        }
    )
    line = formatter.format(record)
    assert len(line.splitlines()) == 1, line
    assert "\x1b" not in line and breaker not in line


def test_terminal_escapes_and_bidi_marks_in_a_message_are_escaped():
    record = logging.makeLogRecord({"msg": "user=%s", "args": ("\x1b[2J\u202eevil",)})
    line = TextFormatter("%(message)s").format(record)
    assert line == "user=\\x1b[2J\\u202eevil"
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "user=\x1b[2J\u202eevil"  # the same text, escaped in the line


def test_a_traceback_follows_its_record_indented_so_it_cannot_pass_for_one():
    try:
        raise ValueError(f"bad name\n{FORGED}")
    except ValueError:
        record = logging.makeLogRecord({"msg": "oops", "exc_info": sys.exc_info()})
    first, *rest = TextFormatter("%(message)s").format(record).splitlines()
    assert first == "oops"
    assert rest and all(line.startswith("    ") for line in rest)
    assert f"    {FORGED}" in rest


FRAGMENT = FAKE_TOKEN.split(".")[2][10:30]  # 20 characters of the signature


@pytest.mark.parametrize(
    "atoms",
    [
        {"q": f"q={FRAGMENT}&page=2", "r": f"GET /tokens/?q={FRAGMENT}&page=2 HTTP/1.1"},
        {"f": f"https://erp.example.com/tokens/?page=2&q={FRAGMENT}"},
    ],
    ids=["query", "referer"],
)
def test_a_pasted_piece_of_a_token_in_a_query_string_is_hidden(atoms):
    record = without_tokens(gunicorn_access_record(**atoms))
    for line in (AccessJsonFormatter().format(record), TextFormatter("%(message)s").format(record)):
        assert FRAGMENT not in line and FRAGMENT[:12] not in line, line
    assert "page=2" in AccessJsonFormatter().format(record)
