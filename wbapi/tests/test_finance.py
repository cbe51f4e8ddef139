"""The realization report: request bodies, WB's example row and header as records (money
from strings), paging by rrdId until 204."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from wbapi.errors import AccessDenied, PagingStuck
from wbapi.methods.base import Turn
from wbapi.methods.finance import (
    REPORT_ROWS,
    REPORTS,
    ReportRowsCursor,
    ReportsCursor,
    report_rows_body,
    report_rows_turn,
)
from wbapi.tests.wb_examples import REPORT_HEADER, REPORT_ROW

HOST = "https://finance-api.wildberries.ru/api/finance/v1/sales-reports"
WEEK = {"date_from": date(2026, 3, 16), "date_to": date(2026, 3, 22)}


def test_the_rows_request_names_the_period_the_page_size_and_the_last_row_read():
    cursor = ReportRowsCursor(**WEEK, period="daily", rrd_id=1232610467, limit=21100)

    assert report_rows_body(cursor) == {
        "dateFrom": "2026-03-16",
        "dateTo": "2026-03-22",
        "limit": 21100,
        "rrdId": 1232610467,
        "period": "daily",
    }
    assert report_rows_body(ReportRowsCursor(**WEEK))["limit"] == 100_000


def test_times_in_the_period_go_to_wb_in_moscow_time():
    cursor = ReportRowsCursor(
        date_from=datetime(2026, 3, 15, 21, 0, tzinfo=UTC), date_to=date(2026, 3, 22)
    )

    assert report_rows_body(cursor)["dateFrom"] == "2026-03-16T00:00:00"


@pytest.mark.parametrize(
    "options",
    [
        {"period": "monthly"},
        {"limit": 100_001},
        {"rrd_id": -1},
        {"date_from": date(2026, 3, 23)},
    ],
)
def test_a_request_wb_would_refuse_is_refused_here(options):
    with pytest.raises(ValueError):
        ReportRowsCursor(**{**WEEK, **options})


def test_wbs_example_row_becomes_a_record_with_decimal_money_and_keeps_every_field(
    wb_mock, mock_client
):
    wb_mock.post(f"{HOST}/detailed", json=[REPORT_ROW])

    with mock_client().page(REPORT_ROWS, ReportRowsCursor(**WEEK)) as page:
        (row,) = list(page)

    assert (row.report_id, row.rrd_id, row.gi_id, row.report_type) == (
        1234567,
        1232610467,
        123456,
        1,
    )
    assert (row.date_from, row.date_to, row.create_date, row.rr_date) == (
        date(2026, 3, 16),
        date(2026, 3, 22),
        date(2026, 3, 23),
        date(2025, 10, 20),
    )
    assert row.order_dt == datetime(2026, 3, 14, tzinfo=UTC)
    assert row.sale_dt == datetime(2026, 3, 21, tzinfo=UTC)
    money = {
        "retail_price": "1249",
        "retail_amount": "367",
        "retail_price_with_disc": "399.68",
        "delivery_service": "0",
        "ppvz_sales_commission": "23.74",
        "for_pay": "376.99",
        "ppvz_reward": "0",
        "acquiring_fee": "14.89",
        "vw": "22.25",
        "vw_nds": "4.45",
        "penalty": "231.35",
        "additional_payment": "0",
        "rebill_logistic_cost": "1.349",
        "paid_storage": "12647.29",
        "deduction": "6354",
        "paid_acceptance": "865",
        "cashback_amount": "2",
        "cashback_discount": "19",
        "cashback_commission_change": "0.2",
    }
    assert {name: getattr(row, name) for name in money} == {
        name: Decimal(text) for name, text in money.items()
    }
    percents = (row.spp, row.kvw, row.kvw_base, row.commission_percent, row.acquiring_percent)
    assert percents == tuple(Decimal(p) for p in ("25.31", "1.81", "24.15", "24", "4.06"))
    assert (row.nm_id, row.shk_id, row.order_id, row.ppvz_office_id, row.seller_promo_id) == (
        1234567,
        1239159661,
        2816993144,
        105383,
        14350,
    )
    assert (row.quantity, row.delivery_amount, row.return_amount) == (1, 0, 0)
    assert (row.sku, row.vendor_code, row.tech_size, row.doc_type_name) == (
        "1231312352310",
        "MAB123",
        "0",
        "Продажа",
    )
    assert (row.ppvz_supplier_inn, row.sticker_id, row.trbx_id) == (
        "010101010101",
        "1964038895",
        "WB-TRBX-1234567",
    )
    assert row.kiz == REPORT_ROW["kiz"]
    assert (row.is_b2b, row.srid, row.order_uid) == (
        False,
        "0f1c3999172603062979867564654dac5b702849",
        "id375f16c4bec295d9995393af803ff7b",
    )
    # Nothing WB sent is lost: every field is typed or kept as it came.
    typed = {key for key in REPORT_ROW if key not in row.extra}
    assert len(typed) + len(row.extra) == len(REPORT_ROW)
    assert row.extra["dlvPrc"] == Decimal("1.8")
    assert row.extra["paymentSchedule"] == "-1"
    assert row.extra["fixTariffDateFrom"] == "2026-03-18"
    assert page.turn == Turn(ReportRowsCursor(**WEEK, rrd_id=1232610467), done=False)


def test_http_204_ends_the_report_and_keeps_the_last_row_read(wb_mock, mock_client):
    wb_mock.post(f"{HOST}/detailed", status=204)
    cursor = ReportRowsCursor(**WEEK, rrd_id=1232610467)

    with mock_client().page(REPORT_ROWS, cursor) as page:
        assert page.count == 0
        assert page.turn == Turn(cursor, done=True)


def test_rows_are_read_from_rrdid_0_until_204(wb_mock, mock_client):
    rows = [{**REPORT_ROW, "rrdId": rrd_id} for rrd_id in range(101, 351)]

    def detailed(request):
        asked = json.loads(request.body)
        after = [row for row in rows if row["rrdId"] > asked["rrdId"]][: asked["limit"]]
        return (200, {}, json.dumps(after)) if after else (204, {}, "")

    wb_mock.add_callback(
        "POST", f"{HOST}/detailed", callback=detailed, content_type="application/json"
    )
    cursor = ReportRowsCursor(**WEEK, limit=100)

    seen = [row.rrd_id for page in mock_client().pages(REPORT_ROWS, cursor) for row in page]

    assert seen == list(range(101, 351))
    assert [json.loads(c.request.body)["rrdId"] for c in wb_mock.calls] == [0, 200, 300, 350]


def test_rows_that_do_not_move_past_the_rrdid_asked_for_cannot_be_paged_past():
    cursor = ReportRowsCursor(**WEEK, rrd_id=500)

    with pytest.raises(PagingStuck, match="rrdId 500"):
        report_rows_turn(cursor, rows=10, last_rrd_id=500)


def test_wbs_example_report_header_becomes_a_record(wb_mock, mock_client):
    wb_mock.post(f"{HOST}/list", json=[REPORT_HEADER])

    with mock_client().page(REPORTS, ReportsCursor(**WEEK)) as page:
        (header,) = list(page)

    assert (header.report_id, header.report_type, header.seller_finance_name) == (
        307401554,
        1,
        "ИП Кружинин В. Р.",
    )
    assert (header.date_from, header.date_to, header.create_date) == (
        date(2026, 3, 16),
        date(2026, 3, 22),
        date(2026, 3, 23),
    )
    assert (header.for_pay_sum, header.bank_payment_sum, header.cashback_commission_change_sum) == (
        Decimal("183.79"),
        Decimal("5172.94"),
        Decimal("0.2"),
    )
    assert (header.avg_sale_percent, header.payment_schedule, header.currency) == (
        Decimal(0),
        "-1",
        "RUB",
    )
    assert json.loads(wb_mock.calls[0].request.body) == {
        "dateFrom": "2026-03-16",
        "dateTo": "2026-03-22",
        "limit": 1000,
        "offset": 0,
        "period": "weekly",
    }
    assert page.turn == Turn(ReportsCursor(**WEEK, offset=1), done=False)


def test_the_report_list_ends_with_no_content(wb_mock, mock_client):
    wb_mock.post(f"{HOST}/list", status=204)

    with mock_client().page(REPORTS, ReportsCursor(**WEEK, offset=1000)) as page:
        assert page.turn == Turn(ReportsCursor(**WEEK), done=True)


def test_a_basic_token_is_refused_the_report_list(wb_mock, mock_client):
    wb_mock.post(
        f"{HOST}/list",
        status=403,
        json={
            "title": "forbidden",
            "detail": "base token is not allowed",
            "code": "base token is not allowed for this path",
            "requestId": "722199b2e15bbca48cc1d488a7989976",
            "origin": "ag-marketplace",
            "status": 403,
            "statusText": "Forbidden",
            "timestamp": "2026-05-25T02:47:09Z",
        },
        content_type="application/problem+json",
    )

    with pytest.raises(AccessDenied) as caught:
        mock_client().page(REPORTS, ReportsCursor(**WEEK))

    assert caught.value.detail == "base token is not allowed"
    assert caught.value.request_id == "722199b2e15bbca48cc1d488a7989976"
