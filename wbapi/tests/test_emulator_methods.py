"""The emulator's sync methods over HTTP: parameters, paging, limits and error shapes."""

from __future__ import annotations

import json
import socket
import time
from datetime import timedelta

import pytest
import requests

from wbapi.buckets import Buckets
from wbapi.claims import decode_token
from wbapi.tests.helpers import NOW, call_wb

NOW_TS = NOW.timestamp()

CARDS = ("content-api", "/content/v2/get/cards/list")
GOODS = ("discounts-prices-api", "/api/v2/list/goods/filter")
SIZES = ("discounts-prices-api", "/api/v2/list/goods/size/nm")
WAREHOUSES = ("marketplace-api", "/api/v3/warehouses")
FBW = ("seller-analytics-api", "/api/analytics/v1/stocks-report/wb-warehouses")
ORDERS = ("statistics-api", "/api/v1/supplier/orders")
SALES = ("statistics-api", "/api/v1/supplier/sales")
DETAILED = ("finance-api", "/api/finance/v1/sales-reports/detailed")
REPORTS = ("finance-api", "/api/finance/v1/sales-reports/list")
WHOLE_HISTORY = {"dateFrom": "2024-01-29", "dateTo": "2026-03-01"}


def post(server, method, token, body):
    return call_wb(server, "POST", *method, token, json=body)


def get(server, method, token, **params):
    return call_wb(server, "GET", *method, token, params=params)


def control(server, method: str, path: str, **kwargs) -> requests.Response:
    url = server.base_url.replace("{host}", "__emulator__") + path
    return requests.request(method, url, timeout=30, **kwargs)


# --- Cards ------------------------------------------------------------------------------------


def _all_cards(server, token, limit, **settings):
    """WB's recipe: copy the cursor back until total < limit."""
    cards, cursor = [], {"limit": limit}
    while True:
        body = {"settings": {"cursor": cursor, **settings}}
        answer = post(server, CARDS, token, body).json()
        cards += answer["cards"]
        if answer["cursor"]["total"] < limit:
            return cards
        cursor = {"limit": limit, **{k: answer["cursor"][k] for k in ("updatedAt", "nmID")}}


@pytest.mark.parametrize("ascending", [True, False])
def test_wbs_cursor_recipe_pages_every_card_once(world_emulator, seller, ascending):
    token, sid = seller
    truth = world_emulator.truth(sid, "cards")

    cards = _all_cards(world_emulator, token, 7, sort={"ascending": ascending})

    assert cards == (truth if ascending else truth[::-1])
    assert len(truth) > 7


def test_the_cards_list_filters(world_emulator, seller):
    token, sid = seller
    truth = world_emulator.truth(sid, "cards")
    card = truth[3]

    def found(**given):
        body = {"settings": {"cursor": {"limit": 100}, "filter": given}}
        return [c["nmID"] for c in post(world_emulator, CARDS, token, body).json()["cards"]]

    assert found(textSearch=str(card["nmID"])) == [card["nmID"]]
    assert found(textSearch=card["sizes"][0]["skus"][0]) == [card["nmID"]]
    assert card["nmID"] in found(textSearch=card["vendorCode"][:9])
    assert set(found(brands=[card["brand"]])) == {
        c["nmID"] for c in truth if c["brand"] == card["brand"]
    }
    assert set(found(objectIDs=[card["subjectID"]])) == {
        c["nmID"] for c in truth if c["subjectID"] == card["subjectID"]
    }
    assert set(found(imtID=card["imtID"])) == {
        c["nmID"] for c in truth if c["imtID"] == card["imtID"]
    }
    tag = card["tags"][0]["id"]
    assert card["nmID"] in found(tagIDs=[tag])
    without = set(found(withPhoto=0))
    assert without == {c["nmID"] for c in truth if not c["photos"]}
    assert set(found(withPhoto=1)) | without == set(found(withPhoto=-1))


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ({"settings": {"cursor": {"limit": 101}}}, "settings.cursor.limit must be a whole number"),
        ({"settings": {"cursor": {}}}, "settings.cursor.limit is required"),
        ({"settings": {"cursor": {"limit": 5, "updatedAt": "yesterday"}}}, "RFC 3339"),
        ({"settings": {"cursor": {"limit": 5}, "filter": {"withPhoto": 2}}}, "withPhoto"),
        ({"settings": {"cursor": {"limit": 5}, "filter": {"brands": "x"}}}, "must be a list"),
        ([1, 2], "JSON object"),
    ],
)
def test_the_cards_list_refuses_bad_settings_in_contents_shape(
    world_emulator, seller, body, complaint
):
    token, _ = seller

    response = post(world_emulator, CARDS, token, body)

    assert response.status_code == 400
    answer = response.json()
    assert set(answer) == {"data", "error", "errorText", "additionalErrors"}
    assert answer["error"] is True
    assert complaint in answer["errorText"]


