"""A stream per (seller, dataset): the truth about a sync, never only the queue's.

The queue (django-tasks-db) has no retries and leaves a killed worker's task RUNNING forever.
So a stream's row holds its cursor, when it runs next and its lease: the tick leases a due
stream and enqueues its task; each task renews the lease, reads one page and, in the page's
transaction, upserts its rows, moves the cursor and enqueues the next task. A lease that runs
out means a task was lost, and the next tick leases the stream again.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .registry import NAME_MAX_LENGTH

CODE_MAX_LENGTH = 32
DETAIL_MAX_LENGTH = 300


class SyncStreamQuerySet(models.QuerySet):
    def claimable(self, now) -> "SyncStreamQuerySet":
        """Due and not leased, or leased and the lease ran out; never a blocked one."""
        return self.exclude(state=SyncStream.State.BLOCKED).filter(
            Q(lease_until__isnull=True, next_run_at__lte=now) | Q(lease_until__lte=now)
        )


class SyncStream(models.Model):
    class State(models.TextChoices):
        IDLE = "idle", _("Waiting for its next run")
        RUNNING = "running", _("Syncing")
        RETRYING = "retrying", _("Retrying after an error")
        BLOCKED = "blocked", _("Blocked")

    seller = models.ForeignKey(
        "sellers.Seller",
        on_delete=models.CASCADE,
        related_name="sync_streams",
        verbose_name=_("seller"),
    )
    dataset = models.CharField(_("dataset"), max_length=NAME_MAX_LENGTH)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.IDLE)
    # Where the next page starts; null: at the dataset's first cursor.
    cursor = models.JSONField(_("cursor"), null=True, blank=True)
    # The pass in progress (or the last one): its number is stamped on the rows it writes.
    pass_number = models.PositiveIntegerField(_("pass"), default=0)
    pass_started_at = models.DateTimeField(_("pass started"), null=True, blank=True)
    pass_full = models.BooleanField(_("full pass"), default=True)
    last_full_pass_at = models.DateTimeField(_("last full pass"), null=True, blank=True)
    # This cabinet's own schedule for the dataset; null: the dataset's default.
    interval = models.DurationField(_("interval"), null=True, blank=True)
    next_run_at = models.DateTimeField(_("next run"), null=True, blank=True)
    # While set, a task of the stream is queued or running; nobody else reads its pages.
    lease_id = models.CharField(_("lease"), max_length=36, blank=True)
    lease_until = models.DateTimeField(_("leased until"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("failed attempts in a row"), default=0)
    last_success_at = models.DateTimeField(_("last finished pass"), null=True, blank=True)
    last_page_at = models.DateTimeField(_("last page"), null=True, blank=True)
    # A code (gateway.messages words it) and WB's own detail, never a token.
    error_code = models.CharField(_("error"), max_length=CODE_MAX_LENGTH, blank=True)
    error_detail = models.CharField(_("error detail"), max_length=DETAIL_MAX_LENGTH, blank=True)
    error_at = models.DateTimeField(_("error at"), null=True, blank=True)
    blocked_at = models.DateTimeField(_("blocked at"), null=True, blank=True)
    run = models.ForeignKey(
        "SyncRun",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current run"),
    )
    pages = models.PositiveBigIntegerField(_("pages"), default=0)
    requests = models.PositiveBigIntegerField(_("WB requests"), default=0)
    rows_inserted = models.PositiveBigIntegerField(_("rows inserted"), default=0)
    rows_updated = models.PositiveBigIntegerField(_("rows updated"), default=0)

    objects = SyncStreamQuerySet.as_manager()

    class Meta:
        verbose_name = _("sync stream")
        verbose_name_plural = _("sync streams")
        ordering = ["seller", "dataset"]
        constraints = [
            models.UniqueConstraint(fields=["seller", "dataset"], name="sync_stream_unique")
        ]
        indexes = [models.Index(fields=["next_run_at"], name="sync_stream_due_idx")]

    def __str__(self) -> str:
        return f"{self.seller} · {self.dataset}"


class SyncRun(models.Model):
    """One pass of a stream, from its first page to its last, however many tasks it took."""

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("Schedule")
        MANUAL = "manual", _("Sync now")
        RESET = "reset", _("Full re-read")
        RETRY = "retry", _("Retry")
        RESUME = "resume", _("Resumed after a block")

    class Outcome(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        BLOCKED = "blocked", _("Blocked")
        CANCELLED = "cancelled", _("Cancelled by a full re-read")

    stream = models.ForeignKey(
        SyncStream, on_delete=models.CASCADE, related_name="runs", verbose_name=_("stream")
    )
    trigger = models.CharField(_("trigger"), max_length=10, choices=Trigger.choices)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.RUNNING
    )
    full = models.BooleanField(_("full pass"), default=True)
    pages = models.PositiveIntegerField(_("pages"), default=0)
    requests = models.PositiveIntegerField(_("WB requests"), default=0)
    rows_inserted = models.PositiveIntegerField(_("rows inserted"), default=0)
    rows_updated = models.PositiveIntegerField(_("rows updated"), default=0)
    rows_removed = models.PositiveIntegerField(_("rows removed"), default=0)
    # Times WB's shared rate budget (or the breaker) held a page back: nothing was sent.
    waits = models.PositiveIntegerField(_("waits"), default=0)
    throttled = models.PositiveIntegerField(_("429 answers"), default=0)
    errors = models.PositiveIntegerField(_("errors"), default=0)
    # Tasks that were lost (their worker killed) and whose page was read again.
    lost = models.PositiveIntegerField(_("lost tasks"), default=0)
    error_code = models.CharField(_("last error"), max_length=CODE_MAX_LENGTH, blank=True)
    error_detail = models.CharField(_("error detail"), max_length=DETAIL_MAX_LENGTH, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )

    class Meta:
        verbose_name = _("sync run")
        verbose_name_plural = _("sync runs")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["stream", "-started_at"], name="sync_run_stream_idx")]

    def __str__(self) -> str:
        return f"{self.stream} · {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def duration(self):
        return self.finished_at - self.started_at if self.finished_at else None
