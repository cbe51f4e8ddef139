"""The canary: a known token, stored through the service, never shows up anywhere else.

A token minted by the WB emulator is stored as staff would store it, and then the whole
application is exercised around it: every URL pattern of the URLconf (GET and POST, as a
superuser), every command that touches tokens, a check with WB failing in each way the
emulator can fail, a server error and a database outage. Then every place a secret could
end up is searched for any 12 characters in a row of the token: response bodies and
headers, log records of every logger at DEBUG, LogEntry rows, the error report an admin
would be mailed, command output, every column of every table, `dumpdata` and a dump of the
database itself (`pg_dump` on PostgreSQL, `iterdump()` on SQLite). Only the token's last 4
characters (its hint) may be shown.
"""

import io
import logging
import os
import re
import subprocess
import sys
from contextlib import contextmanager

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connection
from django.db.backends.utils import CursorWrapper
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.views.debug import ExceptionReporter, get_exception_reporter_class
from requests.adapters import HTTPAdapter

from gateway.models import RateBucket, WBPause
from jobs.models import PeriodicJob
from jobs.services import jobs_enqueue_due
from jobs.testing import run_worker_batch
from tokens.crypto import get_cipher
from tokens.models import WBToken, WBTokenCheck
from tokens.services import token_create
from wbapi.claims import decode_token
from wberp.envfile import generate_aes_key
from wberp.logging import JsonFormatter
from wberp.tests.urlcrawl import all_routes, make_objects

pytestmark = pytest.mark.django_db

WINDOW = 12
HINT_LENGTH = 4
# Text that could hold a piece of a token: base64url and the dots between a JWT's parts.
TOKEN_RUN = re.compile(rf"[A-Za-z0-9_.\-]{{{WINDOW},}}")
HTMX = {"HTTP_HX_REQUEST": "true"}
LOGGERS = (
    "",
    "urllib3",
    "requests",
    "django",
    "django.request",
    "django.server",
    "django.security",
    "django.db.backends",
    "wbapi",
    "wbapi.client",
    "wberp",
    "wberp.security",
    "tokens",
    "axes",
)
# Each fault, and the outcome a check of the stored token records under it.
FAULTS = {
    "status 401": ({"kind": "status", "status": 401}, "invalid"),
    "status 403": ({"kind": "status", "status": 403}, "access_denied"),
    "status 429": ({"kind": "status", "status": 429}, "unavailable"),
    "status 500": ({"kind": "status", "status": 500}, "unavailable"),
    "status 503": ({"kind": "status", "status": 503}, "unavailable"),
    # Beyond the read timeout set by the fast_wb fixture.
    "latency": ({"kind": "latency", "delay": 0.4}, "unavailable"),
    "drip": ({"kind": "drip", "delay": 0.15}, "unavailable"),
    "slow_headers": ({"kind": "slow_headers", "delay": 0.15}, "unavailable"),
    "reset": ({"kind": "reset"}, "unavailable"),
    "malformed_json": ({"kind": "malformed_json"}, "unavailable"),
    "html": ({"kind": "html"}, "unavailable"),
}


# --- Looking for the canary ---------------------------------------------------------------


class Canaries:
    """Raw tokens that must not be found; any 12 characters of one in a row is a find."""

    def __init__(self) -> None:
        self.tokens: list[str] = []
        self._windows: set[str] = set()

    def add(self, raw: str) -> str:
        self.tokens.append(raw)
        self._windows.update(raw[i : i + WINDOW] for i in range(len(raw) - WINDOW + 1))
        return raw

    def find(self, text: object) -> str | None:
        """The first piece of a canary in `text`, or None."""
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        for run in TOKEN_RUN.findall(str(text)):
            for i in range(len(run) - WINDOW + 1):
                if run[i : i + WINDOW] in self._windows:
                    return run[i : i + WINDOW]
        return None

    def assert_absent(self, text: object, where: str) -> None:
        found = self.find(text)
        assert found is None, f"A piece of a stored token ({found!r}) is in {where}"