def test_cards_in_the_trash_are_left_out(world_emulator):
    token = world_emulator.mint(seller_name="ИП Корзинкин")
    sid = decode_token(token).seller_sid
    world_emulator.configure(sid, products=300, orders_per_day=0, history_start="2025-12-01")
    world = world_emulator.state.worlds.world(sid)
    trashed = {p.nm_id for p in world.catalogue.products() if p.trashed_ts is not None}
    gone = {p.nm_id for p in world.catalogue.products() if p.trashed_ts and p.trashed_ts < NOW_TS}

    listed = {c["nmID"] for c in _all_cards(world_emulator, token, 100)}

    assert gone and not gone & listed
    assert trashed - gone <= listed | {
        p.nm_id for p in world.catalogue.products() if p.created_ts > NOW_TS
    }


# --- Prices -----------------------------------------------------------------------------------


def test_goods_page_by_offset_until_an_empty_list(world_emulator, seller):
    token, sid = seller
    goods, offset = [], 0
    while True:
        answer = get(world_emulator, GOODS, token, limit=25, offset=offset).json()
        assert (answer["error"], answer["errorText"]) == (False, "")
        if not answer["data"]["listGoods"]:
            break
        goods += answer["data"]["listGoods"]
        offset += 25

    assert goods == world_emulator.truth(sid, "prices")
    one = goods[5]
    only = get(world_emulator, GOODS, token, limit=10, filterNmID=one["nmID"]).json()
    assert only["data"]["listGoods"] == [one]


@pytest.mark.parametrize(
    "params", [{}, {"limit": 1001}, {"limit": 0}, {"limit": "ten"}, {"limit": 5, "offset": -1}]
)
def test_goods_refuse_bad_paging_in_the_prices_shape(world_emulator, seller, params):
    token, _ = seller

    response = get(world_emulator, GOODS, token, **params)

    assert response.status_code == 400
    assert response.json()["data"] is None
    assert response.json()["error"] is True
    assert "limit" in response.json()["errorText"] or "offset" in response.json()["errorText"]


def test_size_prices_list_the_sizes_of_goods_priced_per_size(world_emulator, seller):
    token, sid = seller
    goods = world_emulator.truth(sid, "prices")
    editable = next(g for g in goods if g["editableSizePrice"] and len(g["sizes"]) > 1)
    fixed = next(g for g in goods if not g["editableSizePrice"])

    sizes = get(world_emulator, SIZES, token, nmID=editable["nmID"], limit=100).json()
    none = get(world_emulator, SIZES, token, nmID=fixed["nmID"], limit=100).json()

    listed = sizes["data"]["listGoods"]
    assert [(s["sizeID"], s["price"]) for s in listed] == [
        (s["sizeID"], s["price"]) for s in editable["sizes"]
    ]
    assert all(s["nmID"] == editable["nmID"] and s["editableSizePrice"] for s in listed)
    assert none["data"]["listGoods"] == []
    assert get(world_emulator, SIZES, token, limit=100).status_code == 400


# --- Marketplace ------------------------------------------------------------------------------


