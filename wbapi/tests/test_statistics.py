"""Orders and sales: Moscow dateFrom, WB's examples as records, and paging by lastChangeDate
with an overlap across rows that share one."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from responses import matchers

from wbapi.errors import PagingStuck, SchemaDrift
from wbapi.methods.base import Turn
from wbapi.methods.statistics import (
    ORDERS,
    SALES,
    ChangesCursor,
    ChangesPager,
    changes_query,
    changes_turn,
)
from wbapi.moscow import MOSCOW, parse_moment
from wbapi.tests.wb_examples import ORDER, SALE, fresh

HOST = "https://statistics-api.wildberries.ru"
ORDERS_URL = f"{HOST}/api/v1/supplier/orders"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=MOSCOW)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


# --- The request ----------------------------------------------------------------------------


def test_date_from_goes_to_wb_in_moscow_time_with_flag_0():
    cursor = ChangesCursor(datetime(2026, 3, 1, 9, 30, 15, 250000, tzinfo=UTC))

    assert changes_query(cursor) == {"dateFrom": "2026-03-01T12:30:15.250", "flag": 0}


def test_a_cursor_needs_an_aware_time():
    with pytest.raises(ValueError, match="aware"):
        ChangesCursor(datetime(2026, 3, 1))


# --- WB's examples as records ---------------------------------------------------------------


def test_wbs_example_order_becomes_a_record_with_moscow_times_and_decimal_money(
    wb_mock, mock_client
):
    wb_mock.get(
        ORDERS_URL,
        json=[ORDER],
        match=[matchers.query_param_matcher({"dateFrom": "2026-03-01T12:00:00", "flag": "0"})],
    )

    with mock_client().page(ORDERS, ChangesCursor(T0)) as page:
        (order,) = list(page)

    assert order.date == datetime(2022, 3, 4, 18, 8, 31, tzinfo=MOSCOW)
    assert order.last_change_date == datetime(2022, 3, 6, 7, 11, 7, tzinfo=UTC)
    assert order.cancel_date == datetime(2022, 3, 9, tzinfo=MOSCOW)
    assert (order.is_cancel, order.is_supply, order.is_realization) == (True, False, True)
    assert (order.total_price, order.spp, order.finished_price, order.price_with_disc) == (
        Decimal(1887),
        Decimal(26),
        Decimal(1145),
        Decimal(1547),
    )
    assert all(
        type(v) is Decimal
        for v in (order.total_price, order.spp, order.finished_price, order.price_with_disc)
    )
    assert (order.nm_id, order.income_id, order.discount_percent) == (1234567, 56735459, 18)
    assert (order.warehouse_name, order.warehouse_type) == ("Подольск", "Склад продавца")
    assert (order.country_name, order.oblast_okrug_name, order.region_name) == (
        "Россия",
        "Центральный федеральный округ",
        "Московская",
    )
    assert (order.supplier_article, order.barcode, order.tech_size) == (
        "12345",
        "123453559000",
        "0",
    )
    assert (order.category, order.subject, order.brand) == (
        "Бытовая техника",
        "Мультистайлеры",
        "Тест",
    )
    assert (order.sticker, order.g_number) == ("926912515", "34343462218572569531")
    assert order.srid == "11.rf9ef11fce1684117b0nhj96222982382.3.0"
    assert order.extra == {}


def test_an_order_that_was_not_cancelled_has_no_cancel_date(wb_mock, mock_client):
    wb_mock.get(
        ORDERS_URL, json=[{**ORDER, "isCancel": False, "cancelDate": "0001-01-01T00:00:00"}]
    )

    with mock_client().page(ORDERS, ChangesCursor(T0)) as page:
        (order,) = list(page)

    assert (order.is_cancel, order.cancel_date) == (False, None)


def test_wbs_example_sale_keeps_its_kopecks_exactly(wb_mock, mock_client):
    wb_mock.get(f"{HOST}/api/v1/supplier/sales", json=[SALE])

    with mock_client().page(SALES, ChangesCursor(T0)) as page:
        (sale,) = list(page)

    assert sale.for_pay == Decimal("1284.01")
    assert (sale.sale_id, sale.payment_sale_amount, sale.spp) == ("S9993700024", 93, Decimal(20))
    assert sale.srid == SALE["srid"]
    assert sale.last_change_date == datetime(2022, 3, 6, 10, 11, 7, tzinfo=MOSCOW)


def test_an_order_without_srid_is_schema_drift_naming_the_row(wb_mock, mock_client):
    broken = fresh(ORDER)
    del broken["srid"]
    wb_mock.get(ORDERS_URL, json=[ORDER, broken])

    with (
        mock_client().page(ORDERS, ChangesCursor(T0)) as page,
        pytest.raises(SchemaDrift) as caught,
    ):
        list(page)

    assert caught.value.path == "[1].srid"
    assert "orders" in str(caught.value)


def test_a_statistics_number_of_another_type_is_drift_read_as_none(wb_mock, mock_client):
    wb_mock.get(ORDERS_URL, json=[{**ORDER, "totalPrice": "1 887 ₽"}])
    notices = []

    with mock_client(on_drift=notices.append).page(ORDERS, ChangesCursor(T0)) as page:
        (order,) = list(page)

    assert order.total_price is None
    assert [(n.field, n.expected, n.got) for n in notices] == [
        ("[].totalPrice", "a number", "text")
    ]


# --- The cursor after a page ----------------------------------------------------------------


def test_an_empty_page_means_done_and_the_cursor_stays():
    cursor = ChangesCursor(T0)

    assert changes_turn(cursor, rows=0, first_change=None, last_change=None) == Turn(cursor, True)


def test_a_full_page_goes_on_from_a_little_before_its_last_change():
    turn = changes_turn(ChangesCursor(T0), rows=80_000, first_change=at(1), last_change=at(3600))

    assert turn == Turn(ChangesCursor(at(3599)), done=False)


def test_the_overlap_is_configurable():
    turn = changes_turn(
        ChangesCursor(T0),
        rows=5,
        first_change=at(1),
        last_change=at(3600),
        page_rows=5,
        overlap=timedelta(minutes=5),
    )

    assert turn.cursor == ChangesCursor(at(3300))


def test_a_page_shorter_than_the_page_size_holds_the_rest_and_ends_the_run():
    turn = changes_turn(ChangesCursor(T0), rows=79_999, first_change=at(1), last_change=at(600))

    assert turn == Turn(ChangesCursor(at(599)), done=True)


def test_the_cursor_never_moves_back():
    turn = changes_turn(ChangesCursor(T0), rows=3, first_change=at(0.2), last_change=at(0.5))

    assert turn == Turn(ChangesCursor(T0), done=True)


def test_a_full_page_of_one_lastchangedate_cannot_make_progress():
    with pytest.raises(PagingStuck) as caught:
        changes_turn(ChangesCursor(T0), rows=80_000, first_change=at(5), last_change=at(5))

    assert "80000 rows that all share one lastChangeDate, 2026-03-01T12:00:05" in (
        str(caught.value)
    )
    assert caught.value.permanent


def test_a_full_page_inside_the_overlap_cannot_make_progress_either():
    with pytest.raises(PagingStuck, match=r"between .* within the 1 s overlap"):
        changes_turn(
            ChangesCursor(T0), rows=100, first_change=at(0.1), last_change=at(0.9), page_rows=100
        )


# --- Paging through a fake statistics-api that cuts pages as WB does ------------------------


def fake_statistics(rows: list[dict], page_rows: int):
    """WB's flag=0 rule: rows changed after dateFrom, by lastChangeDate, `page_rows` at a time,
    cut wherever the count says."""
    ordered = sorted(rows, key=lambda row: parse_moment(row["lastChangeDate"]))

    def answer(request):
        date_from = parse_moment(request.params["dateFrom"])
        after = [row for row in ordered if parse_moment(row["lastChangeDate"]) > date_from]
        return 200, {}, json.dumps(after[:page_rows])

    return answer


def order_changed_at(number: int, seconds: int) -> dict:
    return {
        **ORDER,
        "srid": f"srid-{number}",
        "lastChangeDate": at(seconds).replace(tzinfo=None).isoformat(),
    }


def test_rows_sharing_a_lastchangedate_across_a_page_cut_are_all_fetched(wb_mock, mock_client):
    # Runs of equal lastChangeDate (4 rows at 10 s, 3 at 20 s) straddle the 5-row cuts.
    changes = [1, 2, 10, 10, 10, 10, 20, 20, 20, 30, 40, 41]
    rows = [order_changed_at(n, s) for n, s in enumerate(changes)]
    wb_mock.add_callback(
        "GET", ORDERS_URL, callback=fake_statistics(rows, 5), content_type="application/json"
    )
    pager = ChangesPager(ORDERS.spec, page_rows=5)

    fetched = [
        order.srid for page in mock_client().pages(pager, ChangesCursor(T0)) for order in page
    ]

    assert set(fetched) == {row["srid"] for row in rows}  # nothing lost
    assert len(fetched) > len(rows)  # the overlap re-read some, deduplicated downstream
    assert [call.request.params["dateFrom"] for call in wb_mock.calls] == [
        "2026-03-01T12:00:00",
        "2026-03-01T12:00:09",  # the page ended inside the run at 10 s: start before it
        "2026-03-01T12:00:19",
        "2026-03-01T12:00:39",
    ]


def test_without_an_overlap_the_rest_of_a_cut_run_would_be_lost(wb_mock, mock_client):
    """Why the overlap is there: WB's literal recipe skips the rows after the cut."""
    changes = [1, 2, 10, 10, 10, 10, 20]
    rows = [order_changed_at(n, s) for n, s in enumerate(changes)]
    wb_mock.add_callback(
        "GET", ORDERS_URL, callback=fake_statistics(rows, 5), content_type="application/json"
    )
    literal = ChangesPager(ORDERS.spec, page_rows=5, overlap=timedelta(0))

    fetched = {
        order.srid for page in mock_client().pages(literal, ChangesCursor(T0)) for order in page
    }

    assert fetched == {row["srid"] for row in rows} - {"srid-5"}


def test_a_full_page_of_one_lastchangedate_stops_the_paging_with_a_clear_error(
    wb_mock, mock_client
):
    rows = [order_changed_at(n, 10) for n in range(8)]
    wb_mock.add_callback(
        "GET", ORDERS_URL, callback=fake_statistics(rows, 5), content_type="application/json"
    )
    pager = ChangesPager(ORDERS.spec, page_rows=5)

    with pytest.raises(PagingStuck, match="all share one lastChangeDate, 2026-03-01T12:00:10"):
        list(mock_client().pages(pager, ChangesCursor(at(9))))

    assert len(wb_mock.calls) == 1


def test_orders_and_sales_are_read_from_their_own_limit_groups():
    assert (ORDERS.spec.limit_group, SALES.spec.limit_group) == (
        "statistics-orders",
        "statistics-sales",
    )
    assert (ORDERS.page_rows, ORDERS.overlap) == (80_000, timedelta(seconds=1))
