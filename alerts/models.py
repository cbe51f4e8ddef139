"""Alerts: what each user wants to hear of, the conditions that hold, and what was sent.

A condition (a rule about one subject, e.g. "token X expires within 14 days") has one
AlertState row. It fires when it starts to hold: the row turns active and every subscribed user
who may see its cabinet gets a Notification, with a Delivery per channel they chose. While it
keeps holding nothing more is sent; once it clears, the row turns inactive, and only if it
holds again does it fire again. Deliveries are retried with backoff by a periodic job.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Rule(models.TextChoices):
    TOKEN_EXPIRING_30 = "token_expiring_30", _("A token expires within 30 days")
    TOKEN_EXPIRING_14 = "token_expiring_14", _("A token expires within 14 days")
    TOKEN_EXPIRING_3 = "token_expiring_3", _("A token expires within 3 days")
    TOKEN_FAILING = "token_failing", _("A token turned invalid or lost access")
    REPORT_UNRECONCILED = "report_unreconciled", _("A finance report does not reconcile")
    STREAM_BLOCKED = "stream_blocked", _("A sync stopped until a token changes")
    STREAM_FAILING = "stream_failing", _("A sync keeps failing")
    DATA_STALE = "data_stale", _("Data is older than its refresh")
    STOCK_RUNNING_OUT = "stock_running_out", _("A selling product runs out of stock")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Webhook")


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class AlertSettings(models.Model):
    """A user's channels and cabinets: no cabinet chosen means every cabinet they may see."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_settings"
    )
    webhook_url = models.URLField(
        _("webhook URL"),
        max_length=500,
        blank=True,
        help_text=_("An http(s) address that receives each alert as a signed JSON POST."),
    )
    # The key of the HMAC-SHA256 signature: the receiver needs it to verify, so it is kept as
    # it is (it opens nothing of wberp's) and shown only to its owner.
    webhook_secret = models.CharField(max_length=64, default=new_webhook_secret, editable=False)
    sellers = models.ManyToManyField(
        "sellers.Seller", blank=True, related_name="+", verbose_name=_("cabinets")
    )

    class Meta:
        verbose_name = _("alert settings")
        verbose_name_plural = _("alert settings")

    def __str__(self) -> str:
        return str(self.user)


class AlertSubscription(models.Model):
    """`user` hears of `rule` on the notifications page, and by the channels ticked."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_subscriptions"
    )
    rule = models.CharField(_("alert"), max_length=40, choices=Rule.choices)
    by_email = models.BooleanField(_("by e-mail"), default=False)
    by_webhook = models.BooleanField(_("by webhook"), default=False)

    class Meta:
        verbose_name = _("alert subscription")
        verbose_name_plural = _("alert subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["user", "rule"], name="alertsubscription_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.rule}"

    @property
    def channels(self) -> list[str]:
        return [
            channel
            for channel, wanted in (
                (Channel.EMAIL, self.by_email),
                (Channel.WEBHOOK, self.by_webhook),
            )
            if wanted
        ]


class AlertState(models.Model):
    """Whether `rule` holds for `subject` (e.g. a token's id), since when, and what it said."""

    rule = models.CharField(_("alert"), max_length=40, choices=Rule.choices)
    subject = models.CharField(max_length=100)
    seller = models.ForeignKey(
        "sellers.Seller",
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        verbose_name=_("cabinet"),
    )
    active = models.BooleanField(_("holds"), default=True)
    # What the messages name (token name, days left...), as it was when the condition fired.
    details = models.JSONField(default=dict)
    fired_at = models.DateTimeField(_("fired"))
    cleared_at = models.DateTimeField(_("cleared"), null=True, blank=True)
    times_fired = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("alert condition")
        verbose_name_plural = _("alert conditions")
        constraints = [models.UniqueConstraint(fields=["rule", "subject"], name="alertstate_key")]
        indexes = [models.Index(fields=["active", "rule"], name="alertstate_active_idx")]

    def __str__(self) -> str:
        return f"{self.rule} {self.subject}"


class Notification(models.Model):
    """One firing of a condition, for one user: listed on their page until they read it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    state = models.ForeignKey(AlertState, on_delete=models.CASCADE, related_name="notifications")
    created_at = models.DateTimeField(_("when"))
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user_idx"),
            models.Index(
                fields=["user"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.state}"


class Delivery(models.Model):
    """Sending one notification by one channel: tried until sent, or given up on."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When it is next tried; while one try is under way, when that try counts as lost.
    next_attempt_at = models.DateTimeField()
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # What went wrong, without the address or any secret: "HTTP 502", "timeout"...
    last_error = models.CharField(_("last error"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("alert delivery")
        verbose_name_plural = _("alert deliveries")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="delivery_due_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.notification_id} {self.status}"
