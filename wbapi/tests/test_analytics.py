"""Stock on WB's warehouses: the request body, WB's example as a record, 204, offsets."""

from __future__ import annotations

import json

import pytest

from wbapi.errors import SandboxUnavailable
from wbapi.methods.analytics import WB_STOCKS, WBStock, WBStocksCursor, WBStocksPager
from wbapi.methods.base import Turn
from wbapi.tests.helpers import make_token, wb_payload
from wbapi.tests.wb_examples import WB_STOCKS_ANSWER

URL = "https://seller-analytics-api.wildberries.ru/api/analytics/v1/stocks-report/wb-warehouses"


def test_wbs_example_becomes_a_record_and_the_offset_moves_on(wb_mock, mock_client):
    wb_mock.post(URL, json=WB_STOCKS_ANSWER)

    with mock_client().page(WB_STOCKS, WBStocksCursor()) as page:
        stocks = list(page)

    assert stocks == [WBStock(47254354, 91663228, -999999, "Склад WB", "Склад WB", 43, 14, 11, {})]
    assert json.loads(wb_mock.calls[0].request.body) == {
        "nmIds": [],
        "chrtIds": [],
        "limit": 250_000,
        "offset": 0,
    }
    assert page.turn == Turn(WBStocksCursor(offset=1), done=False)


def test_http_204_means_no_more_stock_and_the_next_run_starts_over(wb_mock, mock_client):
    wb_mock.post(URL, status=204)

    with mock_client().page(WB_STOCKS, WBStocksCursor(offset=500_000)) as page:
        assert list(page) == []
        assert page.turn == Turn(WBStocksCursor(), done=True)


def test_stock_can_be_narrowed_to_products_and_their_sizes(wb_mock, mock_client):
    wb_mock.post(URL, json={"data": {"items": []}})
    pager = WBStocksPager(nm_ids=[111222333, 47254354], chrt_ids=[91663228])

    with mock_client().page(pager, WBStocksCursor(limit=1000, offset=2000)):
        pass

    assert json.loads(wb_mock.calls[0].request.body) == {
        "nmIds": [111222333, 47254354],
        "chrtIds": [91663228],
        "limit": 1000,
        "offset": 2000,
    }


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"nm_ids": range(1001)}, "at most 1000"),
        ({"chrt_ids": [1]}, "give nmIds too"),
    ],
)
def test_a_filter_wb_would_refuse_is_refused_here(options, message):
    with pytest.raises(ValueError, match=message):
        WBStocksPager(**options)


def test_the_limit_is_at_most_250000():
    with pytest.raises(ValueError):
        WBStocksCursor(limit=250_001)


def test_analytics_has_no_sandbox_so_a_test_token_sends_nothing(wb_mock, mock_client):
    client = mock_client(make_token(wb_payload(acc=2, t=True)))

    with pytest.raises(SandboxUnavailable):
        client.page(WB_STOCKS, WBStocksCursor())

    assert len(wb_mock.calls) == 0
