"""Storing finance-api's report headers and rows, a batch at a time."""

from collections.abc import Iterable, Sequence
from datetime import date

from django.db import transaction
from django.db.models import Count, Max, Q, Sum

from sellers.models import Seller
from sync.ingest import upsert
from sync.registry import Counts
from wbapi.methods import finance
from wberp.records import record_fields, rows_of

from .models import Report, ReportRow
from .reconciliation import RETURN, TOTALS, ZERO

HEADER_FIELDS = record_fields(Report, finance.ReportHeader)
ROW_FIELDS = record_fields(ReportRow, finance.ReportRow)
# What a report's rows say of it: enough for a header until WB's list gives the totals.
HEADER_OF_ROWS = ("date_from", "date_to", "create_date", "currency", "report_type")


KEYS = ("seller_id", "report_id")


@transaction.atomic
def report_headers_store(
    *,
    seller: Seller,
    records: Sequence[finance.ReportHeader],
    period: str,
    counts: Counts | None = None,
) -> Counts:
    """Insert or update the headers WB's list of reports gave; what was written. A report
    whose rows WB has revised the same day they were read is marked to be read again."""
    counts = counts if counts is not None else Counts()
    _mark_revised_same_day(seller, records)
    rows = rows_of(records, HEADER_FIELDS, seller_id=seller.pk, period=period, listed=True)
    upsert(Report, rows, keys=KEYS, counts=counts)
    return counts


# The header's figures WB changes when it revises a report.
REVISED_TOTALS = (*TOTALS, "bank_payment_sum")


def _mark_revised_same_day(seller: Seller, records: Sequence[finance.ReportHeader]) -> None:
    """Reports whose stored rows the list now contradicts: listed before, their rows read,
    the same createDate as those rows, but other totals. WB revised them the same day, so the
    createDate cannot tell (a revision on a later day has a later createDate and is found by
    it). Such a report's rows are marked outdated: it is due again (finance.datasets), and the
    first rows read of it replace them."""
    incoming = {record.report_id: record for record in records}
    stored = Report.objects.filter(
        seller=seller, report_id__in=incoming, listed=True, rows_created__isnull=False
    ).only("report_id", "rows_created", *REVISED_TOTALS)
    revised = [
        report.report_id
        for report in stored
        if report.rows_created == incoming[report.report_id].create_date
        and any(
            getattr(report, name) != getattr(incoming[report.report_id], name)
            for name in REVISED_TOTALS
        )
    ]
    if revised:
        Report.objects.filter(seller=seller, report_id__in=revised).update(rows_outdated=True)


@transaction.atomic
def report_rows_store(
    *,
    seller: Seller,
    records: Sequence[finance.ReportRow],
    period: str,
    counts: Counts | None = None,
) -> Counts:
    """Store report rows by rrdId; what was written.

    A report met for the first time gets a header from its rows. Rows of a report with a
    later createDate than those stored are a revision of it, as are the first rows of one
    the list marked revised the same day: the earlier version's rows go.
    """
    counts = counts if counts is not None else Counts()
    if not records:
        return counts
    versions = _versions(records)
    _headers_from_rows(seller, versions, period)
    counts.add(removed=_drop_earlier_versions(seller, versions))
    rows = rows_of(records, ROW_FIELDS, seller_id=seller.pk)
    upsert(ReportRow, rows, keys=("seller_id", "rrd_id"), counts=counts)
    return counts


def _versions(records: Sequence[finance.ReportRow]) -> dict[int, finance.ReportRow]:
    """The newest row of each report in the batch (a batch holds a few reports at most)."""
    newest: dict[int, finance.ReportRow] = {}
    for record in records:
        seen = newest.get(record.report_id)
        if seen is None or _created(record) > _created(seen):
            newest[record.report_id] = record
    return newest


def _created(record: finance.ReportRow) -> date:
    return record.create_date or date.min


def _headers_from_rows(seller: Seller, versions: dict[int, finance.ReportRow], period: str) -> None:
    """A header for each report not stored yet; a stored one only learns a later createDate."""
    headers = []
    for record in versions.values():
        if record.date_from is None or record.date_to is None:
            continue  # WB always sends them; a header cannot be made without
        header = {name: getattr(record, name) for name in HEADER_OF_ROWS}
        header.update(
            seller_id=seller.pk,
            report_id=record.report_id,
            currency=record.currency or "",
            period=period,
        )
        headers.append(header)
    # Not counted: the rows are what this page brought.
    upsert(Report, headers, keys=KEYS, counts=Counts(), newer="create_date")


def _drop_earlier_versions(seller: Seller, versions: dict[int, finance.ReportRow]) -> int:
    earlier = Q()
    for report_id, record in versions.items():
        if record.create_date is not None:
            earlier |= Q(report_id=report_id, create_date__lt=record.create_date)
    outdated = Report.objects.filter(seller=seller, report_id__in=versions, rows_outdated=True)
    if outdated_ids := list(outdated.values_list("report_id", flat=True)):
        earlier |= Q(report_id__in=outdated_ids)
        # Replaced once: the next batches' rows of these reports are of the new version.
        outdated.update(rows_outdated=False)
    if not earlier:
        return 0
    deleted, _ = ReportRow.objects.filter(earlier, seller=seller).delete()
    return deleted


def report_summaries_update(*, seller: Seller, report_ids: Iterable[int]) -> None:
    """Sum the stored rows of these reports into their headers: the returns, the commission,
    the number of rows and their creation date (one grouped query; the list of reports then
    reads only headers, and a revision shows as a header newer than its rows).
    Called once a page of rows is stored, not per batch."""
    ids = set(report_ids)
    sums = {
        row["report_id"]: row
        for row in ReportRow.objects.filter(seller=seller, report_id__in=ids)
        .values("report_id")
        .annotate(
            returns=Sum("retail_amount", filter=Q(doc_type_name=RETURN)),
            commission=Sum("ppvz_sales_commission"),
            rows=Count("id"),
            created=Max("create_date"),
        )
    }
    reports = list(Report.objects.filter(seller=seller, report_id__in=ids))
    for report in reports:
        found = sums.get(report.report_id, {})
        report.returns_sum = found.get("returns") or ZERO
        report.commission_sum = found.get("commission") or ZERO
        report.rows_count = found.get("rows", 0)
        report.rows_created = found.get("created")
    Report.objects.bulk_update(
        reports, ["returns_sum", "commission_sum", "rows_count", "rows_created"]
    )
