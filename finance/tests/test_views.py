"""A cabinet's finance pages: the reports by period with WB's totals, and a report with its
rows, their search and its reconciliation, mismatches shown."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import client_for
from finance.models import Report, ReportRow
from finance.views import ROWS_PAGE
from sales.models import Sale

pytestmark = pytest.mark.django_db
# Every cabinet (the pages within one user's cabinets: access/tests).
SEE_ALL = "access.see_all_cabinets"


@pytest.fixture
def reader(make_user):
    user = make_user(
        "finance-reader",
        staff=True,
        perms=[SEE_ALL, "finance.view_report", "sales.view_sale", "sales.view_order"],
    )
    client = client_for(user)
    client.cookies["django_language"] = "en"
    return client


def latest(seller) -> Report:
    return Report.objects.filter(seller=seller).latest("date_from")


def report_url(report: Report) -> str:
    return reverse("finance:report", args=[report.seller.sid, report.report_id])


def test_the_weekly_reports_are_listed_newest_first_with_wbs_totals(synced_cabinet, reader):
    seller = synced_cabinet.seller
    response = reader.get(reverse("finance:reports", args=[seller.sid]))
    shown = response.context["page"].object_list
    assert shown == list(Report.objects.filter(seller=seller).order_by("-date_from")[:25])
    newest = shown[0]
    assert newest.returns_sum is not None and newest.commission_sum > 0
    page = response.content.decode()
    assert report_url(newest) in page and f"№ {newest.report_id}" in page


def test_the_list_reads_the_same_few_queries_whatever_the_reports(synced_cabinet, reader):
    url = reverse("finance:reports", args=[synced_cabinet.sid])
    with CaptureQueriesContext(connection) as many:
        reader.get(url)
    Report.objects.exclude(pk=latest(synced_cabinet.seller).pk).delete()
    with CaptureQueriesContext(connection) as one:
        reader.get(url)
    assert len(many) == len(one)


def test_no_daily_reports_yet_says_so(synced_cabinet, reader):
    response = reader.get(
        reverse("finance:reports", args=[synced_cabinet.sid]), {"period": "daily"}
    )
    assert response.context["page"].object_list == []
    assert b"No reports of this period kind yet." in response.content


def test_a_report_shows_its_rows_and_that_it_adds_up(synced_cabinet, reader):
    report = latest(synced_cabinet.seller)
    response = reader.get(report_url(report))
    assert response.status_code == 200 and response.context["check"].ok
    rows = response.context["page"].object_list
    assert (
        rows
        == list(ReportRow.objects.filter(report_id=report.report_id).order_by("rrd_id"))[:ROWS_PAGE]
    )
    assert b"The report adds up" in response.content


def test_a_reports_mismatches_are_shown(synced_cabinet, reader):
    report = latest(synced_cabinet.seller)
    sale = ReportRow.objects.filter(report_id=report.report_id, doc_type_name="Продажа").first()
    Sale.objects.filter(srid=sale.srid, is_return=False).update(for_pay=Decimal("0.01"))
    ReportRow.objects.filter(report_id=report.report_id, paid_storage__gt=0).update(
        paid_storage=Decimal("1.00")
    )
    page = reader.get(report_url(report)).content.decode()
    assert "differs" in page and sale.srid in page
    assert "1 sale or return of the report is missing from the sales or differs" in page
    assert "The report adds up" not in page


def test_rows_are_searched_and_filtered_by_operation(synced_cabinet, reader):
    report = latest(synced_cabinet.seller)
    sale = ReportRow.objects.filter(report_id=report.report_id, doc_type_name="Продажа").first()
    found = reader.get(report_url(report), {"q": sale.srid}).context["page"].object_list
    assert {row.srid for row in found} == {sale.srid} and len(found) == 2  # sale and logistics
    storage = reader.get(report_url(report), {"operation": "Хранение"}).context["page"].object_list
    assert [row.seller_oper_name for row in storage] == ["Хранение"]
    htmx = reader.get(report_url(report), {"operation": "Хранение"}, headers={"HX-Request": "true"})
    assert htmx.content.lstrip().startswith(b'<div id="results">')


@pytest.mark.parametrize("query", [{"operation": "nope", "page": "0"}, {"q": "1" * 300}])
def test_bad_input_still_shows_the_report(synced_cabinet, reader, query):
    assert reader.get(report_url(latest(synced_cabinet.seller)), query).status_code == 200


def test_an_unknown_or_impossible_report_is_not_found(synced_cabinet, reader):
    sid = synced_cabinet.sid
    assert reader.get(reverse("finance:report", args=[sid, 1])).status_code == 404
    assert reader.get(f"/sellers/{sid}/finance/{'9' * 30}/").status_code == 404


def test_staff_without_the_permission_is_refused(synced_cabinet, staff_client):
    assert (
        staff_client.get(reverse("finance:reports", args=[synced_cabinet.sid])).status_code == 403
    )
    assert staff_client.get(report_url(latest(synced_cabinet.seller))).status_code == 403
