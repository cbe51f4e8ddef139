from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wbapi.claims import (
    CATEGORY_BITS,
    MAX_TOKEN_LENGTH,
    READ_ONLY_BIT,
    TOKEN_TYPES,
    b64url_encode,
    decode_token,
    normalise_token,
    token_hint,
)
from wbapi.errors import MalformedToken
from wbapi.tests.helpers import NOW, make_token, wb_payload


@pytest.mark.parametrize(("acc", "token_type"), [*TOKEN_TYPES.items(), (7, "unknown")])
def test_it_names_every_token_type(acc, token_type):
    claims = decode_token(make_token(wb_payload(acc=acc)))

    assert claims.acc == acc
    assert claims.token_type == token_type


def test_it_calls_a_token_without_acc_unknown():
    payload = wb_payload()
    del payload["acc"]

    claims = decode_token(make_token(payload))

    assert (claims.acc, claims.token_type) == (None, "unknown")


@pytest.mark.parametrize(("bit", "category"), CATEGORY_BITS.items())
def test_it_reads_every_category_bit(bit, category):
    claims = decode_token(make_token(wb_payload(s=1 << bit)))

    assert claims.categories == (category,)
    assert claims.allows(category)
    assert not any(claims.allows(other) for other in CATEGORY_BITS.values() if other != category)
    assert claims.unknown_bits == ()
    assert not claims.read_only


def test_it_lists_categories_in_bit_order():
    claims = decode_token(make_token(wb_payload(s=1 << 13 | 1 << 5 | 1 << 1)))

    assert claims.categories == ("content", "statistics", "finance")


def test_it_reads_the_read_only_flag_without_counting_it_as_unknown():
    claims = decode_token(make_token(wb_payload(s=1 << READ_ONLY_BIT | 1 << 1)))

    assert claims.read_only
    assert claims.categories == ("content",)
    assert claims.unknown_bits == ()


def test_it_keeps_bits_it_does_not_know():
    mask = 1 << 0 | 1 << 14 | 1 << 29 | 1 << 31 | 1 << 40 | 1 << 4

    claims = decode_token(make_token(wb_payload(s=mask)))

    assert claims.scope_mask == mask
    assert claims.categories == ("marketplace",)
    assert claims.unknown_bits == (0, 14, 29, 31, 40)


def test_it_treats_a_missing_scope_as_no_categories():
    payload = wb_payload()
    del payload["s"]

    claims = decode_token(make_token(payload))

    assert (claims.scope_mask, claims.categories) == (0, ())


@pytest.mark.parametrize(
    ("t", "is_test"), [(True, True), (False, False), ("true", False), (1, False)]
)
def test_it_reads_the_test_flag_only_from_a_json_true(t, is_test):
    assert decode_token(make_token(wb_payload(t=t))).is_test is is_test


def test_it_reads_every_documented_claim():
    claims = decode_token(make_token(wb_payload(acc=4, **{"for": "asid:77"})))

    assert claims.expires_at == NOW + timedelta(days=180)
    assert claims.expires_at.tzinfo is UTC
    assert claims.issued_at == NOW
    assert claims.seller_sid == "5e1f7d2c-3b4a-4c9d-8e7f-6a5b4c3d2e1f"
    assert claims.seller_oid == 1234567
    assert claims.token_id == "0b5c2f4e-1d7a-4f6b-9a3e-2c8d7e6f5a41"
    assert claims.issued_for == "asid:77"
    assert claims.token_type == "service"


def test_it_leaves_optional_claims_of_the_wrong_type_empty():
    payload = wb_payload(iat="yesterday", sid=42, oid="1234567", id=None)
    del payload["for"]

    claims = decode_token(make_token(payload))

    assert claims.issued_at is None
    assert claims.seller_sid is None
    assert claims.seller_oid is None
    assert claims.token_id is None
    assert claims.issued_for is None


def test_it_accepts_a_fractional_expiry():
    claims = decode_token(make_token(wb_payload(exp=NOW.timestamp() + 0.5)))

    assert claims.expires_at == NOW + timedelta(seconds=0.5)


def test_it_always_allows_the_common_api():
    assert decode_token(make_token(wb_payload(s=0))).allows("common")


def test_it_refuses_to_answer_for_a_category_that_does_not_exist():
    claims = decode_token(make_token(wb_payload()))

    with pytest.raises(ValueError, match="Unknown WB API category"):
        claims.allows("contnet")


def test_it_knows_an_expired_token_from_the_exp_instant_on():
    claims = decode_token(make_token(wb_payload(exp=int(NOW.timestamp()))))

    assert not claims.is_expired(NOW - timedelta(seconds=1))
    assert claims.is_expired(NOW)
    assert claims.is_expired(NOW + timedelta(days=1))


@pytest.mark.parametrize(
    ("left", "days"),
    [
        (timedelta(days=180), 180),
        (timedelta(days=1, hours=23), 1),
        (timedelta(hours=5), 0),
        (timedelta(0), 0),
        (timedelta(seconds=-1), -1),
        (timedelta(days=-2, hours=-1), -3),
    ],
)
def test_it_counts_whole_days_left_rounding_down(left, days):
    claims = decode_token(make_token(wb_payload(exp=int((NOW + left).timestamp()))))

    assert claims.days_left(NOW) == days


