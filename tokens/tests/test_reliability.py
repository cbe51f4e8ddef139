"""Reliability: WB's failures through every door, the circuit breaker, bounded WB concurrency.

Every door (admin, htmx pages, commands) meets each way WB can fail with a message people
understand, the right status and nothing lost. The breaker keeps a seller's host paused
across processes; WB calls are bounded per process so that other pages stay fast.
"""

import html
import io
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
import time_machine
from django.conf import settings as django_settings
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string

from gateway.breaker import BREAKER_COOLDOWN, BREAKER_THRESHOLD
from gateway.messages import describe, when_text
from gateway.models import RateBucket, WBPause
from gateway.validation import check_hosts, new_client
from sellers.models import Seller
from tokens.batches import check_batch_run
from tokens.crypto import get_cipher
from tokens.models import CheckBatch, WBToken, WBTokenCheck
from wbapi.errors import WBUnavailable

from .conftest import ALL_PERMS

pytestmark = pytest.mark.django_db
Status = WBToken.Status
Outcome = WBTokenCheck.Outcome

BASE_DIR = Path(django_settings.BASE_DIR)
LIST = reverse("tokens:list")
ADD = reverse("tokens:add")
ADMIN_ADD = reverse("admin:tokens_wbtoken_add")
ADMIN_CHANGELIST = reverse("admin:tokens_wbtoken_changelist")
HTMX = {"HTTP_HX_REQUEST": "true"}
# Generous bounds for a busy two-core machine; the waits poll and end as soon as they can.
SETTLE_TIMEOUT = 5.0

# Short WB timeouts keep the slow faults quick: each attempt may wait READ_TIMEOUT, a whole
# check DEADLINE. A latency fault holds WB's answer longer than an attempt may wait, and the
# drip and slow_headers faults send the body or the headers slower than the deadline allows
# (each byte within READ_TIMEOUT).
READ_TIMEOUT = 0.3
DEADLINE = 1.2
LATENCY = 1.0
DRIP_DELAY = 0.1

# What people read about each failure (English; the same words through every door).
REJECTED = "WB rejected the token: it is unknown, revoked or expired"
REFUSED = "WB refused access with this token"
UNAVAILABLE = "WB did not answer in time or is unavailable. Try again later."
NOT_UNDERSTOOD = "WB sent an answer that could not be understood"
BUSY = "Too many WB checks are running right now. Try again in a moment."
PAUSED = "Calls for this seller are paused until"
LIMIT_USED_UP = "WB's request limit for this seller is used up"


@dataclass(frozen=True)
class Failure:
    """A way WB fails, what a stored valid token's check ends in, and what people are told."""

    fault: dict
    outcome: str
    message: str
    # Transient: a new token may still be stored unchecked, if the person says so.
    transient: bool = True

    @property
    def status(self) -> str:
        """The token's status after the check: what WB said, or as it was (valid)."""
        return Status.VALID if self.outcome == Outcome.UNAVAILABLE else self.outcome


FAILURES = [
    pytest.param(
        Failure({"kind": "status", "status": 401}, Outcome.INVALID, REJECTED, False), id="401"
    ),
    pytest.param(
        Failure({"kind": "status", "status": 403}, Outcome.ACCESS_DENIED, REFUSED, False), id="403"
    ),
    pytest.param(
        Failure(
            {"kind": "status", "status": 429, "headers": {"X-Ratelimit-Retry": "1"}},
            Outcome.UNAVAILABLE,
            LIMIT_USED_UP + " for less than a minute",
        ),
        id="429-short",
    ),
    pytest.param(
        Failure(
            {"kind": "status", "status": 429, "headers": {"X-Ratelimit-Retry": "3600"}},
            Outcome.UNAVAILABLE,
            LIMIT_USED_UP + " until",
        ),
        id="429-long",
    ),
    pytest.param(
        Failure({"kind": "status", "status": 500}, Outcome.UNAVAILABLE, UNAVAILABLE), id="500"
    ),
    pytest.param(
        Failure({"kind": "status", "status": 503}, Outcome.UNAVAILABLE, UNAVAILABLE), id="503"
    ),
    pytest.param(
        Failure({"kind": "latency", "delay": LATENCY}, Outcome.UNAVAILABLE, UNAVAILABLE),
        id="timeout",
    ),
    pytest.param(
        Failure({"kind": "drip", "delay": DRIP_DELAY}, Outcome.UNAVAILABLE, UNAVAILABLE),
        id="slow-drip",
    ),
    pytest.param(
        Failure({"kind": "slow_headers", "delay": DRIP_DELAY}, Outcome.UNAVAILABLE, UNAVAILABLE),
        id="slow-headers",
    ),
    pytest.param(Failure({"kind": "reset"}, Outcome.UNAVAILABLE, UNAVAILABLE), id="reset"),
    pytest.param(
        Failure({"kind": "malformed_json"}, Outcome.UNAVAILABLE, NOT_UNDERSTOOD),
        id="malformed-json",
    ),
    pytest.param(Failure({"kind": "html"}, Outcome.UNAVAILABLE, NOT_UNDERSTOOD), id="html-page"),
]

