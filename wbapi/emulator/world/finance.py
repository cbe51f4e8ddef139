"""Realization reports: weekly (Monday to Sunday) and daily, from 2024-01-29 or the history's
start, whichever is later.

A report holds a row for every sale and return whose date falls in its period, a logistics row
for each of them, and the period's services: storage always, paid acceptance, deductions,
penalties and additional payments in some periods. It is published (`createDate`) the day after
its period at 03:00 Moscow time. A revised report gets a correction row per revision, a new
storage amount, new `rrdId`s and the revision's date as `createDate`.

`rrdId`s grow with the report's period, then its revision, then the row, so that a period's
rows page in order across reports; a report's header totals are the sums of its rows (returns
subtract from `retailAmountSum` and `forPaySum`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from wbapi.emulator.world.basis import (
    HOUR,
    date_of_day,
    day_of,
    day_of_date,
    day_start,
    mix,
    money_text,
    moscow_date,
    utc_time,
)
from wbapi.emulator.world.catalogue import Catalogue
from wbapi.emulator.world.config import FINANCE_START
from wbapi.emulator.world.trade import RETURN_WITHIN, SALE_WITHIN, Order, Trade

FINANCE, SHK, ASSEMBLY, SERVICES = range(31, 35)
PERIOD_DAYS = {"weekly": 7, "daily": 1}
PERIOD_CODES = {"weekly": 1, "daily": 2}
PUBLISHED_AT = 3 * HOUR  # after the period's last midnight
DAILY_ID_BASE = 2**53 + 1  # daily report ids need a BigInt-safe parser, as WB warns
CACHED_ROWS = 600_000
PICKUP_OFFICES = (
    (105_383, "Москва Москва Очаковское шоссе 6к2"),
    (12_845, "Санкт-Петербург Невский проспект 88"),
    (34_017, "Казань улица Баумана 44"),
    (50_771, "Екатеринбург улица Малышева 51"),
)


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


MONEY_FIELDS = _names(
    "retailPrice retailAmount retailPriceWithDisc deliveryService ppvzSalesCommission forPay "
    "ppvzReward acquiringFee vw vwNds penalty additionalPayment rebillLogisticCost paidStorage "
    "deduction paidAcceptance installmentCofinancingAmount cashbackAmount cashbackDiscount "
    "cashbackCommissionChange paymentSchedule"
)
INT_FIELDS = _names(
    "giId nmId quantity salePercent shkId deliveryAmount returnAmount ppvzOfficeId orderId "
    "sellerPromoId loyaltyId"
)
NUMBER_FIELDS = _names(
    "dlvPrc commissionPercent productDiscountForReport sellerPromo spp kvwBase kvw supRatingUp "
    "isKgvpV2 acquiringPercent wibesDiscountPercent sellerPromoDiscount loyaltyDiscount "
    "salePricePromocodeDiscountPrc salePriceAffiliatedDiscountPrc agencyVat "
    "salePriceWholesaleDiscountPrc warehouseLogisticsCoeff"
)
# Every field of SalesReportsDetailedRes, in the spec's order.
ROW_FIELDS = _names(
    "reportId dateFrom dateTo createDate currency reportType rrdId giId dlvPrc "
    "fixTariffDateFrom fixTariffDateTo subjectName nmId brandName vendorCode title techSize sku "
    "docTypeName quantity retailPrice retailAmount salePercent commissionPercent officeName "
    "sellerOperName orderDt saleDt rrDate shkId retailPriceWithDisc deliveryAmount returnAmount "
    "deliveryService giBoxTypeName productDiscountForReport sellerPromo spp kvwBase kvw "
    "supRatingUp isKgvpV2 ppvzSalesCommission forPay ppvzReward acquiringFee acquiringPercent "
    "paymentProcessing acquiringBank vw vwNds ppvzOfficeName ppvzOfficeId ppvzSupplierName "
    "ppvzSupplierInn declarationNumber bonusTypeName stickerId country srvDbs penalty "
    "additionalPayment rebillLogisticCost rebillLogisticOrg paidStorage deduction "
    "paidAcceptance orderId kiz isB2b trbxId installmentCofinancingAmount wibesDiscountPercent "
    "cashbackAmount cashbackDiscount cashbackCommissionChange paymentSchedule deliveryMethod "
    "sellerPromoId sellerPromoDiscount loyaltyId loyaltyDiscount uuidPromocode "
    "salePricePromocodeDiscountPrc articleSubstitution salePriceAffiliatedDiscountPrc agencyVat "
    "salePriceWholesaleDiscountPrc b2bCustomerTin paidWithSocialCertificate "
    "warehouseLogisticsCoeff orderUid srid"
)
SUMMED = {
    "retailAmountSum": "retailAmount",
    "forPaySum": "forPay",
    "deliveryServiceSum": "deliveryService",
    "paidStorageSum": "paidStorage",
    "paidAcceptanceSum": "paidAcceptance",
    "deductionSum": "deduction",
    "penaltySum": "penalty",
    "additionalPaymentSum": "additionalPayment",
    "cashbackAmountSum": "cashbackAmount",
    "cashbackDiscountSum": "cashbackDiscount",
    "cashbackCommissionChangeSum": "cashbackCommissionChange",
}
# Sums that a return row reduces.
SIGNED_BY_RETURNS = frozenset({"retailAmount", "forPay"})


@dataclass(frozen=True)
class Report:
    period: str
    index: int  # periods since FINANCE_START
    report_id: int
    first_day: int
    last_day: int
    revision: int
    create_ts: float

    @property
    def create_date(self) -> str:
        return moscow_date(self.create_ts)


@dataclass
class Detail:
    """A report's rows, with its totals in kopecks kept as they are built."""

    rows: list[dict] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SUMMED.values(), 0))
    sale_percents: list[int] = field(default_factory=list)


