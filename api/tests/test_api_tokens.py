"""Personal API tokens: made and shown once, hashed, scoped, expiring, revocable, locked out."""

import io
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.models import APIAuthFailure, APIToken, APITokenRequests
from api.services import (
    LAST_USED_PRECISION,
    api_token_authenticate,
    api_token_count_request,
    api_token_create,
)
from wberp.redaction import hide_tokens, looks_like_token

from .conftest import ALL_TOKEN_PERMS, TOKENS, APIClient

pytestmark = pytest.mark.django_db

PAGE = reverse("api_tokens:list")


@pytest.fixture
def owner(make_user):
    return make_user("owner", staff=True, perms=[*ALL_TOKEN_PERMS, "sellers.view_seller"])


def bearer(raw: str, **kwargs) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Bearer {raw}", **kwargs)


# --- What a token is ------------------------------------------------------------------------


def test_a_token_is_prefixed_random_and_stored_only_as_a_keyed_hash(owner):
    token, raw = api_token_create(user=owner, name="1C")
    prefix, public_id, secret = raw.split("_", 2)
    assert prefix == "wberp" and public_id == token.public_id
    assert len(secret) == 43  # 256 random bits, base64url
    stored = " ".join(str(value) for value in APIToken.objects.values_list().get())
    assert secret not in stored and raw not in stored
    assert token.secret_hash not in raw
    assert api_token_create(user=owner, name="1C")[1] != raw


def test_defaults_90_days_and_the_owners_scopes_at_most_365_days(owner):
    token, _raw = api_token_create(user=owner, name="1C")
    assert timedelta(days=89) < token.expires_at - timezone.now() <= timedelta(days=90)
    assert token.scopes == ["tokens:read", "tokens:write", "sellers:read"]
    with pytest.raises(Exception, match="from 1 to 365 days"):
        api_token_create(user=owner, name="1C", days=366)


def test_scopes_beyond_the_owners_permissions_are_refused(make_user):
    viewer = make_user("viewer", staff=True, perms=["tokens.view_wbtoken"])
    with pytest.raises(Exception, match="beyond your permissions: tokens:write"):
        api_token_create(user=viewer, name="x", scopes=["tokens:read", "tokens:write"])
    with pytest.raises(Exception, match="at least one scope"):
        api_token_create(user=viewer, name="x", scopes=[])


# --- Calling with it ------------------------------------------------------------------------


def test_a_valid_token_calls_the_api_as_its_owner(owner, make_token):
    make_token()
    _token, raw = api_token_create(user=owner, name="1C")
    response = bearer(raw).get(TOKENS)
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_unsafe_methods_with_a_token_need_no_csrf(owner, make_token):
    token = make_token()
    _api_token, raw = api_token_create(user=owner, name="1C")
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = client.patch(
        f"{TOKENS}{token.pk}", '{"name": "Renamed"}', content_type="application/json"
    )
    assert response.status_code == 200
    entry = LogEntry.objects.filter(object_id=str(token.pk)).latest("action_time")
    assert entry.user == owner


