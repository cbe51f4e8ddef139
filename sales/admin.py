from django.contrib import admin

from access.models import Area
from wberp.readonly_admin import WBDataAdmin

from .models import Order, Sale


@admin.register(Order)
class OrderAdmin(WBDataAdmin):
    cabinet_area = Area.SALES
    list_display = [
        "srid",
        "date",
        "seller",
        "supplier_article",
        "nm_id",
        "tech_size",
        "warehouse_name",
        "region_name",
        "price_with_disc",
        "is_cancel",
    ]
    list_filter = ["is_cancel", "warehouse_type"]
    search_fields = ["=srid", "=nm_id", "=barcode", "supplier_article"]


@admin.register(Sale)
class SaleAdmin(WBDataAdmin):
    cabinet_area = Area.SALES
    list_display = [
        "sale_id",
        "date",
        "seller",
        "srid",
        "supplier_article",
        "nm_id",
        "warehouse_name",
        "region_name",
        "for_pay",
        "is_return",
    ]
    list_filter = ["is_return", "warehouse_type"]
    search_fields = ["=sale_id", "=srid", "=nm_id", "=barcode", "supplier_article"]
