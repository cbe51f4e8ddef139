from django.contrib import admin

from access.models import Area
from wberp.readonly_admin import WBDataAdmin

from .models import FinanceDay, OrderDay, SaleDay

TRADE_COLUMNS = ["day", "seller", "nm_id", "barcode"]


@admin.register(OrderDay)
class OrderDayAdmin(WBDataAdmin):
    cabinet_area = Area.SALES
    list_display = [*TRADE_COLUMNS, "orders", "orders_sum", "cancellations", "cancellations_sum"]
    search_fields = ["=nm_id", "=barcode"]
    date_hierarchy = "day"


@admin.register(SaleDay)
class SaleDayAdmin(WBDataAdmin):
    cabinet_area = Area.SALES
    list_display = [*TRADE_COLUMNS, "buyouts", "buyouts_sum", "returns", "returns_sum", "for_pay"]
    search_fields = ["=nm_id", "=barcode"]
    date_hierarchy = "day"


@admin.register(FinanceDay)
class FinanceDayAdmin(WBDataAdmin):
    cabinet_area = Area.FINANCE
    list_display = ["day", "seller", "sales", "returns", "for_pay", "commission", "logistics"]
    date_hierarchy = "day"