@pytest.mark.parametrize("kind", ["wrong", "garbled", "expired", "revoked", "inactive owner"])
def test_a_token_that_is_not_active_is_a_401_with_www_authenticate(owner, kind):
    token, raw = api_token_create(user=owner, name="1C")
    if kind == "wrong":
        raw = raw[:-4] + ("AAAA" if not raw.endswith("AAAA") else "BBBB")
    elif kind == "garbled":
        raw = "wberp_nonsense"
    elif kind == "expired":
        APIToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
    elif kind == "revoked":
        APIToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    else:
        owner.is_active = False
        owner.save()
    response = bearer(raw).get(TOKENS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="wberp", error="invalid_token"'
    assert response.json() == {"detail": "The API token is unknown, expired or revoked."}


def test_a_token_never_falls_back_to_the_session(owner):
    client = bearer("wberp_000000000000_" + "A" * 43)
    client.force_login(owner)
    assert client.get(TOKENS).status_code == 401


def test_the_owners_permission_and_the_tokens_scope_are_both_needed(owner, make_user, make_token):
    stored = make_token()
    _token, read_only = api_token_create(user=owner, name="read", scopes=["tokens:read"])
    assert bearer(read_only).get(TOKENS).status_code == 200
    refused = bearer(read_only).delete(f"{TOKENS}{stored.pk}")
    assert refused.status_code == 403
    assert "tokens:write" in refused.json()["detail"]
    _token, everything = api_token_create(user=owner, name="all")
    owner.user_permissions.clear()
    assert bearer(everything).get(TOKENS).status_code == 403  # permissions lost since


def test_a_staff_user_who_is_no_longer_staff_is_refused(owner):
    _token, raw = api_token_create(user=owner, name="1C")
    owner.is_staff = False
    owner.save()
    assert bearer(raw).get(TOKENS).status_code == 403


def test_last_used_is_written_at_most_every_ten_minutes(owner, django_assert_num_queries):
    token, raw = api_token_create(user=owner, name="1C")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert api_token_authenticate(raw).last_used_at == start
    soon = start + LAST_USED_PRECISION / 2
    # The lookup only, no write:
    with time_machine.travel(soon, tick=False), django_assert_num_queries(1):
        api_token_authenticate(raw)
    token.refresh_from_db()
    assert token.last_used_at == start
    later = start + LAST_USED_PRECISION + timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        api_token_authenticate(raw)
    token.refresh_from_db()
    assert token.last_used_at == later


# --- Lockout --------------------------------------------------------------------------------


def test_repeated_bad_tokens_lock_the_address_out_with_429_and_retry_after(owner, settings):
    settings.API_AUTH_FAILURE_LIMIT = 3
    _token, good = api_token_create(user=owner, name="1C")
    for _attempt in range(3):
        assert bearer("wberp_000000000000_" + "B" * 43).get(TOKENS).status_code == 401
    locked = bearer(good).get(TOKENS)
    assert locked.status_code == 429
    assert 0 < int(locked["Retry-After"]) <= settings.AXES_COOLOFF_TIME * 3600
    assert "Too many failed attempts" in locked.json()["detail"]
    other_address = bearer(good, REMOTE_ADDR="192.0.2.7").get(TOKENS)
    assert other_address.status_code == 200
    later = timezone.now() + timedelta(hours=settings.AXES_COOLOFF_TIME, seconds=1)
    with time_machine.travel(later):
        assert bearer(good).get(TOKENS).status_code == 200
        assert bearer("wberp_000000000000_" + "B" * 43).get(TOKENS).status_code == 401
    assert APIAuthFailure.objects.get(ip_address="127.0.0.1").failures == 1  # a new window


def test_no_token_appears_in_the_log_lines(owner, caplog):
    caplog.set_level(logging.DEBUG)
    _token, raw = api_token_create(user=owner, name="1C")
    bearer(raw).get(TOKENS)
    bearer(raw[:-1] + "x").get(TOKENS)
    logging.getLogger("wberp.test").warning("pasted %s into a log", raw)
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "api auth failed" in text
    assert raw.split("_", 2)[2] not in text
    assert raw[:-1] not in text


# --- Pages, command, admin ------------------------------------------------------------------


def test_the_page_makes_a_token_shows_it_once_and_lists_it(owner):
    client = Client()
    client.force_login(owner)
    made = client.post(
        PAGE,
        {"name": "1C export", "days": 30, "scopes": ["tokens:read"]},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert made.status_code == 302 and made["Location"] == PAGE  # a reload GETs, never POSTs
    token = APIToken.objects.get()
    response = client.get(PAGE)
    raw = response.context["new_token"]
    assert raw.startswith(f"wberp_{token.public_id}_")
    assert raw in response.content.decode()
    assert token.scopes == ["tokens:read"]
    again = client.get(PAGE).content.decode()
    assert "1C export" in again and raw not in again
    assert raw not in str(dict(client.session))  # the session forgot it once shown
    assert response["Cache-Control"].startswith("max-age=0")
    assert APIToken.objects.count() == 1


def test_the_page_offers_only_the_owners_scopes_and_refuses_others(make_user):
    viewer = make_user("viewer", staff=True, perms=["tokens.view_wbtoken"])
    client = Client()
    client.force_login(viewer)
    assert [
        value for value, _label in client.get(PAGE).context["form"]["scopes"].field.choices
    ] == ["tokens:read"]
    refused = client.post(PAGE, {"name": "x", "days": 30, "scopes": ["tokens:write"]})
    assert refused.context["new_token"] is None
    assert not APIToken.objects.exists()


def test_revoking_on_the_page_stops_the_token_and_only_the_owner_may(owner, make_user):
    token, raw = api_token_create(user=owner, name="1C")
    stranger = Client()
    stranger.force_login(make_user("stranger", staff=True))
    url = reverse("api_tokens:revoke", args=[token.pk])
    assert stranger.post(url).status_code == 404
    client = Client()
    client.force_login(owner)
    assert client.post(url)["Location"] == PAGE
    assert bearer(raw).get(TOKENS).status_code == 401
    assert LogEntry.objects.filter(object_id=str(token.pk), action_flag=2).exists()


def test_the_command_creates_prints_once_lists_and_revokes(owner):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "api_tokens",
        "create",
        "--user",
        "owner",
        "--name",
        "cron",
        "--scopes",
        "tokens:read",
        "--days",
        "7",
        stdout=out,
        stderr=err,
    )
    raw = out.getvalue().strip()
    token = APIToken.objects.get()
    assert raw.startswith(f"wberp_{token.public_id}_") and "\n" not in raw
    assert token.scopes == ["tokens:read"]
    listing = io.StringIO()
    call_command("api_tokens", "list", stdout=listing)
    assert token.public_id in listing.getvalue() and raw not in listing.getvalue()
    call_command("api_tokens", "revoke", token.public_id, stdout=io.StringIO())
    token.refresh_from_db()
    assert token.revoked_at is not None
    with pytest.raises(CommandError, match="No API token"):
        call_command("api_tokens", "revoke", "ffffffffffff")
    with pytest.raises(CommandError, match="from 1 to 365"):
        call_command("api_tokens", "create", "--user", "owner", "--name", "x", "--days", "0")


def test_the_admin_lists_and_revokes_but_never_adds(superuser, owner):
    token, raw = api_token_create(user=owner, name="1C")
    client = Client()
    client.force_login(superuser)
    changelist = reverse("admin:api_apitoken_changelist")
    page = client.get(changelist).content.decode()
    assert token.shown_id in page and raw not in page
    assert client.get(reverse("admin:api_apitoken_add")).status_code == 403
    client.post(changelist, {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_log_redaction_hides_an_api_tokens_secret_even_cut_short():
    raw = "wberp_0123456789ab_" + "s3cr3t-Value_" * 3 + "abcd"
    assert hide_tokens(f"GET /?q={raw} {raw[:-10]}") == (
        "GET /?q=wberp_0123456789ab_<hidden> wberp_0123456789ab_<hidden>"
    )
    assert looks_like_token(raw)


def test_a_token_making_too_many_requests_gets_429_with_retry_after(owner, settings):
    settings.API_TOKEN_RATE = "3/min"
    _token, raw = api_token_create(user=owner, name="busy")
    _token, other = api_token_create(user=owner, name="calm")
    assert [bearer(raw).get(TOKENS).status_code for _call in range(3)] == [200] * 3
    refused = bearer(raw).get(TOKENS)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert "Too many requests with this API token" in refused.json()["detail"]
    assert bearer(other).get(TOKENS).status_code == 200  # each token has its own count
    session = Client()
    session.force_login(owner)
    assert all(session.get(TOKENS).status_code == 200 for _call in range(5))  # people: none


def test_the_budget_is_shared_by_concurrent_callers_with_their_own_connections(
    owner, settings, transactional_db
):
    """Threads with a database connection each stand for server processes: one budget."""
    settings.API_TOKEN_RATE = "10/min"
    _token, raw = api_token_create(user=owner, name="busy")

    def caller(_number: int) -> list[int]:
        try:
            return [bearer(raw).get(TOKENS).status_code for _call in range(8)]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = [status for statuses in pool.map(caller, range(2)) for status in statuses]
    assert sorted(answers) == [200] * 10 + [429] * 6


def test_a_new_window_starts_once_the_last_has_ended(owner):
    token, _raw = api_token_create(user=owner, name="1C")
    start = timezone.now()
    minute = timedelta(minutes=1)
    counted = [
        api_token_count_request(token, limit=2, period=minute, now=start + timedelta(seconds=s))
        for s in (0, 10, 20)
    ]
    assert counted == [None, None, minute - timedelta(seconds=20)]
    assert api_token_count_request(token, limit=2, period=minute, now=start + minute) is None
    assert APITokenRequests.objects.get(token=token).requests == 1
