"""Prices and discounts on discounts-prices-api.

`GET /api/v2/list/goods/filter` lists every product's prices, `limit` (at most 1000) at a time
from `offset`; WB's rule: move the offset on and repeat until `listGoods` is empty.
`GET /api/v2/list/goods/size/nm` does the same for the sizes of one product whose category
allows a price per size (`editableSizePrice`). A finished run resumes at offset 0: prices have
no change cursor, so every run reads them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

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
from wbapi.shapes import Field, Shape, flag, integer, many, money, text
from wbapi.streaming import Layout, Rows

PRICES_LIMIT = 1000


@dataclass(frozen=True)
class SizePrice:
    size_id: int  # chrtID in Content
    price: Decimal | None
    discounted_price: Decimal | None
    club_discounted_price: Decimal | None
    tech_size_name: str | None
    extra: Mapping[str, object]


@dataclass(frozen=True)
class GoodPrices:
    """A product's prices; `extra` keeps the rest (e.g. wholesaleDiscountThreshold)."""

    nm_id: int
    vendor_code: str | None
    sizes: tuple[SizePrice, ...]
    currency: str | None  # ISO 4217
    discount: int | None  # %
    club_discount: int | None  # %
    editable_size_price: bool | None
    is_bad_turnover: bool | None
    extra: Mapping[str, object]


@dataclass(frozen=True)
class SizeGoodPrices:
    """One size's prices, for a product priced per size."""

    nm_id: int
    size_id: int
    vendor_code: str | None
    price: Decimal | None
    currency: str | None
    discounted_price: Decimal | None
    club_discounted_price: Decimal | None
    discount: int | None
    club_discount: int | None
    tech_size_name: str | None
    editable_size_price: bool | None
    is_bad_turnover: bool | None
    extra: Mapping[str, object]


_PRICE_FIELDS = (
    Field("price", "price", money),
    Field("discounted_price", "discountedPrice", money),
    Field("club_discounted_price", "clubDiscountedPrice", money),
    Field("tech_size_name", "techSizeName", text),
)
_GOOD_FIELDS = (
    Field("vendor_code", "vendorCode", text),
    Field("currency", "currencyIsoCode4217", text),
    Field("discount", "discount", integer),
    Field("club_discount", "clubDiscount", integer),
    Field("editable_size_price", "editableSizePrice", flag),
    Field("is_bad_turnover", "isBadTurnover", flag),
)
SIZE_PRICE = Shape(SizePrice, [Field("size_id", "sizeID", integer, required=True), *_PRICE_FIELDS])
GOOD_PRICES = Shape(
    GoodPrices,
    [
        Field("nm_id", "nmID", integer, required=True),
        many("sizes", "sizes", SIZE_PRICE),
        *_GOOD_FIELDS,
    ],
)
SIZE_GOOD_PRICES = Shape(
    SizeGoodPrices,
    [
        Field("nm_id", "nmID", integer, required=True),
        Field("size_id", "sizeID", integer, required=True),
        *_PRICE_FIELDS,
        *_GOOD_FIELDS,
    ],
)
GOODS_LAYOUT = Layout(rows_at="data.listGoods")
# The size method's spec marks listGoods nullable.
SIZES_LAYOUT = Layout(rows_at="data.listGoods", nullable=True)
# 1000 products with their sizes: a few MB.
PRICES_BODY_BYTES = 32 * MIB

PRICES_METHOD: MethodSpec[Rows[GoodPrices]] = MethodSpec(
    name="prices-goods",
    verb="GET",
    category="prices",
    path="/api/v2/list/goods/filter",
    limit_group="prices",
    max_body_bytes=PRICES_BODY_BYTES,
    parse=lambda answer: Rows(answer, GOODS_LAYOUT, GOOD_PRICES),
)
SIZE_PRICES_METHOD: MethodSpec[Rows[SizeGoodPrices]] = MethodSpec(
    name="prices-sizes",
    verb="GET",
    category="prices",
    path="/api/v2/list/goods/size/nm",
    limit_group="prices",
    max_body_bytes=PRICES_BODY_BYTES,
    parse=lambda answer: Rows(answer, SIZES_LAYOUT, SIZE_GOOD_PRICES),
)


@dataclass(frozen=True)
class PricesCursor:
    offset: int = 0
    limit: int = PRICES_LIMIT

    def __post_init__(self) -> None:
        check_offset(self.offset)
        check_limit("limit", self.limit, PRICES_LIMIT)


@dataclass(frozen=True)
class SizePricesCursor:
    nm_id: int
    offset: int = 0
    limit: int = PRICES_LIMIT

    def __post_init__(self) -> None:
        check_offset(self.offset)
        check_limit("limit", self.limit, PRICES_LIMIT)


def goods_query(cursor: PricesCursor) -> dict[str, int]:
    return {"limit": cursor.limit, "offset": cursor.offset}


def sizes_query(cursor: SizePricesCursor) -> dict[str, int]:
    return {"nmID": cursor.nm_id, "limit": cursor.limit, "offset": cursor.offset}


class GoodsPager(Pager[GoodPrices, PricesCursor]):
    spec = PRICES_METHOD

    def params(self, cursor: PricesCursor) -> Params:
        return Params(query=goods_query(cursor))

    def turn(self, cursor: PricesCursor, rows: Rows[GoodPrices]) -> Turn[PricesCursor]:
        return until_empty_turn(cursor, rows.count)


class SizesPager(Pager[SizeGoodPrices, SizePricesCursor]):
    spec = SIZE_PRICES_METHOD

    def params(self, cursor: SizePricesCursor) -> Params:
        return Params(query=sizes_query(cursor))

    def turn(self, cursor: SizePricesCursor, rows: Rows[SizeGoodPrices]) -> Turn[SizePricesCursor]:
        return until_empty_turn(cursor, rows.count)


PRICES = GoodsPager()
SIZE_PRICES = SizesPager()