# What survives any failed check untouched: the secret and everything known about the seller.
KEPT_FIELDS = [
    "name",
    "ciphertext",
    "fingerprint",
    "hint",
    "token_type",
    "seller_id",
    "token_id",
    "scope_mask",
    "is_test",
    "expires_at",
    "created_by_id",
    "created_at",
]
KEPT_SELLER_FIELDS = ["sid", "oid", "name", "tin", "trade_mark", "country", "info_checked_at"]


def read(response) -> str:
    """A page's text as people read it (entities such as &#x27; decoded)."""
    return html.unescape(response.content.decode())


def toast(response) -> dict:
    return json.loads(response.headers.get("HX-Trigger", "{}")).get("showToast", {})


def wait_until(condition: Callable[[], bool], *, timeout: float = SETTLE_TIMEOUT) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def requests_of(wb, token: WBToken) -> int:
    """Requests WB has had with the token's seller."""
    return sum(1 for entry in wb.request_log if entry.sid == token.seller.sid)


def english(client: Client) -> Client:
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def fast_wb(wb, settings):
    settings.WB_API_READ_TIMEOUT = READ_TIMEOUT
    settings.WB_API_DEADLINE = DEADLINE
    return wb


@pytest.fixture
def manager(make_user):
    """Staff with every token permission, reading English."""
    client = Client()
    client.force_login(make_user("manager", staff=True, perms=ALL_PERMS))
    return english(client)


# --- The three doors ----------------------------------------------------------------------


@dataclass
class Doors:
    """Each way people add and check tokens; each returns what the person is told."""

    client: Client
    monkeypatch: pytest.MonkeyPatch
    unverified_hint: dict = field(
        default_factory=lambda: {
            "admin": "Save even if WB cannot be reached now",
            "page": "Save even if WB cannot be reached now",
            "command": "--allow-unverified",
        }
    )

    def add(self, door: str, raw: str) -> str:
        return getattr(self, f"add_{door}")(raw)

    def check(self, door: str, token: WBToken) -> str:
        return getattr(self, f"check_{door}")(token)

    def add_admin(self, raw: str) -> str:
        response = self.client.post(ADMIN_ADD, {"name": "Shop", "raw_token": raw})
        assert response.status_code == 200  # the form again, with the reason
        return read(response)

    def add_page(self, raw: str) -> str:
        response = self.client.post(ADD, {"name": "Shop", "raw_token": raw}, **HTMX)
        assert response.status_code == 200
        page = read(response)
        assert page.lstrip().startswith("<form")  # the dialog's form, not an error page
        return page

    def add_command(self, raw: str) -> str:
        self.monkeypatch.setattr(sys, "stdin", io.StringIO(raw))
        with pytest.raises(CommandError) as refused:
            call_command("wb_tokens", "add", "--name", "Shop", stdout=io.StringIO())
        return str(refused.value)

    def check_admin(self, token: WBToken) -> str:
        response = self.client.post(
            ADMIN_CHANGELIST,
            {"action": "check_selected", "_selected_action": [str(token.pk)], "index": 0},
        )
        assert response.status_code == 302  # to the bulk check's page; a worker checks
        assert check_batch_run(batch_id=CheckBatch.objects.get().pk) == "finished"
        summary = self.client.get(response["Location"])
        assert summary.status_code == 200
        assert "Checked 1 token: 0 valid." in read(summary)
        change = self.client.get(reverse("admin:tokens_wbtoken_change", args=[token.pk]))
        assert change.status_code == 200
        return read(summary) + read(change)

    def check_page(self, token: WBToken) -> str:
        response = self.client.post(
            reverse("tokens:check", args=[token.pk]), HTTP_HX_TARGET=f"token-{token.pk}", **HTMX
        )
        assert response.status_code == 200
        row = read(response)
        assert row.lstrip().startswith(f'<tr id="token-{token.pk}"')
        return row

    def check_command(self, token: WBToken) -> str:
        err = io.StringIO()
        with pytest.raises(CommandError, match="not valid or could not be checked"):
            call_command("wb_tokens", "check", "--wait", "--all", stdout=io.StringIO(), stderr=err)
        return err.getvalue()


