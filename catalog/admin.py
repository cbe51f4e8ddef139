"""The catalogue in the admin: WB's data as the sync stored it, read-only."""

from django.contrib import admin

from access.models import Area
from wberp.readonly_admin import WBDataAdmin

from .models import Price, PriceChange, Product, Stock, Warehouse


@admin.register(Product)
class ProductAdmin(WBDataAdmin):
    cabinet_area = Area.CATALOGUE
    list_display = ["nm_id", "vendor_code", "title", "brand", "subject_name", "seller"]
    search_fields = ["=nm_id", "vendor_code", "title"]


@admin.register(Price)
class PriceAdmin(WBDataAdmin):
    cabinet_area = Area.CATALOGUE
    list_display = ["nm_id", "chrt_id", "price", "discounted_price", "discount", "seller"]
    search_fields = ["=nm_id", "=chrt_id", "vendor_code"]


@admin.register(PriceChange)
class PriceChangeAdmin(WBDataAdmin):
    cabinet_area = Area.CATALOGUE
    list_display = [
        "seen_at",
        "nm_id",
        "chrt_id",
        "price",
        "discount",
        "discounted_price",
        "seller",
    ]
    search_fields = ["=nm_id", "=chrt_id"]
    date_hierarchy = "seen_at"


@admin.register(Warehouse)
class WarehouseAdmin(WBDataAdmin):
    cabinet_area = Area.CATALOGUE
    list_display = ["warehouse_id", "name", "office_id", "seller"]


@admin.register(Stock)
class StockAdmin(WBDataAdmin):
    cabinet_area = Area.CATALOGUE
    list_display = ["chrt_id", "kind", "warehouse_id", "warehouse_name", "quantity", "seller"]
    list_filter = ["kind"]
    search_fields = ["=chrt_id", "=nm_id"]