def test_warehouses_and_their_stocks(world_emulator, seller):
    token, sid = seller
    chrt_ids = [s["chrtID"] for c in world_emulator.truth(sid, "cards") for s in c["sizes"]]
    warehouses = get(world_emulator, WAREHOUSES, token).json()
    stocks = []
    for warehouse in warehouses:
        path = f"/api/v3/stocks/{warehouse['id']}"
        for start in range(0, len(chrt_ids), 40):
            body = {"chrtIds": chrt_ids[start : start + 40]}
            found = post(world_emulator, ("marketplace-api", path), token, body).json()["stocks"]
            stocks += [{"warehouseId": warehouse["id"], **s} for s in found]

    assert warehouses == world_emulator.truth(sid, "warehouses")
    assert sorted(stocks, key=str) == sorted(world_emulator.truth(sid, "stocks"), key=str)


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/api/v3/stocks/{id}", {"chrtIds": list(range(1001))}, 400, "IncorrectRequestBody"),
        ("/api/v3/stocks/{id}", {"chrtIds": []}, 400, "IncorrectRequestBody"),
        ("/api/v3/stocks/{id}", {"skus": ["x"]}, 400, "IncorrectRequestBody"),
        ("/api/v3/stocks/abc", {"chrtIds": [1]}, 400, "IncorrectParameter"),
        ("/api/v3/stocks/7", {"chrtIds": [1]}, 404, "NotFound"),
    ],
)
def test_stocks_refuse_in_the_marketplace_shape(world_emulator, seller, path, body, status, code):
    token, sid = seller
    warehouse = world_emulator.truth(sid, "warehouses")[0]["id"]

    response = post(world_emulator, ("marketplace-api", path.format(id=warehouse)), token, body)

    assert response.status_code == status
    answer = response.json()
    assert set(answer) == {"code", "message", "data"}
    assert answer["code"] == code


@pytest.fixture
def still_buckets(emulator, monkeypatch):
    """The emulator's rate-limit buckets on a clock that stands still: no refill between
    requests, however slowly the machine sends them."""
    monkeypatch.setattr(emulator.state, "buckets", Buckets(clock=lambda: 0.0))
    return emulator


def test_a_marketplace_4xx_costs_ten_requests(still_buckets):
    emulator = still_buckets
    token = emulator.mint()
    sid = decode_token(token).seller_sid
    warehouse = emulator.truth(sid, "warehouses")[0]["id"]
    stocks = ("marketplace-api", f"/api/v3/stocks/{warehouse}")

    fine = post(emulator, stocks, token, {"chrtIds": [1]})
    after_fine = post(emulator, stocks, token, {"chrtIds": [1]})
    refused = post(emulator, stocks, token, {"chrtIds": []})
    after_refusal = post(emulator, stocks, token, {"chrtIds": [1]})

    assert (fine.status_code, refused.status_code) == (200, 400)
    assert after_fine.headers["X-Ratelimit-Remaining"] == "18"
    assert refused.headers["X-Ratelimit-Remaining"] == "17"
    # The refusal took 1 request and then 9 more: 17 - 9 - 1.
    assert after_refusal.headers["X-Ratelimit-Remaining"] == "7"


def test_other_4xx_answers_cost_one_request(still_buckets):
    emulator = still_buckets
    token = emulator.mint()
    for _ in range(2):
        get(emulator, GOODS, token)

    assert get(emulator, GOODS, token, limit=1).headers["X-Ratelimit-Remaining"] == "2"


# --- WB warehouses (analytics) ----------------------------------------------------------------


def test_the_wb_warehouse_report_pages_filters_and_ends_with_204(world_emulator, seller):
    token, sid = seller
    truth = world_emulator.truth(sid, "fbw_stocks")
    pages, offset = [], 0
    while (
        answer := post(world_emulator, FBW, token, {"limit": 30, "offset": offset})
    ).status_code == 200:
        pages += answer.json()["data"]["items"]
        offset += 30
    nm_id = truth[0]["nmId"]
    sizes = [row for row in truth if row["nmId"] == nm_id]
    one = post(world_emulator, FBW, token, {"nmIds": [nm_id], "chrtIds": [sizes[-1]["chrtId"]]})
    ignored = post(world_emulator, FBW, token, {"chrtIds": [sizes[-1]["chrtId"]], "limit": 1})

    assert answer.status_code == 204 and answer.content == b""
    assert pages == truth
    assert {(r["warehouseId"], r["warehouseName"]) for r in truth} == {(-999999, "Склад WB")}
    assert one.json()["data"]["items"] == [sizes[-1]]
    assert ignored.json()["data"]["items"] == truth[:1]


def test_the_wb_warehouse_report_is_closed_to_basic_tokens(world_emulator):
    response = post(world_emulator, FBW, world_emulator.mint(type="basic"), {})

    assert response.status_code == 403
    assert response.json()["detail"] == "base token is not allowed"


