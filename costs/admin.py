"""Cost prices, uploads and the cabinets' tax settings in the admin, within the cabinets the
reader sees in their finance area (a cabinet is chosen among those they may change there)."""

from django.contrib import admin
from django.http import HttpRequest

from access.admin_scope import CabinetScopedAdmin
from access.models import Area
from access.selectors import visible_sellers

from .models import CabinetEconomics, CostPrice, CostUpload


class FinanceAdmin(CabinetScopedAdmin):
    cabinet_area = Area.FINANCE
    list_select_related = ["seller"]

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "seller":
            kwargs["queryset"] = visible_sellers(request.user, Area.FINANCE, change=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(CostPrice)
class CostPriceAdmin(FinanceAdmin):
    list_display = ["vendor_code", "tech_size", "barcode", "valid_from", "cost", "seller"]
    search_fields = ["vendor_code", "=barcode"]
    date_hierarchy = "valid_from"
    fields = ["seller", "vendor_code", "tech_size", "barcode", "valid_from", "cost"]


@admin.register(CabinetEconomics)
class CabinetEconomicsAdmin(FinanceAdmin):
    list_display = ["seller", "tax_rate", "tax_base"]


@admin.register(CostUpload)
class CostUploadAdmin(FinanceAdmin):
    """The record of uploads: who saved how many rows when; made by the upload page only."""

    list_display = ["uploaded_at", "file_name", "uploaded_by", "saved_at", "rows_saved", "seller"]
    fields = ["seller", "file_name", "uploaded_by", "uploaded_at", "saved_at", "rows_saved"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
