"""The sync's streams and runs in the admin: the engine writes them, so read-only here."""

from django.contrib import admin

from access.models import Area
from wberp.readonly_admin import WBDataAdmin

from .models import SyncRun, SyncStream


@admin.register(SyncStream)
class SyncStreamAdmin(WBDataAdmin):
    cabinet_area = Area.SYNC
    list_display = ["seller", "dataset", "state", "next_run_at", "last_success_at", "error_code"]
    list_filter = ["dataset", "state"]
    search_fields = ["seller__name", "=seller__sid"]
    exclude = ["lease_id"]


@admin.register(SyncRun)
class SyncRunAdmin(WBDataAdmin):
    cabinet_area = Area.SYNC
    cabinet_field = "stream__seller"  # a run has its cabinet through its stream
    list_display = [
        "stream",
        "trigger",
        "started_at",
        "finished_at",
        "outcome",
        "pages",
        "requests",
        "rows_inserted",
        "rows_updated",
        "throttled",
    ]
    list_filter = ["outcome", "trigger", "stream__dataset"]
    list_select_related = ["stream__seller"]
    search_fields = ["stream__seller__name", "=stream__seller__sid"]
