"""A large export written in the background: whose it is, what it holds, how far it got."""

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from sellers.models import Seller


class Export(models.Model):
    """An XLSX too large to write during its request, written by a task to a private folder.

    It holds what the page was asked (its path and query string), so that the task builds the
    same rows through the page's own view, as its owner, with the owner's access as it is then.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Being written")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    class Format(models.TextChoices):
        XLSX = "xlsx", "XLSX"

    class Problem(models.TextChoices):
        ACCESS = (
            "access",
            _(
                "You may no longer see these rows: your access to the cabinet or the table "
                "changed after the export was asked for."
            ),
        )
        LOST = (
            "lost",
            _(
                "The export stopped before it finished: the worker writing it was stopped. "
                "Ask for it again."
            ),
        )
        ERROR = (
            "error",
            _(
                "The export could not be written. Ask for it again; if it fails again, tell "
                "your administrator."
            ),
        )

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="exports",
        verbose_name=_("owner"),
    )
    seller = models.ForeignKey(
        Seller,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cabinet"),
    )
    # The file's name without its extension, as the page names it (orders-<sid>, …).
    table = models.CharField(_("table"), max_length=200)
    path = models.CharField(_("page"), max_length=500)
    query = models.TextField(_("filters"), blank=True)
    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    # The file's name in EXPORTS_DIR, once written.
    file = models.CharField(_("file"), max_length=100, blank=True)
    error = models.CharField(_("error"), max_length=10, choices=Problem.choices, blank=True)
    task_result_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("asked for"), auto_now_add=True, db_index=True)
    # Moves with each batch of rows written: an export running that has not moved for
    # EXPORTS_LEASE_SECONDS lost its worker.
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="export_owner_newest")]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_state_display()})"

    @property
    def filename(self) -> str:
        return f"{self.table}.{self.format}"

    @property
    def file_path(self) -> Path | None:
        return Path(settings.EXPORTS_DIR) / self.file if self.file else None

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return min(99, self.rows_done * 100 // self.rows_total) if self.rows_total else 0

    @property
    def in_progress(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)

    def get_download_url(self) -> str:
        return reverse("exports:download", args=[self.pk])
