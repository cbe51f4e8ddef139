"""Errors raised by the WB client, and the parsing of WB's error bodies into them.

Every error has a stable `code` (the Django side maps it to translated text), a `permanent`
flag (True: repeating the same call cannot succeed until a person acts), the HTTP `status` if WB
answered, and WB's `request_id` if it sent one. Messages are plain English and never contain a
token: texts taken from WB's bodies are scrubbed of the token before they are stored.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus

# WB's bodies are shown to people and written to logs: keep them to a readable size.
MAX_MESSAGE_LENGTH = 300
# Error bodies are read this deep and this wide, however large or nested WB sends them.
MAX_DEPTH = 4
MAX_ITEMS = 20
REQUEST_ID_HEADERS = ("X-Request-Id", "X-Requestid", "X-Correlation-Id")


class WBError(Exception):
    """Base of every error this package raises about a WB call or a WB token."""

    code = "wb_error"
    permanent = False
    default_message = "The WB API call failed."

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        request_id: str | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.status = status
        self.request_id = request_id
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, status={self.status!r}, "
            f"request_id={self.request_id!r}, message={self.message!r})"
        )


# --- Answers from WB -------------------------------------------------------------------------


class InvalidToken(WBError):
    """401: WB does not accept the token (unknown, malformed, expired or revoked)."""

    code = "invalid_token"
    permanent = True
    default_message = "WB rejected the token."


class AccessDenied(WBError):
    """403: the token's categories or type do not allow this call; `detail` is WB's reason."""

    code = "access_denied"
    permanent = True
    default_message = "WB refused access with this token."

    def __init__(self, message: str | None = None, *, detail: str | None = None, **kwargs) -> None:
        self.detail = detail
        super().__init__(message, **kwargs)


class RateLimited(WBError):
    """429: the seller's request limit for this method is used up for now."""

    code = "rate_limited"
    permanent = False
    default_message = "WB's request limit was reached; try again later."

    def __init__(self, message: str | None = None, *, retry_after: float, **kwargs) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class WBUnavailable(WBError):
    """5xx, timeout, connection failure or deadline: WB could not be reached or did not answer."""

    code = "wb_unavailable"
    permanent = False
    default_message = "WB is not answering right now."


class ProtocolError(WBError):
    """WB answered with something this client cannot use: a redirect, an HTML page, bad JSON.

    Not permanent: such answers usually come from a proxy or a WB deployment in progress and go
    away by themselves. The client does not repeat the call at once, though, because the same
    answer is likely to come back within seconds.
    """

    code = "protocol_error"
    permanent = False
    default_message = "WB sent an answer that could not be understood."


class SchemaDrift(ProtocolError):
    """WB's answer is JSON, but not of the shape the method's parser knows.

    `method` names the WB method and `path` the place in the answer (`cards[3].nmID`, or ""
    for the answer as a whole): a required field is missing or of another type, or a
    container is of the wrong kind (an array instead of an object).
    """

    def __init__(self, message: str, *, method: str, path: str, **kwargs) -> None:
        self.method = method
        self.path = path
        super().__init__(message, **kwargs)


class PagingStuck(WBError):
    """A full page that ends where it began: asking for the next one would return it again.

    Permanent: the same request keeps returning the same page until WB's data change.
    """

    code = "paging_stuck"
    permanent = True
    default_message = "WB's pages do not move forward."


class RequestRejected(WBError):
    """Any other 4xx (400, 402, 404, 409, 422 …): the request itself is wrong or not allowed."""

    code = "request_rejected"
    permanent = True
    default_message = "WB rejected the request."


# --- Found locally, before any request -------------------------------------------------------


def gettext_noop(message: str) -> str:
    """Marks a message for the translation catalogue of the application that shows it
    (wbapi has none of its own): the message itself is the key it is translated by."""
    return message


