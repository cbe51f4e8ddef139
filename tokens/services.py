"""The token desk's business rules.

The only code that decrypts a stored token or calls WB with it. The admin, the
pages and the management commands all call these functions, which validate,
save in one transaction, count, keep the check history and write the audit
trail (a LogEntry with field names only, and a security log line).
"""

import logging
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from wbapi.claims import TokenClaims, decode_token, normalise_token
from wbapi.errors import (
    AccessDenied,
    InvalidToken,
    MalformedToken,
    RequestRejected,
    SandboxUnavailable,
    SellerMismatch,
    TokenExpired,
    WBError,
)

from .crypto import TokenCipher, envelope_key_id, get_cipher
from .exceptions import TokenError
from .messages import describe, error_detail
from .models import WBToken, WBTokenCheck
from .pacing import SellerPacer
from .wb import ChecksPaused, TooBusy, WBOutcome, check_token_with_wb

security_log = logging.getLogger("wberp.security")

Status = WBToken.Status
Trigger = WBTokenCheck.Trigger
User = AbstractBaseUser | None

NAME_MAX_LENGTH = WBToken._meta.get_field("name").max_length
CLAIM_MAX_LENGTH = min(
    WBToken._meta.get_field(name).max_length for name in ("seller_sid", "token_id")
)
# Errors after which WB's answer cannot change by repeating the same call.
STATUS_BY_ERROR: dict[type[WBError], str] = {
    InvalidToken: Status.INVALID,
    SellerMismatch: Status.INVALID,
    AccessDenied: Status.ACCESS_DENIED,
    SandboxUnavailable: Status.ACCESS_DENIED,
    RequestRejected: Status.ACCESS_DENIED,
    TokenExpired: Status.EXPIRED,
}
# Nothing was sent to WB: the token's state is unknown, not changed.
NOT_SENT = (ChecksPaused, TooBusy)


@dataclass(frozen=True)
class PastedToken:
    """A token as a person gave it, read locally and not yet trusted."""

    raw: str
    claims: TokenClaims
    fingerprint: str


# --- Reading what people paste ---------------------------------------------------------


@sensitive_variables("raw_token")
def token_preview(*, raw_token: str, now: datetime | None = None) -> TokenClaims:
    """Decode a pasted token locally, refusing malformed and expired ones. No WB call."""
    return read_pasted_token(raw_token, now=now).claims


@sensitive_variables("raw_token", "token")
def read_pasted_token(raw_token: str, *, now: datetime | None = None) -> PastedToken:
    try:
        token = normalise_token(raw_token)
        claims = decode_token(token)
    except MalformedToken as exc:
        raise refusal(exc) from None
    if claims.is_expired(now or timezone.now()):
        raise refusal(TokenExpired(claims.expires_at))
    if not claims_fit(claims):
        raise TokenError(
            describe("malformed_token", "bad_claims"), code="malformed_token", field="raw_token"
        )
    return PastedToken(token, claims, get_cipher().fingerprint(token))


def claims_fit(claims: TokenClaims) -> bool:
    """Whether the seller and token ids fit their columns and can be queried at all.

    WB's are short plain ids; a made-up token may carry any text there, NUL (which
    PostgreSQL refuses) and lone surrogates (which no database encoding takes) included.
    """
    return all(
        value is None or (len(value) <= CLAIM_MAX_LENGTH and value.isprintable())
        for value in (claims.seller_sid, claims.token_id)
    )


def clean_name(name: str) -> str:
    # Control characters (tabs, line breaks, NUL) count as spaces; a lone surrogate (an
    # undecodable byte from a terminal) becomes U+FFFD. Neither could be stored otherwise.
    name = "".join(
        " " if category == "Cc" else "\ufffd" if category == "Cs" else char
        for char in name
        for category in [unicodedata.category(char)]
    )
    name = " ".join(name.split())
    if not name:
        raise TokenError(_("Give the token a name."), code="name_required", field="name")
    if len(name) > NAME_MAX_LENGTH:
        raise TokenError(
            _("Keep the name under %(limit)d characters.") % {"limit": NAME_MAX_LENGTH},
            code="name_too_long",
            field="name",
        )
    return name


