"""Personal API tokens: made, shown once, checked on every call, revoked.

Only a keyed hash of a token is stored (HMAC-SHA256 under SECRET_KEY: changing SECRET_KEY
revokes every API token). Calls find the row by the token's public id and compare hashes in
constant time. Failed attempts are counted per client address; too many and that address is
refused for a while, as logins are.
"""

import hmac
import logging
import re
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from tokens.exceptions import TokenError
from tokens.services import clean_name
from wberp.audit import ADDITION, CHANGE, audit

from .models import PREFIX, APIAuthFailure, APIToken, APITokenRequests
from .scopes import scopes_of

security_log = logging.getLogger("wberp.security")

PUBLIC_ID_LENGTH = 12
SECRET_BYTES = 32  # 256 random bits
TOKEN_FORMAT = re.compile(rf"{PREFIX}([0-9a-f]{{{PUBLIC_ID_LENGTH}}})_([A-Za-z0-9_-]{{43}})")
DEFAULT_DAYS = 90
MAX_DAYS = 365
# A token's last use is written when it is older than this: not one write per call.
LAST_USED_PRECISION = timedelta(minutes=10)


@sensitive_variables("secret")
def secret_hash(public_id: str, secret: str) -> str:
    return salted_hmac(
        "wberp.api.APIToken", f"{public_id}:{secret}", algorithm="sha256"
    ).hexdigest()


@sensitive_variables("secret", "raw")
def api_token_create(
    *, user, name: str, days: int = DEFAULT_DAYS, scopes: list[str] | None = None
) -> tuple[APIToken, str]:
    """A new token for `user` and its text, which is shown now and never again."""
    name = clean_name(name)
    if not 1 <= days <= MAX_DAYS:
        raise TokenError(
            _("An API token lasts from 1 to %(max)d days.") % {"max": MAX_DAYS},
            code="bad_days",
            field="days",
        )
    scopes = chosen_scopes(user, scopes)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    with transaction.atomic():
        token = save_with_fresh_public_id(
            user=user,
            name=name,
            scopes=scopes,
            expires_at=timezone.now() + timedelta(days=days),
            secret=secret,
        )
        audit(user, token, ADDITION, [{"added": {}}])
    log_event("create", user, token)
    return token, f"{PREFIX}{token.public_id}_{secret}"


def chosen_scopes(user, scopes: list[str] | None) -> list[str]:
    """The scopes asked for, all of which the owner must hold; none asked: all the owner's."""
    available = scopes_of(user)
    if scopes is None:
        scopes = available
    if not scopes:
        raise TokenError(_("Choose at least one scope."), code="no_scopes", field="scopes")
    if extra := sorted(set(scopes) - set(available)):
        raise TokenError(
            _("These scopes are beyond your permissions: %(scopes)s.")
            % {"scopes": ", ".join(extra)},
            code="bad_scopes",
            field="scopes",
        )
    return [scope for scope in available if scope in scopes]