# Why a text is not a WB token, in words for the person who pasted it.
MALFORMED_REASONS = {
    "empty": gettext_noop("Paste the token: the field is empty."),
    "too_long": gettext_noop("This is far longer than any WB token. Paste the token alone."),
    "not_a_token": gettext_noop("This is not a WB token."),
    "whitespace": gettext_noop(
        "The token contains spaces or line breaks. Copy it again as one line."
    ),
    "control_chars": gettext_noop("The token contains invisible control characters."),
    "non_ascii": gettext_noop("The token contains characters that never occur in a WB token."),
    "not_three_parts": gettext_noop(
        "This is not a WB token: a token has three parts separated by dots."
    ),
    "bad_base64": gettext_noop("This is not a WB token: a part of it is damaged."),
    "bad_header": gettext_noop("This is not a WB token: its header cannot be read."),
    "not_json": gettext_noop("This is not a WB token: its contents cannot be read."),
    "not_object": gettext_noop("This is not a WB token: its contents cannot be read."),
    "missing_exp": gettext_noop("This token has no expiry date, so it is not a WB token."),
    "bad_exp": gettext_noop("This token's expiry date is not a valid time."),
    "bad_scope": gettext_noop("This token's access categories cannot be read."),
    "no_seller": gettext_noop("This token names no seller, so it is not a WB seller token."),
}


class MalformedToken(WBError):
    """The text is not a WB token; `reason` is one of MALFORMED_REASONS' keys."""

    code = "malformed_token"
    permanent = True

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(MALFORMED_REASONS[reason])


class TokenExpired(WBError):
    """The token's `exp` is in the past; WB tokens cannot be renewed, only replaced."""

    code = "token_expired"
    permanent = True

    def __init__(self, expires_at: datetime) -> None:
        self.expires_at = expires_at
        super().__init__(f"The token expired at {expires_at:%Y-%m-%d %H:%M} UTC.")


class SandboxUnavailable(WBError):
    """A test token was to be used on an API category that has no sandbox host."""

    code = "sandbox_unavailable"
    permanent = True

    def __init__(self, categories: tuple[str, ...]) -> None:
        self.categories = categories
        names = ", ".join(categories) or "none"
        super().__init__(f"WB has no sandbox for these API categories: {names}.")


class SellerMismatch(WBError):
    """WB's seller-info names another seller than the token's own `sid` claim."""

    code = "seller_mismatch"
    permanent = True

    def __init__(self, token_sid: str | None, seller_sid: str) -> None:
        self.token_sid = token_sid
        self.seller_sid = seller_sid
        super().__init__(
            f"WB reports seller {seller_sid}, but the token belongs to seller {token_sid}."
        )


# --- Turning an HTTP answer into an error ----------------------------------------------------


def error_from_response(
    status: int,
    headers: Mapping[str, str],
    payload: object,
    *,
    default_retry_after: float,
    secret: str = "",
) -> WBError:
    """The error for a non-2xx answer; `payload` is the parsed JSON body, or None.

    `headers` must look names up case-insensitively (as `requests` and `email.message` do);
    `secret` is scrubbed from every text taken from the body.
    """
    text = describe_error_body(payload)
    # Scrub before shortening to the final length: a token cut in half by the shortening
    # would no longer be recognised. The first, generous cut only bounds the scrubbing work.
    detail = _shorten(scrub(text[: MAX_MESSAGE_LENGTH * 4], secret)) if text else None
    message = detail or f"WB answered {status} {_reason(status)}."
    common = {"status": status, "request_id": request_id_of(payload, headers)}
    if status == HTTPStatus.UNAUTHORIZED:
        return InvalidToken(message, **common)
    if status == HTTPStatus.FORBIDDEN:
        return AccessDenied(message, detail=detail, **common)
    if status == HTTPStatus.TOO_MANY_REQUESTS:
        retry_after = retry_after_from_headers(headers)
        if retry_after is None:
            retry_after = default_retry_after
        return RateLimited(message, retry_after=retry_after, **common)
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        return WBUnavailable(message, **common)
    if status >= HTTPStatus.BAD_REQUEST:
        return RequestRejected(message, **common)
    return ProtocolError(f"WB answered with an unexpected status {status}.", **common)