@pytest.mark.parametrize("body", [{"limit": 250_001}, {"nmIds": list(range(1001))}, {"offset": -1}])
def test_the_wb_warehouse_report_refuses_in_the_analytics_shape(world_emulator, seller, body):
    token, _ = seller

    response = post(world_emulator, FBW, token, body)

    assert response.status_code == 400
    answer = response.json()
    assert set(answer) == {"title", "detail", "requestId", "origin"}
    assert answer["requestId"] == response.headers["X-Request-Id"]


# --- Statistics -------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "dataset"), [(ORDERS, "orders"), (SALES, "sales")])
def test_flag_0_pages_by_last_change_date_until_an_empty_list(
    world_emulator, seller, method, dataset
):
    token, sid = seller
    truth = world_emulator.truth(sid, dataset)
    pages, date_from = [], "2025-01-01"
    while page := get(world_emulator, method, token, dateFrom=date_from).json():
        assert len(page) <= 50
        assert all(row["lastChangeDate"] > date_from for row in page)
        pages.append(page)
        date_from = page[-1]["lastChangeDate"]
    rows = [row for page in pages for row in page]

    assert len(pages) > 3
    assert [r["lastChangeDate"] for r in rows] == sorted(r["lastChangeDate"] for r in rows)
    assert all(row in truth for row in rows)
    assert len(rows) >= len(truth) - len(pages)  # at most the rows a cut left behind


def test_flag_1_gives_every_row_of_the_day_without_a_cap(world_emulator, seller):
    token, sid = seller
    day = "2026-02-10"
    world_emulator.configure(sid, page_rows=10)

    orders = get(world_emulator, ORDERS, token, dateFrom=f"{day}T17:45:00", flag=1).json()
    sales = get(world_emulator, SALES, token, dateFrom=day, flag=1).json()

    def of_the_day(dataset):
        return [r for r in world_emulator.truth(sid, dataset) if r["date"].startswith(day)]

    assert len(orders) > 10
    assert sorted(orders, key=str) == sorted(of_the_day("orders"), key=str)
    assert sorted(sales, key=str) == sorted(of_the_day("sales"), key=str)


def test_statistics_forget_orders_after_90_days(world_emulator, seller):
    token, _ = seller

    old = get(world_emulator, ORDERS, token, dateFrom="2025-11-25", flag=1).json()
    kept = get(world_emulator, ORDERS, token, dateFrom="2025-12-05", flag=1).json()

    assert old == [] and kept


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({}, ["dateFrom: field required"]),
        ({"dateFrom": "tomorrow"}, "dateFrom: Value not validated"),
        ({"dateFrom": "2026-01-01", "flag": 2}, "flag: Value not validated"),
    ],
)
def test_statistics_refuse_in_their_shape(world_emulator, seller, params, errors):
    token, _ = seller

    response = get(world_emulator, ORDERS, token, **params)

    assert response.status_code == 400
    assert response.json() == {"errors": errors}


def test_an_80000_row_page_can_cut_through_rows_of_one_last_change_date(world_emulator):
    token = world_emulator.mint(seller_name="ООО «Большие продажи»")
    sid = decode_token(token).seller_sid
    world_emulator.configure(sid, products=2_000, orders_per_day=20_000, history_start="2026-02-25")
    truth = world_emulator.truth(sid, "orders")
    changes = [row["lastChangeDate"] for row in truth]
    cut = max(n for n in range(1, 80_001) if changes[n - 1] == changes[n])
    world_emulator.configure(sid, page_rows=cut)

    started = time.perf_counter()
    first = get(world_emulator, ORDERS, token, dateFrom="2026-01-01").json()
    elapsed = time.perf_counter() - started
    second = get(world_emulator, ORDERS, token, dateFrom=first[-1]["lastChangeDate"]).json()
    world_emulator.configure(sid, page_rows=80_000)
    full = get(world_emulator, ORDERS, token, dateFrom="2026-01-01").json()

    assert len(truth) > 80_000 and cut > 79_000
    assert first == truth[:cut]
    assert first[-1]["lastChangeDate"] == truth[cut]["lastChangeDate"]
    # WB's dateFrom is strictly after: the rows left at the cut are not on the next page.
    assert second[0] == next(r for r in truth[cut:] if r["lastChangeDate"] > changes[cut - 1])
    assert full == truth[:80_000]
    assert elapsed < 30


# --- Finance ----------------------------------------------------------------------------------


