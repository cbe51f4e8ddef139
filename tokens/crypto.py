"""Encryption of stored WB tokens, and their duplicate-detection fingerprint.

Envelope: ``v1:<key_id>:<base64url(nonce || ciphertext)>``, AES-256-GCM with the
row's UUID as associated data, so that a ciphertext copied into another row
does not decrypt. Keys come from WB_TOKEN_KEYS (the first encrypts, any of
them decrypts); each key's id is derived from the key itself, so the
configuration stays a plain list of keys. The fingerprint is an HMAC-SHA256
of the token under its own key, WB_TOKEN_FINGERPRINT_KEY.
"""

import base64
import binascii
import hashlib
import hmac
import os
import re
import uuid
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.views.decorators.debug import sensitive_variables

from .exceptions import TokenUnreadable

VERSION = "v1"
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_ID_LENGTH = 8
KEY_ID_PATTERN = re.compile(f"[0-9a-f]{{{KEY_ID_LENGTH}}}")
FINGERPRINT_PREFIX_LENGTH = 8
_ASSOCIATED_DATA_PREFIX = b"wberp.WBToken:"


class KeyConfigError(ValueError):
    """A key in the settings is missing, malformed or repeated."""


def decode_key(text: str) -> bytes:
    """A base64url (or standard base64) text of exactly 32 bytes, padding optional."""
    padded = text.strip() + "=" * (-len(text.strip()) % 4)
    try:
        raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyConfigError("not valid base64") from exc
    if len(raw) != KEY_BYTES:
        raise KeyConfigError(f"{len(raw)} bytes instead of {KEY_BYTES}")
    return raw


def key_id(key: bytes) -> str:
    """A short public name for a key: the same key always has the same id."""
    return hashlib.sha256(b"wberp-key-id:" + key).hexdigest()[:KEY_ID_LENGTH]


@dataclass(frozen=True)
class TokenKey:
    id: str
    aead: AESGCM

    def __repr__(self) -> str:  # never the key material
        return f"TokenKey(id={self.id!r})"


class TokenCipher:
    def __init__(self, keys: list[str], fingerprint_key: str) -> None:
        if not keys:
            raise KeyConfigError("WB_TOKEN_KEYS is empty")
        decoded = [
            _setting_key(text, f"WB_TOKEN_KEYS key #{number}")
            for number, text in enumerate(keys, start=1)
        ]
        self.keys = [TokenKey(key_id(raw), AESGCM(raw)) for raw in decoded]
        if len({key.id for key in self.keys}) != len(self.keys):
            raise KeyConfigError("WB_TOKEN_KEYS: the same key is listed twice")
        self.keys_by_id = {key.id: key for key in self.keys}
        self._fingerprint_key = _setting_key(fingerprint_key, "WB_TOKEN_FINGERPRINT_KEY")
        if self._fingerprint_key in decoded:
            raise KeyConfigError(
                "WB_TOKEN_FINGERPRINT_KEY must differ from every key in WB_TOKEN_KEYS"
            )

    def __repr__(self) -> str:
        return f"TokenCipher(key_ids={[key.id for key in self.keys]!r})"

    @property
    def primary(self) -> TokenKey:
        return self.keys[0]

    @sensitive_variables("plaintext")
    def encrypt(self, plaintext: str, *, row_id: uuid.UUID) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self.primary.aead.encrypt(nonce, plaintext.encode(), _associated_data(row_id))
        body = base64.urlsafe_b64encode(nonce + sealed).decode()
        return f"{VERSION}:{self.primary.id}:{body}"

    @sensitive_variables("plaintext")
    def decrypt(self, envelope: str, *, row_id: uuid.UUID) -> str:
        key, blob = self._parse(envelope)
        try:
            plaintext = key.aead.decrypt(
                blob[:NONCE_BYTES], blob[NONCE_BYTES:], _associated_data(row_id)
            )
        except InvalidTag:
            raise TokenUnreadable("mismatch") from None
        return plaintext.decode()

    def can_decrypt(self, envelope: str, *, row_id: uuid.UUID) -> bool:
        """Whether `envelope` decrypts for this row, the plaintext never leaving the cipher."""
        try:
            self.decrypt(envelope, row_id=row_id)
        except TokenUnreadable:
            return False
        return True

    @sensitive_variables("plaintext")
    def reencrypt(self, envelope: str, *, row_id: uuid.UUID) -> str:
        """The same secret under the primary key, without the plaintext leaving the cipher.
        Raises TokenUnreadable as decrypt() does."""
        plaintext = self.decrypt(envelope, row_id=row_id)
        return self.encrypt(plaintext, row_id=row_id)

    @sensitive_variables("token")
    def fingerprint(self, token: str) -> str:
        return hmac.new(self._fingerprint_key, token.encode(), hashlib.sha256).hexdigest()

    def _parse(self, envelope: str) -> tuple[TokenKey, bytes]:
        version, _sep, rest = envelope.partition(":")
        wanted_id, _sep, body = rest.partition(":")
        if version != VERSION or not body or not KEY_ID_PATTERN.fullmatch(wanted_id):
            raise TokenUnreadable("format")
        key = self.keys_by_id.get(wanted_id)
        if key is None:
            raise TokenUnreadable(f"unknown_key:{wanted_id}")
        try:
            # Strict: a character outside the alphabet is an alteration, not noise to skip.
            blob = base64.b64decode(body, altchars=b"-_", validate=True)
        except (binascii.Error, ValueError):
            raise TokenUnreadable("format") from None
        if len(blob) < NONCE_BYTES + TAG_BYTES:
            raise TokenUnreadable("format")
        return key, blob


def _setting_key(text: str, name: str) -> bytes:
    try:
        return decode_key(text)
    except KeyConfigError as exc:
        raise KeyConfigError(f"{name} is {exc}") from None


def envelope_key_id(envelope: str) -> str:
    """The id of the key an envelope was sealed with (without decrypting it)."""
    return envelope.split(":", 2)[1] if envelope.count(":") >= 2 else ""


def _associated_data(row_id: uuid.UUID) -> bytes:
    return _ASSOCIATED_DATA_PREFIX + row_id.bytes


@cache
def get_cipher() -> TokenCipher:
    return TokenCipher(settings.WB_TOKEN_KEYS, settings.WB_TOKEN_FINGERPRINT_KEY)


@receiver(setting_changed)
def _forget_cipher(*, setting: str, **kwargs) -> None:
    if setting in ("WB_TOKEN_KEYS", "WB_TOKEN_FINGERPRINT_KEY"):
        get_cipher.cache_clear()
