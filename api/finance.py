"""/api/v1/sellers/{sid}/finance/reports/: a cabinet's realization reports and their rows.

The same selectors as the finance pages (finance.selectors). Reports newest first by the
week (or day) they cover, a report's rows in WB's order (rrd_id); both in cursor pages, the
rows also as CSV. Reports have no change time of their own: WB revises one by issuing its
rows again, which the report's `rows_created` says.
"""

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, ModelSchema, Path, Query, Router, Schema

from access.models import Area
from finance.models import Report, ReportRow
from finance.selectors import report_rows, reports_of
from sales.selectors import BIGINT_MAX
from wberp.exports import columns_of

from .auth import allowed
from .errors import DENIED, Error
from .export import CSV_ANSWER
from .lists import HIDDEN_FIELDS, ListQuery, cabinet, list_answer

router = Router()
REPORT_ORDER = ("-date_from", "-report_id")
ROW_ORDER = ("rrd_id",)


class ReportPublic(ModelSchema):
    class Meta:
        model = Report
        exclude = HIDDEN_FIELDS


class ReportsPage(Schema):
    data: list[ReportPublic]
    next_cursor: str | None


class ReportRowPublic(ModelSchema):
    class Meta:
        model = ReportRow
        exclude = HIDDEN_FIELDS


class ReportRowsPage(Schema):
    data: list[ReportRowPublic]
    next_cursor: str | None


class ReportQuery(ListQuery):
    period: Report.Period = Report.Period.WEEKLY
    date_from: date | None = Field(None, description="Reports that cover this day or later.")
    date_to: date | None = Field(None, description="Reports that cover this day or earlier.")


class RowQuery(ListQuery):
    search: str | None = Field(
        None, max_length=100, description="An exact srid, vendor code, barcode or nmID."
    )
    operation: str | None = Field(None, max_length=255, description="e.g. Продажа, Логистика.")


class ReportPath(Schema):
    sid: str
    report_id: int = Field(ge=0, le=BIGINT_MAX)


def the_report(request: HttpRequest, sid: str, report_id: int) -> Report:
    seller = cabinet(request, sid, Area.FINANCE)
    return get_object_or_404(Report, seller=seller, report_id=report_id)


@router.get(
    "{sid}/finance/reports/",
    response={200: ReportsPage, **DENIED, 400: Error, 404: Error},
    url_name="seller_reports",
    auth=allowed("finance.view_report"),
    openapi_extra=CSV_ANSWER,
)
def list_reports(request: HttpRequest, sid: str, query: Query[ReportQuery]) -> dict | HttpResponse:
    """The cabinet's weekly (or daily) reports that overlap the dates, newest first."""
    reports = reports_of(cabinet(request, sid, Area.FINANCE), query.period)
    if query.date_from is not None:
        reports = reports.filter(date_to__gte=query.date_from)
    if query.date_to is not None:
        reports = reports.filter(date_from__lte=query.date_to)
    return list_answer(
        request,
        reports,
        query,
        order=REPORT_ORDER,
        columns=columns_of(Report),
        filename="finance-reports.csv",
    )


@router.get(
    "{sid}/finance/reports/{report_id}/",
    response={200: ReportPublic, **DENIED, 404: Error},
    url_name="seller_report",
    auth=allowed("finance.view_report"),
)
def get_report(request: HttpRequest, path: Path[ReportPath]) -> Report:
    return the_report(request, path.sid, path.report_id)


@router.get(
    "{sid}/finance/reports/{report_id}/rows/",
    response={200: ReportRowsPage, **DENIED, 400: Error, 404: Error},
    url_name="seller_report_rows",
    auth=allowed("finance.view_report"),
    openapi_extra=CSV_ANSWER,
)
def list_report_rows(
    request: HttpRequest, path: Path[ReportPath], query: Query[RowQuery]
) -> dict | HttpResponse:
    """The report's rows in WB's order (rrd_id): sales, returns, logistics, storage, …"""
    report = the_report(request, path.sid, path.report_id)
    rows = report_rows(
        report, query=" ".join((query.search or "").split()), operation=query.operation or ""
    )
    return list_answer(
        request,
        rows,
        query,
        order=ROW_ORDER,
        columns=columns_of(ReportRow),
        filename=f"report-{report.report_id}.csv",
    )