def test_its_hint_is_the_last_four_characters():
    token = make_token(wb_payload(), signature="abcdWXYZ")

    assert decode_token(token).hint == "WXYZ"
    assert token_hint(f"  {token}\n") == "WXYZ"


def test_its_claims_never_show_the_token():
    token = make_token(wb_payload())

    shown = repr(decode_token(token)) + str(decode_token(token))

    assert all(part not in shown for part in token.split("."))


def test_it_strips_surrounding_whitespace_and_a_copied_bearer_prefix():
    token = make_token(wb_payload())

    assert normalise_token(f" \t{token}\r\n") == token
    assert normalise_token(f"Bearer {token}") == token
    assert normalise_token(f"  bearer   {token} ") == token


NOT_JSON = "bm90IGpzb24"  # "not json"
EMPTY_OBJECT = "e30"  # "{}"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("  \n\t ", "empty"),
        ("Bearer ", "empty"),
        ("a" * (MAX_TOKEN_LENGTH + 1), "too_long"),
        ("eyJh bGci.e30.sig", "whitespace"),
        ("eyJh\tbGci.e30.sig", "whitespace"),
        ("eyJh\nbGci.e30.sig", "whitespace"),
        ("eyJh\u00a0bGci.e30.sig", "whitespace"),
        ("eyJh\x00bGci.e30.sig", "control_chars"),
        ("eyJh\x1bbGci.e30.sig", "control_chars"),
        ("eyJh\x7fbGci.e30.sig", "control_chars"),
        ("eyJhbGci.токен.sig", "non_ascii"),
        ("eyJhbGci\u200b.e30.sig", "non_ascii"),
        ("hello world, это не токен", "not_a_token"),
        ("просто текст", "not_a_token"),
        ("токен", "not_a_token"),
        ("hello\x00world", "not_a_token"),
        ("eyJhbGci.e30", "not_three_parts"),
        ("eyJhbGci.e30.sig.more", "not_three_parts"),
        ("eyJhbGci..sig", "not_three_parts"),
        ("eyJhbGci.e30.", "not_three_parts"),
        ("eyJ+bGci.e30.sig", "bad_base64"),
        ("eyJhbGci.e30=.sig", "bad_base64"),
        ("eyJhbGci.e30.s", "bad_base64"),
        (f"{NOT_JSON}.{EMPTY_OBJECT}.sig", "bad_header"),
        (f"{EMPTY_OBJECT}.{NOT_JSON}.sig", "not_json"),
        (f"{EMPTY_OBJECT}.{EMPTY_OBJECT[:-1]}_w.sig", "not_json"),
    ],
)
def test_it_rejects_text_that_cannot_be_a_token(raw, reason):
    with pytest.raises(MalformedToken) as caught:
        decode_token(raw)

    assert caught.value.reason == reason
    assert caught.value.permanent


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ([1, 2, 3], "not_object"),
        ("a string", "not_object"),
        ({"acc": 3, "s": 2}, "missing_exp"),
        ({"exp": "soon"}, "bad_exp"),
        ({"exp": True}, "bad_exp"),
        ({"exp": -1}, "bad_exp"),
        ({"exp": 0}, "bad_exp"),
        ({"exp": 1e300}, "bad_exp"),
        ({"exp": 4102444800, "s": -1}, "bad_scope"),
        ({"exp": 4102444800, "s": "2"}, "bad_scope"),
        ({"exp": 4102444800, "s": 2.0}, "bad_scope"),
    ],
)
def test_it_rejects_a_payload_without_usable_claims(payload, reason):
    with pytest.raises(MalformedToken) as caught:
        decode_token(make_token(payload))

    assert caught.value.reason == reason


def test_it_rejects_deeply_nested_json_as_not_json():
    nested = b64url_encode(b"[" * 1400 + b"]" * 1400)

    with pytest.raises(MalformedToken) as caught:
        decode_token(f"{EMPTY_OBJECT}.{nested}.sig")

    assert caught.value.reason == "not_json"


@given(st.text(max_size=300))
def test_it_fails_on_any_text_only_with_malformed_token(raw):
    with contextlib.suppress(MalformedToken):
        decode_token(raw)


@given(
    st.dictionaries(
        st.sampled_from(["exp", "acc", "s", "t", "sid", "oid", "id", "for", "iat"]),
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    )
)
def test_it_decodes_any_claim_values_or_says_why_not(payload):
    try:
        claims = decode_token(make_token(payload))
    except MalformedToken as exc:
        assert exc.reason in {"missing_exp", "bad_exp", "bad_scope"}
    else:
        assert claims.expires_at.tzinfo is UTC


@given(st.text(alphabet="ABCDEFGHabcdefgh0123456789-_.", min_size=12, max_size=200))
def test_its_errors_never_repeat_the_text_given(raw):
    try:
        decode_token(raw)
    except MalformedToken as exc:
        shown = f"{exc} {exc!r} {exc.args}"
        assert raw not in shown
        assert all(part not in shown for part in raw.split(".") if len(part) > 4)


def test_it_reads_a_real_world_expiry_as_utc():
    claims = decode_token(make_token(wb_payload(exp=1767225600)))

    assert claims.expires_at == datetime(2026, 1, 1, tzinfo=UTC)
