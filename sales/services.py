"""Storing statistics-api's orders and sales rows, a batch at a time."""

from collections.abc import Sequence

from django.db import transaction

from sellers.models import Seller
from sync.ingest import upsert
from sync.registry import Counts
from wbapi.methods import statistics
from wberp.records import Row, record_fields, rows_of

from .models import Order, Sale

ORDER_FIELDS = record_fields(Order, statistics.Order)
SALE_FIELDS = record_fields(Sale, statistics.Sale)
RETURN_PREFIX = "R"


def order_rows(seller: Seller, records: Sequence[statistics.Order]) -> list[Row]:
    rows = rows_of(records, ORDER_FIELDS, seller_id=seller.pk)
    for row in rows:
        row["is_cancel"] = bool(row["is_cancel"])
    return rows


def sale_rows(seller: Seller, records: Sequence[statistics.Sale]) -> list[Row]:
    rows = rows_of(records, SALE_FIELDS, seller_id=seller.pk)
    for row in rows:
        row["is_return"] = row["sale_id"].startswith(RETURN_PREFIX)
    return rows


@transaction.atomic
def orders_store(
    *, seller: Seller, records: Sequence[statistics.Order], counts: Counts | None = None
) -> Counts:
    """Insert new orders and update those WB changed since (a cancellation); what was
    written. An order read again unchanged, or older than the one stored, writes nothing."""
    counts = counts if counts is not None else Counts()
    rows = order_rows(seller, records)
    upsert(Order, rows, keys=("seller_id", "srid"), counts=counts, newer="last_change_date")
    return counts


@transaction.atomic
def sales_store(
    *, seller: Seller, records: Sequence[statistics.Sale], counts: Counts | None = None
) -> Counts:
    """Insert or update sales and returns by saleID, as orders_store does orders."""
    counts = counts if counts is not None else Counts()
    rows = sale_rows(seller, records)
    upsert(Sale, rows, keys=("seller_id", "sale_id"), counts=counts, newer="last_change_date")
    return counts
