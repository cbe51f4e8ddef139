"""What the rollups and dashboards must say, computed here independently of them: in Python,
row by row, from the raw rows stored or from the emulator's ground truth (WB's own field
names), each day a Moscow day."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from dashboards.models import CabinetDay, FinanceDay, OrderDay, SaleDay
from finance.models import ReportRow
from sales.models import Order, Sale
from wbapi.moscow import MOSCOW, parse_day, parse_moment

ZERO = Decimal("0.00")
ORDER_FIGURES = (
    "orders",
    "orders_sum",
    "orders_cancelled",
    "orders_finished_sum",
    "cancellations",
    "cancellations_sum",
)
SALE_FIGURES = ("buyouts", "buyouts_sum", "returns", "returns_sum", "for_pay", "sales_finished_sum")
FINANCE_FIGURES = (
    "sales",
    "returns",
    "for_pay",
    "commission",
    "logistics",
    "storage",
    "penalties",
    "deductions",
    "acceptance",
    "additional",
)


def table() -> defaultdict:
    return defaultdict(lambda: defaultdict(lambda: ZERO))


def cleaned(found: defaultdict) -> dict:
    """Plain dicts without the figures that stayed zero, as the rollups' rows compare."""
    return {
        key: {name: value for name, value in figures.items() if value}
        for key, figures in found.items()
    }


def day(moment) -> date:
    return moment.astimezone(MOSCOW).date()


# --- From the stored raw rows -------------------------------------------------------------------


def orders_by_day(seller) -> dict:
    found = table()
    for order in Order.objects.filter(seller=seller):
        key = (day(order.date), order.nm_id or 0, order.barcode)
        found[key]["orders"] += 1
        found[key]["orders_sum"] += order.price_with_disc
        found[key]["orders_finished_sum"] += order.finished_price or ZERO
        if order.is_cancel:
            found[key]["orders_cancelled"] += 1
            cancelled = (day(order.cancel_date or order.date), order.nm_id or 0, order.barcode)
            found[cancelled]["cancellations"] += 1
            found[cancelled]["cancellations_sum"] += order.price_with_disc
    return cleaned(found)


def sales_by_day(seller) -> dict:
    found = table()
    for sale in Sale.objects.filter(seller=seller):
        key = (day(sale.date), sale.nm_id or 0, sale.barcode)
        if sale.is_return:
            found[key]["returns"] += 1
            found[key]["returns_sum"] += abs(sale.price_with_disc)
            found[key]["for_pay"] -= abs(sale.for_pay)
            found[key]["sales_finished_sum"] -= abs(sale.finished_price or ZERO)
        else:
            found[key]["buyouts"] += 1
            found[key]["buyouts_sum"] += sale.price_with_disc
            found[key]["for_pay"] += sale.for_pay
            found[key]["sales_finished_sum"] += sale.finished_price or ZERO
    return cleaned(found)


def finance_by_day(seller) -> dict:
    found = table()
    for row in ReportRow.objects.filter(seller=seller):
        figures = found[row.rr_date or row.create_date]
        sign = -1 if row.doc_type_name == "Возврат" else 1
        if sign < 0:
            figures["returns"] += row.retail_amount or ZERO
        else:
            figures["sales"] += row.retail_amount or ZERO
        figures["for_pay"] += sign * (row.for_pay or ZERO)
        figures["commission"] += sign * (row.ppvz_sales_commission or ZERO)
        figures["logistics"] += row.delivery_service or ZERO
        figures["storage"] += row.paid_storage or ZERO
        figures["penalties"] += row.penalty or ZERO
        figures["deductions"] += row.deduction or ZERO
        figures["acceptance"] += row.paid_acceptance or ZERO
        figures["additional"] += row.additional_payment or ZERO
    return cleaned(found)


# --- From WB's ground truth ---------------------------------------------------------------------


def money(text) -> Decimal:
    return Decimal(str(text)).quantize(Decimal("0.01"))


def truth_orders_by_day(rows: list[dict]) -> dict:
    found = table()
    for row in rows:
        product = (row["nmId"], row["barcode"])
        placed = day(parse_moment(row["date"]))
        found[(placed, *product)]["orders"] += 1
        found[(placed, *product)]["orders_sum"] += money(row["priceWithDisc"])
        found[(placed, *product)]["orders_finished_sum"] += money(row["finishedPrice"])
        if row["isCancel"]:
            found[(placed, *product)]["orders_cancelled"] += 1
            cancelled = (day(parse_moment(row["cancelDate"])), *product)
            found[cancelled]["cancellations"] += 1
            found[cancelled]["cancellations_sum"] += money(row["priceWithDisc"])
    return cleaned(found)


def truth_sales_by_day(rows: list[dict]) -> dict:
    found = table()
    for row in rows:
        key = (day(parse_moment(row["date"])), row["nmId"], row["barcode"])
        kind = "returns" if row["saleID"].startswith("R") else "buyouts"
        found[key][kind] += 1
        found[key][f"{kind}_sum"] += abs(money(row["priceWithDisc"]))
        found[key]["for_pay"] += money(row["forPay"])  # negative for a return
        found[key]["sales_finished_sum"] += money(row["finishedPrice"])  # likewise
    return cleaned(found)


def truth_finance_by_day(rows: list[dict]) -> dict:
    found = table()
    columns = {
        "deliveryService": "logistics",
        "paidStorage": "storage",
        "penalty": "penalties",
        "deduction": "deductions",
        "paidAcceptance": "acceptance",
        "additionalPayment": "additional",
    }
    for row in rows:
        figures = found[parse_day(row["rrDate"])]
        returned = row["docTypeName"] == "Возврат"
        sign = -1 if returned else 1
        figures["returns" if returned else "sales"] += money(row["retailAmount"])
        figures["for_pay"] += sign * money(row["forPay"])
        figures["commission"] += sign * money(row["ppvzSalesCommission"])
        for wb_name, name in columns.items():
            figures[name] += money(row[wb_name])
    return cleaned(found)


# --- The rollups as stored ----------------------------------------------------------------------


def stored(model, seller, figures: tuple[str, ...], key=("day", "nm_id", "barcode")) -> dict:
    found = {}
    for row in model.objects.filter(seller=seller).values(*key, *figures):
        values = {name: row[name] for name in figures if row[name]}
        found[tuple(row[name] for name in key) if len(key) > 1 else row[key[0]]] = values
    return found


def rollups_of(seller) -> tuple[dict, dict, dict]:
    return (
        stored(OrderDay, seller, ORDER_FIGURES),
        stored(SaleDay, seller, SALE_FIGURES),
        stored(FinanceDay, seller, FINANCE_FIGURES, key=("day",)),
    )


def expected_of(seller) -> tuple[dict, dict, dict]:
    return orders_by_day(seller), sales_by_day(seller), finance_by_day(seller)


def cabinet_days_of(seller) -> tuple[dict, dict]:
    """The CabinetDay rows as stored, and the product rows summed here by day."""
    figures = ORDER_FIGURES + SALE_FIGURES
    summed = table()
    for model, names in ((OrderDay, ORDER_FIGURES), (SaleDay, SALE_FIGURES)):
        for row in model.objects.filter(seller=seller).values("day", *names):
            for name in names:
                summed[row["day"]][name] += row[name]
    return stored(CabinetDay, seller, figures, key=("day",)), cleaned(summed)
