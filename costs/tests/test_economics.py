"""Unit economics and ABC: every figure checked against sums computed here, independently,
from the emulator's own report rows; the cost price valid on a sale's date is the one used."""

import csv
import io
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from access.models import CabinetGrant, Level
from conftest import client_for
from costs.economics import ProductEconomics, classify
from costs.models import CabinetEconomics, CostPrice, TaxBase

from .conftest import COSTS_PERMS, finance_client

pytestmark = pytest.mark.django_db
FEBRUARY = {"date_from": "2026-02-01", "date_to": "2026-02-28"}
SALE, RETURN = "Продажа", "Возврат"
D = Decimal


@pytest.fixture
def accountant(make_user, synced_cabinet):
    return finance_client(make_user, synced_cabinet.seller, "accountant", Level.CHANGE)


def economics_url(seller) -> str:
    return reverse("costs:economics", args=[seller.sid])


def february_rows(cabinet) -> list[dict]:
    return [
        row
        for row in cabinet.truth("finance_rows")
        if date(2026, 2, 1) <= date.fromisoformat(row["rrDate"][:10]) <= date(2026, 2, 28)
    ]


def money(row: dict, name: str) -> Decimal:
    return D(str(row[name] or 0))


def expected_figures(rows: list[dict], cost_of) -> dict:
    """Per nmID (0: no product): the page's figures, summed from WB's rows here."""
    sums: dict[int, dict] = defaultdict(lambda: defaultdict(Decimal))
    for row in rows:
        figures = sums[row["nmId"]]
        sign = {SALE: 1, RETURN: -1}.get(row["docTypeName"], 0)
        if sign:
            figures["units"] += sign * row["quantity"]
            figures["revenue"] += sign * money(row, "retailAmount")
            figures["for_pay"] += sign * money(row, "forPay")
            unit = cost_of(row)
            if unit is None:
                figures["units_without_cost"] += row["quantity"]
            else:
                figures["cost"] += sign * row["quantity"] * unit
        for name, field in (
            ("logistics", "deliveryService"),
            ("storage", "paidStorage"),
            ("penalties", "penalty"),
            ("deductions", "deduction"),
            ("acceptance", "paidAcceptance"),
        ):
            figures[name] += money(row, field)
    return sums


def shown_figures(product: ProductEconomics) -> dict:
    names = ("units", "revenue", "for_pay", "cost", "logistics", "storage", "penalties")
    names += ("deductions", "acceptance", "units_without_cost")
    return {name: getattr(product, name) for name in names}


def test_each_products_figures_equal_sums_of_wbs_rows_with_the_cost_valid_on_each_sale(
    synced_cabinet, accountant
):
    seller, rows = synced_cabinet.seller, february_rows(synced_cabinet)
    sold = sorted(
        {(r["vendorCode"], r["techSize"], r["sku"]) for r in rows if r["docTypeName"] == SALE}
    )
    code_a, code_b = sorted({code for code, _, _ in sold})[:2]
    size_b = next(size for code, size, _ in sold if code == code_b)
    # A: 100 until Feb 14th, 150 from the 15th; B: 70 for the vendor code, 90 for one size.
    for valid_from, code, size, cost in [
        (date(2026, 1, 1), code_a, "", "100"),
        (date(2026, 2, 15), code_a, "", "150"),
        (date(2026, 1, 1), code_b, "", "70"),
        (date(2026, 1, 1), code_b, size_b, "90"),
        (date(2026, 3, 1), code_b, "", "9999"),  # valid after the period: never used
    ]:
        CostPrice.objects.create(
            seller=seller, vendor_code=code, tech_size=size, valid_from=valid_from, cost=D(cost)
        )

    def cost_of(row):
        if row["vendorCode"] == code_a:
            return D(100) if row["rrDate"][:10] < "2026-02-15" else D(150)
        if row["vendorCode"] == code_b:
            return D(90) if row["techSize"] == size_b else D(70)
        return None

    response = accountant.get(economics_url(seller), FEBRUARY)
    assert response.status_code == 200
    economics = response.context["economics"]
    expected = expected_figures(rows, cost_of)
    shown = {p.nm_id: p for p in economics.products}
    assert set(shown) == {nm_id for nm_id in expected if nm_id}
    for nm_id, product in shown.items():
        assert shown_figures(product) == {
            name: expected[nm_id][name] for name in shown_figures(product)
        }, nm_id
        assert product.tax == 0  # no tax set
        assert product.profit == product.for_pay - product.cost - product.wb_expenses
    loose = economics.unattributed
    assert shown_figures(loose) == {name: expected[0][name] for name in shown_figures(loose)}
    assert loose.storage > 0  # the cabinet's storage is billed without a product

    priced = {r["nmId"] for r in rows if r["vendorCode"] in (code_a, code_b)}
    assert {p.nm_id for p in economics.products if p.has_cost} == priced
    assert economics.total.profit == sum((p.profit for p in [*economics.products, loose]), D(0))
    without = len(shown) - len(priced)
    assert response.context["without_cost"] == without
    assert f"{without} products have units sold without a cost price" in response.text
    assert response.text.count("no cost price</span>") == min(without, 100)