def test_report_rows_page_by_rrd_id_until_204(world_emulator, seller):
    token, sid = seller
    rows, rrd_id = [], 0
    while (
        answer := post(
            world_emulator, DETAILED, token, {**WHOLE_HISTORY, "limit": 700, "rrdId": rrd_id}
        )
    ).status_code == 200:
        rows += answer.json()
        rrd_id = rows[-1]["rrdId"]

    assert answer.status_code == 204 and answer.content == b""
    assert rows == world_emulator.truth(sid, "finance_rows")


def test_report_rows_by_period_and_fields(world_emulator, seller):
    token, sid = seller
    week = {"dateFrom": "2026-02-09", "dateTo": "2026-02-15T23:59:59"}
    body = {**week, "fields": ["rrdId", "srid", "forPay"]}

    projected = post(world_emulator, DETAILED, token, body).json()
    daily = post(world_emulator, DETAILED, token, {**week, "period": "daily"}).json()

    weekly_rows = [
        r for r in world_emulator.truth(sid, "finance_rows") if r["dateFrom"] == "2026-02-09"
    ]
    assert projected == [{k: r[k] for k in ("rrdId", "srid", "forPay")} for r in weekly_rows]
    assert {r["dateFrom"] for r in daily} == {f"2026-02-{d:02d}" for d in range(9, 16)}
    assert all(r["reportId"] > 2**53 for r in daily)


@pytest.mark.parametrize(
    "body",
    [
        {"dateTo": "2026-02-01"},
        {"dateFrom": "2026-02-01", "dateTo": "soon"},
        {"dateFrom": "2026-03-01", "dateTo": "2026-02-01"},
        {**WHOLE_HISTORY, "limit": 100_001},
        {**WHOLE_HISTORY, "period": "monthly"},
        {**WHOLE_HISTORY, "fields": ["rrdId", "price"]},
    ],
)
def test_finance_refuses_in_its_problem_shape(world_emulator, seller, body):
    token, _ = seller

    response = post(world_emulator, DETAILED, token, body)

    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("application/problem+json")
    answer = response.json()
    assert set(answer) == {"status", "title", "detail", "requestId", "origin"}
    assert answer["origin"] == "open-api-finreports"


def test_the_report_list_pages_and_is_for_personal_and_service_tokens(world_emulator, seller):
    token, sid = seller
    first = post(world_emulator, REPORTS, token, {**WHOLE_HISTORY, "limit": 5}).json()
    rest = post(world_emulator, REPORTS, token, {**WHOLE_HISTORY, "offset": 5}).json()
    beyond = post(world_emulator, REPORTS, token, {**WHOLE_HISTORY, "offset": 500})

    assert first + rest == world_emulator.truth(sid, "finance_reports")
    assert beyond.status_code == 204
    basic = world_emulator.mint(type="basic", sid=sid)
    assert post(world_emulator, REPORTS, basic, WHOLE_HISTORY).status_code == 403
    assert post(world_emulator, DETAILED, basic, WHOLE_HISTORY).status_code == 200


def test_a_revised_report_gets_new_rows_and_a_new_create_date(world_emulator, seller):
    _, sid = seller
    before = world_emulator.truth(sid, "finance_reports")[3]
    old_rows = [
        r for r in world_emulator.truth(sid, "finance_rows") if r["reportId"] == before["reportId"]
    ]

    world_emulator.advance_clock(timedelta(days=2))
    answer = control(
        world_emulator,
        "POST",
        f"/sellers/{sid}/finance/revise",
        json={"reportId": before["reportId"]},
    )
    after = _by_id(world_emulator.truth(sid, "finance_reports"))[before["reportId"]]
    new_rows = [
        r for r in world_emulator.truth(sid, "finance_rows") if r["reportId"] == before["reportId"]
    ]

    assert answer.status_code == 200
    assert after["createDate"] == "2026-03-03" != before["createDate"]
    assert len(new_rows) == len(old_rows) + 1
    assert not {r["rrdId"] for r in new_rows} & {r["rrdId"] for r in old_rows}
    assert after["deliveryServiceSum"] != before["deliveryServiceSum"]
    refused = control(
        world_emulator, "POST", f"/sellers/{sid}/finance/revise", json={"reportId": 5}
    )
    assert refused.status_code == 400


def _by_id(reports):
    return {report["reportId"]: report for report in reports}


# --- Control, truth, log, faults --------------------------------------------------------------


