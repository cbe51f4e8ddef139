"""Seller warehouses in one page; their stock in pages of 1000 sizes, keyed by chrt id."""

from __future__ import annotations

import json

import pytest

from wbapi.errors import RequestRejected
from wbapi.methods.base import Turn
from wbapi.methods.marketplace import (
    WAREHOUSES,
    SellerStocksPager,
    StocksCursor,
    Warehouse,
    chrt_batch,
    stocks_turn,
)
from wbapi.tests.wb_examples import STOCKS_ANSWER, WAREHOUSES_ANSWER

HOST = "https://marketplace-api.wildberries.ru"


def test_wbs_example_warehouses_are_one_page_of_records(wb_mock, mock_client):
    wb_mock.get(f"{HOST}/api/v3/warehouses", json=WAREHOUSES_ANSWER)

    with mock_client().page(WAREHOUSES, None) as page:
        warehouses = list(page)

    assert warehouses == [
        Warehouse(1, "ул. Троицкая, Подольск, Московская обл.", 15, 1, 1, False, True, {})
    ]
    assert page.turn == Turn(None, done=True)
    assert wb_mock.calls[0].request.method == "GET"


def test_stock_is_asked_for_1000_sizes_at_a_time_in_chrt_id_order():
    chrt_ids = tuple(range(1, 2501))

    assert chrt_batch(chrt_ids, 0) == tuple(range(1, 1001))
    assert chrt_batch(chrt_ids, 1000) == tuple(range(1001, 2001))
    assert chrt_batch(chrt_ids, 2000) == tuple(range(2001, 2501))
    assert chrt_batch(chrt_ids, 2500) == ()
    assert chrt_batch((5, 9, 12), 6) == (9, 12)  # after an id that is not in the list


def test_the_stock_cursor_moves_past_each_batch_and_restarts_when_done():
    chrt_ids = tuple(range(1, 2501))

    first = stocks_turn(StocksCursor(7), chrt_ids)
    second = stocks_turn(first.cursor, chrt_ids)
    last = stocks_turn(second.cursor, chrt_ids)

    assert first == Turn(StocksCursor(7, 1000), done=False)
    assert second == Turn(StocksCursor(7, 2000), done=False)
    assert last == Turn(StocksCursor(7, 0), done=True)


def test_a_warehouses_stock_request_names_it_in_the_path_and_the_sizes_in_the_body(
    wb_mock, mock_client
):
    wb_mock.post(f"{HOST}/api/v3/stocks/507", json=STOCKS_ANSWER)
    pager = SellerStocksPager([12345678, 3, 3, 99])

    with mock_client().page(pager, StocksCursor(507)) as page:
        (stock,) = list(page)

    assert json.loads(wb_mock.calls[0].request.body) == {"chrtIds": [3, 99, 12345678]}
    assert (stock.chrt_id, stock.amount) == (12345678, 10)
    assert page.turn == Turn(StocksCursor(507), done=True)


def test_all_sizes_are_asked_about_once_across_pages(wb_mock, mock_client):
    def stocks(request):
        asked = json.loads(request.body)["chrtIds"]
        return 200, {}, json.dumps({"stocks": [{"chrtId": c, "amount": c % 7} for c in asked]})

    wb_mock.add_callback(
        "POST", f"{HOST}/api/v3/stocks/1", callback=stocks, content_type="application/json"
    )
    pager = SellerStocksPager(range(10_000, 12_345))

    seen = [s.chrt_id for page in mock_client().pages(pager, StocksCursor(1)) for s in page]

    assert seen == list(range(10_000, 12_345))
    assert [len(json.loads(c.request.body)["chrtIds"]) for c in wb_mock.calls] == [1000, 1000, 345]


def test_there_is_nothing_to_ask_without_sizes():
    with pytest.raises(ValueError, match="no chrt ids"):
        SellerStocksPager([]).params(StocksCursor(1))


def test_marketplace_errors_are_read_from_their_own_shape(wb_mock, mock_client):
    wb_mock.post(
        f"{HOST}/api/v3/stocks/1",
        status=400,
        json={"code": "IncorrectRequestBody", "message": "Некорректное тело запроса"},
    )

    with pytest.raises(RequestRejected, match="Некорректное тело запроса"):
        mock_client().page(SellerStocksPager([1]), StocksCursor(1))
