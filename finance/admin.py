from django.contrib import admin

from access.models import Area
from wberp.readonly_admin import WBDataAdmin

from .models import Report, ReportRow


@admin.register(Report)
class ReportAdmin(WBDataAdmin):
    cabinet_area = Area.FINANCE
    list_display = [
        "report_id",
        "seller",
        "period",
        "date_from",
        "date_to",
        "create_date",
        "retail_amount_sum",
        "for_pay_sum",
        "bank_payment_sum",
        "listed",
    ]
    list_filter = ["period", "listed"]
    search_fields = ["=report_id"]


@admin.register(ReportRow)
class ReportRowAdmin(WBDataAdmin):
    cabinet_area = Area.FINANCE
    list_display = [
        "rrd_id",
        "report_id",
        "seller",
        "doc_type_name",
        "seller_oper_name",
        "vendor_code",
        "nm_id",
        "retail_amount",
        "for_pay",
        "delivery_service",
    ]
    list_filter = ["doc_type_name", "seller_oper_name"]
    search_fields = ["=rrd_id", "=report_id", "=srid", "=nm_id", "=sku", "vendor_code"]