def test_the_truth_endpoint_gives_what_the_server_method_gives(world_emulator, seller):
    _, sid = seller

    answer = control(world_emulator, "GET", f"/sellers/{sid}/truth/sales").json()
    daily = control(
        world_emulator, "GET", f"/sellers/{sid}/truth/finance_reports", params={"period": "daily"}
    )
    unknown = control(world_emulator, "GET", f"/sellers/{sid}/truth/everything")

    assert answer["rows"] == world_emulator.truth(sid, "sales")
    assert (answer["dataset"], answer["count"], answer["now"]) == (
        "sales",
        len(answer["rows"]),
        "2026-03-01T12:00:00Z",
    )
    assert daily.json()["rows"] == world_emulator.truth(sid, "finance_reports", period="daily")
    assert unknown.status_code == 400 and "Unknown dataset" in unknown.json()["detail"]


def test_the_clock_is_frozen_set_and_advanced_through_the_control_endpoint(world_emulator):
    set_at = control(
        world_emulator, "POST", "/clock", json={"at": "2026-05-01T10:00:00+03:00"}
    ).json()
    advanced = control(world_emulator, "POST", "/clock", json={"advance": 90}).json()
    bad = control(world_emulator, "POST", "/clock", json={"advance": "soon"})
    control(world_emulator, "POST", "/clock", json={"resume": True})

    assert set_at == {"now": "2026-05-01T07:00:00Z", "frozen": True}
    assert advanced["now"] == "2026-05-01T07:01:30Z"
    assert bad.status_code == 400
    assert control(world_emulator, "GET", "/clock").json()["frozen"] is False


def test_world_configuration_through_the_control_endpoint(world_emulator):
    changed = control(
        world_emulator, "POST", "/sellers/abc/config", json={"products": 12, "page_rows": 10}
    )
    bad = control(world_emulator, "POST", "/sellers/abc/config", json={"products": 0})
    unknown = control(world_emulator, "POST", "/sellers/abc/config", json={"colour": "red"})

    assert changed.json() == {
        "products": 12,
        "orders_per_day": 300,
        "page_rows": 10,
        "history_start": None,
    }
    assert control(world_emulator, "GET", "/sellers/abc/config").json() == changed.json()
    assert bad.status_code == unknown.status_code == 400
    assert "products must be" in bad.json()["detail"]


def test_the_log_keeps_each_query_and_body_never_the_token(world_emulator, seller):
    token, _ = seller
    get(world_emulator, ORDERS, token, dateFrom="2026-02-01")
    post(world_emulator, FBW, token, {"limit": 5, "note": token})

    order, report = world_emulator.request_log
    logged = json.dumps(control(world_emulator, "GET", "/log").json())

    assert order.query == {"dateFrom": "2026-02-01"}
    assert report.body == {"limit": 5, "note": "<token>"}
    assert token not in logged


@pytest.mark.parametrize("kind", ["status", "malformed_json", "html", "latency", "reset"])
def test_faults_work_on_post_methods(private_emulator, kind):
    token = private_emulator.mint()
    private_emulator.set_fault(
        kind, status=503 if kind == "status" else None, delay=0.01, path=DETAILED[1]
    )

    try:
        response = post(private_emulator, DETAILED, token, WHOLE_HISTORY)
    except requests.ConnectionError:
        response = None

    assert private_emulator.request_log[0].fault == kind
    if kind == "reset":
        assert response is None
    elif kind == "latency":
        assert response.status_code in (200, 204)
    else:
        assert response.status_code == (503 if kind == "status" else 200)


def test_a_truncate_fault_announces_the_whole_body_and_hangs_up_after_n_bytes(private_emulator):
    token = private_emulator.mint()
    private_emulator.set_fault("truncate", after_bytes=100)
    body = json.dumps({"settings": {"cursor": {"limit": 10}}})
    request = (
        f"POST /content-api{CARDS[1]} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n{body}"
    )

    with socket.create_connection(("127.0.0.1", private_emulator.port), timeout=5) as conn:
        conn.sendall(request.encode())
        answer = b"".join(iter(lambda: conn.recv(65536), b""))

    head, sent = answer.split(b"\r\n\r\n", 1)
    length = int(
        next(h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")).split(b":")[
            1
        ]
    )
    assert len(sent) == 100 < length
    private_emulator.set_fault("truncate")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        post(private_emulator, CARDS, token, {"settings": {"cursor": {"limit": 10}}})