def refusal(exc: WBError, *, field: str | None = "raw_token") -> TokenError:
    return TokenError(describe(exc.code, error_detail(exc)), code=exc.code, field=field)


def refuse_duplicate(fingerprint: str) -> None:
    existing = WBToken.objects.filter(fingerprint=fingerprint).only("name").first()
    if existing is not None:
        raise duplicate_error(existing.name)


def duplicate_error(name: str) -> TokenError:
    return TokenError(
        _("This token is already stored as “%(name)s”.") % {"name": name},
        code="duplicate",
        field="raw_token",
    )


# --- Create, update, delete ---------------------------------------------------------------


@sensitive_variables("raw_token", "pasted")
def token_create(*, name: str, raw_token: str, by: User, allow_unverified: bool = False) -> WBToken:
    """Validate a new token with WB and store it encrypted, with its seller and claims."""
    name = clean_name(name)
    pasted = read_pasted_token(raw_token)
    refuse_duplicate(pasted.fingerprint)
    outcome = check_token_with_wb(pasted.raw, pasted.claims)
    status = status_to_save(outcome, allow_unverified=allow_unverified)
    token = WBToken(name=name, created_by=by if by and by.pk else None)
    fill_from_token(token, pasted, outcome, status)
    try:
        with transaction.atomic():
            token.save(force_insert=True)
            count_check(token, outcome, status)
            record_check(token, outcome, status, trigger=Trigger.CREATE, by=by)
            audit(by, token, ADDITION, [{"added": {}}])
    except IntegrityError:
        raise duplicate_error(WBToken.objects.get(fingerprint=pasted.fingerprint).name) from None
    log_event("create", by, token, status)
    token.refresh_from_db()
    return token


@sensitive_variables("raw_token", "pasted")
def token_update(
    *,
    token: WBToken,
    by: User,
    name: str | None = None,
    raw_token: str | None = None,
    allow_other_seller: bool = False,
    allow_unverified: bool = False,
) -> WBToken:
    """Rename a token and/or replace its secret (validated with WB like a new one)."""
    changed = []
    if name is not None and clean_name(name) != token.name:
        token.name = clean_name(name)
        changed.append("name")
    outcome = status = None
    if raw_token:
        pasted = read_replacement(token, raw_token, allow_other_seller=allow_other_seller)
        outcome = check_token_with_wb(pasted.raw, pasted.claims)
        status = status_to_save(outcome, allow_unverified=allow_unverified)
        fill_from_token(token, pasted, outcome, status)
        changed.append("token")
    if not changed:
        return token
    try:
        with transaction.atomic():
            token.save()
            if outcome is not None:
                count_check(token, outcome, status)
                record_check(token, outcome, status, trigger=Trigger.UPDATE, by=by)
            audit(by, token, CHANGE, [{"changed": {"fields": changed}}])
    except IntegrityError:
        raise duplicate_error(WBToken.objects.get(fingerprint=token.fingerprint).name) from None
    log_event("update", by, token, status or "renamed")
    token.refresh_from_db()
    return token


@sensitive_variables("raw_token", "pasted")
def read_replacement(token: WBToken, raw_token: str, *, allow_other_seller: bool) -> PastedToken:
    pasted = read_pasted_token(raw_token)
    if pasted.fingerprint == token.fingerprint:
        raise TokenError(
            _("This is the token already stored here."), code="same_token", field="raw_token"
        )
    refuse_duplicate(pasted.fingerprint)
    other_seller = token.seller_sid and pasted.claims.seller_sid != token.seller_sid
    if other_seller and not allow_other_seller:
        raise TokenError(
            _(
                "This token belongs to another seller (%(sid)s). Confirm that you mean to "
                "replace the token with one of another seller."
            )
            % {"sid": pasted.claims.seller_sid},
            code="other_seller",
            field="raw_token",
        )
    return pasted


def token_delete(*, token: WBToken, by: User) -> None:
    with transaction.atomic():
        audit(by, token, DELETION, "")
        log_event("delete", by, token, "deleted")  # while the row still has its id
        token.delete()


# --- Checks -----------------------------------------------------------------------------


