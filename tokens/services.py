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

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from access.models import Area
from access.selectors import sees_all_cabinets, visible_sellers
from gateway.errors import NotSent
from gateway.messages import describe, error_detail
from gateway.stored import check_stored_token
from gateway.validation import INTERACTIVE_MAX_WAIT, WBOutcome, verify_token
from sellers.models import Seller
from sellers.services import seller_for_token, seller_record_info
from wbapi.claims import TokenClaims, decode_token, normalise_token
from wbapi.errors import MalformedToken, TokenExpired, WBError
from wberp.audit import ADDITION, CHANGE, DELETION, audit

from .crypto import TokenCipher, envelope_key_id, get_cipher
from .exceptions import TokenError
from .models import WBToken, WBTokenCheck
from .selectors import not_under_key, tokens_per_key
from .verdicts import verdict

security_log = logging.getLogger("wberp.security")

Status = WBToken.Status
Outcome = WBTokenCheck.Outcome
Trigger = WBTokenCheck.Trigger
User = AbstractBaseUser | None

NAME_MAX_LENGTH = WBToken._meta.get_field("name").max_length
CLAIM_MAX_LENGTH = min(
    (Seller._meta.get_field("sid").max_length, WBToken._meta.get_field("token_id").max_length)
)


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
    if not claims.seller_sid:
        raise TokenError(
            describe("malformed_token", "no_seller"), code="malformed_token", field="raw_token"
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
    if any(unicodedata.category(char) == "Cf" for char in name):
        # Right-to-left overrides, zero-width spaces and the like: a name that reads
        # differently from what it is ("…exe.pdf"), or two names that look the same.
        raise TokenError(
            _(
                "The name contains invisible formatting characters (such as a right-to-left "
                "mark or a zero-width space). Type it again."
            ),
            code="name_invisible_characters",
            field="name",
        )
    if len(name) > NAME_MAX_LENGTH:
        raise TokenError(
            _("Keep the name under %(limit)d characters.") % {"limit": NAME_MAX_LENGTH},
            code="name_too_long",
            field="name",
        )
    return name


def refusal(exc: WBError, *, field: str | None = "raw_token") -> TokenError:
    detail = error_detail(exc)
    return TokenError(describe(exc.code, detail), code=exc.code, field=field, detail=detail)


def refuse_foreign_cabinet(by: User, sid: str) -> None:
    """A token goes only into a cabinet whose tokens its author may change (anyone's, for
    whoever sees every cabinet, and for commands run without --user). The refusal reads the
    same whether the cabinet is stored or not, so it tells nothing of other cabinets."""
    if by is None or sees_all_cabinets(by):
        return
    if not visible_sellers(by, Area.TOKENS, change=True).filter(sid=sid).exists():
        raise TokenError(
            _(
                "This token is of a cabinet whose tokens you have not been given: ask whoever "
                "manages access to give it to you."
            ),
            code="foreign_cabinet",
            field="raw_token",
        )


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
    refuse_foreign_cabinet(by, pasted.claims.seller_sid)
    refuse_duplicate(pasted.fingerprint)
    outcome = verify_pasted(pasted)
    status = status_to_save(outcome, allow_unverified=allow_unverified)
    token = WBToken(name=name, created_by=by if by and by.pk else None)
    try:
        with transaction.atomic():
            fill_from_token(token, pasted, outcome, status)
            token.save(force_insert=True)
            count_check(token, outcome, status)
            record_check(token, outcome, trigger=Trigger.CREATE, by=by)
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
    """Rename a token and/or replace its secret (validated with WB like a new one).

    Only what changes here is written: the rest of `token` may be older than the row (a key
    rotation or a check may have rewritten it since it was read) and must not be written back.
    """
    read = stored_values(token)
    changed = []
    if name is not None and clean_name(name) != token.name:
        token.name = clean_name(name)
        changed.append("name")
    outcome = pasted = status = None
    if raw_token:
        pasted = read_replacement(token, raw_token, by=by, allow_other_seller=allow_other_seller)
        outcome = verify_pasted(pasted)
        status = status_to_save(outcome, allow_unverified=allow_unverified)
        changed.append("token")
    if not changed:
        return token
    try:
        with transaction.atomic():
            if pasted is not None:
                fill_from_token(token, pasted, outcome, status)
            token.save(update_fields=[*changed_since(token, read), "updated_at"])
            if outcome is not None:
                count_check(token, outcome, status)
                record_check(token, outcome, trigger=Trigger.UPDATE, by=by)
            audit(by, token, CHANGE, [{"changed": {"fields": changed}}])
    except IntegrityError:
        raise duplicate_error(WBToken.objects.get(fingerprint=token.fingerprint).name) from None
    log_event("update", by, token, status or "renamed")
    token.refresh_from_db()
    return token


@sensitive_variables("raw_token", "pasted")
def read_replacement(
    token: WBToken, raw_token: str, *, by: User, allow_other_seller: bool
) -> PastedToken:
    pasted = read_pasted_token(raw_token)
    refuse_foreign_cabinet(by, pasted.claims.seller_sid)
    if pasted.fingerprint == token.fingerprint:
        raise TokenError(
            _("This is the token already stored here."), code="same_token", field="raw_token"
        )
    refuse_duplicate(pasted.fingerprint)
    current_sid = seller_sid_of(token)
    other_seller = current_sid and pasted.claims.seller_sid != current_sid
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


@sensitive_variables("pasted")
def verify_pasted(pasted: PastedToken) -> WBOutcome:
    """Check a pasted token with WB, seller-info included: the token is new here."""
    seller_id = (
        Seller.objects.filter(sid=pasted.claims.seller_sid).values_list("pk", flat=True).first()
    )
    return verify_token(pasted.raw, pasted.claims, seller_id=seller_id, with_seller_info=True)


def token_delete(*, token: WBToken, by: User) -> None:
    with transaction.atomic():
        audit(by, token, DELETION, "")
        log_event("delete", by, token, "deleted")  # while the row still has its id
        token.delete()


# --- Checks -----------------------------------------------------------------------------


def token_check(
    *,
    token: WBToken,
    by: User,
    trigger: str = Trigger.MANUAL,
    max_wait: float = INTERACTIVE_MAX_WAIT,
) -> WBTokenCheck:
    """Re-validate a stored token with WB and record the outcome.

    An expired token is marked so without a request. WB's seller-info is asked when the
    seller's is older than a day; otherwise /ping on the token's hosts is the check. A check
    WB could not answer (a 429, an outage) is recorded but leaves the status as it was. Raises
    TokenError when nothing could be tried (unreadable ciphertext, rate budget used up,
    checks paused, too busy).
    """
    if token.is_expired():
        outcome = WBOutcome(error=TokenExpired(token.expires_at))
    else:
        seller = token.seller
        with_seller_info = seller is None or seller.info_is_due()
        outcome = check_stored_token(token, with_seller_info=with_seller_info, max_wait=max_wait)
    if isinstance(outcome.error, NotSent):
        raise refusal(outcome.error, field=None)
    status = verdict(outcome.error)
    with transaction.atomic():
        record_seller_info(token.seller, outcome)
        WBToken.objects.filter(pk=token.pk).update(
            **check_fields(outcome, status), **counter_increments(outcome, status)
        )
        check = record_check(token, outcome, trigger=trigger, by=by)
        fields = ["status", "last_checked_at"] if status else ["last_checked_at"]
        audit(by, token, CHANGE, [{"changed": {"fields": fields}}])
    token.refresh_from_db()
    log_event("check", by, token, check.outcome)
    return check


# --- Keys ---------------------------------------------------------------------------------

# Sweeps over the tokens still under another key: a second one takes those that a process
# with an older key list wrote while the first ran; more would chase a writer that keeps on.
ROTATION_SWEEPS = 3


@dataclass
class RotationReport:
    keys_before: Counter = field(default_factory=Counter)
    keys_after: Counter = field(default_factory=Counter)
    rotated: int = 0
    unreadable: set[str] = field(default_factory=set)

    def left_under_other_keys(self, primary: str) -> int:
        """Tokens that a successful rotation would have left under no key but `primary`."""
        return sum(count for key, count in self.keys_after.items() if key != primary)


def token_rotate_keys(
    *, batch_size: int = 200, progress: Callable[[int], None] | None = None
) -> RotationReport:
    """Re-encrypt every token under the primary key, batch by batch, then count again.

    Each batch commits on its own, so an interrupted run resumes where it stopped, and rows
    already under the primary key are left alone. The counts after the run, not the run
    itself, say whether any token is still under another key.
    """
    cipher = get_cipher()
    report = RotationReport(keys_before=tokens_per_key())
    for _sweep in range(ROTATION_SWEEPS):
        rotated_before = report.rotated
        for pks in pk_batches(not_under_key(cipher.primary.id), batch_size):
            with transaction.atomic():
                # Locked, so that a token replaced meanwhile is not overwritten with its old secret.
                batch = list(
                    WBToken.objects.select_for_update().filter(pk__in=pks).only("ciphertext")
                )
                rotate_batch(batch, cipher, report)
            if progress is not None:
                progress(len(batch))
        if report.rotated == rotated_before:
            break
    report.keys_after = tokens_per_key()
    return report


def token_verify_keys(
    *, batch_size: int = 200, progress: Callable[[int], None] | None = None
) -> RotationReport:
    """Decrypt every token, writing nothing: the tokens per key and the unreadable ones."""
    cipher = get_cipher()
    report = RotationReport(keys_before=tokens_per_key())
    for pks in pk_batches(WBToken.objects.all(), batch_size):
        batch = WBToken.objects.filter(pk__in=pks).only("ciphertext")
        report.unreadable.update(
            str(token.pk)
            for token in batch
            if not cipher.can_decrypt(token.ciphertext, row_id=token.pk)
        )
        if progress is not None:
            progress(len(pks))
    report.keys_after = report.keys_before
    return report


def pk_batches(tokens: QuerySet, batch_size: int) -> Iterable[list]:
    """Keyset pagination over the ids of `tokens`, so that memory stays bounded."""
    ids = tokens.order_by("pk").values_list("pk", flat=True)
    last_pk = None
    while batch := list((ids.filter(pk__gt=last_pk) if last_pk else ids)[:batch_size]):
        yield batch
        last_pk = batch[-1]


def rotate_batch(batch: list[WBToken], cipher: TokenCipher, report: RotationReport) -> None:
    stale = []
    for token in batch:
        try:
            rotated = cipher.reencrypt(token.ciphertext, row_id=token.pk)
        except TokenError:
            report.unreadable.add(str(token.pk))
            continue
        if envelope_key_id(token.ciphertext) != cipher.primary.id:
            token.ciphertext = rotated
            stale.append(token)
    WBToken.objects.bulk_update(stale, ["ciphertext"])
    report.rotated += len(stale)


# --- Shared steps -------------------------------------------------------------------------


def status_to_save(outcome: WBOutcome, *, allow_unverified: bool) -> str:
    """The status a new or replaced token is saved with, or the reason it is refused."""
    status = verdict(outcome.error)
    if status == Status.VALID:
        return status
    if status is not None:
        raise refusal(outcome.error)
    if not allow_unverified:
        error = refusal(outcome.error, field=None)
        error.can_save_unverified = True
        raise error
    return Status.UNCHECKED


@sensitive_variables("pasted")
def fill_from_token(token: WBToken, pasted: PastedToken, outcome: WBOutcome, status: str) -> None:
    """A new secret and everything read from it; its seller, filled in from WB's seller-info."""
    claims = pasted.claims
    token.ciphertext = get_cipher().encrypt(pasted.raw, row_id=token.pk)
    token.fingerprint = pasted.fingerprint
    token.hint = claims.hint
    token.token_type = claims.token_type
    token.seller = seller_for_token(sid=claims.seller_sid, oid=claims.seller_oid)
    token.token_id = claims.token_id or ""
    token.scope_mask = claims.scope_mask
    token.is_test = claims.is_test
    token.expires_at = claims.expires_at
    record_seller_info(token.seller, outcome)
    for name, value in check_fields(outcome, status).items():
        setattr(token, name, value)


def stored_values(token: WBToken) -> dict:
    return {field.attname: getattr(token, field.attname) for field in WBToken._meta.concrete_fields}


def changed_since(token: WBToken, read: dict) -> list[str]:
    return [name for name, value in read.items() if getattr(token, name) != value]


def record_seller_info(seller: Seller | None, outcome: WBOutcome) -> None:
    info = outcome.result.seller if outcome.result else None
    if seller is not None and info is not None:
        seller_record_info(
            seller=seller,
            name=info.name,
            tin=info.tin,
            trade_mark=info.trade_mark,
            country=info.country,
        )


def check_fields(outcome: WBOutcome, status: str | None) -> dict:
    """Field values a check leaves on its token; the status only if WB told it."""
    now = timezone.now()
    error = outcome.error
    fields = {
        "last_checked_at": now,
        "last_error_code": error.code if error else "",
        "last_error_detail": error_detail(error)[:300] if error else "",
    }
    if status is not None:
        fields["status"] = status
    if outcome.records:
        fields["last_used_at"] = now
    return fields


def counter_increments(outcome: WBOutcome, status: str | None) -> dict:
    """A check added to the token's counters in SQL, so that concurrent checks all count."""
    return {
        "check_count": F("check_count") + 1,
        "failed_check_count": F("failed_check_count") + int(status != Status.VALID),
        "request_count": F("request_count") + len(outcome.records),
    }


def count_check(token: WBToken, outcome: WBOutcome, status: str | None) -> None:
    WBToken.objects.filter(pk=token.pk).update(**counter_increments(outcome, status))


def record_check(token: WBToken, outcome: WBOutcome, *, trigger: str, by: User) -> WBTokenCheck:
    error = outcome.error
    return WBTokenCheck.objects.create(
        token=token,
        trigger=trigger,
        checked_by=by if by and by.pk else None,
        outcome=verdict(error) or Outcome.UNAVAILABLE,
        http_status=outcome.last_status,
        duration_ms=outcome.duration_ms,
        request_count=len(outcome.records),
        wb_request_id=outcome.last_request_id[:64],
        error_code=error.code if error else "",
        error_detail=error_detail(error)[:300] if error else "",
    )


def log_event(action: str, by: User, token: WBToken, outcome: str) -> None:
    security_log.info(
        "token %s user=%s token=%s seller=%s outcome=%s fingerprint=%s",
        action,
        by.get_username() if by else "-",
        token.pk,
        seller_sid_of(token) or "-",
        outcome,
        token.fingerprint_prefix,
        extra={"event": f"token_{action}", "outcome": str(outcome)},
    )


def seller_sid_of(token: WBToken) -> str:
    """The WB id of the token's seller, without a query when the seller is loaded."""
    return token.seller.sid if token.seller_id else ""