@pytest.fixture
def doors(manager, monkeypatch) -> Doors:
    return Doors(manager, monkeypatch)


def kept(token: WBToken) -> dict:
    seller = Seller.objects.filter(pk=token.seller_id).values(*KEPT_SELLER_FIELDS).get()
    return {**WBToken.objects.filter(pk=token.pk).values(*KEPT_FIELDS).get(), **seller}


@pytest.mark.parametrize("door", ["admin", "page", "command"])
@pytest.mark.parametrize("failure", FAILURES)
def test_a_new_token_wb_cannot_confirm_is_refused_with_the_reason_and_nothing_saved(
    doors, mint, fast_wb, door, failure
):
    raw = mint()
    fast_wb.set_fault(**failure.fault)

    told = doors.add(door, raw)

    assert failure.message in told
    if failure.transient:
        assert doors.unverified_hint[door] in told
    assert raw not in told
    assert not WBToken.objects.exists()
    assert not WBTokenCheck.objects.exists()
    assert not LogEntry.objects.exists()
    assert fast_wb.request_count() >= 1  # WB was asked: the refusal is WB's answer


@pytest.mark.parametrize("door", ["admin", "page", "command"])
@pytest.mark.parametrize("failure", FAILURES)
def test_a_failed_check_says_why_sets_the_status_and_loses_nothing(
    doors, make_token, fast_wb, door, failure
):
    # A seller of its own: WB's log then tells this test's requests from late ones of others.
    token = make_token(seller_name=f"Seller {uuid.uuid4()}")
    before = WBToken.objects.get(pk=token.pk)
    survivors = kept(token)
    raw = get_cipher().decrypt(token.ciphertext, row_id=token.pk)
    asked_before = requests_of(fast_wb, token)
    fast_wb.set_fault(**failure.fault)

    told = doors.check(door, token)

    assert failure.message in told
    assert raw not in told
    after = WBToken.objects.get(pk=token.pk)
    assert after.status == failure.status
    assert failure.message in after.last_error
    assert kept(token) == survivors
    assert get_cipher().decrypt(after.ciphertext, row_id=token.pk) == raw
    assert (after.check_count, after.failed_check_count) == (
        before.check_count + 1,
        before.failed_check_count + 1,
    )
    check = after.checks.exclude(trigger=WBTokenCheck.Trigger.CREATE).get()
    assert check.outcome == failure.outcome
    sent = after.request_count - before.request_count
    assert check.request_count == sent >= 1
    # Every request counted on the token reached WB, and no other did.
    assert wait_until(lambda: requests_of(fast_wb, token) - asked_before == sent), (
        requests_of(fast_wb, token) - asked_before,
        sent,
    )


def test_a_retry_wait_that_overruns_the_deadline_sends_and_counts_no_further_request(mint, wb):
    """On a busy machine a wait between attempts can oversleep; WB's count must still match."""
    wb.set_fault("status", status=503)
    records = []
    client = new_client(mint(), on_request=records.append)
    overslept = 0.0
    client.clock = lambda: time.monotonic() + overslept

    def oversleep(seconds: float) -> None:
        nonlocal overslept
        overslept += client.deadline  # the wait ends after the deadline

    client.sleep = oversleep
    with pytest.raises(WBUnavailable):
        client.check()
    assert len(records) == wb.request_count() == 1


# --- Circuit breaker ----------------------------------------------------------------------


def check_url(token: WBToken) -> str:
    return reverse("tokens:check", args=[token.pk])


def detail_url(token: WBToken) -> str:
    return reverse("tokens:detail", args=[token.pk])


def pause_of(token: WBToken) -> WBPause:
    """The breaker row of the first host a check of the token pings."""
    return WBPause.objects.get(seller=token.seller, host=check_hosts(token)[0])


def ping_bucket(token: WBToken) -> RateBucket:
    """The seller's /ping budget on the first host a check of the token pings."""
    return RateBucket.objects.get(sid=token.seller.sid, group="ping", scope=check_hosts(token)[0])