@sensitive_variables("raw")
def token_check(*, token: WBToken, by: User, trigger: str = Trigger.MANUAL) -> WBTokenCheck:
    """Re-validate a stored token with WB and record the outcome.

    An expired token is marked so without a request. Raises TokenError when
    nothing could be tried (unreadable ciphertext, checks paused, too busy).
    """
    raw = get_cipher().decrypt(token.ciphertext, row_id=token.pk)
    if token.expires_at <= timezone.now():
        outcome = WBOutcome(error=TokenExpired(token.expires_at))
    else:
        outcome = check_token_with_wb(raw, decode_token(raw))
    if isinstance(outcome.error, NOT_SENT):
        raise refusal(outcome.error, field=None)
    status = status_of(outcome)
    with transaction.atomic():
        WBToken.objects.filter(pk=token.pk).update(
            **check_fields(outcome, status), **counter_increments(outcome, status)
        )
        check = record_check(token, outcome, status, trigger=trigger, by=by)
        audit(by, token, CHANGE, [{"changed": {"fields": ["status", "last_checked_at"]}}])
    token.refresh_from_db()
    log_event("check", by, token, status)
    return check


@dataclass
class BulkCheckSummary:
    outcomes: Counter = field(default_factory=Counter)
    not_checked: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.outcomes.values()) + sum(self.not_checked.values())

    @property
    def all_valid(self) -> bool:
        return self.total == self.outcomes[Status.VALID]


# progress(token, its check or None, the reason it was not checked or None)
Progress = Callable[[WBToken, WBTokenCheck | None, TokenError | None], None]


def token_check_many(
    *,
    tokens: Iterable[WBToken],
    by: User,
    trigger: str = Trigger.BULK,
    progress: Progress | None = None,
    pacer: SellerPacer | None = None,
) -> BulkCheckSummary:
    """Check tokens one after another, spreading each seller's checks over WB's limits."""
    pacer = pacer or SellerPacer()
    summary = BulkCheckSummary()
    for token in tokens:
        pacer.wait_for(token)
        try:
            check = token_check(token=token, by=by, trigger=trigger)
        except TokenError as exc:
            summary.not_checked[exc.code] += 1
            check, error = None, exc
        else:
            summary.outcomes[check.outcome] += 1
            error = None
        if progress is not None:
            progress(token, check, error)
    return summary


# --- Keys ---------------------------------------------------------------------------------


@dataclass
class RotationReport:
    keys_before: Counter = field(default_factory=Counter)
    keys_after: Counter = field(default_factory=Counter)
    rotated: int = 0
    unreadable: list[str] = field(default_factory=list)


def token_rotate_keys(
    *, batch_size: int = 200, verify: bool = False, progress: Callable[[int], None] | None = None
) -> RotationReport:
    """Re-encrypt every token under the primary key, batch by batch.

    Each batch commits on its own, so an interrupted run resumes where it
    stopped, and rows already under the primary key are left alone. With
    `verify`, nothing is written: every row is decrypted and unreadable ones listed.
    """
    cipher = get_cipher()
    report = RotationReport()
    for pks in pk_batches(batch_size):
        with transaction.atomic():
            # Locked, so that a token replaced meanwhile is not overwritten with its old secret.
            batch = list(WBToken.objects.select_for_update().filter(pk__in=pks).only("ciphertext"))
            rotate_batch(batch, cipher, report, verify=verify)
        if progress is not None:
            progress(len(batch))
    report.keys_after = Counter(
        envelope_key_id(text) for text in WBToken.objects.values_list("ciphertext", flat=True)
    )
    return report


def pk_batches(batch_size: int) -> Iterable[list]:
    """Keyset pagination over all token ids, so that memory stays bounded."""
    ids = WBToken.objects.order_by("pk").values_list("pk", flat=True)
    last_pk = None
    while batch := list((ids.filter(pk__gt=last_pk) if last_pk else ids)[:batch_size]):
        yield batch
        last_pk = batch[-1]


@sensitive_variables("raw")
def rotate_batch(
    batch: list[WBToken], cipher: TokenCipher, report: RotationReport, *, verify: bool
) -> None:
    stale = []
    for token in batch:
        report.keys_before[envelope_key_id(token.ciphertext)] += 1
        try:
            raw = cipher.decrypt(token.ciphertext, row_id=token.pk)
        except TokenError:
            report.unreadable.append(str(token.pk))
            continue
        if not verify and envelope_key_id(token.ciphertext) != cipher.primary.id:
            token.ciphertext = cipher.encrypt(raw, row_id=token.pk)
            stale.append(token)
    WBToken.objects.bulk_update(stale, ["ciphertext"])
    report.rotated += len(stale)


