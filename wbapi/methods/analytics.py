"""Stock on WB's own warehouses (FBW), on seller-analytics-api.

`POST /api/analytics/v1/stocks-report/wb-warehouses` answers `data.items`: one row per size
per WB warehouse, `limit` (at most 250,000) rows from `offset`; HTTP 204 means no (more) data.
WB refreshes it every 30 minutes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from wbapi.methods.base import (
    MIB,
    MethodSpec,
    Pager,
    Params,
    Turn,
    check_limit,
    check_offset,
    until_empty_turn,
)
from wbapi.shapes import Field, Shape, integer, text
from wbapi.streaming import Layout, Rows

WB_STOCKS_LIMIT = 250_000
MAX_NM_IDS = 1000


@dataclass(frozen=True)
class WBStock:
    nm_id: int
    chrt_id: int
    warehouse_id: int
    warehouse_name: str | None
    region_name: str | None
    quantity: int  # available to add to a cart
    in_way_to_client: int | None
    in_way_from_client: int | None
    extra: Mapping[str, object]


WB_STOCK = Shape(
    WBStock,
    [
        Field("nm_id", "nmId", integer, required=True),
        Field("chrt_id", "chrtId", integer, required=True),
        Field("warehouse_id", "warehouseId", integer, required=True),
        Field("warehouse_name", "warehouseName", text),
        Field("region_name", "regionName", text),
        Field("quantity", "quantity", integer, required=True),
        Field("in_way_to_client", "inWayToClient", integer),
        Field("in_way_from_client", "inWayFromClient", integer),
    ],
)
LAYOUT = Layout(rows_at="data.items")

WB_STOCKS_METHOD: MethodSpec[Rows[WBStock]] = MethodSpec(
    name="wb-warehouse-stocks",
    verb="POST",
    category="analytics",
    path="/api/analytics/v1/stocks-report/wb-warehouses",
    limit_group="analytics-stocks-report",
    # 250,000 rows of some 200 bytes: about 50 MB.
    max_body_bytes=256 * MIB,
    parse=lambda answer: Rows(answer, LAYOUT, WB_STOCK),
)


@dataclass(frozen=True)
class WBStocksCursor:
    offset: int = 0
    limit: int = WB_STOCKS_LIMIT

    def __post_init__(self) -> None:
        check_offset(self.offset)
        check_limit("limit", self.limit, WB_STOCKS_LIMIT)


def wb_stocks_body(
    cursor: WBStocksCursor, nm_ids: tuple[int, ...], chrt_ids: tuple[int, ...]
) -> dict:
    """No nmIds asks about every product; chrtIds narrow the given nmIds to those sizes."""
    return {
        "nmIds": list(nm_ids),
        "chrtIds": list(chrt_ids),
        "limit": cursor.limit,
        "offset": cursor.offset,
    }


class WBStocksPager(Pager[WBStock, WBStocksCursor]):
    spec = WB_STOCKS_METHOD

    def __init__(self, nm_ids: Iterable[int] = (), chrt_ids: Iterable[int] = ()) -> None:
        self.nm_ids = tuple(nm_ids)
        self.chrt_ids = tuple(chrt_ids)
        if len(self.nm_ids) > MAX_NM_IDS:
            raise ValueError(f"WB takes at most {MAX_NM_IDS} nmIds, not {len(self.nm_ids)}")
        if self.chrt_ids and not self.nm_ids:
            raise ValueError("chrtIds narrow the given nmIds: give nmIds too")

    def params(self, cursor: WBStocksCursor) -> Params:
        return Params(body=wb_stocks_body(cursor, self.nm_ids, self.chrt_ids))

    def turn(self, cursor: WBStocksCursor, rows: Rows[WBStock]) -> Turn[WBStocksCursor]:
        return until_empty_turn(cursor, rows.count)


WB_STOCKS = WBStocksPager()
