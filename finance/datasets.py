"""The dataset `finance` (see sync.registry): finance-api's realization reports.

A pass has two phases, a WB request a page:

1. *list*: the headers of the weekly reports from the cursor's day to today, with WB's
   totals (a short page is the last). A report not stored before, or whose header WB has made
   newer (a later `createDate`) than its stored rows, is due: WB published or revised it; so
   is one whose totals changed with the same `createDate` (WB revised it the same day).
2. *rows*: if any report is due, the rows of the reports from the first due one's period to
   the last one's, from `rrdId` 0 until WB answers 204. Storing a revised report's rows
   removes those of its earlier version (finance.services).

A pass that finds nothing new makes one request, the list. The first pass reads the reports
of the last twelve weeks; a backfill reads from the day it is given (reports exist from
2024-01-29 on); later passes look twelve weeks back for revisions. Each report's returns,
commission and rows are summed into its header as its rows are stored.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Avg, F, Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dashboards.services import finance_rollup_refresh, report_days
from sellers.models import Seller
from sync.registry import Counts, Dataset, SyncPass, register
from wbapi.methods.base import Pager, Params, Turn
from wbapi.methods.finance import REPORT_ROWS, REPORTS, ReportRowsCursor, ReportsCursor
from wbapi.moscow import MOSCOW

from .models import Report, ReportRow
from .services import report_headers_store, report_rows_store, report_summaries_update

# WB's realization reports begin on this Monday.
FIRST_REPORT_DAY = date(2024, 1, 29)
# How far back a pass asks WB's list for new and revised reports.
LOOK_BACK = timedelta(weeks=12)
LIST, ROWS = "list", "rows"
PERIOD = Report.Period.WEEKLY


def today() -> date:
    return timezone.now().astimezone(MOSCOW).date()


@dataclass(frozen=True)
class FinanceCursor:
    """Where a finance pass is: its phase and, in it, the page to ask for next."""

    phase: str = LIST
    list_from: date = FIRST_REPORT_DAY
    offset: int = 0
    rows_from: date = FIRST_REPORT_DAY
    rows_to: date = FIRST_REPORT_DAY
    rrd_id: int = 0

    @property
    def reports(self) -> ReportsCursor:
        return ReportsCursor(self.list_from, max(self.list_from, today()), PERIOD, self.offset)

    @property
    def rows(self) -> ReportRowsCursor:
        limit = settings.WB_FINANCE_PAGE_ROWS
        return ReportRowsCursor(self.rows_from, self.rows_to, PERIOD, self.rrd_id, limit)


class ListPhase(Pager):
    """WB's list of reports, paged through the finance cursor."""

    spec = REPORTS.spec

    def params(self, cursor: FinanceCursor) -> Params:
        return REPORTS.params(cursor.reports)

    def turn(self, cursor: FinanceCursor, rows) -> Turn[FinanceCursor]:
        turn = REPORTS.turn(cursor.reports, rows)
        last = turn.done or rows.count < cursor.reports.limit  # a short page holds the rest
        return Turn(dataclasses.replace(cursor, offset=0 if last else turn.cursor.offset), last)


class RowsPhase(Pager):
    """The rows of the due reports' periods, by rrdId until 204."""

    spec = REPORT_ROWS.spec

    def params(self, cursor: FinanceCursor) -> Params:
        return REPORT_ROWS.params(cursor.rows)

    def turn(self, cursor: FinanceCursor, rows) -> Turn[FinanceCursor]:
        turn = REPORT_ROWS.turn(cursor.rows, rows)
        return Turn(dataclasses.replace(cursor, rrd_id=turn.cursor.rrd_id), turn.done)


