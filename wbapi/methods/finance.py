"""The realization report on finance-api: report headers and their rows.

`POST /api/finance/v1/sales-reports/detailed` answers the rows of the reports of a period,
`limit` (at most 100,000) at a time: start with rrdId 0, then send the rrdId of the last row
received, until WB answers HTTP 204. `POST /api/finance/v1/sales-reports/list` answers the
reports' headers (personal and service tokens only), `limit` at a time from `offset`.

Money comes as strings ("376.99") and is read into Decimal; dates without an offset are
Moscow time. Each row keeps, in `extra`, every field it does not type (WB sends some 96).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from wbapi.errors import PagingStuck
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
from wbapi.moscow import as_moment, moscow_text
from wbapi.shapes import Field, Shape, day, flag, integer, moment, money, text
from wbapi.streaming import Layout, Rows

ROWS_LIMIT = 100_000
REPORTS_LIMIT = 1000
PERIODS = ("weekly", "daily")


@dataclass(frozen=True)
class ReportRow:
    report_id: int
    date_from: date | None
    date_to: date | None
    create_date: date | None
    currency: str | None
    report_type: int | None  # 1 main, 2 buyouts
    rrd_id: int
    gi_id: int | None
    subject_name: str | None
    nm_id: int | None
    brand_name: str | None
    vendor_code: str | None
    title: str | None
    tech_size: str | None
    sku: str | None  # barcode
    doc_type_name: str | None
    quantity: int | None
    retail_price: Decimal | None
    retail_amount: Decimal | None
    sale_percent: Decimal | None
    commission_percent: Decimal | None
    office_name: str | None
    seller_oper_name: str | None
    order_dt: datetime | None
    sale_dt: datetime | None
    rr_date: date | None
    shk_id: int | None
    retail_price_with_disc: Decimal | None
    delivery_amount: int | None
    return_amount: int | None
    delivery_service: Decimal | None
    spp: Decimal | None
    kvw: Decimal | None
    kvw_base: Decimal | None
    ppvz_sales_commission: Decimal | None
    for_pay: Decimal | None
    ppvz_reward: Decimal | None
    acquiring_fee: Decimal | None
    acquiring_percent: Decimal | None
    acquiring_bank: str | None
    vw: Decimal | None
    vw_nds: Decimal | None
    ppvz_office_id: int | None
    ppvz_office_name: str | None
    ppvz_supplier_name: str | None
    ppvz_supplier_inn: str | None
    bonus_type_name: str | None
    sticker_id: str | None
    country: str | None
    penalty: Decimal | None
    additional_payment: Decimal | None
    rebill_logistic_cost: Decimal | None
    paid_storage: Decimal | None
    deduction: Decimal | None
    paid_acceptance: Decimal | None
    order_id: int | None
    kiz: str | None
    is_b2b: bool | None
    trbx_id: str | None
    cashback_amount: Decimal | None
    cashback_discount: Decimal | None
    cashback_commission_change: Decimal | None
    seller_promo_id: int | None
    uuid_promocode: str | None
    order_uid: str | None
    srid: str | None
    extra: Mapping[str, object]


@dataclass(frozen=True)
class ReportHeader:
    report_id: int
    date_from: date
    date_to: date
    create_date: date | None
    report_type: int | None
    seller_finance_name: str | None
    currency: str | None
    retail_amount_sum: Decimal | None
    for_pay_sum: Decimal | None
    delivery_service_sum: Decimal | None
    penalty_sum: Decimal | None
    paid_storage_sum: Decimal | None
    deduction_sum: Decimal | None
    paid_acceptance_sum: Decimal | None
    additional_payment_sum: Decimal | None
    cashback_amount_sum: Decimal | None
    cashback_discount_sum: Decimal | None
    cashback_commission_change_sum: Decimal | None
    bank_payment_sum: Decimal | None
    avg_sale_percent: Decimal | None
    payment_schedule: str | None
    extra: Mapping[str, object]


def _fields(reader, *pairs: str) -> list[Field]:
    """Optional fields read alike, from (attr, key, attr, key, …)."""
    return [Field(attr, key, reader) for attr, key in zip(pairs[::2], pairs[1::2], strict=True)]


REPORT_ROW = Shape(
    ReportRow,
    [
        Field("report_id", "reportId", integer, required=True),
        Field("rrd_id", "rrdId", integer, required=True),
        *_fields(day, "date_from", "dateFrom", "date_to", "dateTo", "create_date", "createDate"),
        *_fields(day, "rr_date", "rrDate"),
        *_fields(moment, "order_dt", "orderDt", "sale_dt", "saleDt"),
        *_fields(flag, "is_b2b", "isB2b"),
        *_fields(
            integer,
            *("report_type", "reportType", "gi_id", "giId", "nm_id", "nmId"),
            *("quantity", "quantity", "shk_id", "shkId", "delivery_amount", "deliveryAmount"),
            *("return_amount", "returnAmount", "ppvz_office_id", "ppvzOfficeId"),
            *("order_id", "orderId", "seller_promo_id", "sellerPromoId"),
        ),
        *_fields(
            text,
            *("currency", "currency", "subject_name", "subjectName", "brand_name", "brandName"),
            *("vendor_code", "vendorCode", "title", "title", "tech_size", "techSize"),
            *("sku", "sku", "doc_type_name", "docTypeName", "office_name", "officeName"),
            *("seller_oper_name", "sellerOperName", "acquiring_bank", "acquiringBank"),
            *("ppvz_office_name", "ppvzOfficeName", "ppvz_supplier_name", "ppvzSupplierName"),
            *("ppvz_supplier_inn", "ppvzSupplierInn", "bonus_type_name", "bonusTypeName"),
            *("sticker_id", "stickerId", "country", "country", "kiz", "kiz"),
            *("trbx_id", "trbxId", "uuid_promocode", "uuidPromocode"),
            *("order_uid", "orderUid", "srid", "srid"),
        ),
        *_fields(
            money,
            *("retail_price", "retailPrice", "retail_amount", "retailAmount"),
            *("sale_percent", "salePercent", "commission_percent", "commissionPercent"),
            *("retail_price_with_disc", "retailPriceWithDisc"),
            *("delivery_service", "deliveryService", "spp", "spp", "kvw", "kvw"),
            *("kvw_base", "kvwBase", "ppvz_sales_commission", "ppvzSalesCommission"),
            *("for_pay", "forPay", "ppvz_reward", "ppvzReward"),
            *("acquiring_fee", "acquiringFee", "acquiring_percent", "acquiringPercent"),
            *("vw", "vw", "vw_nds", "vwNds", "penalty", "penalty"),
            *("additional_payment", "additionalPayment"),
            *("rebill_logistic_cost", "rebillLogisticCost", "paid_storage", "paidStorage"),
            *("deduction", "deduction", "paid_acceptance", "paidAcceptance"),
            *("cashback_amount", "cashbackAmount", "cashback_discount", "cashbackDiscount"),
            *("cashback_commission_change", "cashbackCommissionChange"),
        ),
    ],
)
REPORT_HEADER = Shape(
    ReportHeader,
    [
        Field("report_id", "reportId", integer, required=True),
        Field("date_from", "dateFrom", day, required=True),
        Field("date_to", "dateTo", day, required=True),
        *_fields(day, "create_date", "createDate"),
        *_fields(integer, "report_type", "reportType"),
        *_fields(text, "seller_finance_name", "sellerFinanceName", "currency", "currency"),
        *_fields(text, "payment_schedule", "paymentSchedule"),
        *_fields(
            money,
            *("retail_amount_sum", "retailAmountSum", "for_pay_sum", "forPaySum"),
            *("delivery_service_sum", "deliveryServiceSum", "penalty_sum", "penaltySum"),
            *("paid_storage_sum", "paidStorageSum", "deduction_sum", "deductionSum"),
            *("paid_acceptance_sum", "paidAcceptanceSum"),
            *("additional_payment_sum", "additionalPaymentSum"),
            *("cashback_amount_sum", "cashbackAmountSum"),
            *("cashback_discount_sum", "cashbackDiscountSum"),
            *("cashback_commission_change_sum", "cashbackCommissionChangeSum"),
            *("bank_payment_sum", "bankPaymentSum", "avg_sale_percent", "avgSalePercent"),
        ),
    ],
)
ROWS_LAYOUT = Layout(rows_at="", watch=("rrdId",))
HEADERS_LAYOUT = Layout(rows_at="")

REPORT_ROWS_METHOD: MethodSpec[Rows[ReportRow]] = MethodSpec(
    name="report-rows",
    verb="POST",
    category="finance",
    path="/api/finance/v1/sales-reports/detailed",
    limit_group="finance-detailed",
    # 100,000 rows like WB's example row (2.8 KB, 96 fields): about 270 MiB.
    max_body_bytes=768 * MIB,
    parse=lambda answer: Rows(answer, ROWS_LAYOUT, REPORT_ROW),
)
REPORTS_METHOD: MethodSpec[Rows[ReportHeader]] = MethodSpec(
    name="report-list",
    verb="POST",
    category="finance",
    path="/api/finance/v1/sales-reports/list",
    limit_group="finance-list",
    max_body_bytes=16 * MIB,
    parse=lambda answer: Rows(answer, HEADERS_LAYOUT, REPORT_HEADER),
)


def _check_period(date_from: date, date_to: date, period: str) -> None:
    if period not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}, not {period!r}")
    if as_moment(date_from) > as_moment(date_to):
        raise ValueError("date_from must not be after date_to")


@dataclass(frozen=True)
class ReportRowsCursor:
    """The rows of the `period` reports between two dates, after row `rrd_id` (0: from the
    first)."""

    date_from: date
    date_to: date
    period: str = "weekly"
    rrd_id: int = 0
    limit: int = ROWS_LIMIT

    def __post_init__(self) -> None:
        _check_period(self.date_from, self.date_to, self.period)
        check_limit("limit", self.limit, ROWS_LIMIT)
        if self.rrd_id < 0:
            raise ValueError("rrd_id must be 0 or more")


@dataclass(frozen=True)
class ReportsCursor:
    date_from: date
    date_to: date
    period: str = "weekly"
    offset: int = 0
    limit: int = REPORTS_LIMIT

    def __post_init__(self) -> None:
        _check_period(self.date_from, self.date_to, self.period)
        check_offset(self.offset)
        check_limit("limit", self.limit, REPORTS_LIMIT)


def report_rows_body(cursor: ReportRowsCursor) -> dict:
    return {
        "dateFrom": moscow_text(cursor.date_from),
        "dateTo": moscow_text(cursor.date_to),
        "limit": cursor.limit,
        "rrdId": cursor.rrd_id,
        "period": cursor.period,
    }


def report_rows_turn(
    cursor: ReportRowsCursor, *, rows: int, last_rrd_id: int | None
) -> Turn[ReportRowsCursor]:
    """On from the last row's rrdId; HTTP 204 (no rows) ends the run, and a later run of the
    same period resumes after the last row read."""
    if rows == 0 or last_rrd_id is None:
        return Turn(cursor, done=True)
    if last_rrd_id <= cursor.rrd_id:
        raise PagingStuck(
            f"WB sent report rows ending at rrdId {last_rrd_id}, not after the {cursor.rrd_id} "
            f"asked for: the next page would return them again."
        )
    return Turn(replace(cursor, rrd_id=last_rrd_id), done=False)


def reports_body(cursor: ReportsCursor) -> dict:
    return {
        "dateFrom": moscow_text(cursor.date_from),
        "dateTo": moscow_text(cursor.date_to),
        "limit": cursor.limit,
        "offset": cursor.offset,
        "period": cursor.period,
    }


class ReportRowsPager(Pager[ReportRow, ReportRowsCursor]):
    spec = REPORT_ROWS_METHOD

    def params(self, cursor: ReportRowsCursor) -> Params:
        return Params(body=report_rows_body(cursor))

    def turn(self, cursor: ReportRowsCursor, rows: Rows[ReportRow]) -> Turn[ReportRowsCursor]:
        return report_rows_turn(cursor, rows=rows.count, last_rrd_id=rows.watched("rrdId", integer))


class ReportsPager(Pager[ReportHeader, ReportsCursor]):
    spec = REPORTS_METHOD

    def params(self, cursor: ReportsCursor) -> Params:
        return Params(body=reports_body(cursor))

    def turn(self, cursor: ReportsCursor, rows: Rows[ReportHeader]) -> Turn[ReportsCursor]:
        return until_empty_turn(cursor, rows.count)


REPORT_ROWS = ReportRowsPager()
REPORTS = ReportsPager()
