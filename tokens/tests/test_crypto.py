"""The envelope that keeps stored tokens secret, and the fingerprint that finds duplicates."""

import base64
import re
import uuid

import pytest

from tokens.crypto import (
    KEY_ID_LENGTH,
    NONCE_BYTES,
    TAG_BYTES,
    KeyConfigError,
    TokenCipher,
    decode_key,
    envelope_key_id,
    get_cipher,
    key_id,
)
from tokens.exceptions import TokenUnreadable
from wberp.envfile import generate_aes_key

TOKEN = "eyJhbGciOiJFUzI1NiJ9.eyJzaWQiOiJhYmMiLCJleHAiOjE5MDAwMDAwMDB9.c2lnbmF0dXJl-Xy_z"
KEY_A = generate_aes_key()
KEY_B = generate_aes_key()
FINGERPRINT_KEY = generate_aes_key()
ROW = uuid.UUID("6f1c2a8e-3b4d-4e5f-8a9b-0c1d2e3f4a5b")


def cipher(*keys: str, fingerprint_key: str = FINGERPRINT_KEY) -> TokenCipher:
    return TokenCipher(list(keys or [KEY_A]), fingerprint_key)


def body_of(envelope: str) -> bytes:
    return base64.urlsafe_b64decode(envelope.split(":", 2)[2])


def with_body(envelope: str, blob: bytes) -> str:
    version, kid, _body = envelope.split(":", 2)
    return f"{version}:{kid}:{base64.urlsafe_b64encode(blob).decode()}"


def assert_unreadable_without_secrets(envelope: str, expected: str, *, row=ROW) -> None:
    with pytest.raises(TokenUnreadable, match=expected) as raised:
        cipher(KEY_A).decrypt(envelope, row_id=row)
    message = raised.value.message
    assert raised.value.code == "unreadable"
    for secret in (TOKEN, TOKEN[-12:], KEY_A, FINGERPRINT_KEY, envelope.split(":", 2)[-1]):
        assert not secret or secret not in message
    assert str(raised.value) == message


# --- Envelope -----------------------------------------------------------------------------


def test_it_decrypts_what_it_encrypted():
    box = cipher()
    assert box.decrypt(box.encrypt(TOKEN, row_id=ROW), row_id=ROW) == TOKEN


def test_it_round_trips_non_ascii_text():
    box = cipher()
    assert box.decrypt(box.encrypt("токен ✓", row_id=ROW), row_id=ROW) == "токен ✓"


def test_the_envelope_is_version_key_id_and_urlsafe_base64_of_nonce_and_ciphertext():
    box = cipher()
    envelope = box.encrypt(TOKEN, row_id=ROW)

    assert re.fullmatch(r"v1:[0-9a-f]{8}:[A-Za-z0-9_-]+=*", envelope)
    version, kid, _body = envelope.split(":")
    assert (version, kid) == ("v1", box.primary.id)
    assert envelope_key_id(envelope) == box.primary.id
    assert len(body_of(envelope)) == NONCE_BYTES + len(TOKEN.encode()) + TAG_BYTES


def test_the_envelope_contains_no_part_of_the_plaintext():
    envelope = cipher().encrypt(TOKEN, row_id=ROW)
    for part in (TOKEN, *TOKEN.split("."), TOKEN[-4:]):
        assert part not in envelope
    assert TOKEN.encode() not in body_of(envelope)


def test_each_encryption_uses_a_fresh_nonce():
    box = cipher()
    first, second = box.encrypt(TOKEN, row_id=ROW), box.encrypt(TOKEN, row_id=ROW)
    assert first != second
    assert body_of(first)[:NONCE_BYTES] != body_of(second)[:NONCE_BYTES]


def test_the_envelope_is_bound_to_its_row():
    envelope = cipher().encrypt(TOKEN, row_id=ROW)
    assert_unreadable_without_secrets(
        envelope, "does not match this record or was altered", row=uuid.uuid4()
    )


def test_a_tampered_body_is_unreadable():
    envelope = cipher().encrypt(TOKEN, row_id=ROW)
    blob = bytearray(body_of(envelope))
    blob[NONCE_BYTES + 3] ^= 0x01
    assert_unreadable_without_secrets(with_body(envelope, bytes(blob)), "was altered")


