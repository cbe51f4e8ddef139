"""Unit economics of a cabinet for a period, per product, from WB's realization report rows;
and the ABC analysis of its products by revenue and by margin.

Per product (WB's nmID), of the weekly reports' rows whose operation date is in the period:

- units sold: the sales' quantity less the returns';
- revenue: what the goods were sold for (retail_amount), sales less returns;
- for pay: what WB pays for them (for_pay), sales less returns;
- cost: each sold (returned) unit at the cost price valid on the row's operation date, less
  the returned ones. A barcode's cost price goes before its size's, a size's before its
  vendor code's; of those, the latest valid on that day;
- WB's expenses: logistics, storage, penalties, deductions and paid acceptance;
- tax: the cabinet's rate (CabinetEconomics) of the revenue, or of the profit before tax
  when positive;
- profit = for pay − cost − WB's expenses − tax; margin = profit / revenue.

Rows without a product (storage, deductions and penalties WB bills to the cabinet) make a row
of their own; the totals include it, and the total's tax is computed on the totals.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal

from django.db.models import (
    Case,
    DecimalField,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from finance.models import Report, ReportRow
from finance.reconciliation import RETURN, SALE
from sellers.models import Seller
from wberp.periods import Period

from .models import CabinetEconomics, CostPrice, TaxBase

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
KOPECK = Decimal("0.01")
MONEY = DecimalField(max_digits=20, decimal_places=2)
# ABC: A are the products that make the first 80 % of the total, B the next 15 %, C the rest.
A_SHARE, B_SHARE = Decimal("0.80"), Decimal("0.95")
EXPENSES = ("logistics", "storage", "penalties", "deductions", "acceptance")


@dataclass
class ProductEconomics:
    nm_id: int | None  # None: the rows WB gives no product
    vendor_code: str = ""
    units: int = 0
    revenue: Decimal = ZERO
    for_pay: Decimal = ZERO
    cost: Decimal = ZERO
    logistics: Decimal = ZERO
    storage: Decimal = ZERO
    penalties: Decimal = ZERO
    deductions: Decimal = ZERO
    acceptance: Decimal = ZERO
    tax: Decimal = ZERO
    # Units sold or returned for which no cost price was valid on their day.
    units_without_cost: int = 0
    abc_revenue: str = ""
    abc_margin: str = ""

    @property
    def wb_expenses(self) -> Decimal:
        return sum((getattr(self, name) for name in EXPENSES), ZERO)

    @property
    def profit(self) -> Decimal:
        return self.for_pay - self.cost - self.wb_expenses - self.tax

    @property
    def margin(self) -> Decimal | None:
        """Profit as a percentage of revenue; None without revenue."""
        if not self.revenue:
            return None
        return (self.profit * HUNDRED / self.revenue).quantize(KOPECK)

    @property
    def has_cost(self) -> bool:
        return not self.units_without_cost


# The figures that add up, over products and into the totals.
SUMMED = [
    f.name
    for f in fields(ProductEconomics)
    if f.name not in ("nm_id", "vendor_code", "abc_revenue", "abc_margin")
]


@dataclass(frozen=True)
class Economics:
    products: list[ProductEconomics]  # by revenue, the largest first
    unattributed: ProductEconomics | None
    total: ProductEconomics
    settings: CabinetEconomics


def period_rows(seller: Seller, period: Period):
    """The cabinet's report rows of the period: of the weekly reports that overlap it (by
    the reports' index), those whose operation date is within it."""
    reports = Report.objects.filter(
        seller=seller,
        period=Report.Period.WEEKLY,
        date_from__lte=period.last,
        date_to__gte=period.first,
    ).values("report_id")
    return ReportRow.objects.filter(
        seller=seller,
        report_id__in=reports,
        rr_date__gte=period.first,
        rr_date__lte=period.last,
    )


def unit_cost() -> Subquery:
    """The cost price of the enclosing report row's unit, valid on its operation date."""
    matching = Q(barcode=OuterRef("sku")) | Q(barcode="", tech_size=OuterRef("tech_size"))
    matching |= Q(barcode="", tech_size="")
    specific_first = Case(
        When(~Q(barcode=""), then=Value(0)), When(~Q(tech_size=""), then=Value(1)), default=Value(2)
    )
    prices = CostPrice.objects.filter(
        matching,
        seller_id=OuterRef("seller_id"),
        vendor_code=OuterRef("vendor_code"),
        valid_from__lte=OuterRef("rr_date"),
    ).order_by(specific_first, "-valid_from")
    return Subquery(prices.values("cost")[:1], output_field=MONEY)


