"""The periodic jobs in the admin: what is declared, when it runs next, how it last went.

Read-only: the rows belong to the tick and the workers. A job's schedule is shown in the
reader's language from its declaration in code; a row whose job is no longer declared
shows its stored schedule key.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from wberp.readonly_admin import ReadOnlyAdminMixin

from .models import PeriodicJob
from .registry import registered_jobs


@admin.register(PeriodicJob)
class PeriodicJobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "name",
        "schedule_text",
        "next_run_at",
        "state",
        "last_finished_at",
        "last_outcome",
        "last_error",
    )
    list_filter = ("last_outcome",)
    fields = (
        "name",
        "schedule_text",
        "next_run_at",
        "state",
        "lease_until",
        "task_result_id",
        "last_enqueued_at",
        "last_started_at",
        "last_finished_at",
        "last_outcome",
        "last_error",
    )
    readonly_fields = fields

    @admin.display(description=_("schedule"))
    def schedule_text(self, row: PeriodicJob) -> str:
        job = registered_jobs().get(row.name)
        return job.schedule.describe() if job else row.schedule

    @admin.display(description=_("state"))
    def state(self, row: PeriodicJob) -> str:
        if row.lease_until is None:
            return _("Waiting for its next run")
        started = row.last_started_at
        if started and row.last_enqueued_at and started >= row.last_enqueued_at:
            return _("Running")
        return _("Queued")