class LogRecorder(logging.Handler):
    """Every record, as each of our formatters would write it, plus its raw arguments."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.json = JsonFormatter()
        self.text = logging.Formatter("%(name)s %(levelname)s %(message)s")

    def emit(self, record: logging.LogRecord) -> None:
        record.request_id = getattr(record, "request_id", "-")
        self.lines.append(self.json.format(record))
        self.lines.append(self.text.format(record))
        self.lines.append(repr(record.args))
        if record.stack_info:
            self.lines.append(record.stack_info)


@pytest.fixture
def canaries() -> Canaries:
    return Canaries()


@pytest.fixture
def logs():
    """Every logger at DEBUG, SQL included, into one recorder."""
    recorder = LogRecorder()
    names = set(LOGGERS) | set(logging.root.manager.loggerDict)
    loggers = [logging.getLogger(name) for name in sorted(names)]
    saved = [(logger, logger.level, logger.disabled) for logger in loggers]
    attached = [logger for logger in loggers if logger is logging.root or not logger.propagate]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
    for logger in attached:
        logger.addHandler(recorder)
    connection.force_debug_cursor = True
    yield recorder
    connection.force_debug_cursor = False
    for logger in attached:
        logger.removeHandler(recorder)
    for logger, level, disabled in saved:
        logger.setLevel(level)
        logger.disabled = disabled


@pytest.fixture
def boss(django_user_model):
    return django_user_model.objects.create(username="boss", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_mail(settings):
    """Error reports go to an admin, by the locmem backend into mail.outbox."""
    settings.ADMINS = [("Admin", "admin@example.com")]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert settings.DEBUG is False  # as in production: the report filter is active


@pytest.fixture
def fast_wb(wb, settings, monkeypatch):
    """The emulator, with timeouts short enough for latency and drip faults to trip fast."""
    settings.WB_API_READ_TIMEOUT = 0.2
    settings.WB_API_DEADLINE = 0.5
    monkeypatch.setattr("wbapi.client.BACKOFF_BASE", 0.01)
    return wb


@pytest.fixture
def canary(wb, canaries, boss, logs) -> WBToken:
    """The stored canary: a token minted by the emulator, added through the service."""
    raw = canaries.add(wb.mint(categories="content,statistics", seller_name="Canary LLC"))
    token = token_create(name="Canary shop", raw_token=raw, by=boss)
    assert token.hint == raw[-HINT_LENGTH:]
    assert get_cipher().decrypt(token.ciphertext, row_id=token.pk) == raw
    return token


def client_for(user, **options) -> Client:
    client = Client(**options)
    client.force_login(user)
    return client


def check_response(canaries: Canaries, response, where: str) -> None:
    canaries.assert_absent(response.content, f"the body of {where}")
    for name, value in response.headers.items():
        canaries.assert_absent(f"{name}: {value}", f"the {name} header of {where}")
    for cookie in response.cookies.values():
        canaries.assert_absent(cookie.OutputString(), f"a cookie set by {where}")
        if cookie.key == "messages" and cookie.value:
            messages = CookieStorage(response.wsgi_request)._decode(cookie.value) or []
            canaries.assert_absent([str(m) for m in messages], f"messages of {where}")


def check_stores(canaries: Canaries, logs: LogRecorder) -> None:
    """Logs, LogEntry rows, sessions, every column of every table, mail sent."""
    for line in logs.lines:
        canaries.assert_absent(line, f"a log record: {line[:300]}")
    for entry in LogEntry.objects.all():
        canaries.assert_absent(entry.object_repr, "LogEntry.object_repr")
        canaries.assert_absent(entry.change_message, "LogEntry.change_message")
        canaries.assert_absent(entry.get_change_message(), "a LogEntry's change message")
    for session in Session.objects.all():
        canaries.assert_absent(SessionStore().decode(session.session_data), "a session")
    for table, column, value in every_cell():
        canaries.assert_absent(value, f"{table}.{column}")
    for message in mail.outbox:
        check_mail(canaries, message)


def check_mail(canaries: Canaries, message) -> None:
    canaries.assert_absent(message.subject, "a mail's subject")
    canaries.assert_absent(message.body, "a mail's body")
    for content, _type in getattr(message, "alternatives", []):
        canaries.assert_absent(content, "a mail's HTML part")


def every_cell():
    """(table, column, value) of every cell of every table in the database."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            columns = [column[0] for column in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if value is not None:
                        yield table, column, value


