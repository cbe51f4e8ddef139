"""Reading a WB API token locally: its type, seller, categories, flags and expiry.

A WB token is a JWT. Its payload is readable without WB's key, and that is all this module does:
it never checks the signature (only WB can) and never calls WB. Knowing the claims up front lets
the application warn before expiry, send test tokens to sandbox hosts only, and skip calls the
token's categories do not cover.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from wbapi.errors import MalformedToken

# Scope bits of the `s` claim, in bit order.
CATEGORY_BITS: dict[int, str] = {
    1: "content",
    2: "analytics",
    3: "prices",
    4: "marketplace",
    5: "statistics",
    6: "promotion",
    7: "feedbacks",
    8: "recommendations",
    9: "chat",
    10: "supplies",
    11: "returns",
    12: "documents",
    13: "finance",
}
CATEGORY_NAMES = frozenset(CATEGORY_BITS.values())
READ_ONLY_BIT = 30
# The common API (ping, seller-info, news, tariffs) takes a token of any category.
COMMON_CATEGORY = "common"

TOKEN_TYPES: dict[int, str] = {1: "basic", 2: "test", 3: "personal", 4: "service"}
UNKNOWN_TYPE = "unknown"

# Real WB tokens are a few hundred characters; anything this long is a paste accident.
MAX_TOKEN_LENGTH = 4096
HINT_LENGTH = 4

_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
_BEARER_PREFIX = re.compile(r"bearer(?:\s+|$)", re.IGNORECASE)
# Three parts separated by dots: a token, perhaps damaged in copying, rather than other text.
_TOKEN_SHAPED = re.compile(r"[^.\s]+\.[^.\s]+\.[^.\s]+")


@dataclass(frozen=True)
class TokenClaims:
    """What a token's payload says. Holds only the last 4 characters of the token itself."""

    token_type: str
    acc: int | None
    expires_at: datetime
    issued_at: datetime | None
    seller_sid: str | None
    seller_oid: int | None
    token_id: str | None
    issued_for: str | None
    is_test: bool
    scope_mask: int
    categories: tuple[str, ...]
    unknown_bits: tuple[int, ...]
    read_only: bool
    hint: str

    def is_expired(self, now: datetime) -> bool:
        """True from the `exp` instant on; `now` must be timezone-aware."""
        return now >= self.expires_at

    def days_left(self, now: datetime) -> int:
        """Whole days until expiry, rounded down: 1 day 23 h -> 1; 5 h -> 0; expired 1 s -> -1.

        Rounding down never promises a day that is not there, so "0 days left" is the last
        warning; a negative value always means the token has expired.
        """
        return math.floor((self.expires_at - now) / timedelta(days=1))

    def allows(self, category: str) -> bool:
        """Whether the token's categories cover an API category ("common" is always allowed)."""
        if category == COMMON_CATEGORY:
            return True
        if category not in CATEGORY_NAMES:
            raise ValueError(f"Unknown WB API category: {category!r}")
        return category in self.categories


def token_hint(raw: str) -> str:
    """The last 4 characters of the token: the only part of it ever shown to people."""
    return raw.strip()[-HINT_LENGTH:]


def normalise_token(raw: str) -> str:
    """The token as pasted, minus surrounding whitespace and a copied `Bearer ` prefix.

    Raises MalformedToken for text that cannot be a token: sending it to WB would only earn a
    401, and text with line breaks would not even fit into an HTTP header.
    """
    token = _BEARER_PREFIX.sub("", raw.strip(), count=1)
    if not token:
        raise MalformedToken("empty")
    if len(token) > MAX_TOKEN_LENGTH:
        raise MalformedToken("too_long")
    compact = "".join(token.split())
    plain = compact == token and token.isascii() and token.isprintable()
    if not plain and not _TOKEN_SHAPED.fullmatch(compact):
        # Text that was never a token ("hello world"): saying it has spaces would mislead.
        raise MalformedToken("not_a_token")
    if any(char.isspace() for char in token):
        raise MalformedToken("whitespace")
    if any(unicodedata.category(char) == "Cc" for char in token):
        raise MalformedToken("control_chars")
    if not token.isascii():
        raise MalformedToken("non_ascii")
    return token


def decode_token(raw: str) -> TokenClaims:
    """The claims of a WB token, read from its payload without checking the signature.

    Raises MalformedToken, whose `reason` says what is wrong, for anything else.
    """
    token = normalise_token(raw)
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        raise MalformedToken("not_three_parts")
    try:
        header, payload = (b64url_decode(part) for part in parts[:2])
        b64url_decode(parts[2])
    except ValueError:
        raise MalformedToken("bad_base64") from None
    if not isinstance(_json_or_none(header), dict):
        raise MalformedToken("bad_header")
    return _claims_from_payload(_payload_object(payload), hint=token[-HINT_LENGTH:])


def _claims_from_payload(payload: dict, *, hint: str) -> TokenClaims:
    """TokenClaims from an already decoded payload object."""
    expires_at = _expiry(payload)
    scope_mask = _scope_mask(payload.get("s", 0))
    acc = _int_or_none(payload.get("acc"))
    set_bits = [bit for bit in range(scope_mask.bit_length()) if scope_mask >> bit & 1]
    return TokenClaims(
        token_type=TOKEN_TYPES.get(acc, UNKNOWN_TYPE),
        acc=acc,
        expires_at=expires_at,
        issued_at=_time_or_none(payload.get("iat")),
        seller_sid=_str_or_none(payload.get("sid")),
        seller_oid=_int_or_none(payload.get("oid")),
        token_id=_str_or_none(payload.get("id")),
        issued_for=_str_or_none(payload.get("for")),
        is_test=payload.get("t") is True,
        scope_mask=scope_mask,
        categories=tuple(CATEGORY_BITS[bit] for bit in set_bits if bit in CATEGORY_BITS),
        unknown_bits=tuple(
            bit for bit in set_bits if bit not in CATEGORY_BITS and bit != READ_ONLY_BIT
        ),
        read_only=bool(scope_mask >> READ_ONLY_BIT & 1),
        hint=hint,
    )


def b64url_encode(data: bytes) -> str:
    """Unpadded base64url, as JWTs use it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Bytes of unpadded base64url text; ValueError for anything else."""
    if not _BASE64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:
        raise ValueError("not base64url") from exc


def _payload_object(payload: bytes) -> dict:
    decoded = _json_or_none(payload)
    if decoded is None:
        raise MalformedToken("not_json")
    if not isinstance(decoded, dict):
        raise MalformedToken("not_object")
    return decoded


def _json_or_none(data: bytes) -> object:
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        return None


def _expiry(payload: dict) -> datetime:
    if "exp" not in payload:
        raise MalformedToken("missing_exp")
    expires_at = _time_or_none(payload["exp"])
    if expires_at is None:
        raise MalformedToken("bad_exp")
    return expires_at


def _time_or_none(value: object) -> datetime | None:
    """A JWT NumericDate (seconds since the epoch, UTC) as an aware datetime."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _scope_mask(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise MalformedToken("bad_scope")
    return value


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
