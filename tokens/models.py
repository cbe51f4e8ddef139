"""The token desk's records: a seller cabinet's WB token and the history of its checks.

The token itself is stored only as AES-GCM ciphertext (see crypto.py); what
people see is its last 4 characters and a short prefix of its fingerprint.
"""

import uuid
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Case, F, When
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gateway.messages import describe
from wbapi.claims import CATEGORY_BITS, READ_ONLY_BIT

from .crypto import FINGERPRINT_PREFIX_LENGTH, envelope_key_id, get_cipher
from .presentation import (
    category_label,
    check_counts_text,
    expiry_text,
    status_text,
    unreadable_reason,
)

# Tokens expiring within this many days are highlighted everywhere.
EXPIRY_WARNING_DAYS = 14
# Which token reads a seller's data when several could: WB means personal tokens for a
# seller's own system; basic ones have far lower limits.
TYPE_PREFERENCE = ("personal", "service", "basic")
# WB tokens live 180 days; a larger window in a filter is a typo, not a question.
MAX_EXPIRY_FILTER_DAYS = 3650


def choice_label(choices: type[models.Choices], value: str) -> str:
    """A choice's label; a value that is not a choice is shown as it is, as Django does."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def start_of_day(now: datetime, days_on: int) -> datetime:
    """Midnight, in the current time zone, `days_on` days after the day of `now`."""
    day = timezone.localdate(now) + timedelta(days=days_on)
    return timezone.make_aware(datetime.combine(day, time.min))


class WBTokenQuerySet(models.QuerySet):
    def allowing(self, category: str) -> "WBTokenQuerySet":
        """Tokens whose scope covers an API category (e.g. "statistics")."""
        bit = next(bit for bit, name in CATEGORY_BITS.items() if name == category)
        return self._with_scope_bit(bit)

    def read_only(self, flag: bool = True) -> "WBTokenQuerySet":
        tokens = self._with_scope_bit(READ_ONLY_BIT)
        return tokens if flag else self.exclude(pk__in=tokens.values("pk"))

    def expiring_within(self, days: int, *, now: datetime | None = None) -> "WBTokenQuerySet":
        """Tokens not yet expired whose expiry date is at most `days` days from today (in the
        current time zone), as WBToken.days_left counts them."""
        now = now or timezone.now()
        return self.filter(expires_at__gt=now, expires_at__lt=start_of_day(now, days + 1))

    def by_expiry(self, choice: str) -> "WBTokenQuerySet":
        """The list filters' expiry choice: "expired", a number of days, or "" for all."""
        if choice == "expired":
            return self.filter(expires_at__lte=timezone.now())
        if choice.isdigit() and int(choice) <= MAX_EXPIRY_FILTER_DAYS:
            return self.expiring_within(int(choice))
        return self

    def usable_for(self, category: str, *, now: datetime | None = None) -> "WBTokenQuerySet":
        """Tokens that may read the seller's real data of a WB category now, the preferred
        first: valid, not expired, not a sandbox token, with the category (WBToken.usable_for
        says the same of one token)."""
        now = now or timezone.now()
        preference = Case(
            *(When(token_type=kind, then=rank) for rank, kind in enumerate(TYPE_PREFERENCE)),
            default=len(TYPE_PREFERENCE),
        )
        return (
            self.filter(status=WBToken.Status.VALID, expires_at__gt=now, is_test=False)
            .allowing(category)
            .order_by(preference, "-expires_at", "pk")
        )

    def _with_scope_bit(self, bit: int) -> "WBTokenQuerySet":
        mask = 1 << bit
        return self.alias(_scope_bit=F("scope_mask").bitand(mask)).filter(_scope_bit=mask)