def run_command(canaries: Canaries, *args: str, stdin: str = "") -> str:
    stdout, stderr = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        call_command(*args, stdout=stdout, stderr=stderr)
    except CommandError as exc:
        canaries.assert_absent(str(exc), f"the error of {' '.join(args)}")
    finally:
        sys.stdin = saved
    output = stdout.getvalue() + stderr.getvalue()
    canaries.assert_absent(output, f"the output of {' '.join(args)}")
    return output


# --- Every URL ----------------------------------------------------------------------------


def post_data(route_key: str, token: WBToken, raw: str) -> dict:
    """What a person might post: the stored token pasted again, a new name, an action."""
    data = {"raw_token": raw, "name": "Renamed shop", "allow_unverified": "on"}
    if route_key == "admin:tokens_wbtoken_changelist":
        data |= {"action": "check_selected", "_selected_action": str(token.pk)}
    return data


def crawl_order(route) -> tuple[bool, str]:
    """Pages that delete or log out last, so that the others see the token and a session."""
    last = any(word in route.key for word in ("delete", "logout"))
    return last, route.key


def test_the_hint_is_the_only_part_of_the_token_shown(canary, canaries, boss):
    raw = canaries.tokens[0]
    client = client_for(boss)
    for url in (canary.get_absolute_url(), reverse("tokens:edit", args=[canary.pk])):
        page = client.get(url).content.decode()
        assert f"…{raw[-HINT_LENGTH:]}" in page
        canaries.assert_absent(page, url)
    change = reverse("admin:tokens_wbtoken_change", args=[canary.pk])
    assert raw[-HINT_LENGTH:] in client.get(change).content.decode()
    assert str(canary) == f"Canary shop (…{raw[-HINT_LENGTH:]})"
    canaries.assert_absent(repr(canary), "repr()")


def test_no_page_shows_the_token(canary, canaries, boss, logs, admin_mail):
    samples = make_objects(canary)
    raw = canaries.tokens[0]
    visited = 0
    for route in sorted(all_routes(), key=crawl_order):
        url = samples.url(route)
        for method in ("get", "post"):
            # htmx asks our own pages for fragments; the admin answers it like any request.
            for headers in ({},) if route.route.startswith("admin/") else ({}, HTMX):
                client = client_for(boss)
                if method == "get":
                    response = client.get(url, **headers)
                else:
                    response = client.post(url, post_data(route.key, canary, raw), **headers)
                where = f"{method.upper()} {url}{' (htmx)' if headers else ''}"
                assert response.status_code < 500, where
                check_response(canaries, response, where)
                visited += 1
    assert visited >= 2 * len(all_routes())
    assert LogEntry.objects.filter(object_id=str(canary.pk)).exists()
    check_stores(canaries, logs)


# --- Commands -----------------------------------------------------------------------------