def rate_limit(wb, token: WBToken, seconds: int) -> None:
    """WB answers this seller's requests (only) with 429 and a wait."""
    wb.set_fault(
        "status",
        status=429,
        sid=token.seller.sid,
        headers={"X-Ratelimit-Retry": str(seconds)},
    )


def test_a_429_empties_that_sellers_budget_and_the_pages_say_until_when(manager, make_token, wb):
    limited = make_token("Limited shop", seller_name="Limited seller")
    other = make_token("Other shop", seller_name="Other seller")
    rate_limit(wb, limited, 120)

    first = manager.post(check_url(limited), **HTMX)
    assert first.status_code == 200
    assert LIMIT_USED_UP in toast(first)["message"]
    bucket = ping_bucket(limited)
    expected = timezone.now() + timedelta(seconds=120)
    assert abs((bucket.blocked_until - expected).total_seconds()) < 10
    assert not WBPause.objects.exists()  # a 429 says nothing about WB's health
    limited.refresh_from_db()
    assert limited.status == Status.VALID and limited.check_count == 2  # WB said nothing of it

    asked = wb.request_count()
    second = manager.post(check_url(limited), **HTMX)
    assert second.status_code == 200
    assert wb.request_count() == asked  # nothing was sent to WB
    message = toast(second)
    assert message["level"] == "error"
    assert message["message"] == describe("rate_budget", bucket.blocked_until.isoformat())
    assert when_text(bucket.blocked_until) in message["message"]
    limited.refresh_from_db()
    assert limited.check_count == 2  # a check not tried is not counted
    detail = read(manager.get(detail_url(limited)))
    assert f"{LIMIT_USED_UP} {when_text(bucket.blocked_until)}" in detail

    wb.clear_faults()
    assert manager.post(check_url(other), **HTMX).status_code == 200
    other.refresh_from_db()
    assert other.status == Status.VALID and other.check_count == 2
    assert wb.request_count() > asked  # the other seller's check did reach WB
    assert LIMIT_USED_UP not in read(manager.get(detail_url(other)))


def test_a_bulk_check_waits_for_a_held_seller_while_the_others_are_checked(manager, make_token, wb):
    limited = make_token("Limited shop", seller_name="Limited seller")
    other = make_token("Other shop", seller_name="Other seller")
    rate_limit(wb, limited, 120)
    manager.post(check_url(limited), **HTMX)
    until = ping_bucket(limited).blocked_until
    wb.clear_faults()
    asked = requests_of(wb, limited)

    response = manager.post(
        ADMIN_CHANGELIST,
        {"action": "check_selected", "_selected_action": [str(limited.pk), str(other.pk)]},
    )
    batch = CheckBatch.objects.get()
    assert check_batch_run(batch_id=batch.pk) == "later"  # what a worker does

    page = read(manager.get(response["Location"]))
    assert "1 of 2 done" in page
    assert f"{LIMIT_USED_UP} {when_text(until)}" in page  # why the rest waits, and how long
    assert requests_of(wb, limited) == asked
    assert WBToken.objects.get(pk=limited.pk).check_count == 2
    assert WBToken.objects.get(pk=other.pk).check_count == 2  # added, then this bulk check
    batch.refresh_from_db()
    assert abs((batch.next_attempt_at - until).total_seconds()) < 1


def test_once_wbs_retry_time_has_passed_checks_go_through(manager, make_token, wb):
    token = make_token()
    rate_limit(wb, token, 120)
    manager.post(check_url(token), **HTMX)
    wb.clear_faults()
    asked = wb.request_count()
    with time_machine.travel(timezone.now() + timedelta(seconds=100), tick=False):
        manager.post(check_url(token), **HTMX)
        assert wb.request_count() == asked  # still WB's wait
    with time_machine.travel(timezone.now() + timedelta(seconds=121), tick=True):
        response = manager.post(check_url(token), **HTMX)
        assert response.status_code == 200 and toast(response)["level"] == "success"
        token.refresh_from_db()
        assert token.status == Status.VALID and token.last_error == ""
        assert wb.request_count() > asked
        assert 'class="errornote"' not in read(manager.get(detail_url(token)))  # no wait note


