"""The emulator's worlds: deterministic, evolving with the clock, consistent across datasets."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from wbapi.emulator.protocol import MOSCOW
from wbapi.emulator.testing import EmulatorServer
from wbapi.emulator.world.finance import ROW_FIELDS, SUMMED
from wbapi.tests.helpers import HISTORY_START, NOW, call_wb

DATASETS = (
    "cards",
    "prices",
    "warehouses",
    "stocks",
    "fbw_stocks",
    "orders",
    "sales",
    "finance_reports",
    "finance_rows",
)
ORDER_FIELDS = {
    "date",
    "lastChangeDate",
    "warehouseName",
    "warehouseType",
    "countryName",
    "oblastOkrugName",
    "regionName",
    "supplierArticle",
    "nmId",
    "barcode",
    "category",
    "subject",
    "brand",
    "techSize",
    "incomeID",
    "isSupply",
    "isRealization",
    "totalPrice",
    "discountPercent",
    "spp",
    "finishedPrice",
    "priceWithDisc",
    "isCancel",
    "cancelDate",
    "sticker",
    "gNumber",
    "srid",
}
SALE_FIELDS = (ORDER_FIELDS - {"isCancel", "cancelDate"}) | {
    "paymentSaleAmount",
    "forPay",
    "saleID",
}


def moscow(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=MOSCOW)


def test_the_same_sid_configuration_and_clock_give_the_same_world():
    sid = "5c7e1d2a-0b3f-4d6e-8a9b-1c2d3e4f5a6b"
    answers = []
    for _ in range(2):
        with EmulatorServer(speed=1_000_000) as server:  # a fresh key each time
            server.freeze_clock(NOW)
            server.configure(sid, products=40, orders_per_day=30, history_start=HISTORY_START)
            token = server.mint(sid=sid)
            truth = {name: server.truth(sid, name) for name in DATASETS}
            page = call_wb(
                server,
                "GET",
                "statistics-api",
                "/api/v1/supplier/orders",
                token,
                params={"dateFrom": "2026-01-01"},
            ).json()
            answers.append((truth, page))

    assert answers[0] == answers[1]
    assert all(answers[0][0][name] for name in DATASETS)


def test_different_sellers_get_different_worlds(world_emulator):
    first, second = "seller-a", "seller-b"
    for sid in (first, second):
        world_emulator.configure(sid, products=20, orders_per_day=10, history_start=HISTORY_START)

    assert world_emulator.truth(first, "cards") != world_emulator.truth(second, "cards")


def test_the_default_history_starts_on_a_monday_120_to_126_days_back_and_stays(world_emulator):
    world_emulator.configure("plain", products=10)

    world_emulator.truth("plain", "cards")
    start = world_emulator.world_config("plain").history_start
    world_emulator.advance_clock(timedelta(days=30))

    assert start.weekday() == 0
    assert 120 <= (NOW.date() - start).days < 127
    assert world_emulator.world_config("plain").history_start == start


def test_every_row_has_every_field_of_wbs_spec(world_emulator, seller):
    _, sid = seller

    orders = world_emulator.truth(sid, "orders")
    sales = world_emulator.truth(sid, "sales")
    rows = world_emulator.truth(sid, "finance_rows")

    assert {frozenset(row) for row in orders} == {frozenset(ORDER_FIELDS)}
    assert {frozenset(row) for row in sales} == {frozenset(SALE_FIELDS)}
    assert {tuple(row) for row in rows} == {ROW_FIELDS}
    assert all(isinstance(row["retailAmount"], str) for row in rows)
    assert not any(row["date"].endswith(("Z", "+03:00")) for row in orders + sales)


# --- Evolution --------------------------------------------------------------------------------


@pytest.fixture
def before_and_after(world_emulator, seller):
    """Every dataset at NOW and ten days later."""
    _, sid = seller
    before = {name: world_emulator.truth(sid, name) for name in DATASETS}
    world_emulator.advance_clock(timedelta(days=10))
    after = {name: world_emulator.truth(sid, name) for name in DATASETS}
    return before, after


def _by(rows, key):
    return {row[key]: row for row in rows}


def test_advancing_the_clock_edits_cards(before_and_after):
    before, after = (_by(data["cards"], "nmID") for data in before_and_after)

    edited = [nm for nm in before if nm in after and before[nm] != after[nm]]

    assert edited
    assert all(after[nm]["updatedAt"] > before[nm]["updatedAt"] for nm in edited)


def test_advancing_the_clock_changes_prices_and_moves_stock(before_and_after):
    before, after = before_and_after
    prices_before, prices_after = (_by(data["prices"], "nmID") for data in before_and_after)
    stock_before = {(s["warehouseId"], s["chrtId"]): s["amount"] for s in before["stocks"]}
    stock_after = {(s["warehouseId"], s["chrtId"]): s["amount"] for s in after["stocks"]}

    assert any(prices_before[nm] != prices_after.get(nm) for nm in prices_before)
    assert any(stock_before[key] != stock_after.get(key) for key in stock_before)
    assert before["fbw_stocks"] != after["fbw_stocks"]


def test_advancing_the_clock_adds_orders_cancels_buys_out_and_returns(before_and_after):
    before, after = before_and_after
    orders_before, orders_after = (_by(data["orders"], "srid") for data in before_and_after)
    sales_before = {row["saleID"] for row in before["sales"]}
    new_sales = [row for row in after["sales"] if row["saleID"] not in sales_before]
    cancelled = [
        srid
        for srid, row in orders_before.items()
        if not row["isCancel"] and orders_after.get(srid, {}).get("isCancel")
    ]

    assert set(orders_after) - set(orders_before)
    assert cancelled
    for srid in cancelled:
        was, now = orders_before[srid], orders_after[srid]
        assert now["lastChangeDate"] > was["lastChangeDate"]
        assert now["lastChangeDate"] >= now["cancelDate"] > now["date"] == was["date"]
    assert {row["saleID"][0] for row in new_sales} == {"S", "R"}
    assert len(after["finance_reports"]) > len(before["finance_reports"])


def test_nothing_shows_before_its_time(world_emulator, seller):
    _, sid = seller
    clock = NOW.astimezone(MOSCOW).replace(tzinfo=None).isoformat()

    orders = world_emulator.truth(sid, "orders")
    sales = world_emulator.truth(sid, "sales")
    reports = world_emulator.truth(sid, "finance_reports")
    cards = world_emulator.truth(sid, "cards")

    assert max(row["lastChangeDate"] for row in orders + sales) <= clock
    assert max(report["createDate"] for report in reports) <= clock[:10]
    assert max(card["updatedAt"] for card in cards) <= NOW.strftime("%Y-%m-%dT%H:%M:%S.999999Z")


# --- Consistency ------------------------------------------------------------------------------


def test_orders_are_of_real_sizes_at_their_prices(world_emulator, seller):
    _, sid = seller
    sizes = {
        (card["nmID"], sku, size["techSize"])
        for card in world_emulator.truth(sid, "cards")
        for size in card["sizes"]
        for sku in size["skus"]
    }
    orders = world_emulator.truth(sid, "orders")

    assert {(o["nmId"], o["barcode"], o["techSize"]) for o in orders} <= sizes
    for order in orders[::97]:
        world_emulator.set_clock(moscow(order["date"]))
        goods = _by(world_emulator.truth(sid, "prices"), "nmID")[order["nmId"]]
        (size,) = [s for s in goods["sizes"] if s["techSizeName"] == order["techSize"]]
        assert (size["price"], goods["discount"]) == (order["totalPrice"], order["discountPercent"])
        assert order["priceWithDisc"] == size["discountedPrice"]


def test_sales_follow_orders_and_returns_follow_sales(world_emulator, seller):
    _, sid = seller
    orders = _by(world_emulator.truth(sid, "orders"), "srid")
    sales = world_emulator.truth(sid, "sales")
    bought = {row["srid"]: row for row in sales if row["saleID"].startswith("S")}
    returned = [row for row in sales if row["saleID"].startswith("R")]

    assert bought and returned
    for srid, sale in bought.items():
        order = orders[srid]
        assert not order["isCancel"]
        assert sale["date"] > order["date"]
        same = ("nmId", "barcode", "totalPrice", "gNumber", "warehouseName")
        assert [sale[f] for f in same] == [order[f] for f in same]
    for row in returned:
        sale = bought[row["srid"]]
        assert row["date"] > sale["date"]
        assert (row["forPay"], row["priceWithDisc"]) == (-sale["forPay"], -sale["priceWithDisc"])
    assert len({row["saleID"] for row in sales}) == len(sales)


def test_report_rows_follow_sales_and_returns(world_emulator, seller):
    _, sid = seller
    sales = world_emulator.truth(sid, "sales")
    rows = world_emulator.truth(sid, "finance_rows")
    reports = world_emulator.truth(sid, "finance_reports")
    kept_since = sales and min(row["date"] for row in sales)[:10]
    # Reports from when every sale of the period is still in the sales data.
    recent = [r for r in reports if r["dateFrom"] >= "2026-01-12"]

    assert recent and kept_since <= "2025-12-15"
    for report in recent:
        in_period = [s for s in sales if report["dateFrom"] <= s["date"][:10] <= report["dateTo"]]
        report_rows = [r for r in rows if r["reportId"] == report["reportId"]]
        kinds = Counter(r["docTypeName"] for r in report_rows)
        expected = {
            (s["srid"], "Продажа" if s["saleID"][0] == "S" else "Возврат") for s in in_period
        }
        found = {(r["srid"], r["docTypeName"]) for r in report_rows if r["docTypeName"]}
        assert found == expected
        assert kinds["Продажа"] + kinds["Возврат"] == len(in_period)
        logistics = [r for r in report_rows if r["sellerOperName"] == "Логистика"]
        assert len(logistics) == len(in_period)


def test_report_headers_are_the_sums_of_their_rows(world_emulator, seller):
    _, sid = seller
    rows = world_emulator.truth(sid, "finance_rows")
    headers = world_emulator.truth(sid, "finance_reports")

    assert headers
    for header in headers:
        mine = [row for row in rows if row["reportId"] == header["reportId"]]
        for total, field in SUMMED.items():
            signed = (
                Decimal(row[field]) * (-1 if row["docTypeName"] == "Возврат" else 1)
                if field in ("retailAmount", "forPay")
                else Decimal(row[field])
                for row in mine
            )
            assert Decimal(header[total]) == sum(signed, Decimal(0)), total
        assert {row["createDate"] for row in mine} == {header["createDate"]}


def test_rrd_ids_grow_through_the_reports(world_emulator, seller):
    _, sid = seller

    ids = [row["rrdId"] for row in world_emulator.truth(sid, "finance_rows")]

    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_daily_reports_have_ids_beyond_2_to_the_53(world_emulator, seller):
    _, sid = seller

    daily = world_emulator.truth(sid, "finance_reports", period="daily")
    weekly = world_emulator.truth(sid, "finance_reports")

    assert all(report["reportId"] > 2**53 for report in daily)
    assert all(report["dateFrom"] == report["dateTo"] for report in daily)
    assert len(daily) > 6 * len(weekly) - 7


def test_statistics_keep_orders_90_days(world_emulator, seller):
    _, sid = seller

    orders = world_emulator.truth(sid, "orders")
    sales = world_emulator.truth(sid, "sales")
    kept_from = (NOW - timedelta(days=90)).astimezone(MOSCOW).replace(tzinfo=None).isoformat()

    assert min(row["date"] for row in orders) >= kept_from
    assert min(row["date"] for row in orders) < kept_from[:10] + "T23:59:59"
    assert {row["srid"] for row in sales} <= {row["srid"] for row in orders}


def test_a_configuration_is_kept_in_the_state_dir_as_json(tmp_path):
    with EmulatorServer(state_dir=tmp_path) as server:
        server.configure("s-1", products=5, history_start=date(2025, 10, 20))

    stored = json.loads((tmp_path / "worlds.json").read_text("utf-8"))

    assert stored == {"s-1": {"products": 5, "history_start": "2025-10-20"}}
