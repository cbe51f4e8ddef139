"""What a failed check or a refused token means, in the reader's language.

Errors are stored as a stable code plus WB's own detail (never the token), and
turned into words only when shown, so each person reads them in their language.
"""

from datetime import datetime, timedelta

from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wbapi.errors import (
    MALFORMED_REASONS,
    AccessDenied,
    MalformedToken,
    RateLimited,
    SandboxUnavailable,
    TokenExpired,
    WBError,
)

from .errors import ChecksPaused, NoUsableToken, RateBudgetExhausted


def error_detail(exc: WBError) -> str:
    """The part of an error worth storing next to its code (never the token)."""
    match exc:
        case MalformedToken():
            return exc.reason
        case TokenExpired():
            return exc.expires_at.isoformat()
        case SandboxUnavailable():
            return ", ".join(exc.categories)
        case RateLimited():
            return (timezone.now() + timedelta(seconds=exc.retry_after)).isoformat()
        case AccessDenied():
            return exc.detail or ""
        case ChecksPaused() | RateBudgetExhausted():
            return exc.until.isoformat()
        case NoUsableToken():
            return exc.category
    return exc.message if exc.code in ("request_rejected", "protocol_error") else ""


def describe(code: str, detail: str = "") -> str:
    """A sentence for people about an error `code` with its stored `detail`."""
    if code == "malformed_token":
        return _(MALFORMED_REASONS.get(detail, MALFORMED_REASONS["not_a_token"]))
    if code == "token_expired":
        return _describe_expiry(detail)
    if code == "unreadable":
        return _describe_unreadable(detail)
    if code in WAIT_MESSAGES:
        return WAIT_MESSAGES[code] % {"when": when_text(parse_moment(detail))}
    template = {
        "invalid_token": _(
            "WB rejected the token: it is unknown, revoked or expired. "
            "Create a new token in the seller cabinet."
        ),
        "access_denied": _("WB refused access with this token: %(detail)s"),
        "wb_unavailable": _("WB did not answer in time or is unavailable. Try again later."),
        "protocol_error": _("WB sent an answer that could not be understood (%(detail)s)."),
        "request_rejected": _("WB rejected the request: %(detail)s"),
        "sandbox_unavailable": _(
            "This is a test token, but WB has no sandbox for its categories (%(detail)s)."
        ),
        "seller_mismatch": _(
            "WB names a different seller than the token does. Copy the token again."
        ),
        "busy": _("Too many WB checks are running right now. Try again in a moment."),
        "deleted": _("The token was deleted before it could be checked."),
        "no_token": _(
            "No valid token of this seller has the “%(detail)s” category: add one to sync it."
        ),
    }.get(code, _("The check failed (%(detail)s)."))
    return template % {"detail": detail or code}


# Waits whose end is stored as a moment; each names its cause.
WAIT_MESSAGES = {
    "rate_limited": gettext_lazy("WB's request limit for this seller is used up %(when)s."),
    "rate_budget": gettext_lazy(
        "WB's request limit for this seller is used up %(when)s; nothing was sent."
    ),
    "paused": gettext_lazy("Calls for this seller are paused %(when)s after repeated WB errors."),
}


def parse_moment(detail: str) -> datetime | None:
    when = parse_datetime(detail) if detail else None
    return when if isinstance(when, datetime) and timezone.is_aware(when) else None


def when_text(moment: datetime | None, *, now: datetime | None = None) -> str:
    """ "until 09:07", "until 09:07 tomorrow", "until 3 December, 09:07" — in the reader's zone
    and locale; never raw seconds."""
    if moment is None:
        return str(_("for a while"))
    now = now or timezone.now()
    if moment - now < timedelta(minutes=1):
        return str(_("for less than a minute"))
    local = timezone.localtime(moment)
    days = (local.date() - timezone.localtime(now).date()).days
    time = formats.time_format(local, "TIME_FORMAT")
    if days == 0:
        return _("until %(time)s") % {"time": time}
    if days == 1:
        return _("until %(time)s tomorrow") % {"time": time}
    return _("until %(date)s, %(time)s") % {
        "date": formats.date_format(local, "MONTH_DAY_FORMAT"),
        "time": time,
    }


def _describe_expiry(detail: str) -> str:
    when = parse_moment(detail)
    shown = formats.date_format(timezone.localtime(when), "DATETIME_FORMAT") if when else "?"
    return _(
        "This token expired on %(date)s. WB tokens cannot be renewed: "
        "create a new one in the seller cabinet."
    ) % {"date": shown}


def _describe_unreadable(reason: str) -> str:
    kind, _sep, key_id = reason.partition(":")
    if kind == "mismatch":
        return _("The stored token does not match this record or was altered.")
    if kind == "format":
        return _("The stored token is not in a known format.")
    if kind == "unknown_key":
        return _("The stored token was encrypted with key %(key_id)s, which is not configured.") % {
            "key_id": key_id
        }
    return _("The stored token cannot be read with the configured keys.")
