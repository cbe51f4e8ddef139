"""Read-only views of what fired and what was sent, scoped to the cabinets one sees; people
change their own settings on their settings page. Nothing is deleted by hand: a condition's
row is what keeps it from firing again."""

from django.contrib import admin
from django.http import HttpRequest

from access.admin_scope import CabinetScopedAdmin

from .models import AlertState, Delivery


class AlertRecordAdmin(CabinetScopedAdmin):
    cabinet_area = None  # an alert is of a cabinet seen in any area

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(AlertState)
class AlertStateAdmin(AlertRecordAdmin):
    list_display = ["rule", "seller", "subject", "active", "fired_at", "cleared_at", "times_fired"]
    list_filter = ["rule", "active"]
    list_select_related = ["seller"]


@admin.register(Delivery)
class DeliveryAdmin(AlertRecordAdmin):
    cabinet_field = "notification__state__seller"
    list_display = [
        "notification",
        "channel",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
    ]
    list_filter = ["channel", "status"]
    list_select_related = ["notification__user", "notification__state"]