def test_no_command_prints_the_token(canary, canaries, boss, logs, settings, wb):
    listing = run_command(canaries, "wb_tokens", "list")
    assert "Canary shop" in listing
    run_command(canaries, "wb_tokens", "list", "--json")
    fresh = canaries.add(wb.mint(seller_name="Second Canary"))
    added = run_command(canaries, "wb_tokens", "add", "--name=Second", stdin=fresh)
    assert "Second" in added
    # The stored canary pasted again is refused as a duplicate, without echoing it.
    run_command(canaries, "wb_tokens", "add", "--name=Again", stdin=canaries.tokens[0])
    run_command(canaries, "wb_tokens", "add", "--name=Broken", stdin=fresh[:-5] + "\n" + fresh)
    run_command(canaries, "wb_tokens", "check", "--wait", "--all")
    run_command(canaries, "wb_tokens", "check", "--wait", str(canary.pk))
    settings.WB_TOKEN_KEYS = [generate_aes_key(), *settings.WB_TOKEN_KEYS]
    run_command(canaries, "rotate_wb_token_keys", "--yes", "--verbosity=2")
    run_command(canaries, "rotate_wb_token_keys", "--verify")
    run_command(canaries, "generate_keys", "--fingerprint-key")
    run_command(canaries, "dumpdata")
    run_command(canaries, "dumpdata", "tokens", "--indent=2")
    second = WBToken.objects.get(name="Second")
    run_command(canaries, "wb_tokens", "delete", str(second.pk), "--yes")
    assert not WBToken.objects.filter(pk=second.pk).exists()
    check_stores(canaries, logs)


# --- WB failing in every way --------------------------------------------------------------


@pytest.mark.parametrize(("fault", "outcome"), FAULTS.values(), ids=FAULTS.keys())
def test_wb_failures_never_echo_the_token(canary, canaries, boss, logs, fast_wb, fault, outcome):
    client = client_for(boss)
    fast_wb.set_fault(**fault)
    fresh = canaries.add(fast_wb.mint(seller_name="Fresh Canary"))
    add = client.post(
        reverse("tokens:add"),
        {"name": "Fresh", "raw_token": fresh, "allow_unverified": "on"},
        **HTMX,
    )
    check_response(canaries, add, "adding a token while WB fails")
    # So that the check below is sent, not held back by the breaker or WB's retry time.
    WBPause.objects.all().delete()
    RateBucket.objects.all().delete()
    check = client.post(reverse("tokens:check", args=[canary.pk]), **HTMX)
    check_response(canaries, check, "checking a token while WB fails")
    assert canary.checks.latest("checked_at", "id").outcome == outcome
    plain = client.post(reverse("tokens:check", args=[canary.pk]))
    check_response(canaries, plain, "checking a token without htmx while WB fails")
    page = client.get(canary.get_absolute_url())
    check_response(canaries, page, "the token page after a failed check")
    assert fast_wb.request_count() > 0
    check_stores(canaries, logs)


# --- Server errors and database outages ---------------------------------------------------


def transport_bug(*args, **kwargs):
    raise RuntimeError("a bug below the WB client")


@contextmanager
def database_down(when=lambda sql: True):
    """Every query for which `when(sql)` is true fails as if the server were gone."""
    execute = CursorWrapper.execute

    def failing(self, sql, params=None):
        if when(sql):
            raise OperationalError("server closed the connection unexpectedly")
        return execute(self, sql, params)

    CursorWrapper.execute = failing
    try:
        yield
    finally:
        CursorWrapper.execute = execute


def check_error_report(canaries: Canaries, response, where: str) -> None:
    """The 500 page, and what AdminEmailHandler sends: text and HTML, locals included."""
    assert response.status_code == 500, where
    check_response(canaries, response, where)
    assert response.exc_info is not None
    # The class Django's technical 500 page and AdminEmailHandler use: the setting's.
    reporter_class = get_exception_reporter_class(response.wsgi_request)
    reporter = reporter_class(response.wsgi_request, *response.exc_info)
    html = reporter.get_traceback_html()
    assert "Local vars" in html or "Local Vars" in html
    canaries.assert_absent(html, f"the HTML error report of {where}")
    canaries.assert_absent(reporter.get_traceback_text(), f"the error report of {where}")
    reports = [message for message in mail.outbox if "Internal Server Error" in message.subject]
    assert reports, f"no error report was mailed for {where}"
    assert "Traceback" in reports[0].body
    for message in mail.outbox:
        check_mail(canaries, message)


