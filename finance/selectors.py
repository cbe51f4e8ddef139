"""Reads of a cabinet's finance reports and their rows, as the pages ask."""

from django.db.models import Q, QuerySet

from sales.selectors import BIGINT_MAX
from sellers.models import Seller

from .models import Report, ReportRow


def reports_of(seller: Seller, period: str) -> QuerySet[Report]:
    return Report.objects.filter(seller=seller, period=period).order_by("-date_from", "-report_id")


def report_rows(report: Report, *, query: str = "", operation: str = "") -> QuerySet[ReportRow]:
    """The report's rows in WB's order; search by exact srid, vendor code, barcode, nmID."""
    rows = ReportRow.objects.filter(seller_id=report.seller_id, report_id=report.report_id)
    if query:
        found = Q(srid=query) | Q(vendor_code=query) | Q(sku=query)
        if query.isdigit() and int(query) <= BIGINT_MAX:
            found |= Q(nm_id=int(query))
        rows = rows.filter(found)
    if operation:
        rows = rows.filter(seller_oper_name=operation)
    return rows.order_by("rrd_id")


def report_operations(report: Report) -> list[str]:
    """The operations the report's rows name (sale, logistics, storage, …), for a filter."""
    rows = ReportRow.objects.filter(seller_id=report.seller_id, report_id=report.report_id)
    return sorted(set(rows.values_list("seller_oper_name", flat=True).distinct()) - {""})
