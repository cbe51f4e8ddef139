"""Real `manage.py db_worker` processes syncing against the emulator over loopback.

A worker killed (SIGKILL) at ten moments of a multi-page sync loses nothing: the stream's
lease runs out, a restarted worker reads on from the stored cursor, and the tables end equal
to the ground truth. Several workers ticking on one database read no page twice, earn no 429
and record each run once.
"""

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone, translation
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from catalog.tests.conftest import CATALOGUE_DATASETS
from catalog.tests.truth import stored, truth
from conftest import TEST_RATE_SPEED
from finance.models import Report, ReportRow
from jobs.services import WORKER_LOST
from jobs.testing import WorkerProcesses
from sales.models import Order
from sync.engine import streams_ensure
from sync.models import SyncRun, SyncStream
from sync.services import sync_backfill
from sync.tasks import sync_stream_page
from sync.testing import streams_settled
from wbapi.moscow import parse_moment

pytestmark = pytest.mark.django_db(transaction=True)

# Bounds of a page (a read, the whole call, the lease) roomy enough for a loaded machine;
# the test of killed workers takes shorter ones, so that a lost task is taken over soon.
PAGE_BOUNDS = {
    "WB_API_DATA_READ_TIMEOUT": "5",
    "WB_API_DATA_DEADLINE": "8",
    "SYNC_LEASE_SECONDS": "10",
}
# Pages of the backfill test: small, so that its backfills take many.
BACKFILL_PAGE_ROWS = 200
SHORT_BOUNDS = {
    "WB_API_DATA_READ_TIMEOUT": "2",
    "WB_API_DATA_DEADLINE": "2.5",
    "SYNC_LEASE_SECONDS": "3",
}


@pytest.fixture
def sync_workers(tmp_path, wb) -> Iterator[Callable[[], WorkerProcesses]]:
    """Worker processes that read WB from the test's emulator, at the tests' speed."""
    started: list[WorkerProcesses] = []

    def make(**env: str) -> WorkerProcesses:
        settings_env = {
            "DEBUG": "true",  # WB_RATE_SPEED is for development only
            "WB_RATE_SPEED": str(TEST_RATE_SPEED),
            "WB_API_BASE_URL": wb.base_url,
            "WB_API_LOCAL_EMULATOR": "true",
            **PAGE_BOUNDS,
            # The catalogue's datasets only, whose ground truth these tests compare.
            "SYNC_DATASETS": ",".join(CATALOGUE_DATASETS),
            "WB_TOKEN_KEYS": ",".join(settings.WB_TOKEN_KEYS),
            "WB_TOKEN_FINGERPRINT_KEY": settings.WB_TOKEN_FINGERPRINT_KEY,
        }
        started.append(WorkerProcesses(tmp_path, **(settings_env | env)))
        return started[-1]

    yield make
    for group in started:
        group.kill_all()


def pages_stored() -> int:
    return sum(SyncRun.objects.values_list("pages", flat=True))


def settled_and_released() -> bool:
    """Every stream has finished a pass (or is blocked), none is due, none holds a lease."""
    streams = SyncStream.objects.all()
    never = streams.filter(last_success_at__isnull=True).exclude(state=SyncStream.State.BLOCKED)
    return (
        streams.exists()
        and not never.exists()
        and streams_settled()
        and not streams.filter(lease_until__isnull=False).exists()
    )


def assert_ground_truth(sellers, wb) -> None:
    for seller in sellers:
        mine, theirs = stored(seller), truth(wb, seller)
        for dataset, rows in theirs.items():
            assert mine[dataset] == rows, (seller.name, dataset)


def test_a_worker_killed_at_ten_moments_loses_nothing(catalogue_seller, wb, sync_workers):
    seller = catalogue_seller(products=1200)  # 12 pages of cards, 2 of prices, 3 stock pages
    pool = sync_workers(**SHORT_BOUNDS)
    for moment in range(10):
        worker = pool.start()
        target = moment + 1
        pool.wait_for(lambda t=target: pages_stored() >= t, f"page {target}")
        time.sleep(0.013 * moment)  # at another point of the next page each time
        pool.kill(worker)
    pool.start()
    # Settled and released: no stream stays leased once its lease time is over.
    pool.wait_for(settled_and_released, "the sync to end after the kills")
    assert_ground_truth([seller], wb)
    runs = SyncRun.objects.all()
    assert [run.outcome for run in runs] == [SyncRun.Outcome.SUCCEEDED] * 5
    assert sum(run.lost for run in runs) >= 1
    # The queue's rows of the killed tasks come to say so, once they have run for a lease.
    pages = DBTaskResult.objects.filter(task_path=sync_stream_page.module_path)
    running = pages.filter(status=TaskResultStatus.RUNNING)
    pool.wait_for(lambda: not running.exists(), "the killed tasks' rows to be marked lost")
    assert pages.filter(exception_class_path=WORKER_LOST).exists()


