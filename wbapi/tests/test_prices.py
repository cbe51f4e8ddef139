"""Prices: goods and size prices, WB's examples as records, offset paging until empty."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from responses import matchers

from wbapi.methods.base import Turn
from wbapi.methods.prices import (
    PRICES,
    SIZE_PRICES,
    PricesCursor,
    SizePricesCursor,
    goods_query,
    sizes_query,
)
from wbapi.tests.wb_examples import GOOD_PRICES, GOODS_ANSWER, SIZES_ANSWER

HOST = "https://discounts-prices-api.wildberries.ru"


def test_goods_are_asked_for_by_limit_and_offset():
    assert goods_query(PricesCursor()) == {"limit": 1000, "offset": 0}
    assert sizes_query(SizePricesCursor(nm_id=98486, offset=2000, limit=500)) == {
        "nmID": 98486,
        "limit": 500,
        "offset": 2000,
    }


@pytest.mark.parametrize("options", [{"limit": 1001}, {"limit": 0}, {"offset": -1}])
def test_a_page_wb_would_refuse_is_refused_here(options):
    with pytest.raises(ValueError):
        PricesCursor(**options)


def test_wbs_example_goods_become_records_with_decimal_prices(wb_mock, mock_client):
    wb_mock.get(
        f"{HOST}/api/v2/list/goods/filter",
        json=GOODS_ANSWER,
        match=[matchers.query_param_matcher({"limit": "1000", "offset": "0"})],
    )

    with mock_client().page(PRICES, PricesCursor()) as page:
        (good,) = list(page)

    assert (good.nm_id, good.vendor_code, good.currency) == (98486, "07326060", "RUB")
    assert (good.discount, good.club_discount) == (30, 5)
    assert (good.editable_size_price, good.is_bad_turnover) == (True, True)
    (size,) = good.sizes
    assert (size.size_id, size.tech_size_name) == (3123515574, "42")
    assert (size.price, size.discounted_price, size.club_discounted_price) == (
        Decimal(500),
        Decimal(350),
        Decimal("332.5"),
    )
    assert page.turn == Turn(PricesCursor(offset=1), done=False)


def test_fields_newer_than_the_spec_are_kept_in_extra(wb_mock, mock_client):
    thresholds = [{"minQuantity": 10, "wholesaleDiscount": 5, "level": 1}]
    good = {**GOOD_PRICES, "wholesaleDiscountThreshold": thresholds}
    wb_mock.get(f"{HOST}/api/v2/list/goods/filter", json={"data": {"listGoods": [good]}})

    with mock_client().page(PRICES, PricesCursor()) as page:
        (read,) = list(page)

    assert read.extra == {"wholesaleDiscountThreshold": thresholds}


def test_an_empty_list_of_goods_ends_the_run_and_the_next_one_starts_at_the_beginning(
    wb_mock, mock_client
):
    wb_mock.get(
        f"{HOST}/api/v2/list/goods/filter",
        json={"data": {"listGoods": []}, "error": False, "errorText": ""},
    )

    with mock_client().page(PRICES, PricesCursor(offset=3000)) as page:
        assert page.turn == Turn(PricesCursor(offset=0), done=True)


def test_every_good_is_read_page_by_page(wb_mock, mock_client):
    goods = [{**GOOD_PRICES, "nmID": n} for n in range(2500)]

    def goods_filter(request):
        limit, offset = int(request.params["limit"]), int(request.params["offset"])
        body = {"data": {"listGoods": goods[offset : offset + limit]}, "error": False}
        return 200, {}, json.dumps(body)

    wb_mock.add_callback(
        "GET",
        f"{HOST}/api/v2/list/goods/filter",
        callback=goods_filter,
        content_type="application/json",
    )

    seen = [good.nm_id for page in mock_client().pages(PRICES, PricesCursor()) for good in page]

    assert seen == list(range(2500))
    assert [call.request.params["offset"] for call in wb_mock.calls] == [
        "0",
        "1000",
        "2000",
        "2500",
    ]


def test_size_prices_of_one_good(wb_mock, mock_client):
    wb_mock.get(
        f"{HOST}/api/v2/list/goods/size/nm",
        json=SIZES_ANSWER,
        match=[matchers.query_param_matcher({"nmID": "123", "limit": "1000", "offset": "0"})],
    )

    with mock_client().page(SIZE_PRICES, SizePricesCursor(nm_id=123)) as page:
        (size,) = list(page)

    assert (size.nm_id, size.size_id, size.vendor_code) == (123, 98989887, "34552332")
    assert (size.price, size.discounted_price, size.club_discounted_price) == (
        Decimal(1000),
        Decimal(700),
        Decimal(665),
    )
    assert (size.discount, size.club_discount, size.tech_size_name) == (30, 5, "42")


def test_size_prices_may_be_null_when_there_are_none(wb_mock, mock_client):
    wb_mock.get(
        f"{HOST}/api/v2/list/goods/size/nm",
        json={"data": {"listGoods": None}, "error": False, "errorText": ""},
    )

    with mock_client().page(SIZE_PRICES, SizePricesCursor(nm_id=123, offset=7)) as page:
        assert page.count == 0
        assert page.turn == Turn(SizePricesCursor(nm_id=123), done=True)
