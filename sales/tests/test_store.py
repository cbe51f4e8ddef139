"""Storing orders and sales from statistics-api's parsed rows: every row once, exactly, and a
later change of a row (a cancellation) over the stored one, never an earlier one."""

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from sales.models import Order, Sale
from sales.services import orders_store, sales_store
from wbapi.methods.statistics import ORDERS_METHOD, SALES_METHOD, ChangesCursor, ChangesPager
from wbapi.moscow import parse_moment

pytestmark = pytest.mark.django_db
PAGE_ROWS = 150
ORDERS = ChangesPager(ORDERS_METHOD, page_rows=PAGE_ROWS)
SALES = ChangesPager(SALES_METHOD, page_rows=PAGE_ROWS)
START = ChangesCursor(parse_moment("2025-01-01T00:00:00"))


@pytest.fixture
def cabinet(wb_cabinet):
    wb_cabinet.wb.configure(wb_cabinet.sid, page_rows=PAGE_ROWS)
    return wb_cabinet


def stored_orders(seller) -> dict[str, tuple]:
    return {
        srid: (changed, cancelled)
        for srid, changed, cancelled in Order.objects.filter(seller=seller).values_list(
            "srid", "last_change_date", "is_cancel"
        )
    }


def true_orders(cabinet) -> dict[str, tuple]:
    return {
        row["srid"]: (parse_moment(row["lastChangeDate"]), row["isCancel"])
        for row in cabinet.truth("orders")
    }


def test_every_order_is_stored_once_as_wb_has_it(cabinet):
    records, _ = cabinet.records(ORDERS, START)
    assert len(records) > 2 * PAGE_ROWS  # several pages, whose overlaps repeat rows
    counts = orders_store(seller=cabinet.seller, records=records)
    assert stored_orders(cabinet.seller) == true_orders(cabinet)
    assert (counts.inserted, counts.updated) == (len(true_orders(cabinet)), 0)


def test_an_orders_fields_and_money_are_stored_exactly(cabinet):
    records, _ = cabinet.records(ORDERS, START)
    orders_store(seller=cabinet.seller, records=records)
    truth = cabinet.truth("orders")[-1]
    order = Order.objects.get(seller=cabinet.seller, srid=truth["srid"])
    assert order.date == parse_moment(truth["date"])
    assert order.total_price == Decimal(str(truth["totalPrice"]))
    assert order.finished_price == Decimal(str(truth["finishedPrice"]))
    assert order.price_with_disc == Decimal(str(truth["priceWithDisc"]))
    assert (order.nm_id, order.barcode, order.tech_size) == (
        truth["nmId"],
        truth["barcode"],
        truth["techSize"],
    )
    assert (order.warehouse_name, order.region_name, order.g_number, order.sticker) == (
        truth["warehouseName"],
        truth["regionName"],
        truth["gNumber"],
        truth["sticker"],
    )


def test_reading_the_same_rows_again_writes_nothing(cabinet):
    records, _ = cabinet.records(ORDERS, START)
    orders_store(seller=cabinet.seller, records=records)
    again = orders_store(seller=cabinet.seller, records=records)
    assert (again.inserted, again.updated) == (0, 0)


def test_a_cancellation_after_the_order_was_stored_updates_it(cabinet):
    records, cursor = cabinet.records(ORDERS, START)
    orders_store(seller=cabinet.seller, records=records)
    cabinet.wb.advance_clock(timedelta(days=3))
    changes, _ = cabinet.records(ORDERS, cursor)
    orders_store(seller=cabinet.seller, records=changes)
    before = {record.srid: record for record in records}
    truth = true_orders(cabinet)
    cancelled_since = {
        srid
        for srid, (_, cancelled) in truth.items()
        if cancelled and srid in before and not before[srid].is_cancel
    }
    assert cancelled_since  # orders stored uncancelled that WB has cancelled since
    stored = stored_orders(cabinet.seller)
    # Orders WB no longer keeps (placed more than 90 days ago) stay stored.
    assert {srid: stored[srid] for srid in truth} == truth and len(stored) > len(truth)
    order = Order.objects.get(srid=min(cancelled_since))
    assert order.is_cancel and order.cancel_date is not None


def test_an_older_row_never_overwrites_a_newer_one(cabinet):
    records, _ = cabinet.records(ORDERS, START)
    newest = records[-1]
    orders_store(seller=cabinet.seller, records=[newest])
    stale = replace(
        newest,
        last_change_date=newest.last_change_date - timedelta(hours=1),
        is_cancel=not newest.is_cancel,
    )
    assert orders_store(seller=cabinet.seller, records=[stale]).updated == 0
    assert Order.objects.get(srid=newest.srid).is_cancel == bool(newest.is_cancel)


def test_a_key_sent_twice_in_one_batch_keeps_its_newest_row(cabinet):
    records, _ = cabinet.records(ORDERS, START)
    newest = records[-1]
    older = replace(newest, last_change_date=newest.last_change_date - timedelta(hours=1))
    later = replace(newest, last_change_date=newest.last_change_date + timedelta(hours=1))
    orders_store(seller=cabinet.seller, records=[older, later, newest])
    assert Order.objects.get(srid=newest.srid).last_change_date == later.last_change_date


def test_every_sale_and_return_is_stored_by_its_sale_id(cabinet):
    records, _ = cabinet.records(SALES, START)
    sales_store(seller=cabinet.seller, records=records)
    truth = cabinet.truth("sales")
    stored = {
        sale_id: (srid, is_return, for_pay)
        for sale_id, srid, is_return, for_pay in Sale.objects.filter(
            seller=cabinet.seller
        ).values_list("sale_id", "srid", "is_return", "for_pay")
    }
    assert stored == {
        row["saleID"]: (row["srid"], row["saleID"].startswith("R"), Decimal(str(row["forPay"])))
        for row in truth
    }
    assert any(is_return for _, is_return, _ in stored.values())


def test_the_same_srid_in_two_cabinets_is_two_orders(cabinet):
    from sellers.services import seller_for_token

    records, _ = cabinet.records(ORDERS, START)
    other = seller_for_token(sid="another-cabinet", oid=None)
    orders_store(seller=cabinet.seller, records=records[:5])
    assert orders_store(seller=other, records=records[:5]).inserted == 5
    assert Order.objects.filter(srid=records[0].srid).count() == 2