def test_consecutive_unavailable_answers_open_the_breaker_for_the_cooldown(manager, make_token, wb):
    token = make_token()
    other = make_token("Other shop", seller_name="Other seller")
    wb.set_fault("status", status=503, sid=token.seller.sid)
    for _ in range(BREAKER_THRESHOLD - 1):
        manager.post(check_url(token), **HTMX)
        assert pause_of(token).until is None  # counted, not yet open
    # A success in between starts the count again.
    wb.clear_faults()
    manager.post(check_url(token), **HTMX)
    assert not WBPause.objects.exists()
    wb.set_fault("status", status=503, sid=token.seller.sid)
    for _ in range(BREAKER_THRESHOLD - 1):
        manager.post(check_url(token), **HTMX)
    assert pause_of(token).until is None

    manager.post(check_url(token), **HTMX)
    pause = pause_of(token)
    assert pause.failures == BREAKER_THRESHOLD
    expected = timezone.now() + BREAKER_COOLDOWN
    assert abs((pause.until - expected).total_seconds()) < 10

    asked = wb.request_count()
    response = manager.post(check_url(token), **HTMX)
    assert wb.request_count() == asked
    assert toast(response)["message"] == describe("paused", pause.until.isoformat())
    assert PAUSED in toast(response)["message"]
    assert PAUSED in read(manager.get(detail_url(token)))
    token.refresh_from_db()
    assert token.status == Status.VALID and token.seller.name  # kept
    assert manager.post(check_url(other), **HTMX).status_code == 200
    assert WBToken.objects.get(pk=other.pk).status == Status.VALID


