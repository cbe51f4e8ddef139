"""Does a report add up? Its rows against its header's totals, and its sales and returns
against the `sales` rows statistics-api gave, each mismatch listed.

The sums follow WB's header: a return's row carries positive amounts and subtracts from the
sales and for-pay totals; every other total is the plain sum of its column. A report's sale or
return is expected in `sales` (same srid, a sale for a sale, a return for a return, the same
amount to pay) when its order was placed since the cabinet's stored orders begin: WB's
statistics keep 90 days, so an older report cannot be compared and says so. A stored sale
dated within the report's period is expected among the report's rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Abs, Coalesce
from django.utils.functional import Promise

from sales.models import Order, Sale
from wbapi.moscow import MOSCOW

from .models import Report, ReportRow

SALE = "Продажа"
RETURN = "Возврат"
SHOWN = 50
ZERO = Decimal("0.00")
# Header total -> (row column, whether returns subtract), in the order a page shows them.
TOTALS = {
    "retail_amount_sum": ("retail_amount", True),
    "for_pay_sum": ("for_pay", True),
    "delivery_service_sum": ("delivery_service", False),
    "paid_storage_sum": ("paid_storage", False),
    "paid_acceptance_sum": ("paid_acceptance", False),
    "deduction_sum": ("deduction", False),
    "penalty_sum": ("penalty", False),
    "additional_payment_sum": ("additional_payment", False),
    "cashback_amount_sum": ("cashback_amount", False),
    "cashback_discount_sum": ("cashback_discount", False),
    "cashback_commission_change_sum": ("cashback_commission_change", False),
}


@dataclass(frozen=True)
class TotalCheck:
    name: str
    label: Promise
    header: Decimal | None  # None: WB's list has not given this report's header
    rows: Decimal

    @property
    def ok(self) -> bool:
        return self.header is None or self.header == self.rows


@dataclass(frozen=True)
class SaleMismatch:
    """A sale or return the report and `sales` disagree on: missing from one of them, or
    with another amount (`report` and `sales` are the amounts to pay each says)."""

    srid: str
    is_return: bool
    report: Decimal | None
    sales: Decimal | None
    date: datetime | None


@dataclass
class Reconciliation:
    report: Report
    totals: list[TotalCheck]
    sales_compared: bool
    not_in_sales: list[SaleMismatch] = field(default_factory=list)
    not_in_sales_count: int = 0
    not_in_report: list[SaleMismatch] = field(default_factory=list)
    not_in_report_count: int = 0

    @property
    def totals_ok(self) -> bool:
        return all(check.ok for check in self.totals)

    @property
    def ok(self) -> bool:
        return self.totals_ok and not (self.not_in_sales_count or self.not_in_report_count)


def reconcile(report: Report, *, shown: int = SHOWN) -> Reconciliation:
    """The report's checks, with up to `shown` mismatches of each kind listed."""
    rows = ReportRow.objects.filter(seller_id=report.seller_id, report_id=report.report_id)
    result = Reconciliation(report=report, totals=_totals(report, rows), sales_compared=False)
    since = Order.objects.filter(seller_id=report.seller_id).aggregate(first=Min("date"))["first"]
    if since is None or since > _period(report)[1]:
        return result
    result.sales_compared = True
    missing = _not_in_sales(rows, since)
    result.not_in_sales_count = missing.count()
    result.not_in_sales = [
        SaleMismatch(
            row.srid, row.doc_type_name == RETURN, row.for_pay, row.sales_for_pay, row.sale_dt
        )
        for row in missing[:shown]
    ]
    unreported = _not_in_report(report, rows)
    result.not_in_report_count = unreported.count()
    result.not_in_report = [
        SaleMismatch(sale.srid, sale.is_return, None, sale.for_pay, sale.date)
        for sale in unreported[:shown]
    ]
    return result


def _totals(report: Report, rows: QuerySet[ReportRow]) -> list[TotalCheck]:
    sums = rows.aggregate(
        **{
            name: Coalesce(Sum(_signed(column) if signed else F(column)), Value(ZERO))
            for name, (column, signed) in TOTALS.items()
        }
    )
    return [
        TotalCheck(
            name=name,
            label=Report._meta.get_field(name).verbose_name,
            header=getattr(report, name) if report.listed else None,
            rows=Decimal(sums[name]).quantize(ZERO),
        )
        for name in TOTALS
    ]


def _signed(column: str) -> Case:
    return Case(When(doc_type_name=RETURN, then=-F(column)), default=F(column))


# Whether a report row is a return, as a column to match sales' `is_return` with.
IS_RETURN_ROW = ExpressionWrapper(Q(doc_type_name=RETURN), output_field=BooleanField())


def _period(report: Report) -> tuple[datetime, datetime]:
    """The report's days, Moscow time: [start, end)."""
    start = datetime.combine(report.date_from, time.min, MOSCOW)
    return start, datetime.combine(report.date_to + timedelta(days=1), time.min, MOSCOW)


def _trade(rows: QuerySet[ReportRow]) -> QuerySet[ReportRow]:
    """The rows of sales and returns (not their logistics, which carry the srid too)."""
    return rows.filter(doc_type_name__in=(SALE, RETURN)).exclude(srid="")


def _not_in_sales(rows: QuerySet[ReportRow], since: datetime) -> QuerySet[ReportRow]:
    """The report's sales and returns of orders placed since `since` that `sales` lacks or
    has with another amount to pay."""
    trade = _trade(rows).filter(order_dt__gte=since)
    matching = Sale.objects.filter(
        seller_id=OuterRef("seller_id"),
        srid=OuterRef("srid"),
        is_return=OuterRef("is_return_row"),
    )
    return (
        trade.annotate(
            is_return_row=IS_RETURN_ROW,
            sales_for_pay=Subquery(matching.values("for_pay")[:1]),
        )
        .filter(Q(sales_for_pay__isnull=True) | ~Q(for_pay=Abs(F("sales_for_pay"))))
        .order_by("rrd_id")
    )


def _not_in_report(report: Report, rows: QuerySet[ReportRow]) -> QuerySet[Sale]:
    start, end = _period(report)
    reported = (
        _trade(rows)
        .annotate(is_return_row=IS_RETURN_ROW)
        .filter(srid=OuterRef("srid"), is_return_row=OuterRef("is_return"))
    )
    return (
        Sale.objects.filter(seller_id=report.seller_id, date__gte=start, date__lt=end)
        .exclude(Exists(reported))
        .order_by("date", "sale_id")
    )
