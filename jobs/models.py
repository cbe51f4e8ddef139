"""A row per periodic job: the truth about when it runs, never only the queue's.

The queue (django-tasks-db) has no retries and leaves the task of a killed worker RUNNING
forever. So a job's row holds its own lease: set when the tick enqueues a run, renewed
when a worker starts it, cleared when it finishes. A lease that runs out means the run
was lost, and the next tick enqueues it again.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .registry import NAME_MAX_LENGTH


class PeriodicJobQuerySet(models.QuerySet):
    def claimable(self, now) -> "PeriodicJobQuerySet":
        """Due and not leased, or leased and the lease ran out."""
        return self.filter(
            Q(lease_until__isnull=True, next_run_at__lte=now) | Q(lease_until__lte=now)
        )


class PeriodicJob(models.Model):
    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        LOST = "lost", _("Lost: its worker stopped")

    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH, unique=True)
    schedule = models.CharField(_("schedule"), max_length=100)
    next_run_at = models.DateTimeField(_("next run"))
    # While set, a run is enqueued or running; the tick enqueues none other.
    lease_until = models.DateTimeField(_("leased until"), null=True, blank=True)
    task_result_id = models.CharField(_("task result"), max_length=64, blank=True)
    last_enqueued_at = models.DateTimeField(_("last enqueued"), null=True, blank=True)
    last_started_at = models.DateTimeField(_("last started"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished"), null=True, blank=True)
    last_outcome = models.CharField(
        _("last outcome"), max_length=10, choices=Outcome.choices, blank=True
    )
    # The exception's class only: its message could quote anything.
    last_error = models.CharField(_("last error"), max_length=200, blank=True)

    objects = PeriodicJobQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("periodic job")
        verbose_name_plural = _("periodic jobs")
        indexes = [models.Index(fields=["task_result_id"], name="jobs_job_task_result_idx")]

    def __str__(self) -> str:
        return self.name