def database_url() -> str:
    """A URL for another process to reach the database this test uses."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = quote(db["HOST"] or "", safe="") + (f":{db['PORT']}" if db["PORT"] else "")
    return f"postgres://{credentials}@{host}/{quote(db['NAME'], safe='')}"


def shared_database(tmp_path: Path) -> str:
    """The URL of this test's database as another process can open it.

    PostgreSQL: the test database itself. SQLite: the test database lives in this
    process's memory, so another process gets a copy of it in a file, taken now.
    """
    if connection.vendor == "postgresql":
        return database_url()
    copy = tmp_path / "copy.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(copy)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    return f"sqlite:///{copy}"


def other_process_env(wb, database: str, home: Path) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "PYTHONDONTWRITEBYTECODE": "1",
        "WBERP_ENV_FILE": os.devnull,
        "DJANGO_SETTINGS_MODULE": "wberp.settings",
        "DEBUG": "true",  # the emulator's address is accepted in development only
        "LANGUAGE_CODE": "en",
        "DATABASE_URL": database,
        "CONN_MAX_AGE": "0",
        "WB_API_BASE_URL": wb.base_url,
        "WB_TOKEN_KEYS": ",".join(django_settings.WB_TOKEN_KEYS),
        "WB_TOKEN_FINGERPRINT_KEY": django_settings.WB_TOKEN_FINGERPRINT_KEY,
        "LOG_LEVEL": "WARNING",
        "HOME": str(home),
    }


@pytest.mark.django_db(transaction=True)
def test_the_rate_budget_is_in_the_database_for_every_process(make_token, superuser, wb, tmp_path):
    from tokens.services import token_check

    token = make_token()
    rate_limit(wb, token, 120)
    token_check(token=token, by=superuser)
    until = ping_bucket(token).blocked_until
    wb.clear_faults()

    # A connection of its own (Django gives each thread one) sees the committed wait.
    seen = {}

    def look() -> None:
        try:
            seen["until"] = ping_bucket(token).blocked_until
        finally:
            connection.close()

    reader = threading.Thread(target=look)
    reader.start()
    reader.join(timeout=30)
    assert seen["until"] == until

    # Another process sends nothing for that seller either: it waits for WB's retry time.
    asked = wb.request_count()
    env = other_process_env(wb, shared_database(tmp_path), tmp_path)
    waiting = subprocess.Popen(
        [sys.executable, "manage.py", "wb_tokens", "check", "--wait", "--all"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        said = waiting.stderr.readline()  # its first line; it then sleeps until WB allows
    finally:
        waiting.kill()
        waiting.wait(timeout=30)
    assert said.startswith("Waiting for WB's request limit, until"), said
    assert wb.request_count() == asked
    if connection.vendor == "postgresql":
        assert WBToken.objects.get(pk=token.pk).check_count == 2  # nothing recorded there


# --- Bounded WB concurrency ---------------------------------------------------------------

HOLD = 3.0  # seconds the emulator holds each /ping
CHECKS = 5
SLOTS = 2


class InFlight:
    """Samples how many /ping requests the emulator is holding at once, in a thread."""

    def __init__(self, wb) -> None:
        self.wb = wb
        self.most = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def now(self) -> int:
        return sum(
            1 for entry in self.wb.request_log if entry.path == "/ping" and entry.status is None
        )

    def _run(self) -> None:
        while not self._stop.is_set():
            self.most = max(self.most, self.now())
            time.sleep(0.005)

    def __enter__(self) -> "InFlight":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Timed:
    status: int
    seconds: float
    toast: dict
    body: str


def timed(method: str, url: str, **options) -> Timed:
    started = time.monotonic()
    response = requests.request(method, url, timeout=30, allow_redirects=False, **options)
    seconds = time.monotonic() - started
    return Timed(response.status_code, seconds, toast(response), response.text)


def test_wb_calls_are_bounded_per_process_and_other_pages_stay_fast(
    live_server, make_user, make_token, wb, settings
):
    settings.WB_API_MAX_CONCURRENCY = SLOTS
    settings.WB_API_SLOT_WAIT = 0.2
    settings.WB_API_READ_TIMEOUT = HOLD + 5
    settings.WB_API_DEADLINE = HOLD + 10
    # Each seller its own: the breaker and WB's per-seller limits stay out of the way. One
    # category each, so that a check is one /ping.
    tokens = [
        make_token(f"Shop {i}", seller_name=f"Seller {i}", categories="content")
        for i in range(CHECKS)
    ]
    for i, token in enumerate(tokens):
        # Holds of different lengths: the two checks that get through finish apart.
        wb.set_fault("latency", delay=HOLD + 0.5 * i, path="/ping", sid=token.seller.sid)
    pings_before = wb.request_count(path="/ping")

    staff = Client()
    staff.force_login(make_user("manager", staff=True, perms=ALL_PERMS))
    session = staff.cookies[django_settings.SESSION_COOKIE_NAME].value
    csrf = get_random_string(32)
    cookies = {
        django_settings.SESSION_COOKIE_NAME: session,
        django_settings.CSRF_COOKIE_NAME: csrf,
        django_settings.LANGUAGE_COOKIE_NAME: "en",
    }
    headers = {"X-CSRFToken": csrf, "HX-Request": "true"}

    def check(token: WBToken) -> Timed:
        return timed(
            "POST",
            live_server.url + check_url(token),
            cookies=cookies,
            headers={**headers, "HX-Target": f"token-{token.pk}"},
        )

    with InFlight(wb) as in_flight, ThreadPoolExecutor(CHECKS) as pool:
        futures = [pool.submit(check, token) for token in tokens]
        assert wait_until(lambda: in_flight.now() == SLOTS), in_flight.now()
        # The others are turned away without waiting for a slot to free up.
        assert wait_until(lambda: sum(f.done() for f in futures) == CHECKS - SLOTS)
        # While both slots are held, the rest of the site answers at once.
        pages = [
            timed("GET", live_server.url + LIST, cookies=cookies),
            timed("GET", live_server.url + "/healthz"),
            timed("GET", live_server.url + detail_url(tokens[0]), cookies=cookies),
        ]
        still_held = in_flight.now()
        results = [future.result(timeout=HOLD + 30) for future in futures]

    assert in_flight.most == SLOTS
    # The refused ones never reached WB.
    assert wb.request_count(path="/ping") - pings_before == SLOTS
    assert still_held == SLOTS  # the pages were served while WB held both slots
    for page in pages:
        assert page.status == 200, page.body[:500]
        assert page.seconds < 1.0, page.seconds

    busy = [result for result in results if result.toast.get("level") == "error"]
    checked = [result for result in results if result.toast.get("level") == "success"]
    assert len(busy) == CHECKS - SLOTS and len(checked) == SLOTS
    for result in busy:
        assert result.status == 200
        assert result.toast == {"message": BUSY, "level": "error"}
        assert result.seconds < HOLD - 1, result.seconds
    for result in checked:
        assert result.status == 200 and result.seconds >= HOLD

    counts = sorted(WBToken.objects.values_list("check_count", flat=True))
    assert counts == [1] * (CHECKS - SLOTS) + [2] * SLOTS  # a refused check changes nothing
    assert set(WBToken.objects.values_list("status", flat=True)) == {Status.VALID}
    assert WBTokenCheck.objects.count() == CHECKS + SLOTS