def describe_error_body(payload: object) -> str | None:
    """The text of any of WB's error body shapes on one line, or None if there is none."""
    if isinstance(payload, list):  # a list of error objects (marketplace), not of lists
        items = (item for item in payload[:MAX_ITEMS] if not isinstance(item, list))
        texts = [text for item in items if (text := describe_error_body(item))]
        return "; ".join(texts) if texts else None
    if isinstance(payload, str):
        return _one_line(payload) or None
    if not isinstance(payload, dict):
        return None
    # Gateway shape first, then content/prices, marketplace and statistics shapes; a bare
    # `code` is the last resort, as in the gateway shape it is an opaque internal string.
    for key in ("detail", "title", "errorText", "message", "errors", "code"):
        text = _flatten(payload.get(key))
        if text:
            if key == "errorText":
                text = "; ".join(filter(None, [text, _flatten(payload.get("additionalErrors"))]))
            return _one_line(text)
    return None


def request_id_of(payload: object, headers: Mapping[str, str]) -> str | None:
    """WB's request id from the body (gateway shape) or, failing that, a response header."""
    if isinstance(payload, dict) and isinstance(payload.get("requestId"), str):
        return _shorten(_one_line(payload["requestId"])) or None
    for name in REQUEST_ID_HEADERS:
        if headers.get(name):
            return _shorten(_one_line(headers[name]))
    return None


def retry_after_from_headers(
    headers: Mapping[str, str], now: datetime | None = None
) -> float | None:
    """Seconds to wait per `X-Ratelimit-Retry`, else `Retry-After` (seconds or HTTP date)."""
    for name in ("X-Ratelimit-Retry", "Retry-After"):
        value = headers.get(name)
        if value:
            seconds = _seconds_or_date(value.strip(), now or datetime.now(UTC))
            if seconds is not None:
                return seconds
    return None


SCRUB_WINDOW = 8
_TOKEN_CHARACTERS = re.compile(r"[A-Za-z0-9_\-.=+/]+")


def scrub(text: str, secret: str) -> str:
    """`text` with the secret, and anything sharing 8 characters in a row with it, hidden.

    Every run of characters a token can contain that has such a fragment becomes the hint
    `…abcd`, so neither the whole token nor any telling piece of it survives.
    """
    if len(secret) < SCRUB_WINDOW:
        return text
    hint = f"…{secret[-4:]}"

    def hide(match: re.Match) -> str:
        run = match.group()
        windows = (run[i : i + SCRUB_WINDOW] for i in range(len(run) - SCRUB_WINDOW + 1))
        return hint if any(window in secret for window in windows) else run

    return _TOKEN_CHARACTERS.sub(hide, text)


def _seconds_or_date(value: str, now: datetime) -> float | None:
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - now).total_seconds()
        except (TypeError, ValueError):
            return None
    return max(seconds, 0.0) if math.isfinite(seconds) else None


def _flatten(value: object, depth: int = 0) -> str:
    """Strings found in a value of any of the shapes WB puts into its error fields."""
    if isinstance(value, str):
        return value.strip()
    if depth >= MAX_DEPTH:
        return ""
    if isinstance(value, list):
        return "; ".join(filter(None, (_flatten(item, depth + 1) for item in value[:MAX_ITEMS])))
    if isinstance(value, dict):
        items = list(value.items())[:MAX_ITEMS]
        texts = ((key, _flatten(item, depth + 1)) for key, item in items)
        return "; ".join(f"{key}: {text}" for key, text in texts if text)
    return ""


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]+|\s{2,}")


def _one_line(text: str) -> str:
    return _UNPRINTABLE.sub(" ", text).strip()


def _shorten(text: str) -> str:
    if len(text) > MAX_MESSAGE_LENGTH:
        text = text[: MAX_MESSAGE_LENGTH - 1].rstrip() + "…"
    return text


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "(unknown status)"
