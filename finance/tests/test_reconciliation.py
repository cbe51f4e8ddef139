"""A report's reconciliation: clean when everything is synced, and every injected mismatch
found and listed: a total that differs, a sale missing from `sales`, one with another amount,
a stored sale the report lacks."""

from datetime import date
from decimal import Decimal

import pytest

from finance.models import Report, ReportRow
from finance.reconciliation import reconcile
from sales.models import Sale

pytestmark = pytest.mark.django_db
PAGE_ROWS = 2000
FIRST, LAST = date(2024, 1, 29), date(2026, 3, 2)


@pytest.fixture
def synced(synced_cabinet):
    return synced_cabinet


def latest_report(seller) -> Report:
    return Report.objects.filter(seller=seller).latest("date_from")


def test_a_fully_synced_report_adds_up(synced):
    result = reconcile(latest_report(synced.seller))
    assert result.sales_compared and result.ok
    checked = {check.name: check for check in result.totals}
    for name in ("retail_amount_sum", "for_pay_sum", "delivery_service_sum", "paid_storage_sum"):
        assert checked[name].rows > 0 and checked[name].header == checked[name].rows


def test_a_report_older_than_the_stored_orders_is_not_compared_with_sales(synced):
    oldest = Report.objects.filter(seller=synced.seller).earliest("date_from")
    result = reconcile(oldest)
    assert not result.sales_compared and result.totals_ok


def test_a_row_that_no_longer_matches_the_headers_total_is_found(synced):
    report = latest_report(synced.seller)
    row = ReportRow.objects.filter(report_id=report.report_id, paid_storage__gt=0).get()
    ReportRow.objects.filter(pk=row.pk).update(paid_storage=row.paid_storage + Decimal("0.01"))
    result = reconcile(report)
    wrong = [check for check in result.totals if not check.ok]
    assert [(c.name, c.header, c.rows) for c in wrong] == [
        ("paid_storage_sum", report.paid_storage_sum, report.paid_storage_sum + Decimal("0.01"))
    ]
    assert not result.ok


def test_a_header_not_yet_listed_has_no_totals_to_disagree_with(synced):
    report = latest_report(synced.seller)
    Report.objects.filter(pk=report.pk).update(listed=False)
    report.refresh_from_db()
    assert reconcile(report).totals_ok


def test_sales_missing_from_sales_or_with_another_amount_are_listed(synced):
    report = latest_report(synced.seller)
    trade = ReportRow.objects.filter(report_id=report.report_id, doc_type_name="Продажа")
    lost, changed = trade.order_by("rrd_id")[:2]
    Sale.objects.filter(srid=lost.srid, is_return=False).delete()
    Sale.objects.filter(srid=changed.srid, is_return=False).update(for_pay=Decimal("1.23"))
    result = reconcile(report)
    assert result.not_in_sales_count == 2 and result.not_in_report_count == 0
    assert [(m.srid, m.report, m.sales) for m in result.not_in_sales] == [
        (lost.srid, lost.for_pay, None),
        (changed.srid, changed.for_pay, Decimal("1.23")),
    ]


def test_a_stored_sale_the_report_lacks_is_listed(synced):
    report = latest_report(synced.seller)
    row = ReportRow.objects.filter(report_id=report.report_id, doc_type_name="Продажа").first()
    ReportRow.objects.filter(pk=row.pk).delete()
    result = reconcile(report)
    assert [(m.srid, m.is_return) for m in result.not_in_report] == [(row.srid, False)]
    assert result.not_in_report_count == 1
    # The header's totals no longer add up either: the row counted in them.
    assert {c.name for c in result.totals if not c.ok} >= {"retail_amount_sum", "for_pay_sum"}


def test_a_return_matches_a_return_not_the_sale(synced):
    report_ids = Report.objects.filter(seller=synced.seller).values_list("report_id", flat=True)
    returned = ReportRow.objects.filter(report_id__in=report_ids, doc_type_name="Возврат").last()
    report = Report.objects.get(seller=synced.seller, report_id=returned.report_id)
    if not reconcile(report).sales_compared:
        pytest.fail("the world's latest return should be in a report the sales cover")
    Sale.objects.filter(srid=returned.srid, is_return=True).update(is_return=False, sale_id="X")
    result = reconcile(report)
    assert (returned.srid, True) in {(m.srid, m.is_return) for m in result.not_in_sales}


def test_the_list_of_mismatches_is_cut_but_their_count_is_not(synced):
    report = latest_report(synced.seller)
    rows = ReportRow.objects.filter(report_id=report.report_id, doc_type_name="Продажа")
    Sale.objects.filter(srid__in=rows.values("srid"), is_return=False).delete()
    result = reconcile(report, shown=3)
    assert len(result.not_in_sales) == 3 and result.not_in_sales_count == rows.count() > 3