def test_a_tampered_nonce_is_unreadable():
    envelope = cipher().encrypt(TOKEN, row_id=ROW)
    blob = bytearray(body_of(envelope))
    blob[0] ^= 0x80
    assert_unreadable_without_secrets(with_body(envelope, bytes(blob)), "was altered")


def test_a_truncated_tag_is_unreadable():
    envelope = cipher().encrypt(TOKEN, row_id=ROW)
    assert_unreadable_without_secrets(with_body(envelope, body_of(envelope)[:-1]), "was altered")


def test_a_stray_character_in_the_body_is_unreadable_not_skipped():
    envelope = cipher().encrypt(TOKEN, row_id=ROW)
    assert_unreadable_without_secrets(envelope[:20] + "!" + envelope[20:], "not in a known format")
    assert_unreadable_without_secrets(envelope + "\n", "not in a known format")


def test_an_unknown_version_is_unreadable():
    envelope = cipher().encrypt(TOKEN, row_id=ROW)
    assert_unreadable_without_secrets("v2" + envelope[2:], "not in a known format")


def test_an_unknown_key_id_is_unreadable_and_named():
    envelope = cipher(KEY_B).encrypt(TOKEN, row_id=ROW)
    other_id = key_id(decode_key(KEY_B))
    with pytest.raises(TokenUnreadable, match=f"encrypted with key {other_id}, which is not"):
        cipher(KEY_A).decrypt(envelope, row_id=ROW)
    assert_unreadable_without_secrets(envelope, "not configured")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("abc", id="bad-padding"),
        pytest.param("!!!!", id="not-base64"),
        pytest.param("AAAA", id="shorter-than-a-nonce"),
        pytest.param(base64.urlsafe_b64encode(b"n" * NONCE_BYTES).decode(), id="nonce-only"),
        pytest.param("ключ", id="non-ascii"),
    ],
)
def test_a_garbage_body_is_unreadable(body):
    kid = cipher(KEY_A).primary.id
    assert_unreadable_without_secrets(f"v1:{kid}:{body}", "not in a known format|was altered")


@pytest.mark.parametrize(
    "envelope",
    ["", "v1", "v1:", "v1::", TOKEN, "plain text token"],
)
def test_text_that_is_no_envelope_is_unreadable(envelope):
    assert_unreadable_without_secrets(envelope, "not in a known format|not configured")


# --- Keys and rotation --------------------------------------------------------------------


def test_the_first_key_encrypts_and_later_keys_still_decrypt():
    old = cipher(KEY_A).encrypt(TOKEN, row_id=ROW)
    rotated = cipher(KEY_B, KEY_A)

    assert rotated.decrypt(old, row_id=ROW) == TOKEN
    fresh = rotated.encrypt(TOKEN, row_id=ROW)
    assert envelope_key_id(fresh) == key_id(decode_key(KEY_B)) != envelope_key_id(old)
    assert cipher(KEY_B).decrypt(fresh, row_id=ROW) == TOKEN
    with pytest.raises(TokenUnreadable):
        cipher(KEY_B).decrypt(old, row_id=ROW)


def test_the_key_id_is_stable_and_derived_from_the_key():
    assert cipher(KEY_A).primary.id == cipher(KEY_A, KEY_B).primary.id == key_id(decode_key(KEY_A))
    assert cipher(KEY_B, KEY_A).keys[1].id == cipher(KEY_A).primary.id
    assert key_id(decode_key(KEY_A)) != key_id(decode_key(KEY_B))
    assert re.fullmatch(f"[0-9a-f]{{{KEY_ID_LENGTH}}}", key_id(decode_key(KEY_A)))
    assert key_id(b"\x00" * 32) == "59c4677d"  # the derivation itself must not drift


def test_standard_base64_and_padding_are_accepted_for_keys():
    raw = decode_key(KEY_A)
    standard = base64.b64encode(raw).decode()
    assert decode_key(standard) == decode_key(f"  {KEY_A}=\n") == raw


# --- Fingerprint --------------------------------------------------------------------------


def test_the_fingerprint_is_deterministic():
    assert cipher(KEY_A).fingerprint(TOKEN) == cipher(KEY_B).fingerprint(TOKEN)
    assert re.fullmatch("[0-9a-f]{64}", cipher().fingerprint(TOKEN))