class WBToken(models.Model):
    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        INVALID = "invalid", _("Invalid")
        EXPIRED = "expired", _("Expired")
        ACCESS_DENIED = "access_denied", _("Access denied")
        UNCHECKED = "unchecked", _("Not checked")

    class TokenType(models.TextChoices):
        PERSONAL = "personal", _("Personal")
        SERVICE = "service", _("Service")
        BASIC = "basic", _("Basic")
        TEST = "test", _("Test (sandbox)")
        UNKNOWN = "unknown", _("Unknown")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(
        _("name"), max_length=100, help_text=_("Your label for this token, e.g. the shop's name.")
    )

    # The secret, as stored. Never shown, never searched, never logged.
    ciphertext = models.TextField(editable=False)
    fingerprint = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(_("last characters"), max_length=4, editable=False)

    # Read from the token's own claims.
    token_type = models.CharField(_("type"), max_length=10, choices=TokenType.choices)
    # The cabinet the token's `sid` claim names; who the seller is, WB's seller-info says there.
    seller = models.ForeignKey(
        "sellers.Seller",
        on_delete=models.PROTECT,
        related_name="tokens",
        null=True,
        blank=True,
        verbose_name=_("seller"),
    )
    token_id = models.CharField(_("token ID"), max_length=64, blank=True)
    scope_mask = models.BigIntegerField(_("scope mask"), default=0)
    is_test = models.BooleanField(_("sandbox"), default=False)
    expires_at = models.DateTimeField(_("expires"), db_index=True)

    status = models.CharField(
        _("status"),
        max_length=16,
        choices=Status.choices,
        default=Status.UNCHECKED,
        db_index=True,
    )
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    # A code from tokens.messages and WB's own words, if any; rendered in the reader's language.
    last_error_code = models.CharField(max_length=32, blank=True)
    last_error_detail = models.CharField(max_length=300, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    check_count = models.PositiveIntegerField(_("checks"), default=0)
    failed_check_count = models.PositiveIntegerField(_("failed checks"), default=0)
    request_count = models.PositiveIntegerField(_("WB requests"), default=0)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = WBTokenQuerySet.as_manager()

    class Meta:
        # In sentences ("Select %s to change"), so in lower case where the language wants it.
        verbose_name = pgettext_lazy("model name", "WB token")
        verbose_name_plural = pgettext_lazy("model name", "WB tokens")
        ordering = ["name", "id"]
        permissions = [("check_wbtoken", _("Can check WB tokens with Wildberries"))]
        indexes = [
            models.Index(fields=["name", "id"], name="wbtoken_name_idx"),
            # The API's list, newest first: its page read from the index, not a sort of all.
            models.Index(fields=["-created_at", "-id"], name="wbtoken_newest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (…{self.hint})"

    def __repr__(self) -> str:
        return f"<WBToken {self.pk} {self.name!r} …{self.hint}>"

    def get_absolute_url(self) -> str:
        return reverse("tokens:detail", args=[self.pk])

    @property
    def display_version(self) -> str:
        """Changes whenever anything shown of this token may: a stored value, or the whole
        days left before it expires. Cached fragments of its pages are keyed by this."""
        values = [getattr(self, name) for name in NON_SECRET_FIELDS]
        seller = self.seller if self.seller_id else None  # loaded with the token on the list
        values.append(seller and (seller.pk, seller.updated_at))
        return f"{self.days_left()}:{self.is_readable}:{values!r}"

    # Django's own get_FOO_display() builds a dict of every choice on each call;
    # the token list calls these for every row.
    def get_status_display(self) -> str:
        return choice_label(self.Status, self.status)

    def get_token_type_display(self) -> str:
        return choice_label(self.TokenType, self.token_type)

    @property
    def key_id(self) -> str:
        """The id of the key that sealed the secret. Lists read just that much of the
        ciphertext, as `stored_key_id` (see tokens.selectors.with_key_id)."""
        stored = self.__dict__.get("stored_key_id")
        return stored if stored is not None else envelope_key_id(self.ciphertext)

    @property
    def is_readable(self) -> bool:
        """Whether a configured key sealed the secret (a key removed too early: not)."""
        return self.key_id in get_cipher().keys_by_id

    @property
    def check_counts_text(self) -> str:
        return check_counts_text(self)

    @property
    def status_text(self) -> str:
        return status_text(self)

    @property
    def unreadable_reason(self) -> str:
        return "" if self.is_readable else unreadable_reason(self)

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(name for bit, name in CATEGORY_BITS.items() if self.scope_mask >> bit & 1)

    @property
    def read_only(self) -> bool:
        return bool(self.scope_mask >> READ_ONLY_BIT & 1)

    @property
    def category_labels(self) -> list[str]:
        return [category_label(name) for name in self.categories]

    @property
    def expiry_text(self) -> str:
        return expiry_text(self)

    @property
    def fingerprint_prefix(self) -> str:
        return self.fingerprint[:FINGERPRINT_PREFIX_LENGTH]

    @property
    def last_error(self) -> str:
        return (
            describe(self.last_error_code, self.last_error_detail) if self.last_error_code else ""
        )

    def days_left(self, now: datetime | None = None) -> int:
        """Days from today to the expiry date, in the reader's time zone: a token made to last
        3 days has 3 left just after it is made, and 0 on its last day (negative after it)."""
        today = timezone.localdate(now or timezone.now())
        return (timezone.localdate(self.expires_at) - today).days

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at <= (now or timezone.now())

    def expires_soon(self, now: datetime | None = None) -> bool:
        return self.days_left(now) <= EXPIRY_WARNING_DAYS

    def usable_for(self, category: str, now: datetime | None = None) -> bool:
        """Whether this token may read the seller's real data of `category` now (the rule of
        WBTokenQuerySet.usable_for, for tokens already loaded)."""
        return (
            self.status == self.Status.VALID
            and not self.is_expired(now)
            and not self.is_test
            and category in self.categories
        )


class WBTokenCheck(models.Model):
    """One validation of a token with WB (or locally, for an expired one)."""

    class Trigger(models.TextChoices):
        CREATE = "create", _("Added")
        UPDATE = "update", _("Token replaced")
        MANUAL = "manual", _("Checked by a person")
        BULK = "bulk", _("Bulk check")
        COMMAND = "command", _("Command line")
        SCHEDULE = "schedule", _("Schedule")

    class Outcome(models.TextChoices):
        """What WB said about the token, or that it could not tell (the status then stays)."""

        VALID = "valid", _("Valid")
        INVALID = "invalid", _("Invalid")
        EXPIRED = "expired", _("Expired")
        ACCESS_DENIED = "access_denied", _("Access denied")
        UNAVAILABLE = "unavailable", _("Could not check")

    token = models.ForeignKey(WBToken, on_delete=models.CASCADE, related_name="checks")
    checked_at = models.DateTimeField(_("checked"), default=timezone.now, db_index=True)
    trigger = models.CharField(_("trigger"), max_length=10, choices=Trigger.choices)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration, ms"), null=True, blank=True)
    request_count = models.PositiveSmallIntegerField(_("WB requests"), default=0)
    wb_request_id = models.CharField(_("WB request ID"), max_length=64, blank=True)
    error_code = models.CharField(max_length=32, blank=True)
    error_detail = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("token check")
        verbose_name_plural = _("token checks")
        ordering = ["-checked_at", "-id"]
        indexes = [models.Index(fields=["token", "-checked_at"], name="wbtokencheck_recent_idx")]

    def __str__(self) -> str:
        """ "Valid · 1 December 2026, 23:22" — in the reader's language and time zone."""
        when = formats.date_format(timezone.localtime(self.checked_at), "DATETIME_FORMAT")
        return f"{choice_label(WBToken.Status, self.outcome)} · {when}"

    @property
    def error_message(self) -> str:
        return describe(self.error_code, self.error_detail) if self.error_code else ""


# All that is stored of a token except the secret itself, shown or not: a key made of all of
# it cannot miss a change that a page shows.
NON_SECRET_FIELDS = [
    field.attname for field in WBToken._meta.concrete_fields if field.name != "ciphertext"
]


class StatusTallyQuerySet(models.QuerySet):
    def per_status(self) -> dict[str, int]:
        return dict(self.values_list("status", "tokens"))


class StatusTally(models.Model):
    """How many tokens have each status, kept current by database triggers.

    Counting a large token table per status on every list page reads every row;
    this table has a row per status and is read in one step. The triggers
    (migration 0002) update it in the same transaction as any insert, delete,
    status change or truncation of the token table, however it is made: the ORM,
    a bulk COPY or hand-written SQL. Nothing in Python writes to it.
    """

    status = models.CharField(max_length=16, primary_key=True)
    tokens = models.IntegerField(default=0)

    objects = StatusTallyQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.status}: {self.tokens}"


class CheckBatch(models.Model):
    """Many tokens checked in the background, one after another: what is left, what each gave.

    Work is done by tasks that carry only the batch's id. A task claims the batch with a lease
    (`lease_until`), checks the pending tokens in turn, committing each outcome as it goes, and
    comes back when WB's limit for a seller allows (`next_attempt_at`). A task killed in the
    middle loses at most the check it was making: when the lease runs out, the tick enqueues the
    batch again and it goes on from the first pending token.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    trigger = models.CharField(_("trigger"), max_length=10, choices=WBTokenCheck.Trigger.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    total = models.PositiveIntegerField(_("tokens"))
    lease_until = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Why the tokens still to do wait until next_attempt_at (an error code), if they all do.
    waiting_for = models.CharField(max_length=32, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("bulk check")
        verbose_name_plural = _("bulk checks")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.pk} ({self.total})"

    def get_absolute_url(self) -> str:
        return reverse("tokens:batch", args=[self.pk])


class CheckBatchItem(models.Model):
    """One token of a bulk check: still to do, checked (its check), or not checked and why."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        CHECKED = "checked", _("Checked")
        NOT_CHECKED = "not_checked", _("Not checked")

    batch = models.ForeignKey(CheckBatch, on_delete=models.CASCADE, related_name="items")
    # A token deleted while its batch runs leaves its name behind.
    token = models.ForeignKey(WBToken, on_delete=models.SET_NULL, null=True, related_name="+")
    token_name = models.CharField(max_length=100)
    position = models.PositiveIntegerField()
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    check_made = models.ForeignKey(
        WBTokenCheck, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Why it was not checked: a code and its detail, put into words in the reader's language.
    error_code = models.CharField(max_length=32, blank=True)
    error_detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["batch", "position"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "position"], name="checkbatchitem_position")
        ]
        indexes = [models.Index(fields=["batch", "state", "position"], name="checkbatch_todo_idx")]

    def __str__(self) -> str:
        return f"{self.token_name}: {self.state}"

    @property
    def reason(self) -> str:
        return describe(self.error_code, self.error_detail) if self.error_code else ""
