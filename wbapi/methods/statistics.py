"""Orders and sales (with returns) on statistics-api.

`GET /api/v1/supplier/orders` and `/sales` with `flag=0` answer the rows whose lastChangeDate
is after `dateFrom`, in order of lastChangeDate, at most about 80,000 at a time; WB's next page
starts from the last row's lastChangeDate, and `[]` means there is nothing more.

WB cuts a page wherever the count says, which can be inside a run of rows that share one
lastChangeDate: asking "after" that time would skip the rest of the run. So the next page
starts a little (`overlap`) before the last row's lastChangeDate and fetches the run again;
rows are keyed by srid / saleID downstream, so a row read twice is stored once. A page shorter
than the page size holds every row there is, so it ends the run without asking for `[]`; the
cursor stays continuous, and the next run starts from it. A full page that lies wholly within
the overlap (e.g. 80,000 rows sharing one lastChangeDate) cannot be moved past: PagingStuck.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from wbapi.errors import PagingStuck
from wbapi.methods.base import MIB, MethodSpec, Pager, Params, Turn
from wbapi.moscow import moscow_text
from wbapi.shapes import Field, RecordT, Shape, flag, integer, moment, money, text
from wbapi.streaming import Layout, Rows

PAGE_ROWS = 80_000
OVERLAP = timedelta(seconds=1)


@dataclass(frozen=True, kw_only=True)
class TradeRecord:
    """What an order's row and a sale's row of statistics-api share."""

    date: datetime
    last_change_date: datetime
    warehouse_name: str | None
    warehouse_type: str | None
    country_name: str | None
    oblast_okrug_name: str | None
    region_name: str | None
    supplier_article: str | None
    nm_id: int | None
    barcode: str | None
    category: str | None
    subject: str | None
    brand: str | None
    tech_size: str | None
    income_id: int | None
    is_supply: bool | None
    is_realization: bool | None
    total_price: Decimal | None
    discount_percent: int | None
    spp: Decimal | None
    finished_price: Decimal | None
    price_with_disc: Decimal | None
    sticker: str | None
    g_number: str | None
    srid: str
    extra: Mapping[str, object]


@dataclass(frozen=True, kw_only=True)
class Order(TradeRecord):
    """One order (one unit); `cancel_date` is None unless it was cancelled."""

    is_cancel: bool | None
    cancel_date: datetime | None


@dataclass(frozen=True, kw_only=True)
class Sale(TradeRecord):
    """One sale (`sale_id` S…) or return (R…)."""

    payment_sale_amount: int | None
    for_pay: Decimal | None
    sale_id: str


_COMMON_HEAD = (
    Field("date", "date", moment, required=True),
    Field("last_change_date", "lastChangeDate", moment, required=True),
    Field("warehouse_name", "warehouseName", text),
    Field("warehouse_type", "warehouseType", text),
    Field("country_name", "countryName", text),
    Field("oblast_okrug_name", "oblastOkrugName", text),
    Field("region_name", "regionName", text),
    Field("supplier_article", "supplierArticle", text),
    Field("nm_id", "nmId", integer),
    Field("barcode", "barcode", text),
    Field("category", "category", text),
    Field("subject", "subject", text),
    Field("brand", "brand", text),
    Field("tech_size", "techSize", text),
    Field("income_id", "incomeID", integer),
    Field("is_supply", "isSupply", flag),
    Field("is_realization", "isRealization", flag),
    Field("total_price", "totalPrice", money),
    Field("discount_percent", "discountPercent", integer),
    Field("spp", "spp", money),
    Field("finished_price", "finishedPrice", money),
    Field("price_with_disc", "priceWithDisc", money),
)
_COMMON_TAIL = (
    Field("sticker", "sticker", text),
    Field("g_number", "gNumber", text),
    Field("srid", "srid", text, required=True),
)
ORDER = Shape(
    Order,
    [
        *_COMMON_HEAD,
        Field("is_cancel", "isCancel", flag),
        Field("cancel_date", "cancelDate", moment),
        *_COMMON_TAIL,
    ],
)
SALE = Shape(
    Sale,
    [
        *_COMMON_HEAD,
        Field("payment_sale_amount", "paymentSaleAmount", integer),
        Field("for_pay", "forPay", money),
        Field("sale_id", "saleID", text, required=True),
        *_COMMON_TAIL,
    ],
)
LAYOUT = Layout(rows_at="", watch=("lastChangeDate",))
# An 80,000-row page is some 65 MB.
STATISTICS_BODY_BYTES = 256 * MIB

ORDERS_METHOD: MethodSpec[Rows[Order]] = MethodSpec(
    name="orders",
    verb="GET",
    category="statistics",
    path="/api/v1/supplier/orders",
    limit_group="statistics-orders",
    max_body_bytes=STATISTICS_BODY_BYTES,
    parse=lambda answer: Rows(answer, LAYOUT, ORDER),
)
SALES_METHOD: MethodSpec[Rows[Sale]] = MethodSpec(
    name="sales",
    verb="GET",
    category="statistics",
    path="/api/v1/supplier/sales",
    limit_group="statistics-sales",
    max_body_bytes=STATISTICS_BODY_BYTES,
    parse=lambda answer: Rows(answer, LAYOUT, SALE),
)


@dataclass(frozen=True)
class ChangesCursor:
    """The next page holds the rows whose lastChangeDate is after `date_from`."""

    date_from: datetime

    def __post_init__(self) -> None:
        if self.date_from.tzinfo is None:
            raise ValueError("date_from must be an aware datetime")


def changes_query(cursor: ChangesCursor) -> dict[str, str | int]:
    """dateFrom as WB takes it (Moscow time, no offset), and flag=0: changes after it."""
    return {"dateFrom": moscow_text(cursor.date_from), "flag": 0}


def changes_turn(
    cursor: ChangesCursor,
    *,
    rows: int,
    first_change: datetime | None,
    last_change: datetime | None,
    page_rows: int = PAGE_ROWS,
    overlap: timedelta = OVERLAP,
) -> Turn[ChangesCursor]:
    """The cursor after a page of `rows` rows whose first and last lastChangeDate are given.

    A full page (`page_rows` or more) goes on from `overlap` before its last lastChangeDate;
    a shorter one is the last for now, and the next run resumes from the same place. The
    cursor never moves back. A full page that starts after that point would come back whole
    (WB answers the first rows after dateFrom, and this page was those): PagingStuck.
    """
    if rows == 0 or last_change is None or first_change is None:
        return Turn(cursor, done=True)
    resume = last_change - overlap
    if rows < page_rows:
        return Turn(ChangesCursor(max(resume, cursor.date_from)), done=True)
    if first_change > resume or resume <= cursor.date_from:
        raise PagingStuck(_stuck_message(rows, first_change, last_change, overlap))
    return Turn(ChangesCursor(resume), done=False)


def _stuck_message(rows: int, first: datetime, last: datetime, overlap: timedelta) -> str:
    if first == last:
        what = f"rows that all share one lastChangeDate, {moscow_text(last)}"
    else:
        what = (
            f"rows whose lastChangeDate lie between {moscow_text(first)} and "
            f"{moscow_text(last)}, within the {overlap.total_seconds():g} s overlap"
        )
    return (
        f"WB sent a full page of {rows} {what}: the next page would start where this one did "
        f"and return the same rows."
    )


class ChangesPager(Pager[RecordT, ChangesCursor]):
    """Orders or sales by lastChangeDate; `page_rows` is WB's page size, `overlap` how far
    before a page's last lastChangeDate the next page starts."""

    def __init__(
        self,
        spec: MethodSpec[Rows[RecordT]],
        *,
        page_rows: int = PAGE_ROWS,
        overlap: timedelta = OVERLAP,
    ) -> None:
        if page_rows < 1 or overlap < timedelta(0):
            raise ValueError("page_rows must be positive and the overlap not negative")
        self.spec = spec
        self.page_rows = page_rows
        self.overlap = overlap

    def params(self, cursor: ChangesCursor) -> Params:
        return Params(query=changes_query(cursor))

    def turn(self, cursor: ChangesCursor, rows: Rows[RecordT]) -> Turn[ChangesCursor]:
        return changes_turn(
            cursor,
            rows=rows.count,
            first_change=rows.watched("lastChangeDate", moment, last=False),
            last_change=rows.watched("lastChangeDate", moment),
            page_rows=self.page_rows,
            overlap=self.overlap,
        )


ORDERS: ChangesPager[Order] = ChangesPager(ORDERS_METHOD)
SALES: ChangesPager[Sale] = ChangesPager(SALES_METHOD)
