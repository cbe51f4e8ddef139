"""Whatever JSON (or not) WB sends, a page either reads or fails with a WBError: never a
KeyError, TypeError or any other crash, in the outline, the rows or the cursor arithmetic."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wbapi.errors import WBError
from wbapi.methods.analytics import WB_STOCKS, WBStocksCursor
from wbapi.methods.content import CARDS, CardsCursor
from wbapi.methods.finance import REPORT_ROWS, REPORTS, ReportRowsCursor, ReportsCursor
from wbapi.methods.marketplace import WAREHOUSES, SellerStocksPager, StocksCursor
from wbapi.methods.prices import PRICES, SIZE_PRICES, PricesCursor, SizePricesCursor
from wbapi.methods.statistics import ORDERS, SALES, ChangesCursor, ChangesPager
from wbapi.tests.helpers import answer_of
from wbapi.tests.wb_examples import (
    CARD,
    GOOD_PRICES,
    ORDER,
    REPORT_HEADER,
    REPORT_ROW,
    SALE,
    SIZE_GOOD_PRICES,
    WAREHOUSE,
    WB_STOCK,
)

SINCE = datetime(2026, 3, 1, tzinfo=UTC)
WEEK = {"date_from": date(2026, 3, 16), "date_to": date(2026, 3, 22)}
# Each pager with a cursor, where its rows go in an answer, and a row of WB's shape.
PAGERS = {
    "cards": (CARDS, CardsCursor(), lambda rows, meta: {"cards": rows, "cursor": meta}, CARD),
    "prices": (
        PRICES,
        PricesCursor(),
        lambda rows, meta: {"data": {"listGoods": rows}},
        GOOD_PRICES,
    ),
    "size prices": (
        SIZE_PRICES,
        SizePricesCursor(nm_id=1),
        lambda rows, meta: {"data": {"listGoods": rows}, "error": meta},
        SIZE_GOOD_PRICES,
    ),
    "warehouses": (WAREHOUSES, None, lambda rows, meta: rows, WAREHOUSE),
    "stocks": (
        SellerStocksPager(range(1, 3000)),
        StocksCursor(1),
        lambda rows, meta: {"stocks": rows},
        {"chrtId": 1, "amount": 2},
    ),
    "wb stocks": (
        WB_STOCKS,
        WBStocksCursor(),
        lambda rows, meta: {"data": {"items": rows}},
        WB_STOCK,
    ),
    "orders": (ChangesPager(ORDERS.spec, page_rows=3), ChangesCursor(SINCE), lambda r, m: r, ORDER),
    "sales": (ChangesPager(SALES.spec, page_rows=3), ChangesCursor(SINCE), lambda r, m: r, SALE),
    "report rows": (REPORT_ROWS, ReportRowsCursor(**WEEK), lambda r, m: r, REPORT_ROW),
    "reports": (REPORTS, ReportsCursor(**WEEK), lambda r, m: r, REPORT_HEADER),
}

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["0001-01-01T00:00:00", "2026-03-01T12:00:00", "2026-03-01", "376.99", "-1"])
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)


def rows_like(example: dict) -> st.SearchStrategy[list]:
    """Rows of WB's shape with any field replaced, dropped or added, or anything else."""
    changed = st.fixed_dictionaries(
        {},
        optional={key: json_values | st.just(value) for key, value in example.items()}
        | {"unknown": json_values},
    )
    return st.lists(changed | json_values, max_size=4)


@pytest.mark.parametrize("name", PAGERS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_answer_reads_or_fails_with_a_wb_error(name, data):
    pager, cursor, wrap, example = PAGERS[name]
    shape = data.draw(st.sampled_from(["rows", "anything", "bytes"]))
    if shape == "rows":
        body = json.dumps(wrap(data.draw(rows_like(example)), data.draw(json_values))).encode()
    elif shape == "anything":
        body = json.dumps(data.draw(json_values)).encode()
    else:
        body = data.draw(st.binary(max_size=40))
    status = data.draw(st.sampled_from([200, 200, 204]))

    try:
        with pager.spec.parse(answer_of(body, status=status)) as rows:
            pager.turn(cursor, rows)
            list(rows.batches(2))
    except WBError:
        pass