@pytest.mark.parametrize(("base", "rate"), [(TaxBase.REVENUE, D("6")), (TaxBase.PROFIT, D("15"))])
def test_the_tax_is_the_cabinets_rate_of_the_revenue_or_of_a_positive_profit(
    synced_cabinet, accountant, base, rate
):
    seller = synced_cabinet.seller
    CabinetEconomics.objects.create(seller=seller, tax_rate=rate, tax_base=base)
    for code in {r["vendorCode"] for r in february_rows(synced_cabinet) if r["vendorCode"]}:
        CostPrice.objects.create(
            seller=seller, vendor_code=code, valid_from=date(2026, 1, 1), cost=D(300)
        )
    economics = accountant.get(economics_url(seller), FEBRUARY).context["economics"]
    for figures in [*economics.products, economics.total]:
        before_tax = figures.for_pay - figures.cost - figures.wb_expenses
        taxed = figures.revenue if base == TaxBase.REVENUE else before_tax
        assert figures.tax == (max(taxed, D(0)) * rate / 100).quantize(D("0.01"))
        assert figures.profit == before_tax - figures.tax
        if figures.revenue:
            assert figures.margin == (figures.profit * 100 / figures.revenue).quantize(D("0.01"))
    assert any(p.tax for p in economics.products)


def test_abc_puts_the_first_80_percent_in_a_the_next_15_in_b_the_rest_in_c():
    values = [50, 25, 10, 6, 4, 3, 2, 0, -5]  # of 100 in all (the loss counts for nothing)
    products = [ProductEconomics(nm_id=n, revenue=D(v)) for n, v in enumerate(values, 1)]
    classify(products, "revenue", "abc_revenue")
    assert [p.abc_revenue for p in products] == ["A", "A", "A", "B", "B", "C", "C", "C", "C"]
    # 50 + 25 = 75 % above the third: still under 80 %, so it is A; 85 % above the fourth: B;
    # 95 % above the sixth: C.


def test_abc_of_products_sold_shows_on_the_page(synced_cabinet, accountant):
    response = accountant.get(economics_url(synced_cabinet.seller), FEBRUARY)
    products = response.context["economics"].products
    assert {p.abc_revenue for p in products} <= {"A", "B", "C"}
    assert "A" in {p.abc_revenue for p in products}
    by_revenue = sorted(products, key=lambda p: -p.revenue)
    total = sum(p.revenue for p in products if p.revenue > 0)
    above = D(0)
    for product in by_revenue:
        expected = (
            "C"
            if product.revenue <= 0
            else "A"
            if above < total * D("0.8")
            else "B"
            if above < total * D("0.95")
            else "C"
        )
        assert product.abc_revenue == expected
        above += max(product.revenue, D(0))
    assert "A are those that make the first 80% of the total, B the next 15%" in response.text


def test_a_period_without_report_rows_says_so(synced_cabinet, accountant):
    response = accountant.get(
        economics_url(synced_cabinet.seller), {"date_from": "2020-01-01", "date_to": "2020-01-31"}
    )
    assert response.status_code == 200
    assert "No finance report rows in this period" in response.text


def test_the_page_is_the_cabinets_finance_area(synced_cabinet, make_user):
    seller = synced_cabinet.seller
    outsider = make_user("outsider", staff=True, perms=COSTS_PERMS)
    CabinetGrant.objects.create(seller=seller, user=outsider, sales=Level.CHANGE)
    assert client_for(outsider).get(economics_url(seller)).status_code == 404
    no_perm = make_user(
        "no-perm", staff=True, perms=["access.see_all_cabinets", "finance.view_report"]
    )
    assert client_for(no_perm).get(economics_url(seller)).status_code == 403


def test_the_export_has_each_products_figures_as_the_page_computes_them(synced_cabinet, accountant):
    seller = synced_cabinet.seller
    page = accountant.get(economics_url(seller), FEBRUARY).context["economics"]
    answer = accountant.get(economics_url(seller), {**FEBRUARY, "export": "csv"})
    assert answer["Content-Disposition"] == (
        f'attachment; filename="economics-{seller.sid}-20260201-20260228.csv"'
    )
    text = b"".join(answer.streaming_content).decode("utf-8-sig")
    exported = list(csv.DictReader(io.StringIO(text)))
    expected = [*page.products, *filter(None, [page.unattributed])]
    assert len(exported) == len(expected)
    for line, product in zip(exported, expected, strict=True):
        assert line["nm_id"] == ("" if product.nm_id is None else str(product.nm_id))
        # Numbers as numbers, a loss's minus sign too: a spreadsheet sums them.
        assert D(line["for_pay"]) == product.for_pay
        assert D(line["profit"]) == product.profit
        assert line["abc_revenue"] == product.abc_revenue