def insert_into_tokens(sql: str) -> bool:
    return sql.startswith("INSERT") and WBToken._meta.db_table in sql


@pytest.fixture
def failing_client(boss):
    return client_for(boss, raise_request_exception=False)


def test_a_crash_while_adding_a_token_reports_no_token(
    canary, canaries, failing_client, logs, admin_mail, wb, monkeypatch
):
    fresh = canaries.add(wb.mint(seller_name="Crash Canary"))
    monkeypatch.setattr(HTTPAdapter, "send", transport_bug)
    response = failing_client.post(reverse("tokens:add"), {"name": "New", "raw_token": fresh})
    check_error_report(canaries, response, "adding a token")
    assert not WBToken.objects.filter(name="New").exists()
    check_stores(canaries, logs)


def test_a_crash_in_the_admin_add_form_reports_no_token(
    canary, canaries, failing_client, logs, admin_mail, wb, monkeypatch
):
    fresh = canaries.add(wb.mint(seller_name="Admin Crash Canary"))
    monkeypatch.setattr(HTTPAdapter, "send", transport_bug)
    response = failing_client.post(
        reverse("admin:tokens_wbtoken_add"), {"name": "New", "raw_token": fresh}
    )
    check_error_report(canaries, response, "the admin's add form")
    check_stores(canaries, logs)


def test_a_crash_while_checking_reports_no_token(
    canary, canaries, failing_client, logs, admin_mail, monkeypatch
):
    monkeypatch.setattr(HTTPAdapter, "send", transport_bug)
    response = failing_client.post(reverse("tokens:check", args=[canary.pk]))
    check_error_report(canaries, response, "checking a token")
    check_stores(canaries, logs)


def test_a_crash_while_replacing_a_token_reports_no_token(
    canary, canaries, failing_client, logs, admin_mail, wb, monkeypatch
):
    fresh = canaries.add(wb.mint(seller_name="Canary LLC"))
    monkeypatch.setattr(HTTPAdapter, "send", transport_bug)
    response = failing_client.post(
        reverse("tokens:edit", args=[canary.pk]), {"name": "Canary shop", "raw_token": fresh}
    )
    check_error_report(canaries, response, "replacing a token")
    check_stores(canaries, logs)


def listing_bug(*args, **kwargs):
    raise RuntimeError("a bug while listing tokens")


def test_a_crash_on_a_page_whose_address_holds_a_token_reports_no_token(
    canary, canaries, failing_client, logs, admin_mail, wb, monkeypatch
):
    """Someone pasted a token into the search box, or followed a link that held one."""
    pasted = canaries.add(wb.mint(seller_name="Search Canary"))
    monkeypatch.setattr("tokens.views.token_list_page", listing_bug)
    response = failing_client.get(
        reverse("tokens:list"), {"q": pasted}, HTTP_REFERER=f"https://erp.example.com/?q={pasted}"
    )
    check_error_report(canaries, response, "a search for a pasted token")
    check_stores(canaries, logs)


def reading_bug(*args, **kwargs):
    raise RuntimeError("a bug while reading a pasted token")


def test_a_crash_while_reading_a_broken_paste_reports_no_token(
    canary, canaries, failing_client, logs, admin_mail, wb, monkeypatch
):
    """Django's own form code holds the paste here, in frames no decorator can mark."""
    fresh = canaries.add(wb.mint(seller_name="Paste Canary"))
    broken = f"{fresh[:60]}\n{fresh[60:]}"
    monkeypatch.setattr("tokens.forms.token_preview", reading_bug)
    response = failing_client.post(reverse("tokens:add"), {"name": "New", "raw_token": broken})
    check_error_report(canaries, response, "reading a broken paste")
    check_stores(canaries, logs)


