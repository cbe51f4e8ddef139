"""`manage.py wb_sync backfill`: a dataset's history from a day on, with WB's time for it;
resumed, not restarted, while it goes on; bad input refused with a clear message."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from finance.models import Report
from sales.models import Order
from sync.models import SyncStream
from sync.testing import run_sync

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def cabinet(make_token, wb, settings):
    settings.WB_STATISTICS_PAGE_ROWS = 2000
    wb.freeze_clock()
    token = make_token("Backfill", seller_name="Backfill", categories="statistics,finance")
    wb.configure(token.seller.sid, products=20, orders_per_day=4, page_rows=2000)
    return token.seller


def backfill(seller, dataset: str, since: str) -> str:
    out = StringIO()
    call_command(
        "wb_sync",
        "backfill",
        "--seller",
        seller.sid,
        "--dataset",
        dataset,
        "--since",
        since,
        stdout=out,
    )
    return out.getvalue()


def test_a_finance_backfill_reads_every_report_since_the_day_given(cabinet, wb):
    run_sync()  # the first pass: the last twelve weeks
    first = Report.objects.filter(seller=cabinet).count()
    said = backfill(cabinet, "finance", "2024-01-29")
    assert "Backfill of finance since 2024-01-29 started: about" in said and "minutes" in said
    run_sync()
    truth = {row["reportId"] for row in wb.truth(cabinet.sid, "finance_reports")}
    assert set(Report.objects.filter(seller=cabinet).values_list("report_id", flat=True)) == truth
    assert len(truth) > first


def test_an_orders_backfill_goes_back_as_far_as_wb_keeps(cabinet, wb):
    run_sync()
    Order.objects.filter(seller=cabinet).delete()
    backfill(cabinet, "orders", "2020-01-01")
    stream = SyncStream.objects.get(seller=cabinet, dataset="orders")
    assert date.fromisoformat(stream.cursor["date_from"][:10]) >= date.today() - timedelta(days=91)
    run_sync()
    assert Order.objects.filter(seller=cabinet).count() == len(wb.truth(cabinet.sid, "orders"))


def test_a_backfill_going_on_goes_on_when_asked_again(cabinet, wb):
    backfill(cabinet, "finance", "2024-01-29")
    again = backfill(cabinet, "finance", "2025-06-01")
    assert "is going on: it goes on from where it is" in again
    cursor = SyncStream.objects.get(seller=cabinet, dataset="finance").cursor
    assert cursor["list_from"] == "2024-01-29"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--dataset", "finance", "--since", "29.01.2024"], "YYYY-MM-DD"),
        (["--dataset", "nothing", "--since", "2024-01-29"], "No dataset is named nothing"),
        (["--dataset", "cards", "--since", "2024-01-29"], "no history to backfill"),
    ],
)
def test_bad_arguments_are_refused_with_a_reason(cabinet, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("wb_sync", "backfill", "--seller", cabinet.sid, *arguments)


def test_an_unknown_cabinet_is_refused(db):
    with pytest.raises(CommandError, match="No cabinet has the seller ID"):
        call_command(
            "wb_sync",
            "backfill",
            "--seller",
            "nope",
            "--dataset",
            "orders",
            "--since",
            "2026-01-01",
        )
