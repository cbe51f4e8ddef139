"""A cabinet's finance reports: the list by period, and a report with its rows and its
reconciliation."""

from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from access.models import Area
from access.selectors import visible_sellers
from sales.freshness import freshness_of
from sales.selectors import BIGINT_MAX
from wberp.exports import columns_of, page_export
from wberp.paging import offset_page, page_number

from .models import Report, ReportRow
from .reconciliation import reconcile
from .selectors import report_operations, report_rows, reports_of

REPORTS_PAGE = 25
ROWS_PAGE = 50
QUERY_MAX = 100

can_view = permission_required("finance.view_report", raise_exception=True)


@never_cache
@require_GET
@can_view
def report_list(request: HttpRequest, sid: str) -> HttpResponse:
    seller = get_object_or_404(visible_sellers(request.user, Area.FINANCE), sid=sid)
    period = request.GET.get("period")
    if period not in Report.Period.values:
        period = Report.Period.WEEKLY
    reports = reports_of(seller, period)
    name = f"reports-{seller.sid}-{period}"
    if export := page_export(request, reports, columns_of(Report), name=name):
        return export
    context = {
        "seller": seller,
        "period": period,
        "periods": Report.Period.choices,
        "page": offset_page(
            reports,
            number=page_number(request.GET.get("page")),
            size=REPORTS_PAGE,
        ),
        "freshness": freshness_of(seller, "finance"),
    }
    return render(request, "finance/reports.html", context)


@never_cache
@require_GET
@can_view
def report_detail(request: HttpRequest, sid: str, report_id: int) -> HttpResponse:
    seller = get_object_or_404(visible_sellers(request.user, Area.FINANCE), sid=sid)
    if report_id > BIGINT_MAX:  # no report has one; the database would refuse to compare it
        raise Http404
    report = get_object_or_404(Report, seller=seller, report_id=report_id)
    query = " ".join(request.GET.get("q", "").split())[:QUERY_MAX]
    operations = report_operations(report)
    operation = request.GET.get("operation", "")
    if operation not in operations:
        operation = ""
    rows = report_rows(report, query=query, operation=operation)
    name = f"report-{report.report_id}"
    if export := page_export(request, rows, columns_of(ReportRow), name=name):
        return export
    context = {
        "seller": seller,
        "report": report,
        "query": query,
        "operation": operation,
        "operations": operations,
        "page": offset_page(rows, number=page_number(request.GET.get("page")), size=ROWS_PAGE),
        "freshness": freshness_of(seller, "finance"),
    }
    if request.htmx:
        return render(request, "finance/report.html#results", context)
    context["check"] = reconcile(report)
    return render(request, "finance/report.html", context)