def test_unmarked_frames_and_the_wb_client_stack_are_scrubbed(canaries, wb, rf, monkeypatch):
    raw = canaries.add(wb.mint(seller_name="Stack Canary"))
    monkeypatch.setattr("wbapi.claims._claims_from_payload", reading_bug)

    def code_nobody_marked(pasted: str) -> None:
        copy = f"Bearer {pasted}"
        decode_token(copy)

    try:
        code_nobody_marked(raw)
    except RuntimeError:
        exc_info = sys.exc_info()
    request = rf.post("/somewhere/", {"raw_token": raw, "note": raw})
    # Django's own reporter: the filter alone must scrub the frames.
    html = ExceptionReporter(request, *exc_info).get_traceback_html()
    assert "code_nobody_marked" in html and "decode_token" in html
    canaries.assert_absent(html, "the report of a crash in unmarked code")


def test_a_database_outage_on_a_page_reports_no_token(
    canary, canaries, failing_client, logs, admin_mail
):
    with database_down():
        response = failing_client.get(canary.get_absolute_url())
    check_error_report(canaries, response, "the token page with the database down")
    check_stores(canaries, logs)


def test_a_database_outage_while_saving_a_token_reports_no_token(
    canary, canaries, failing_client, logs, admin_mail, wb
):
    fresh = canaries.add(wb.mint(seller_name="Outage Canary"))
    with database_down(when=insert_into_tokens):
        response = failing_client.post(reverse("tokens:add"), {"name": "New", "raw_token": fresh})
    check_error_report(canaries, response, "saving a token with the database down")
    check_stores(canaries, logs)


# --- The database and its dumps -----------------------------------------------------------


def dump_database() -> str:
    """The whole test database as SQL: pg_dump on PostgreSQL, iterdump() on SQLite."""
    if connection.vendor == "postgresql":
        settings = connection.settings_dict
        command = ["pg_dump", "--no-owner", "--dbname", settings["NAME"]]
        for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
            if settings.get(key):
                command += [option, str(settings[key])]
        env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
        result = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=60, check=False
        )
        assert result.returncode == 0, result.stderr
        return result.stdout
    assert connection.vendor == "sqlite", f"No dump for {connection.vendor}"
    connection.ensure_connection()
    return "\n".join(connection.connection.iterdump())


def run_the_daily_recheck(token: WBToken) -> None:
    """The scheduled re-check of `token`, by a worker: the queue's rows are dumped too."""
    WBToken.objects.filter(pk=token.pk).update(last_checked_at=None)
    jobs_enqueue_due()  # the job's row
    PeriodicJob.objects.filter(name="tokens.recheck").update(next_run_at=timezone.now())
    run_worker_batch()
    assert token.checks.filter(trigger=WBTokenCheck.Trigger.SCHEDULE).exists()


@pytest.mark.django_db(transaction=True)
def test_the_database_holds_the_token_only_as_ciphertext(canary, canaries, boss, logs, settings):
    # The worker's batch syncs the cabinet too (its tasks' rows are dumped); one small dataset
    # is enough for that, where the whole catalogue would only make the dump slow.
    settings.SYNC_DATASETS = ["warehouses"]
    client = client_for(boss)
    client.post(reverse("tokens:check", args=[canary.pk]))
    client.post(
        reverse("admin:tokens_wbtoken_change", args=[canary.pk]),
        {"name": "Canary shop, renamed", "raw_token": canaries.tokens[0]},
    )
    client.post(reverse("tokens:edit", args=[canary.pk]), {"name": "Canary shop, again"})
    run_command(canaries, "wb_tokens", "check", "--wait", "--all")
    run_the_daily_recheck(canary)
    check_stores(canaries, logs)
    dump = dump_database()
    canary.refresh_from_db()
    assert canary.ciphertext in dump, "the dump does not hold the stored token row"
    assert "Canary shop, again" in dump
    canaries.assert_absent(dump, f"the {connection.vendor} dump of the database")
    for args in (("dumpdata",), ("dumpdata", "tokens")):
        output = run_command(canaries, *args)
        assert canary.ciphertext in output