class Finance:
    def __init__(
        self,
        seed: int,
        seller_name: str,
        seller_tin: str,
        catalogue: Catalogue,
        trade: Trade,
        history_start_ts: int,
    ) -> None:
        self.seed = seed
        self.seller_name = seller_name
        self.seller_tin = seller_tin
        self.catalogue = catalogue
        self.trade = trade
        self.start_day = max(day_of(history_start_ts), day_of_date(FINANCE_START))
        self.weekly_id_base = 100_000_000 + mix(seed, FINANCE, 1) % 800_000_000
        self.daily_id_base = DAILY_ID_BASE + mix(seed, FINANCE, 2) % 10**15 * 100
        self._details: OrderedDict[tuple[str, int, int], Detail] = OrderedDict()
        self._cached = 0

    # --- Which reports exist --------------------------------------------------------------

    def index_of_day(self, period: str, day: int) -> int:
        return (day - day_of_date(FINANCE_START)) // PERIOD_DAYS[period]

    def reports(
        self,
        period: str,
        now: float,
        revisions: Mapping[int, Sequence[float]],
        first_day: int,
        last_day: int,
    ) -> list[Report]:
        """Published reports whose period overlaps the days first_day..last_day."""
        first = max(self.index_of_day(period, self.start_day), self.index_of_day(period, first_day))
        last = self.index_of_day(period, min(last_day, day_of(now)))
        found = []
        for index in range(max(first, 0), last + 1):
            report = self.report(period, index, now, revisions)
            if report.create_ts <= now:
                found.append(report)
        return found

    def report(
        self, period: str, index: int, now: float, revisions: Mapping[int, Sequence[float]]
    ) -> Report:
        days = PERIOD_DAYS[period]
        first_day = day_of_date(FINANCE_START) + index * days
        report_id = self.report_id(period, index)
        revised = [ts for ts in revisions.get(report_id, ()) if ts <= now]
        published = day_start(first_day + days) + PUBLISHED_AT
        return Report(
            period=period,
            index=index,
            report_id=report_id,
            first_day=first_day,
            last_day=first_day + days - 1,
            revision=len(revised),
            create_ts=max(revised) if revised else published,
        )

    def report_id(self, period: str, index: int) -> int:
        return (self.weekly_id_base if period == "weekly" else self.daily_id_base) + index

    def locate(self, report_id: int) -> tuple[str, int] | None:
        """The period and index of a report id of this seller's, published or not."""
        for period, base in (("weekly", self.weekly_id_base), ("daily", self.daily_id_base)):
            index = report_id - base
            if self.index_of_day(period, self.start_day) <= index < 100_000:
                return period, index
        return None

    # --- What a report says ---------------------------------------------------------------

    def rows(self, report: Report) -> list[dict]:
        return self._detail(report).rows

    def header(self, report: Report) -> dict:
        """The report as POST /api/finance/v1/sales-reports/list lists it."""
        detail = self._detail(report)
        totals = {name: detail.totals[row_field] for name, row_field in SUMMED.items()}
        bank = (
            totals["forPaySum"]
            - totals["deliveryServiceSum"]
            - totals["paidStorageSum"]
            - totals["paidAcceptanceSum"]
            - totals["deductionSum"]
            - totals["penaltySum"]
            + totals["additionalPaymentSum"]
            - totals["cashbackAmountSum"]
            + totals["cashbackDiscountSum"]
            - totals["cashbackCommissionChangeSum"]
        )
        percents = detail.sale_percents
        return {
            "reportId": report.report_id,
            "sellerFinanceName": self.seller_name,
            "dateFrom": date_of_day(report.first_day).isoformat(),
            "dateTo": date_of_day(report.last_day).isoformat(),
            "createDate": report.create_date,
            "currency": "RUB",
            "reportType": 1,
            "retailAmountSum": money_text(totals["retailAmountSum"]),
            "forPaySum": money_text(totals["forPaySum"]),
            "avgSalePercent": round(sum(percents) / len(percents), 2) if percents else 0,
            **{
                name: money_text(totals[name])
                for name in SUMMED
                if name not in ("retailAmountSum", "forPaySum")
            },
            "paymentSchedule": "0",
            "bankPaymentSum": money_text(bank),
        }

    def _detail(self, report: Report) -> Detail:
        key = (report.period, report.index, report.revision)
        detail = self._details.get(key)
        if detail is not None:
            self._details.move_to_end(key)
            return detail
        detail = self._build(report)
        self._details[key] = detail
        self._cached += len(detail.rows)
        while self._cached > CACHED_ROWS and len(self._details) > 1:
            _, dropped = self._details.popitem(last=False)
            self._cached -= len(dropped.rows)
        return detail

    def _build(self, report: Report) -> Detail:
        start, end = day_start(report.first_day), day_start(report.last_day + 1)
        events = []
        for order in self.trade.orders_between(start - SALE_WITHIN - RETURN_WITHIN, end):
            if order.sale_ts is not None and start <= order.sale_ts < end:
                events.append((order.sale_ts, order.number, False, order))
            if order.return_ts is not None and start <= order.return_ts < end:
                events.append((order.return_ts, order.number, True, order))
        events.sort(key=lambda event: event[:3])
        builder = _RowBuilder(self, report)
        for ts, _, is_return, order in events:
            builder.trade_rows(order, ts, is_return)
        builder.service_rows()
        return builder.detail


