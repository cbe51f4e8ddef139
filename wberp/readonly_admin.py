"""The admin of data wberp copies from WB: read-only, and scoped to the cabinets one sees."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from sellers.selectors import visible_sellers


class WBDataAdmin(admin.ModelAdmin):
    """Rows WB is the source of: viewed, never added, changed or deleted here (the next sync
    would undo it)."""

    list_per_page = 50
    # A count of millions of rows on every changelist page would be the slowest query on it.
    show_full_result_count = False
    list_select_related = ["seller"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(seller__in=visible_sellers(request.user))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
