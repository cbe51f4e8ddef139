"""Storing statistics-api's orders and sales rows, a batch at a time."""

from collections.abc import Sequence

from sellers.models import Seller
from wbapi.methods import statistics
from wberp.records import Row, record_fields, rows_of
from wberp.upsert import upsert_rows

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


def orders_store(*, seller: Seller, records: Sequence[statistics.Order]) -> int:
    """Insert new orders and update those WB changed since (a cancellation); the rows
    written. An order read again unchanged, or older than the one stored, writes nothing."""
    rows = order_rows(seller, records)
    return upsert_rows(Order, rows, key=("seller", "srid"), newer="last_change_date")


def sales_store(*, seller: Seller, records: Sequence[statistics.Sale]) -> int:
    """Insert or update sales and returns by saleID, as orders_store does orders."""
    rows = sale_rows(seller, records)
    return upsert_rows(Sale, rows, key=("seller", "sale_id"), newer="last_change_date")
