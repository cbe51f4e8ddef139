"""Storing the realization report from finance-api's parsed rows and headers: every row once,
as Decimal; a revised report replaces its earlier version; a report's header is made from its
rows until WB's list gives its totals."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from finance.models import Report, ReportRow
from finance.services import report_headers_store, report_rows_store, report_summaries_update
from wbapi.methods.finance import REPORT_ROWS, REPORTS, ReportRowsCursor, ReportsCursor

pytestmark = pytest.mark.django_db
ROWS_PER_PAGE = 700
EVERY_REPORT = ReportRowsCursor(date(2024, 1, 29), date(2026, 3, 2), limit=ROWS_PER_PAGE)


def stored_rows(seller) -> dict[int, tuple]:
    return {
        rrd_id: (report_id, for_pay, paid_storage)
        for rrd_id, report_id, for_pay, paid_storage in ReportRow.objects.filter(
            seller=seller
        ).values_list("rrd_id", "report_id", "for_pay", "paid_storage")
    }


def true_rows(cabinet) -> dict[int, tuple]:
    return {
        row["rrdId"]: (row["reportId"], Decimal(row["forPay"]), Decimal(row["paidStorage"]))
        for row in cabinet.truth("finance_rows")
    }


def sync_rows(cabinet, cursor=EVERY_REPORT) -> int:
    """Every page of rows from `cursor` stored as it comes; the pages read."""
    pages = 0
    for page in cabinet.client.pages(REPORT_ROWS, cursor):
        report_rows_store(seller=cabinet.seller, records=list(page), period=cursor.period)
        pages += 1
    return pages


def sync_headers(cabinet) -> None:
    cursor = ReportsCursor(EVERY_REPORT.date_from, EVERY_REPORT.date_to)
    records, _ = cabinet.records(REPORTS, cursor)
    report_headers_store(seller=cabinet.seller, records=records, period="weekly")


def test_every_row_of_every_report_is_stored_once_over_several_rrdid_pages(wb_cabinet):
    pages = sync_rows(wb_cabinet)
    assert pages > 3  # the reports' rows span several pages, and the last answer is 204
    assert stored_rows(wb_cabinet.seller) == true_rows(wb_cabinet)


def test_a_report_read_again_writes_nothing(wb_cabinet):
    records, _ = wb_cabinet.records(REPORT_ROWS, EVERY_REPORT)
    report_rows_store(seller=wb_cabinet.seller, records=records, period="weekly")
    again = report_rows_store(seller=wb_cabinet.seller, records=records, period="weekly")
    assert (again.inserted, again.updated, again.removed) == (0, 0, 0)


def test_nothing_to_read_is_a_204_at_once_and_nothing_stored(wb_cabinet):
    before_any = ReportRowsCursor(date(2024, 1, 29), date(2024, 2, 4), limit=ROWS_PER_PAGE)
    records, cursor = wb_cabinet.records(REPORT_ROWS, before_any)
    assert records == [] and cursor == before_any
    nothing = report_rows_store(seller=wb_cabinet.seller, records=records, period="weekly")
    assert (nothing.inserted, nothing.updated) == (0, 0)


def test_rows_make_a_header_and_the_list_gives_it_wbs_totals(wb_cabinet):
    sync_rows(wb_cabinet)
    truth = {row["reportId"]: row for row in wb_cabinet.truth("finance_reports")}
    reports = Report.objects.filter(seller=wb_cabinet.seller)
    assert set(reports.values_list("report_id", flat=True)) == set(truth)
    assert not reports.filter(listed=True).exists()
    assert reports.filter(for_pay_sum__isnull=False).count() == 0
    sync_headers(wb_cabinet)
    for report in reports:
        header = truth[report.report_id]
        assert report.listed and report.period == "weekly"
        assert report.date_from == date.fromisoformat(header["dateFrom"])
        assert report.for_pay_sum == Decimal(header["forPaySum"])
        assert report.bank_payment_sum == Decimal(header["bankPaymentSum"])
        assert report.paid_storage_sum == Decimal(header["paidStorageSum"])


def test_the_rows_of_a_report_met_again_never_erase_its_listed_totals(wb_cabinet):
    sync_headers(wb_cabinet)
    sync_rows(wb_cabinet)
    assert not Report.objects.filter(seller=wb_cabinet.seller, for_pay_sum__isnull=True).exists()


def test_a_revised_report_replaces_its_earlier_rows(wb_cabinet):
    sync_rows(wb_cabinet)
    report = Report.objects.filter(seller=wb_cabinet.seller).order_by("date_from").first()
    earlier = set(
        ReportRow.objects.filter(report_id=report.report_id).values_list("rrd_id", flat=True)
    )
    wb_cabinet.wb.advance_clock(timedelta(days=1))
    wb_cabinet.wb.revise_report(wb_cabinet.sid, report.report_id)
    period = ReportRowsCursor(report.date_from, report.date_to, limit=ROWS_PER_PAGE)
    sync_rows(wb_cabinet, period)
    assert stored_rows(wb_cabinet.seller) == true_rows(wb_cabinet)
    now = set(ReportRow.objects.filter(report_id=report.report_id).values_list("rrd_id", flat=True))
    assert now and not now & earlier
    report.refresh_from_db()
    assert report.create_date == (wb_cabinet.wb.now() + timedelta(hours=3)).date()


def test_a_report_revised_the_same_day_is_marked_by_the_list_and_replaced_batch_by_batch(
    wb_cabinet,
):
    sync_headers(wb_cabinet)
    sync_rows(wb_cabinet)
    report = Report.objects.filter(seller=wb_cabinet.seller).order_by("date_from").last()
    report_summaries_update(seller=wb_cabinet.seller, report_ids=[report.report_id])
    report.refresh_from_db()
    assert report.rows_created == report.create_date  # published and read the same day
    sync_headers(wb_cabinet)  # the same totals again: nothing to read again
    report.refresh_from_db()
    assert not report.rows_outdated
    wb_cabinet.wb.advance_clock(timedelta(hours=1))
    wb_cabinet.wb.revise_report(wb_cabinet.sid, report.report_id)
    sync_headers(wb_cabinet)
    report.refresh_from_db()
    assert report.rows_outdated and report.create_date == report.rows_created
    period = ReportRowsCursor(report.date_from, report.date_to, limit=ROWS_PER_PAGE)
    records, _ = wb_cabinet.records(REPORT_ROWS, period)
    removed = 0
    for start in range(0, len(records), 100):  # a page's batches, one after another
        batch = records[start : start + 100]
        removed += report_rows_store(
            seller=wb_cabinet.seller, records=batch, period="weekly"
        ).removed
    assert stored_rows(wb_cabinet.seller) == true_rows(wb_cabinet)
    assert removed > 0
    report.refresh_from_db()
    assert not report.rows_outdated


def test_money_is_stored_to_the_kopeck(wb_cabinet):
    records, _ = wb_cabinet.records(REPORT_ROWS, EVERY_REPORT)
    report_rows_store(seller=wb_cabinet.seller, records=records, period="weekly")
    sale = next(row for row in wb_cabinet.truth("finance_rows") if row["docTypeName"])
    stored = ReportRow.objects.get(rrd_id=sale["rrdId"])
    assert stored.retail_amount == Decimal(sale["retailAmount"])
    assert stored.ppvz_sales_commission == Decimal(sale["ppvzSalesCommission"])
    assert stored.acquiring_fee == Decimal(sale["acquiringFee"])
    assert (stored.srid, stored.doc_type_name, stored.sku) == (
        sale["srid"],
        sale["docTypeName"],
        sale["sku"],
    )


def test_a_reports_returns_commission_and_rows_are_summed_into_its_header(wb_cabinet):
    sync_rows(wb_cabinet)
    report_ids = {row["reportId"] for row in wb_cabinet.truth("finance_rows")}
    report_summaries_update(seller=wb_cabinet.seller, report_ids=report_ids)
    for report in Report.objects.filter(seller=wb_cabinet.seller):
        rows = [r for r in wb_cabinet.truth("finance_rows") if r["reportId"] == report.report_id]
        returns = [Decimal(r["retailAmount"]) for r in rows if r["docTypeName"] == "Возврат"]
        assert report.returns_sum == sum(returns, Decimal(0))
        assert report.commission_sum == sum(Decimal(r["ppvzSalesCommission"]) for r in rows)
        assert report.rows_count == len(rows)
    assert Report.objects.filter(seller=wb_cabinet.seller, returns_sum__gt=0).exists()
