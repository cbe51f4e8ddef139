"""The seller's own (FBS/DBS) warehouses and their stock, on marketplace-api.

`GET /api/v3/warehouses` lists every warehouse in one answer. `POST /api/v3/stocks/{id}` gives
the stock of at most 1000 sizes (chrt ids) of one warehouse per request, so a warehouse's stock
is read in batches over the sizes the seller has: the cursor is the last chrt id asked about,
and each page asks about the next 1000 in ascending order. Keyed by id rather than by position,
a cursor stays valid when sizes are added between two pages.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from wbapi.methods.base import KIB, MIB, NO_PARAMS, MethodSpec, Pager, Params, Turn
from wbapi.shapes import Field, Shape, flag, integer, text
from wbapi.streaming import Layout, Rows

STOCKS_BATCH = 1000


@dataclass(frozen=True)
class Warehouse:
    id: int
    name: str | None
    office_id: int | None  # the WB office it is bound to
    cargo_type: int | None  # 1 small, 2 oversize, 3 large
    delivery_type: int | None  # 1 FBS, 2 DBS, 3 DBW, 5 pick-up, 6 express DBS
    is_deleting: bool | None
    is_processing: bool | None
    extra: Mapping[str, object]


@dataclass(frozen=True)
class SellerStock:
    chrt_id: int
    amount: int
    extra: Mapping[str, object]


WAREHOUSE = Shape(
    Warehouse,
    [
        Field("id", "id", integer, required=True),
        Field("name", "name", text),
        Field("office_id", "officeId", integer),
        Field("cargo_type", "cargoType", integer),
        Field("delivery_type", "deliveryType", integer),
        Field("is_deleting", "isDeleting", flag),
        Field("is_processing", "isProcessing", flag),
    ],
)
SELLER_STOCK = Shape(
    SellerStock,
    [
        Field("chrt_id", "chrtId", integer, required=True),
        Field("amount", "amount", integer, required=True),
    ],
)
WAREHOUSES_LAYOUT = Layout(rows_at="")
STOCKS_LAYOUT = Layout(rows_at="stocks")

WAREHOUSES_METHOD: MethodSpec[Rows[Warehouse]] = MethodSpec(
    name="warehouses",
    verb="GET",
    category="marketplace",
    path="/api/v3/warehouses",
    limit_group="marketplace-warehouses",
    max_body_bytes=1 * MIB,
    parse=lambda answer: Rows(answer, WAREHOUSES_LAYOUT, WAREHOUSE),
)
SELLER_STOCKS_METHOD: MethodSpec[Rows[SellerStock]] = MethodSpec(
    name="seller-stocks",
    verb="POST",
    category="marketplace",
    path="/api/v3/stocks/{warehouseId}",
    limit_group="marketplace-stocks",
    # 1000 {"chrtId", "amount"} pairs: some 40 KiB.
    max_body_bytes=512 * KIB,
    parse=lambda answer: Rows(answer, STOCKS_LAYOUT, SELLER_STOCK),
)


class WarehousesPager(Pager[Warehouse, None]):
    """The list of warehouses is one page; its cursor is None."""

    spec = WAREHOUSES_METHOD

    def params(self, cursor: None) -> Params:
        return NO_PARAMS

    def turn(self, cursor: None, rows: Rows[Warehouse]) -> Turn[None]:
        return Turn(None, done=True)


WAREHOUSES = WarehousesPager()


@dataclass(frozen=True)
class StocksCursor:
    """The next page asks about the sizes after `after_chrt_id` (0: from the first)."""

    warehouse_id: int
    after_chrt_id: int = 0


def chrt_batch(chrt_ids: tuple[int, ...], after: int, size: int = STOCKS_BATCH) -> tuple[int, ...]:
    """The first `size` of the sorted `chrt_ids` above `after`."""
    start = bisect_right(chrt_ids, after)
    return chrt_ids[start : start + size]


def stocks_turn(cursor: StocksCursor, chrt_ids: tuple[int, ...]) -> Turn[StocksCursor]:
    """After the page at `cursor`: on after its last size, done once none are left (the next
    run starts from the first size again)."""
    asked = chrt_batch(chrt_ids, cursor.after_chrt_id)
    if not asked or not chrt_batch(chrt_ids, asked[-1]):
        return Turn(StocksCursor(cursor.warehouse_id), done=True)
    return Turn(StocksCursor(cursor.warehouse_id, asked[-1]), done=False)


class SellerStocksPager(Pager[SellerStock, StocksCursor]):
    """The stock of the given sizes (chrt ids) in one warehouse, 1000 sizes a page."""

    spec = SELLER_STOCKS_METHOD

    def __init__(self, chrt_ids: Iterable[int]) -> None:
        self.chrt_ids = tuple(sorted(set(chrt_ids)))

    def params(self, cursor: StocksCursor) -> Params:
        asked = chrt_batch(self.chrt_ids, cursor.after_chrt_id)
        if not asked:
            raise ValueError(f"no chrt ids after {cursor.after_chrt_id} to ask WB about")
        return Params(path={"warehouseId": cursor.warehouse_id}, body={"chrtIds": list(asked)})

    def turn(self, cursor: StocksCursor, rows: Rows[SellerStock]) -> Turn[StocksCursor]:
        return stocks_turn(cursor, self.chrt_ids)
