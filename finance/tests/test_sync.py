"""The sync of finance reports: headers and rows equal WB's ground truth over several rrdId
pages; a revised report replaces its rows, even one revised the same day it was read; nothing
published is one 204-free list request; a token without Finance blocks only the finance
stream, with a reason."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from conftest import TEST_RATE_SPEED
from finance.models import Report, ReportRow
from finance.reconciliation import reconcile
from sync.engine import stream_page, streams_claim_due
from sync.models import SyncStream
from sync.services import sync_now
from sync.testing import run_sync
from wbapi.limits import LIMIT_GROUPS
from wbapi.moscow import MOSCOW

pytestmark = pytest.mark.django_db(transaction=True)
ROWS_PAGE = 700
DETAILED, LIST = "/api/finance/v1/sales-reports/detailed", "/api/finance/v1/sales-reports/list"


@pytest.fixture
def finance_seller(make_token, wb, settings):
    settings.WB_FINANCE_PAGE_ROWS = ROWS_PAGE
    wb.freeze_clock()

    def make(name: str = "Finance seller", categories: str = "finance"):
        token = make_token(name, seller_name=name, categories=categories)
        wb.configure(token.seller.sid, products=20, orders_per_day=10)
        return token.seller

    return make


def stored_rows(seller) -> dict:
    rows = ReportRow.objects.filter(seller=seller).values_list("rrd_id", "report_id", "for_pay")
    return {rrd_id: (report_id, for_pay) for rrd_id, report_id, for_pay in rows}


def true_rows(wb, seller, since) -> dict:
    reports = {r.report_id for r in Report.objects.filter(seller=seller, date_to__gte=since)}
    return {
        row["rrdId"]: (row["reportId"], Decimal(row["forPay"]))
        for row in wb.truth(seller.sid, "finance_rows")
        if row["reportId"] in reports
    }


def rrd_ids(report: Report) -> set[int]:
    rows = ReportRow.objects.filter(seller=report.seller, report_id=report.report_id)
    return set(rows.values_list("rrd_id", flat=True))


def requests_to(wb, path: str, *, after: int = 0) -> int:
    return sum(1 for entry in wb.request_log[after:] if entry.path == path)


def test_the_reports_of_the_last_weeks_equal_wbs_over_several_rrdid_pages(finance_seller, wb):
    seller = finance_seller()
    run_sync()
    headers = {row["reportId"]: row for row in wb.truth(seller.sid, "finance_reports")}
    stored = Report.objects.filter(seller=seller)
    assert stored.count() >= 11 and {r.report_id for r in stored} <= set(headers)
    for report in stored:
        assert report.listed and report.for_pay_sum == Decimal(
            headers[report.report_id]["forPaySum"]
        )
        assert report.rows_count and report.rows_created == report.create_date
    since = min(r.date_to for r in stored)
    assert stored_rows(seller) == true_rows(wb, seller, since)
    assert requests_to(wb, DETAILED) > 3  # pages of 700 rows, then the 204


def test_a_revised_report_replaces_its_rows_on_the_next_pass(finance_seller, wb):
    seller = finance_seller()
    run_sync()
    report = Report.objects.filter(seller=seller).order_by("date_from")[2]
    earlier = set(
        ReportRow.objects.filter(report_id=report.report_id).values_list("rrd_id", flat=True)
    )
    wb.advance_clock(timedelta(hours=2))
    wb.revise_report(seller.sid, report.report_id)
    sync_now(seller=seller, dataset="finance")
    run_sync()
    now = rrd_ids(report)
    assert now and not now & earlier
    since = Report.objects.filter(seller=seller).order_by("date_to").first().date_to
    assert stored_rows(seller) == true_rows(wb, seller, since)
    report.refresh_from_db()
    assert report.rows_created == report.create_date


def last_monday_morning() -> datetime:
    """10:00 in Moscow on the latest Monday gone: last week's report was published today."""
    now = timezone.now().astimezone(MOSCOW)
    monday = now.replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(days=now.weekday())
    return monday if monday <= now else monday - timedelta(weeks=1)


def test_a_report_revised_the_same_day_it_was_read_is_read_again(finance_seller, wb):
    wb.freeze_clock(last_monday_morning())
    seller = finance_seller()
    run_sync()
    report = Report.objects.filter(seller=seller).order_by("date_from").last()
    assert report.create_date == wb.now().astimezone(MOSCOW).date() == report.rows_created
    earlier = rrd_ids(report)
    storage = report.paid_storage_sum
    wb.advance_clock(timedelta(hours=2))
    wb.revise_report(seller.sid, report.report_id)  # createDate: today, as before
    sync_now(seller=seller, dataset="finance")
    run_sync()
    report.refresh_from_db()
    assert report.create_date == report.rows_created and not report.rows_outdated
    assert report.paid_storage_sum != storage  # WB's list gave the revised totals
    now = rrd_ids(report)
    assert now and not now & earlier
    since = Report.objects.filter(seller=seller).order_by("date_to").first().date_to
    assert stored_rows(seller) == true_rows(wb, seller, since)
    assert reconcile(report, shown=0).totals_ok
    # Read again once: the next pass finds nothing due and asks for the list only.
    sent = len(wb.request_log)
    sync_now(seller=seller, dataset="finance")
    run_sync()
    assert requests_to(wb, LIST, after=sent) == 1 and requests_to(wb, DETAILED, after=sent) == 0


def test_a_cabinet_without_reports_yet_asks_once_and_stores_nothing(finance_seller, wb):
    seller = finance_seller()
    wb.configure(seller.sid, history_start=(wb.now() - timedelta(days=2)).date().isoformat())
    run_sync()
    assert requests_to(wb, LIST) == 1 and requests_to(wb, DETAILED) == 0
    assert not Report.objects.filter(seller=seller).exists()
    assert SyncStream.objects.get(seller=seller, dataset="finance").state == SyncStream.State.IDLE


def test_a_token_without_finance_blocks_only_the_finance_stream_with_a_reason(finance_seller, wb):
    seller = finance_seller(categories="statistics")
    run_sync()
    streams = {s.dataset: s for s in SyncStream.objects.filter(seller=seller)}
    assert streams["finance"].state == SyncStream.State.BLOCKED
    assert streams["finance"].error_code
    assert streams["orders"].state == SyncStream.State.IDLE


def test_the_rows_page_after_the_list_does_not_wait_for_the_lists_limit(finance_seller, wb):
    """The list and the rows have a limit each (1 a minute): the first rows page is due as
    soon as the list is stored, not a minute later as a second page of the list would be."""
    seller = finance_seller()
    assert streams_claim_due() >= 1
    stream = SyncStream.objects.get(seller=seller, dataset="finance")
    stored_at = timezone.now()
    assert stream_page(stream_id=stream.pk, lease_id=stream.lease_id) == "page"
    stream.refresh_from_db()
    assert stream.cursor["phase"] == "rows"
    (task,) = DBTaskResult.objects.ready().filter(args_kwargs__args=[stream.pk, stream.lease_id])
    list_interval = LIMIT_GROUPS["finance-list"].for_token_type("personal").interval
    assert task.run_after - stored_at < timedelta(seconds=list_interval / TEST_RATE_SPEED / 2)