class _RowBuilder:
    """Builds one report's rows in order, numbering them and keeping its totals."""

    def __init__(self, finance: Finance, report: Report) -> None:
        self.finance = finance
        self.report = report
        self.detail = Detail()
        band = (PERIOD_CODES[report.period] * 100_000 + report.index) * 1_000 + report.revision
        self.next_rrd_id = band * 1_000_000 + 1
        date_from = date_of_day(report.first_day).isoformat()
        date_to = date_of_day(report.last_day).isoformat()
        self.template = {
            **dict.fromkeys(ROW_FIELDS, ""),
            **dict.fromkeys(MONEY_FIELDS, "0"),
            **dict.fromkeys(INT_FIELDS, 0),
            **dict.fromkeys(NUMBER_FIELDS, 0),
            "reportId": report.report_id,
            "dateFrom": date_from,
            "dateTo": date_to,
            "createDate": report.create_date,
            "currency": "RUB",
            "reportType": 1,
            "fixTariffDateFrom": date_from,
            "fixTariffDateTo": date_to,
            "ppvzSupplierName": finance.seller_name,
            "ppvzSupplierInn": finance.seller_tin,
            "country": "Россия",
            "srvDbs": False,
            "isB2b": False,
            "paidWithSocialCertificate": False,
        }

    def add(self, amounts: dict[str, int], sign: int = 1, **values: object) -> None:
        row = {**self.template, **values, "rrdId": self.next_rrd_id}
        for name, kopecks in amounts.items():
            row[name] = money_text(kopecks)
            if name in self.detail.totals:
                self.detail.totals[name] += sign * kopecks if name in SIGNED_BY_RETURNS else kopecks
        self.next_rrd_id += 1
        self.detail.rows.append(row)

    def trade_rows(self, order: Order, ts: int, is_return: bool) -> None:
        product, subject = order.product, order.product.subject
        warehouse = order.fbs.name if order.fbs else order.wb_warehouse.name
        office_id, office_name = PICKUP_OFFICES[order.number % len(PICKUP_OFFICES)]
        common = {
            "giId": order.income_id,
            "subjectName": subject.name,
            "nmId": product.nm_id,
            "brandName": product.brand,
            "vendorCode": product.vendor_code,
            "title": product.title,
            "techSize": order.size.tech_size,
            "sku": order.size.barcode,
            "officeName": warehouse,
            "orderDt": utc_time(order.ts),
            "saleDt": utc_time(ts),
            "rrDate": moscow_date(ts),
            "shkId": 10**9 + mix(self.finance.seed, SHK, order.number) % (9 * 10**9),
            "giBoxTypeName": "" if order.fbs else "Короб",
            "ppvzOfficeId": office_id,
            "ppvzOfficeName": office_name,
            "stickerId": order.sticker,
            "country": order.region[0],
            "orderId": self._assembly_id(order),
            "deliveryMethod": "FBS, (МГТ)" if order.fbs else "FBW, (МГТ)",
            "orderUid": order.g_number(),
            "srid": order.srid,
        }
        kind = "Возврат" if is_return else "Продажа"
        commission = order.commission
        self.add(
            {
                "retailPrice": order.price * 100,
                "retailAmount": order.price_with_discount,
                "retailPriceWithDisc": order.price_with_discount,
                "ppvzSalesCommission": commission,
                "forPay": order.for_pay,
                "acquiringFee": order.acquiring_fee,
                "vw": commission * 100 // 120,
                "vwNds": commission - commission * 100 // 120,
            },
            sign=-1 if is_return else 1,
            **common,
            docTypeName=kind,
            sellerOperName=kind,
            quantity=1,
            salePercent=order.discount,
            commissionPercent=subject.commission,
            productDiscountForReport=order.discount,
            spp=order.spp,
            kvwBase=subject.commission,
            kvw=subject.commission,
            acquiringPercent=1.5,
            paymentProcessing="Комиссия за организацию платежа с НДС",
            acquiringBank="Вайлдберриз Банк",
        )
        if not is_return:
            self.detail.sale_percents.append(order.discount)
        self.add(
            {"deliveryService": subject.logistics},
            **common,
            sellerOperName="Логистика",
            deliveryAmount=0 if is_return else 1,
            returnAmount=1 if is_return else 0,
            bonusTypeName="От клиента при возврате" if is_return else "К клиенту при продаже",
        )

    def service_rows(self) -> None:
        """Storage, acceptance, deductions, penalties and extra payments of the period."""
        report, finance = self.report, self.finance
        days = report.last_day - report.first_day + 1
        draw = mix(finance.seed, SERVICES, PERIOD_CODES[report.period], report.index)
        on_last_day = {
            "rrDate": date_of_day(report.last_day).isoformat(),
            "orderDt": utc_time(day_start(report.last_day)),
            "saleDt": utc_time(day_start(report.last_day)),
        }
        storage = finance.catalogue.count * 35 * days * (100 + 3 * report.revision) // 100
        self.add({"paidStorage": storage}, **on_last_day, sellerOperName="Хранение")
        if draw % 3 == 0:
            amount = 5_000 + draw % 200_000 * days // 7
            self.add({"paidAcceptance": amount}, **on_last_day, sellerOperName="Платная приемка")
        if draw % 4 == 1:
            self.add(
                {"deduction": 50_000 * (1 + draw % 5)},
                **on_last_day,
                sellerOperName="Удержание",
                bonusTypeName="Оказание услуг «ВБ.Продвижение»",
            )
        for n in range(draw % 7 // 3):
            self.add(
                {"penalty": 10_000 + mix(draw, n) % 140_000},
                **on_last_day,
                sellerOperName="Штраф",
                bonusTypeName="Штраф МП. Невыполненный заказ (отмена клиентом после недовоза)",
            )
        if draw % 6 == 5:
            self.add(
                {"additionalPayment": 1_000 + draw % 90_000},
                **on_last_day,
                sellerOperName="Доплаты",
                bonusTypeName="Корректировка вознаграждения",
            )
        for n in range(1, report.revision + 1):
            self.add(
                {"deliveryService": 10_000 + mix(draw, 100 + n) % 50_000},
                **on_last_day,
                sellerOperName="Коррекция логистики",
                bonusTypeName=f"Корректировка отчёта, редакция {n}",
            )

    def _assembly_id(self, order: Order) -> int:
        """The FBS assembly task of an order shipped by the seller; 0 for WB's."""
        if order.fbs is None:
            return 0
        return 10**9 + mix(self.finance.seed, ASSEMBLY, order.number) % (9 * 10**9)
