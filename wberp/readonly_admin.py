"""Read-only admins: records that code writes and people only read, such as the data wberp
copies from WB (scoped to the cabinets one sees)."""

from django.http import HttpRequest

from access.admin_scope import CabinetScopedAdmin


class ReadOnlyAdminMixin:
    """Viewed, never added, changed or deleted in the admin: the rows belong to the code that
    writes them (a change by hand would be undone, or would break what they record)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class WBDataAdmin(ReadOnlyAdminMixin, CabinetScopedAdmin):
    """Rows WB is the source of: viewed, never added, changed or deleted here (the next sync
    would undo it). Each subclass names the area of the cabinet its rows are (`cabinet_area`):
    its changelist holds the rows of the cabinets the reader sees there, and a row of another
    cabinet is not found (404)."""

    list_per_page = 50
    # A count of millions of rows on every changelist page would be the slowest query on it.
    show_full_result_count = False
    list_select_related = ["seller"]
