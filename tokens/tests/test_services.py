"""The token desk's rules, against the WB emulator over loopback."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.utils import timezone

from sellers.models import Seller
from tokens.crypto import get_cipher
from tokens.exceptions import TokenError, TokenUnreadable
from tokens.models import WBToken, WBTokenCheck
from tokens.services import token_check, token_create, token_delete, token_update
from wbapi.claims import decode_token

from .conftest import SELLER

pytestmark = pytest.mark.django_db
Status = WBToken.Status
Outcome = WBTokenCheck.Outcome


def assert_nothing_saved():
    assert WBToken.objects.count() == 0
    assert WBTokenCheck.objects.count() == 0
    assert LogEntry.objects.count() == 0


# --- Create -------------------------------------------------------------------------------


def test_it_stores_a_valid_token_with_seller_and_claims(mint, superuser, wb):
    raw = mint(categories="content,statistics", read_only=True, days=100)
    token = token_create(name="  Main   shop ", raw_token=f"  {raw}\n", by=superuser)

    assert token.name == "Main shop"
    assert token.status == Status.VALID
    seller = token.seller
    assert (seller.name, seller.tin, seller.trade_mark) == (SELLER, "7700000000", "Romashka")
    assert seller.sid == decode_token(raw).seller_sid and seller.info_checked_at is not None
    assert token.token_type == "personal"
    assert token.categories == ("content", "statistics")
    assert token.read_only is True
    assert token.is_test is False
    assert token.days_left() == 100  # just made to last 100 days
    assert token.hint == raw[-4:]
    assert raw not in token.ciphertext and token.ciphertext.startswith("v1:")
    assert get_cipher().decrypt(token.ciphertext, row_id=token.pk) == raw
    # /ping on each of the token's hosts, and seller-info: the token is new.
    assert (token.check_count, token.failed_check_count, token.request_count) == (1, 0, 3)
    assert token.created_by == superuser
    assert wb.request_count(host="content-api", path="/ping") == 1
    assert wb.request_count(host="statistics-api", path="/ping") == 1
    assert wb.request_count(host="common-api", path="/api/v1/seller-info") == 1
    assert wb.request_count(host="common-api", path="/ping") == 0


def test_it_records_the_first_check_and_an_audit_entry(make_token, superuser):
    token = make_token()
    [check] = token.checks.all()
    assert (check.trigger, check.outcome, check.http_status) == ("create", "valid", 200)
    assert check.checked_by == superuser and check.request_count == 4
    entry = LogEntry.objects.get()
    assert (entry.action_flag, entry.object_id, entry.user) == (ADDITION, str(token.pk), superuser)


def test_a_test_token_is_checked_on_the_sandbox_only(mint, superuser, wb):
    token = token_create(
        name="Sandbox", raw_token=mint(test=True, type="test", categories="content"), by=superuser
    )
    assert token.status == Status.VALID and token.is_test
    assert token.seller.name == "" and token.seller.info_checked_at is None  # no seller-info
    assert wb.request_count(host="content-api-sandbox", path="/ping") == 1
    assert wb.request_count(host="common-api") == 0


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        ({"kind": "status", "status": 401}, "invalid_token"),
        ({"kind": "status", "status": 403}, "access_denied"),
        ({"kind": "status", "status": 400}, "request_rejected"),
    ],
)
def test_a_permanent_wb_refusal_saves_nothing_even_if_asked_to(mint, superuser, wb, fault, code):
    wb.set_fault(**fault)
    with pytest.raises(TokenError) as refused:
        token_create(name="X", raw_token=mint(), by=superuser, allow_unverified=True)
    assert refused.value.code == code and refused.value.field == "raw_token"
    assert_nothing_saved()


def test_a_revoked_token_is_refused(mint, superuser, wb):
    raw = mint()
    wb.revoke(raw)
    with pytest.raises(TokenError, match="WB rejected the token"):
        token_create(name="X", raw_token=raw, by=superuser)
    assert_nothing_saved()


def test_a_token_naming_another_seller_than_wb_is_refused(mint, superuser, wb):
    wb.set_fault(
        "status",
        status=200,
        path="/api/v1/seller-info",
        body={
            "name": "Someone else",
            "sid": "00000000-0000-0000-0000-000000000000",
            "tin": "1",
            "tradeMark": "",
            "country": "RU",
        },
    )
    with pytest.raises(TokenError) as refused:
        token_create(name="X", raw_token=mint(), by=superuser)
    assert refused.value.code == "seller_mismatch"
    assert_nothing_saved()


TRANSIENT_FAULTS = [
    pytest.param(
        {"kind": "status", "status": 429, "headers": {"X-Ratelimit-Retry": "30"}},
        "rate_limited",
        id="429",
    ),
    pytest.param({"kind": "status", "status": 500}, "wb_unavailable", id="500"),
    pytest.param({"kind": "status", "status": 503}, "wb_unavailable", id="503"),
    pytest.param({"kind": "latency", "delay": 1.5}, "wb_unavailable", id="timeout"),
    pytest.param({"kind": "reset"}, "wb_unavailable", id="connection-reset"),
    pytest.param({"kind": "malformed_json"}, "protocol_error", id="malformed-json"),
    pytest.param({"kind": "html"}, "protocol_error", id="html-page"),
]


@pytest.mark.parametrize(("fault", "code"), TRANSIENT_FAULTS)
def test_when_wb_cannot_answer_nothing_is_saved_by_default(mint, superuser, wb, fault, code):
    wb.set_fault(**fault)
    with pytest.raises(TokenError) as refused:
        token_create(name="X", raw_token=mint(), by=superuser)
    assert refused.value.code == code
    assert refused.value.can_save_unverified
    assert_nothing_saved()


@pytest.mark.parametrize(("fault", "code"), TRANSIENT_FAULTS)
def test_when_wb_cannot_answer_it_can_be_saved_unchecked(mint, superuser, wb, fault, code):
    wb.set_fault(**fault)
    token = token_create(name="X", raw_token=mint(), by=superuser, allow_unverified=True)
    assert token.status == Status.UNCHECKED
    assert token.last_error_code == code and token.last_error
    assert token.failed_check_count == 1
    assert token.checks.get().outcome == Outcome.UNAVAILABLE


def test_an_expired_token_is_refused_without_asking_wb(mint, superuser, wb):
    raw = mint(expires_at=datetime.now(UTC) - timedelta(minutes=1))
    with pytest.raises(TokenError) as refused:
        token_create(name="X", raw_token=raw, by=superuser)
    assert refused.value.code == "token_expired"
    assert "cannot be renewed" in refused.value.message
    assert wb.request_count() == 0
    assert_nothing_saved()


@pytest.mark.parametrize("text", ["", "   ", "not-a-token", "a.b", "eyJ.eyJ.x y", "a.b.c\x00"])
def test_malformed_input_is_refused_without_asking_wb(superuser, wb, text):
    with pytest.raises(TokenError) as refused:
        token_create(name="X", raw_token=text, by=superuser)
    assert refused.value.code == "malformed_token" and refused.value.field == "raw_token"
    assert wb.request_count() == 0
    assert_nothing_saved()


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_bad_name_is_refused(mint, superuser, name):
    with pytest.raises(TokenError) as refused:
        token_create(name=name, raw_token=mint(), by=superuser)
    assert refused.value.field == "name"


@pytest.mark.parametrize(
    "name",
    [
        "Shop \u202efdp.exe",  # right-to-left override
        "Sh\u200bop",  # zero-width space
        "Shop\u200d",  # zero-width joiner
        "\ufeffShop",  # byte order mark
        "Shop \u2066x\u2069",  # bidi isolates
    ],
)
def test_a_name_with_invisible_formatting_characters_is_refused(mint, superuser, wb, name):
    with pytest.raises(TokenError, match="invisible formatting characters") as refused:
        token_create(name=name, raw_token=mint(), by=superuser)
    assert refused.value.field == "name"
    assert wb.request_count() == 0
    assert_nothing_saved()


def test_a_duplicate_is_refused_naming_the_stored_one(make_token, superuser, wb):
    raw = wb.mint(seller_name="Dup")
    token_create(name="First", raw_token=raw, by=superuser)
    requests_before = wb.request_count()
    with pytest.raises(TokenError, match="already stored as “First”") as refused:
        token_create(name="Second", raw_token=f"Bearer {raw} ", by=superuser)
    assert refused.value.code == "duplicate"
    assert wb.request_count() == requests_before
    assert WBToken.objects.count() == 1


# --- Update -------------------------------------------------------------------------------


def test_renaming_changes_only_the_name_and_is_audited(make_token, superuser, wb):
    token = make_token()
    ciphertext = token.ciphertext
    requests_before = wb.request_count()
    token = token_update(token=token, name="Renamed", by=superuser)
    assert token.name == "Renamed" and token.ciphertext == ciphertext
    assert wb.request_count() == requests_before
    entry = LogEntry.objects.filter(action_flag=CHANGE).get()
    assert entry.change_message == '[{"changed": {"fields": ["name"]}}]'  # names, not values


def test_replacing_the_token_of_the_same_seller_revalidates_it(make_token, mint, superuser):
    token = make_token(categories="content")
    new_raw = mint(categories="content,finance")
    token = token_update(token=token, raw_token=new_raw, by=superuser)
    assert token.categories == ("content", "finance")
    assert get_cipher().decrypt(token.ciphertext, row_id=token.pk) == new_raw
    assert token.check_count == 2
    assert token.checks.first().trigger == "update"


def test_replacing_with_another_sellers_token_needs_confirmation(make_token, mint, superuser):
    token = make_token()
    other = mint(seller_name="Другой продавец")
    with pytest.raises(TokenError) as refused:
        token_update(token=token, raw_token=other, by=superuser)
    assert refused.value.code == "other_seller"
    token.refresh_from_db()
    assert token.seller.name == SELLER
    token = token_update(token=token, raw_token=other, by=superuser, allow_other_seller=True)
    assert token.seller.name == "Другой продавец"
    assert Seller.objects.count() == 2  # the first seller stays, with its data


def test_replacing_with_a_rejected_token_changes_nothing(make_token, mint, superuser, wb):
    token = make_token()
    before = WBToken.objects.values().get(pk=token.pk)
    wb.set_fault("status", status=401)
    with pytest.raises(TokenError):
        token_update(token=token, name="New name", raw_token=mint(), by=superuser)
    assert WBToken.objects.values().get(pk=token.pk) == before
    assert token.checks.count() == 1


def test_replacing_with_the_same_token_is_refused(make_token, mint, superuser, wb):
    raw = mint(seller_name="Same")
    token = token_create(name="A", raw_token=raw, by=superuser)
    with pytest.raises(TokenError) as refused:
        token_update(token=token, raw_token=raw, by=superuser)
    assert refused.value.code == "same_token"


# --- Check --------------------------------------------------------------------------------


def test_checking_a_valid_token_updates_status_counters_and_history(make_token, superuser, wb):
    token = make_token()
    check = token_check(token=token, by=superuser)
    assert check.outcome == Status.VALID and check.trigger == "manual"
    assert check.duration_ms is not None and check.wb_request_id
    # Seller-info was asked when the token was added: a check within a day only pings.
    assert (token.check_count, token.request_count, token.status) == (2, 7, Status.VALID)
    assert wb.request_count(path="/api/v1/seller-info") == 1
    assert token.last_used_at is not None


def test_seller_info_is_asked_again_once_a_day(make_token, superuser, wb):
    token = make_token()
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1), tick=False):
        token_check(token=token, by=superuser)
    assert wb.request_count(path="/api/v1/seller-info") == 2
    token.seller.refresh_from_db()
    assert token.seller.info_checked_at > token.created_at + timedelta(days=1)


def test_a_token_revoked_since_it_was_added_turns_invalid(make_token, superuser, wb):
    token = make_token()
    wb.revoke(get_cipher().decrypt(token.ciphertext, row_id=token.pk))
    check = token_check(token=token, by=superuser)
    assert check.outcome == token.status == Status.INVALID
    assert check.http_status == 401
    assert token.failed_check_count == 1
    assert "Create a new token" in token.last_error


def test_an_expired_token_is_marked_expired_without_a_request(make_token, superuser, wb, settings):
    token = make_token()
    WBToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    token.refresh_from_db()
    requests_before = wb.request_count()
    check = token_check(token=token, by=superuser)
    assert check.outcome == token.status == Status.EXPIRED
    assert check.request_count == 0 and wb.request_count() == requests_before


def test_access_denied_by_wb_is_the_tokens_status(make_token, superuser, wb):
    token = make_token()
    wb.set_fault("status", status=403)
    assert token_check(token=token, by=superuser).outcome == Outcome.ACCESS_DENIED
    token.refresh_from_db()
    assert token.status == Status.ACCESS_DENIED and token.last_error


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param({"kind": "status", "status": 503}, id="503"),
        pytest.param({"kind": "malformed_json"}, id="malformed-json"),
        pytest.param(
            {"kind": "status", "status": 429, "headers": {"X-Ratelimit-Retry": "30"}}, id="429"
        ),
    ],
)
def test_a_check_wb_cannot_answer_leaves_the_status_and_says_why(make_token, superuser, wb, fault):
    token = make_token()
    wb.set_fault(**fault)
    check = token_check(token=token, by=superuser)
    assert check.outcome == Outcome.UNAVAILABLE
    token.refresh_from_db()
    assert token.status == Status.VALID and token.last_error
    assert check.error_message == token.last_error


def test_a_successful_check_clears_the_last_error(make_token, superuser, wb):
    token = make_token()
    wb.set_fault("status", status=503, times=3)
    token_check(token=token, by=superuser)
    assert token.last_error
    token_check(token=token, by=superuser)
    assert token.status == Status.VALID and token.last_error == ""


def test_checks_through_stale_copies_all_count(make_token, superuser):
    token = make_token()
    first, second = WBToken.objects.get(pk=token.pk), WBToken.objects.get(pk=token.pk)
    token_check(token=first, by=superuser)
    token_check(token=second, by=superuser)
    token.refresh_from_db()
    assert (token.check_count, token.request_count) == (3, 4 + 3 + 3)


def test_a_ciphertext_copied_into_another_row_is_unreadable_and_nothing_is_sent(
    make_token, superuser, wb
):
    first = make_token("First")
    second = make_token("Second", seller_name="Other")
    WBToken.objects.filter(pk=second.pk).update(ciphertext=first.ciphertext)
    second.refresh_from_db()
    requests_before = wb.request_count()
    with pytest.raises(TokenUnreadable):
        token_check(token=second, by=superuser)
    assert wb.request_count() == requests_before
    assert second.checks.count() == 1


def test_a_token_under_a_removed_key_is_unreadable_and_nothing_is_sent(
    make_token, superuser, wb, settings
):
    token = make_token()
    from wberp.envfile import generate_aes_key

    settings.WB_TOKEN_KEYS = [generate_aes_key()]
    requests_before = wb.request_count()
    with pytest.raises(TokenUnreadable, match="not configured"):
        token_check(token=token, by=superuser)
    assert wb.request_count() == requests_before


# --- Delete -------------------------------------------------------------------------------


def test_deleting_removes_the_token_and_its_history_and_is_audited(make_token, superuser):
    token = make_token()
    pk = token.pk
    token_delete(token=token, by=superuser)
    assert not WBToken.objects.filter(pk=pk).exists()
    assert not WBTokenCheck.objects.exists()
    entry = LogEntry.objects.get(action_flag=DELETION)
    assert entry.object_id == str(pk)
