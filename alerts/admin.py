"""Read-only views of what fired and what was sent, scoped to the cabinets one sees; people
change their own settings on their settings page. Nothing is deleted by hand: a condition's
row is what keeps it from firing again."""

from django.contrib import admin

from access.admin_scope import CabinetScopedAdmin
from wberp.readonly_admin import ReadOnlyAdminMixin

from .models import AlertState, Delivery


class AlertRecordAdmin(ReadOnlyAdminMixin, CabinetScopedAdmin):
    cabinet_area = None  # an alert is of a cabinet seen in any area


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