class Finance(Dataset):
    name = "finance"
    label = _("Finance reports")
    category = "finance"
    limit_group = "finance-detailed"  # the list's limit is the same: 1 a minute
    interval = timedelta(hours=3)
    snapshot = False
    cursor_type = FinanceCursor

    def pager(self, seller: Seller, cursor: FinanceCursor) -> Pager:
        return ListPhase() if cursor.phase == LIST else RowsPhase()

    def limit_group_at(self, cursor: FinanceCursor) -> str:
        return (REPORTS if cursor.phase == LIST else REPORT_ROWS).spec.limit_group

    def first_cursor(self, seller: Seller) -> FinanceCursor:
        return FinanceCursor(list_from=max(FIRST_REPORT_DAY, today() - LOOK_BACK))

    def backfill_cursor(self, seller: Seller, since: date) -> FinanceCursor:
        return FinanceCursor(list_from=max(FIRST_REPORT_DAY, since))

    def backfill_estimate(self, seller: Seller, since: date) -> int:
        """The list, then a page per WB page of rows at the stored reports' average size
        (none stored: one), then the 204 that ends them."""
        weeks = (today() - max(FIRST_REPORT_DAY, since)).days // 7 + 1
        average = Report.objects.filter(seller=seller).aggregate(rows=Avg("rows_count"))["rows"]
        return 2 + int(weeks * (average or 0)) // settings.WB_FINANCE_PAGE_ROWS

    def ingest(self, seller: Seller, batch: list, counts: Counts, sync_pass: SyncPass, cursor):
        if cursor.phase == LIST:
            report_headers_store(seller=seller, records=batch, period=PERIOD, counts=counts)
            return None
        days = report_days(seller, batch)  # before the store: a revision's removed rows too
        report_rows_store(seller=seller, records=batch, period=PERIOD, counts=counts)
        return days

    def page_stored(self, seller: Seller, touched: set, cursor: FinanceCursor) -> None:
        finance_rollup_refresh(seller=seller, days=touched)

    def advance(self, seller: Seller, cursor: FinanceCursor, turn: Turn) -> Turn:
        after: FinanceCursor = turn.cursor
        if cursor.phase == ROWS:
            summarize(seller, cursor.rrd_id, after.rrd_id)
        if not turn.done:
            return Turn(after, done=False)
        if cursor.phase == LIST and (due := due_period(seller, cursor.list_from)):
            rows_from, rows_to = due
            rows = dataclasses.replace(
                after, phase=ROWS, rows_from=rows_from, rows_to=rows_to, rrd_id=0
            )
            return Turn(rows, done=False)
        return Turn(self.first_cursor(seller), done=True)

    def dump_cursor(self, cursor: FinanceCursor) -> dict:
        return {
            f.name: getattr(cursor, f.name).isoformat()
            if isinstance(getattr(cursor, f.name), date)
            else getattr(cursor, f.name)
            for f in dataclasses.fields(cursor)
        }

    def load_cursor(self, data: Any, seller: Seller) -> FinanceCursor:
        try:
            days = {name: date.fromisoformat(data[name]) for name in DAY_FIELDS}
            return FinanceCursor(**{**data, **days})
        except (TypeError, KeyError, ValueError):
            return self.first_cursor(seller)


DAY_FIELDS = ("list_from", "rows_from", "rows_to")


def due_period(seller: Seller, since: date) -> tuple[date, date] | None:
    """The days from the first report due (new, or revised since its rows were read) to the
    last one's, among the reports of the list since `since`; None when none is."""
    due = Report.objects.filter(seller=seller, period=PERIOD, date_to__gte=since).filter(
        Q(rows_created__isnull=True) | Q(create_date__gt=F("rows_created")) | Q(rows_outdated=True)
    )
    span = due.aggregate(first=Min("date_from"), last=Max("date_to"))
    return None if span["first"] is None else (span["first"], span["last"])


def summarize(seller: Seller, after_rrd_id: int, last_rrd_id: int) -> None:
    """Sum into their headers the reports whose rows a page brought (rrdIds after one, up
    to another)."""
    rows = ReportRow.objects.filter(seller=seller, rrd_id__gt=after_rrd_id, rrd_id__lte=last_rrd_id)
    reports = set(rows.values_list("report_id", flat=True).distinct())
    if reports:
        report_summaries_update(seller=seller, report_ids=reports)


FINANCE = register(Finance())