def signed(column: str, *, of=F) -> Coalesce:
    """The column summed over sales less returns."""
    sale, back = Q(doc_type_name=SALE), Q(doc_type_name=RETURN)
    return Coalesce(Sum(of(column), filter=sale), 0, output_field=MONEY) - Coalesce(
        Sum(of(column), filter=back), 0, output_field=MONEY
    )


def money(column: str) -> Coalesce:
    return Coalesce(Sum(column), 0, output_field=MONEY)


def per_product(seller: Seller, period: Period) -> list[dict]:
    """One row of sums per nmID (None for the rows of no product): one query."""
    trade = Q(doc_type_name__in=(SALE, RETURN))
    rows = period_rows(seller, period).annotate(unit_cost=unit_cost())
    return list(
        rows.order_by()
        .values("nm_id")
        .annotate(
            vendor_code=Max("vendor_code"),
            units=Coalesce(
                Sum("quantity", filter=Q(doc_type_name=SALE)), 0, output_field=IntegerField()
            )
            - Coalesce(
                Sum("quantity", filter=Q(doc_type_name=RETURN)), 0, output_field=IntegerField()
            ),
            revenue=signed("retail_amount"),
            for_pay=signed("for_pay"),
            cost=signed("quantity", of=lambda column: F(column) * F("unit_cost")),
            logistics=money("delivery_service"),
            storage=money("paid_storage"),
            penalties=money("penalty"),
            deductions=money("deduction"),
            acceptance=money("paid_acceptance"),
            units_without_cost=Coalesce(
                Sum("quantity", filter=trade & Q(unit_cost__isnull=True)),
                0,
                output_field=IntegerField(),
            ),
        )
    )


def tax_of(figures: ProductEconomics, settings: CabinetEconomics) -> Decimal:
    """The tax on the figures: the rate of their revenue, or of their profit before tax."""
    rate = settings.tax_rate or ZERO
    if settings.tax_base == TaxBase.PROFIT:
        base = figures.for_pay - figures.cost - figures.wb_expenses
    else:
        base = figures.revenue
    return (max(base, ZERO) * rate / HUNDRED).quantize(KOPECK)


def unit_economics(seller: Seller, period: Period, settings: CabinetEconomics) -> Economics:
    products, loose = [], []
    for row in per_product(seller, period):
        figures = ProductEconomics(
            nm_id=row["nm_id"],
            vendor_code=row["vendor_code"] or "",
            **{name: row[name] for name in SUMMED if name in row},
        )
        figures.cost = figures.cost.quantize(KOPECK)
        figures.tax = tax_of(figures, settings)
        # WB gives the rows of no product nmID 0 (or none).
        (products if figures.nm_id else loose).append(figures)
    products.sort(key=lambda product: (-product.revenue, product.nm_id))
    classify(products, "revenue", "abc_revenue")
    classify(products, "profit", "abc_margin")
    return Economics(
        products=products,
        unattributed=total_of(loose, settings) if loose else None,
        total=total_of(products + loose, settings),
        settings=settings,
    )


def total_of(rows: list[ProductEconomics], settings: CabinetEconomics) -> ProductEconomics:
    total = ProductEconomics(nm_id=None)
    for row in rows:
        for name in SUMMED:
            setattr(total, name, getattr(total, name) + getattr(row, name))
    total.tax = tax_of(total, settings)
    return total


def classify(products: list[ProductEconomics], figure: str, label: str) -> None:
    """Set each product's ABC class by `figure`: ranked from the largest, a product is A
    while the products above it make less than 80 % of the total of the positive values,
    B while they make less than 95 %, C after that; a value of zero or less is C."""
    values = {id(p): getattr(p, figure) for p in products}
    total = sum((value for value in values.values() if value > 0), ZERO)
    above = ZERO
    for product in sorted(products, key=lambda p: -values[id(p)]):
        value = values[id(product)]
        if value <= 0 or not total:
            setattr(product, label, "C")
            continue
        share = above / total
        setattr(product, label, "A" if share < A_SHARE else "B" if share < B_SHARE else "C")
        above += value
