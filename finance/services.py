"""Storing finance-api's report headers and rows, a batch at a time."""

from collections.abc import Sequence
from datetime import date

from django.db import transaction
from django.db.models import Q

from sellers.models import Seller
from wbapi.methods import finance
from wberp.records import record_fields, rows_of
from wberp.upsert import upsert_rows

from .models import Report, ReportRow

HEADER_FIELDS = record_fields(Report, finance.ReportHeader)
ROW_FIELDS = record_fields(ReportRow, finance.ReportRow)
# What a report's rows say of it: enough for a header until WB's list gives the totals.
HEADER_OF_ROWS = ("date_from", "date_to", "create_date", "currency", "report_type")


def report_headers_store(
    *, seller: Seller, records: Sequence[finance.ReportHeader], period: str
) -> int:
    """Insert or update the headers WB's list of reports gave; the rows written."""
    rows = rows_of(records, HEADER_FIELDS, seller_id=seller.pk, period=period, listed=True)
    return upsert_rows(Report, rows, key=("seller", "report_id"))


@transaction.atomic
def report_rows_store(*, seller: Seller, records: Sequence[finance.ReportRow], period: str) -> int:
    """Store report rows by rrdId; the rows written.

    A report met for the first time gets a header from its rows. Rows of a report with a
    later createDate than those stored are a revision of it: the earlier version's rows go.
    """
    if not records:
        return 0
    versions = _versions(records)
    _headers_from_rows(seller, versions, period)
    _drop_earlier_versions(seller, versions)
    rows = rows_of(records, ROW_FIELDS, seller_id=seller.pk)
    return upsert_rows(ReportRow, rows, key=("seller", "rrd_id"))


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
    blank = {f.attname: f.get_default() for f in Report._meta.concrete_fields if not f.primary_key}
    headers = []
    for record in versions.values():
        if record.date_from is None or record.date_to is None:
            continue  # WB always sends them; a header cannot be made without
        header = {**blank, "seller_id": seller.pk, "report_id": record.report_id}
        header.update({name: getattr(record, name) for name in HEADER_OF_ROWS})
        header.update(currency=record.currency or "", period=period)
        headers.append(header)
    upsert_rows(
        Report, headers, key=("seller", "report_id"), newer="create_date", update=["create_date"]
    )


def _drop_earlier_versions(seller: Seller, versions: dict[int, finance.ReportRow]) -> int:
    earlier = Q()
    for report_id, record in versions.items():
        if record.create_date is not None:
            earlier |= Q(report_id=report_id, create_date__lt=record.create_date)
    if not earlier:
        return 0
    deleted, _ = ReportRow.objects.filter(earlier, seller=seller).delete()
    return deleted