# --- Shared steps -------------------------------------------------------------------------


def status_of(outcome: WBOutcome) -> str:
    if outcome.error is None:
        return Status.VALID
    return STATUS_BY_ERROR.get(type(outcome.error), Status.UNAVAILABLE)


def status_to_save(outcome: WBOutcome, *, allow_unverified: bool) -> str:
    """The status a new or replaced token is saved with, or the reason it is refused."""
    status = status_of(outcome)
    if status == Status.VALID:
        return status
    if status != Status.UNAVAILABLE and not isinstance(outcome.error, NOT_SENT):
        raise refusal(outcome.error)
    if not allow_unverified:
        error = refusal(outcome.error, field=None)
        error.can_save_unverified = True
        raise error
    return Status.UNCHECKED


@sensitive_variables("pasted")
def fill_from_token(token: WBToken, pasted: PastedToken, outcome: WBOutcome, status: str) -> None:
    claims = pasted.claims
    token.ciphertext = get_cipher().encrypt(pasted.raw, row_id=token.pk)
    token.fingerprint = pasted.fingerprint
    token.hint = claims.hint
    token.token_type = claims.token_type
    token.seller_sid = claims.seller_sid or ""
    token.seller_oid = claims.seller_oid
    token.token_id = claims.token_id or ""
    token.scope_mask = claims.scope_mask
    token.is_test = claims.is_test
    token.expires_at = claims.expires_at
    for name, value in check_fields(outcome, status).items():
        setattr(token, name, value)


def check_fields(outcome: WBOutcome, status: str) -> dict:
    """Field values a check leaves on its token."""
    now = timezone.now()
    error = outcome.error
    fields = {
        "status": status,
        "last_checked_at": now,
        "last_error_code": error.code if error else "",
        "last_error_detail": error_detail(error)[:300] if error else "",
    }
    if outcome.records:
        fields["last_used_at"] = now
    seller = outcome.result.seller if outcome.result else None
    if seller is not None:
        fields.update(
            seller_name=seller.name,
            seller_tin=seller.tin,
            trade_mark=seller.trade_mark,
            country=seller.country,
        )
    return fields


def counter_increments(outcome: WBOutcome, status: str) -> dict:
    """A check added to the token's counters in SQL, so that concurrent checks all count."""
    return {
        "check_count": F("check_count") + 1,
        "failed_check_count": F("failed_check_count") + int(status != Status.VALID),
        "request_count": F("request_count") + len(outcome.records),
    }


def count_check(token: WBToken, outcome: WBOutcome, status: str) -> None:
    WBToken.objects.filter(pk=token.pk).update(**counter_increments(outcome, status))


def record_check(
    token: WBToken, outcome: WBOutcome, status: str, *, trigger: str, by: User
) -> WBTokenCheck:
    error = outcome.error
    return WBTokenCheck.objects.create(
        token=token,
        trigger=trigger,
        checked_by=by if by and by.pk else None,
        outcome=status,
        http_status=outcome.last_status,
        duration_ms=outcome.duration_ms,
        request_count=len(outcome.records),
        wb_request_id=outcome.last_request_id[:64],
        error_code=error.code if error else "",
        error_detail=error_detail(error)[:300] if error else "",
    )


def audit(by: User, token: WBToken, action: int, message: list | str) -> None:
    """A LogEntry naming what changed, never the values (there is no user for cron jobs)."""
    if by is None or by.pk is None:
        return
    LogEntry.objects.log_actions(
        user_id=by.pk,
        queryset=[token],
        action_flag=action,
        change_message=message,
        single_object=True,
    )


def log_event(action: str, by: User, token: WBToken, outcome: str) -> None:
    security_log.info(
        "token %s user=%s token=%s seller=%s outcome=%s fingerprint=%s",
        action,
        by.get_username() if by else "-",
        token.pk,
        token.seller_sid or "-",
        outcome,
        token.fingerprint_prefix,
        extra={"event": f"token_{action}", "outcome": str(outcome)},
    )