def test_a_worker_killed_at_ten_moments_of_a_backfill_loses_nothing(
    make_token, wb, sync_workers, settings
):
    """The orders of WB's 90 days and every finance report of 30 weeks, read by backfills that a
    SIGKILL interrupts ten times: the tables end equal to WB's, no stream stays leased."""
    settings.SYNC_DATASETS = ["orders", "finance"]
    wb.freeze_clock()
    seller = make_token("Backfill", seller_name="Backfill", categories="statistics,finance").seller
    wb.configure(seller.sid, products=20, orders_per_day=20, page_rows=BACKFILL_PAGE_ROWS)
    streams_ensure(now=timezone.now())
    since = timezone.localdate() - timedelta(weeks=30)
    for dataset in ("orders", "finance"):
        sync_backfill(seller=seller, dataset=dataset, since=since)
    pool = sync_workers(
        **SHORT_BOUNDS,
        SYNC_DATASETS="orders,finance",
        WB_STATISTICS_PAGE_ROWS=str(BACKFILL_PAGE_ROWS),
        WB_FINANCE_PAGE_ROWS=str(BACKFILL_PAGE_ROWS),
    )
    for moment in range(10):
        worker = pool.start()
        target = 2 * (moment + 1)
        pool.wait_for(lambda t=target: pages_stored() >= t, f"page {target}")
        time.sleep(0.011 * moment)  # at another point of the next page each time
        pool.kill(worker)
    pool.start()
    pool.wait_for(settled_and_released, "the backfills to end after the kills")
    orders = Order.objects.filter(seller=seller)
    assert set(orders.values_list("srid", "last_change_date", "is_cancel")) == {
        (row["srid"], parse_moment(row["lastChangeDate"]), row["isCancel"])
        for row in wb.truth(seller.sid, "orders")
    }
    reports = {row["reportId"] for row in wb.truth(seller.sid, "finance_reports")}
    stored_reports = set(Report.objects.filter(seller=seller).values_list("report_id", flat=True))
    assert stored_reports == reports and len(reports) > 12  # more than an ordinary pass reads
    assert set(ReportRow.objects.filter(seller=seller).values_list("rrd_id", "for_pay")) == {
        (row["rrdId"], Decimal(row["forPay"]))
        for row in wb.truth(seller.sid, "finance_rows")
        if row["reportId"] in reports
    }
    assert sum(SyncRun.objects.values_list("lost", flat=True)) >= 1


@pytest.mark.parametrize("count", [2, 4])
def test_several_workers_read_each_page_once_without_a_429(
    count, catalogue_seller, wb, sync_workers
):
    sellers = [catalogue_seller(f"Shop {n}", products=300 + 100 * n) for n in range(3)]
    pool = sync_workers()
    for _ in range(count):
        pool.start()
    pool.wait_for(settled_and_released, "the sync of three cabinets")
    assert_ground_truth(sellers, wb)
    pages = Counter(
        (
            entry.sid,
            entry.host,
            entry.path,
            json.dumps(entry.query, sort_keys=True),
            json.dumps(entry.body, sort_keys=True),
        )
        for entry in wb.request_log
        if entry.path != "/ping" and "seller-info" not in entry.path
    )
    assert [page for page, times in pages.items() if times > 1] == []
    assert wb.request_count(status=429) == 0
    runs = Counter(SyncRun.objects.values_list("stream_id", flat=True))
    assert set(runs.values()) == {1} and len(runs) == 3 * 5


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def test_a_catalogue_of_100000_sizes_syncs_in_a_worker_under_200_mib(
    catalogue_seller, wb, sync_workers
):
    """WB's stocks report of a catalogue of 100,000 sizes on sale comes in one body of some
    20 MB: it goes to a temporary file and is read in batches, so the worker's memory stays
    flat (the biggest page any dataset of the catalogue reads)."""
    seller = catalogue_seller(products=75_000, categories="analytics")
    theirs = truth(wb, seller)["fbw_stocks"]
    assert len(theirs) >= 100_000
    # The emulator takes seconds to make such a body: time enough to read it.
    pool = sync_workers(
        WB_API_DATA_READ_TIMEOUT="30", WB_API_DATA_DEADLINE="40", SYNC_LEASE_SECONDS="60"
    )
    worker = pool.start()
    stream = SyncStream.objects.filter(dataset="fbw_stocks", state=SyncStream.State.IDLE)
    pool.wait_for(stream.filter(last_success_at__isnull=False).exists, "100,000 sizes")
    peak = peak_rss_mib(worker.pid)
    assert stored(seller)["fbw_stocks"] == theirs
    assert peak < 200, f"peak RSS {peak:.0f} MiB"


def test_run_wait_follows_the_runs_a_worker_makes_and_fails_for_a_blocked_one(
    catalogue_seller, wb, sync_workers
):
    seller = catalogue_seller(products=150, categories="content")
    sync_workers().start()
    out = StringIO()
    with translation.override("en"):
        call_command("wb_sync", "run", "--dataset", "cards", "--wait", stdout=out)
        assert f"{seller.display_name} · cards: Succeeded; pages: 2" in out.getvalue()
        with pytest.raises(CommandError, match="Some datasets did not sync"):
            call_command("wb_sync", "run", "--dataset", "prices", "--wait", stdout=StringIO())