def test_the_fingerprint_is_keyed():
    other = cipher(fingerprint_key=generate_aes_key())
    assert other.fingerprint(TOKEN) != cipher().fingerprint(TOKEN)


def test_distinct_tokens_have_distinct_fingerprints():
    box = cipher()
    assert box.fingerprint(TOKEN) != box.fingerprint(TOKEN + "x")
    assert box.fingerprint(TOKEN) != box.fingerprint(TOKEN[:-1])


def test_the_fingerprint_reveals_nothing_of_the_token():
    fingerprint = cipher().fingerprint(TOKEN)
    assert TOKEN[-4:] not in fingerprint and TOKEN not in fingerprint


# --- Key configuration --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "fingerprint_key", "message"),
    [
        pytest.param([], FINGERPRINT_KEY, "WB_TOKEN_KEYS is empty", id="empty-list"),
        pytest.param(["not base64 at all!"], FINGERPRINT_KEY, "not valid base64", id="malformed"),
        pytest.param([KEY_A, "%%%"], FINGERPRINT_KEY, "not valid base64", id="malformed-second"),
        pytest.param(
            [base64.urlsafe_b64encode(b"k" * 16).decode()],
            FINGERPRINT_KEY,
            "16 bytes instead of 32",
            id="short",
        ),
        pytest.param(
            [base64.urlsafe_b64encode(b"k" * 33).decode()],
            FINGERPRINT_KEY,
            "33 bytes instead of 32",
            id="long",
        ),
        pytest.param([KEY_A, KEY_A], FINGERPRINT_KEY, "listed twice", id="duplicate"),
        pytest.param(
            [KEY_A, base64.b64encode(decode_key(KEY_A)).decode()],
            FINGERPRINT_KEY,
            "listed twice",
            id="duplicate-in-another-spelling",
        ),
        pytest.param([KEY_A, KEY_B], KEY_B, "must differ", id="fingerprint-is-an-encryption-key"),
        pytest.param([KEY_A], "", "0 bytes", id="no-fingerprint-key"),
        pytest.param([KEY_A], "short", "not valid base64|bytes instead", id="bad-fingerprint-key"),
    ],
)
def test_it_refuses_a_bad_key_configuration(keys, fingerprint_key, message):
    with pytest.raises(KeyConfigError, match=message) as refused:
        TokenCipher(keys, fingerprint_key)
    for text in (*keys, fingerprint_key):
        if text:
            assert text not in str(refused.value)


def test_reprs_show_key_ids_but_no_key_material():
    box = cipher(KEY_A, KEY_B)
    shown = " ".join([repr(box), str(box), repr(box.primary), str(box.keys[1]), repr(box.keys)])

    assert repr(box) == f"TokenCipher(key_ids=[{box.keys[0].id!r}, {box.keys[1].id!r}])"
    assert repr(box.primary) == f"TokenKey(id={box.primary.id!r})"
    for key in (KEY_A, KEY_B, FINGERPRINT_KEY):
        raw = decode_key(key)
        assert key not in shown and repr(raw) not in shown and raw.hex() not in shown


# --- The configured cipher ----------------------------------------------------------------


def test_get_cipher_follows_the_settings(settings):
    settings.WB_TOKEN_KEYS = [KEY_A]
    settings.WB_TOKEN_FINGERPRINT_KEY = FINGERPRINT_KEY
    first = get_cipher()
    assert get_cipher() is first  # cached
    assert first.primary.id == key_id(decode_key(KEY_A))
    envelope = first.encrypt(TOKEN, row_id=ROW)

    settings.WB_TOKEN_KEYS = [KEY_B, KEY_A]
    assert get_cipher().primary.id == key_id(decode_key(KEY_B))
    assert get_cipher().decrypt(envelope, row_id=ROW) == TOKEN

    settings.WB_TOKEN_FINGERPRINT_KEY = generate_aes_key()
    assert get_cipher().fingerprint(TOKEN) != first.fingerprint(TOKEN)


def test_get_cipher_refuses_a_bad_setting(settings):
    settings.WB_TOKEN_KEYS = [KEY_A, KEY_A]
    with pytest.raises(KeyConfigError):
        get_cipher()
    settings.WB_TOKEN_KEYS = [KEY_A]
    settings.WB_TOKEN_FINGERPRINT_KEY = FINGERPRINT_KEY
    assert get_cipher().primary.id == key_id(decode_key(KEY_A))
