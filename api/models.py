"""Personal API tokens, and the failed attempts to use one.

A token is `wberp_<public id>_<secret>`; only a keyed hash of it is stored, so neither the
database nor a backup of it can be used to call the API. It is shown once, when made.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PREFIX = "wberp_"


class APIToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    # Finds the row; the secret is then compared with the stored hash.
    public_id = models.CharField(_("public ID"), max_length=12, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    # Written at most every few minutes (api.services.LAST_USED_PRECISION), not on every call.
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        # The list of one's tokens (api.selectors.api_tokens_of), newest first.
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="api_token_user_newest")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.shown_id})"

    @property
    def shown_id(self) -> str:
        """What identifies the token on pages and in logs: never its secret."""
        return f"{PREFIX}{self.public_id}_…"

    def is_active(self, now=None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or timezone.now())


class APITokenRequests(models.Model):
    """The requests an API token made in its current rate window (api.throttling), in the
    database so that every server process counts toward one budget. The window starts with
    the first request after the last one ended."""

    token = models.OneToOneField(
        APIToken, on_delete=models.CASCADE, primary_key=True, related_name="requests"
    )
    window_started_at = models.DateTimeField()
    requests = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.token}: {self.requests}"


class APIAuthFailure(models.Model):
    """Failed API authentications from one address since `first_failed_at`: too many, and
    that address is refused for a while (api.services.api_auth_locked_until), as logins are."""

    ip_address = models.GenericIPAddressField(unique=True)
    failures = models.PositiveIntegerField(default=0)
    first_failed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.ip_address}: {self.failures}"