@sensitive_variables("secret")
def save_with_fresh_public_id(*, secret: str, **fields) -> APIToken:
    # 48 random bits: a clash is all but impossible, and then the next id is tried.
    for _attempt in range(3):
        public_id = secrets.token_hex(PUBLIC_ID_LENGTH // 2)
        token = APIToken(public_id=public_id, secret_hash=secret_hash(public_id, secret), **fields)
        try:
            with transaction.atomic():
                token.save(force_insert=True)
        except IntegrityError:
            continue
        return token
    raise RuntimeError("No free public id for an API token")


def api_token_revoke(*, token: APIToken, by) -> APIToken:
    """Revoke the token from now on (it stays listed, revoked)."""
    with transaction.atomic():
        revoked = APIToken.objects.filter(pk=token.pk, revoked_at=None).update(
            revoked_at=timezone.now()
        )
        if revoked:
            audit(by, token, CHANGE, [{"changed": {"fields": ["revoked_at"]}}])
    token.refresh_from_db()
    if revoked:
        log_event("revoke", by, token)
    return token


@sensitive_variables("raw", "secret")
def api_token_authenticate(raw: str, *, now: datetime | None = None) -> APIToken | None:
    """The active token `raw` is, with its user; None for anything else."""
    now = now or timezone.now()
    match = TOKEN_FORMAT.fullmatch(raw)
    if match is None:
        return None
    public_id, secret = match.groups()
    token = APIToken.objects.select_related("user").filter(public_id=public_id).first()
    expected = token.secret_hash if token else "0" * 64
    if not hmac.compare_digest(expected, secret_hash(public_id, secret)) or token is None:
        return None
    if not token.is_active(now) or not token.user.is_active:
        return None
    touch(token, now)
    return token


def touch(token: APIToken, now: datetime) -> None:
    """Record the token's use, at most once per LAST_USED_PRECISION."""
    stale = Q(last_used_at=None) | Q(last_used_at__lt=now - LAST_USED_PRECISION)
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_PRECISION:
        APIToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


# --- Throttling ---------------------------------------------------------------------------


def api_token_count_request(
    token: APIToken, *, limit: int, period: timedelta, now: datetime | None = None
) -> timedelta | None:
    """Count one request of `token`; None while it is within `limit` per `period`, else how
    long until its window ends.

    One UPDATE counts the request and, when the window has ended, starts a new one: the row
    stays locked until the transaction ends, so concurrent requests in any process queue up
    on it and each reads its own count.
    """
    now = now or timezone.now()
    current = Q(window_started_at__gt=now - period)
    with transaction.atomic():
        counted = APITokenRequests.objects.filter(token=token).update(
            requests=Case(When(current, then=F("requests") + 1), default=Value(1)),
            window_started_at=Case(When(current, then=F("window_started_at")), default=Value(now)),
        )
        if not counted:
            try:
                with transaction.atomic():
                    APITokenRequests.objects.create(token=token, window_started_at=now, requests=1)
            except IntegrityError:  # another process counted the first request just now
                return api_token_count_request(token, limit=limit, period=period, now=now)
        window = APITokenRequests.objects.get(token=token)
    if window.requests <= limit:
        return None
    return window.window_started_at + period - now


# --- Failed attempts -----------------------------------------------------------------------


def lockout_window() -> timedelta:
    return timedelta(hours=settings.AXES_COOLOFF_TIME)


def api_auth_locked_until(ip_address: str, *, now: datetime | None = None) -> datetime | None:
    """Until when `ip_address` is refused after too many failed attempts, if it is."""
    now = now or timezone.now()
    failure = APIAuthFailure.objects.filter(ip_address=ip_address).first()
    if failure is None or failure.failures < settings.API_AUTH_FAILURE_LIMIT:
        return None
    until = failure.first_failed_at + lockout_window()
    return until if until > now else None


def api_auth_failed(ip_address: str, *, reason: str, now: datetime | None = None) -> None:
    """Count a failed attempt from `ip_address`; a window that has passed starts again."""
    now = now or timezone.now()
    with transaction.atomic():
        failure, created = APIAuthFailure.objects.select_for_update().get_or_create(
            ip_address=ip_address, defaults={"failures": 1, "first_failed_at": now}
        )
        if not created:
            if failure.first_failed_at <= now - lockout_window():
                counted = {"failures": 1, "first_failed_at": now}
            else:
                counted = {"failures": F("failures") + 1}
            APIAuthFailure.objects.filter(pk=failure.pk).update(**counted)
    security_log.warning(
        "api auth failed ip=%s reason=%s",
        ip_address,
        reason,
        extra={"event": "api_auth", "outcome": "failure"},
    )


# --- Audit --------------------------------------------------------------------------------


def log_event(action: str, by, token: APIToken) -> None:
    security_log.info(
        "api token %s user=%s owner=%s token=%s",
        action,
        by.get_username() if by else "-",
        token.user.get_username(),
        token.shown_id,
        extra={"event": f"api_token_{action}", "outcome": "success"},
    )
