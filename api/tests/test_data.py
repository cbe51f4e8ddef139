"""/api/v1/sellers/{sid}/products/, /stocks/, /finance/reports/… and /sync/: the pages'
selectors and filters, cursor pages, updated_since, CSV, permissions, scopes and the cabinet's
scope."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access.models import CabinetGrant, Level
from api.services import api_token_create
from catalog.models import Product, Stock
from catalog.testing import FBS_HOME, FBW_KOLEDINO, SizeSpec, product_make
from finance.models import Report, ReportRow
from sellers.models import Seller
from sync.engine import streams_ensure
from sync.models import SyncRun, SyncStream

from .conftest import SEE_ALL, APIClient, api_client_for
from .test_trade import every_page

pytestmark = pytest.mark.django_db
CATALOGUE_PERMS = [SEE_ALL, "catalog.view_product", "catalog.view_stock"]


@pytest.fixture
def catalogue(db) -> dict[str, Seller]:
    """Cabinet A with five products (two sizes each, the last out of stock), B with one."""
    sellers = {key: Seller.objects.create(sid=f"sid-{key}", name=f"Cabinet {key}") for key in "AB"}
    for number in range(5):
        stocks = {} if number == 4 else {FBS_HOME: number + 1, FBW_KOLEDINO: 10}
        product_make(
            sellers["A"],
            1000 + number,
            brand="Ромашка",
            sizes=[
                SizeSpec(2000 + 2 * number, "S", (f"46{number}01",), stocks=stocks),
                SizeSpec(2001 + 2 * number, "M", (f"46{number}02",), stocks=stocks),
            ],
        )
    product_make(sellers["B"], 9000, sizes=[SizeSpec(9900, stocks={FBS_HOME: 3})])
    return sellers


@pytest.fixture
def reader(make_user) -> APIClient:
    return api_client_for(make_user("catalogue-reader", staff=True, perms=CATALOGUE_PERMS))


# --- Products and stocks --------------------------------------------------------------------


def test_products_by_nm_id_with_sizes_barcodes_prices_and_stock(catalogue, reader):
    rows = every_page(reader, "/api/v1/sellers/sid-A/products/", {"limit": 2})
    assert [row["nm_id"] for row in rows] == [1000, 1001, 1002, 1003, 1004]  # never B's 9000
    first = rows[0]
    assert first["stock"] == 2 * (1 + 10) and Decimal(first["price_from"]) == 1000
    assert first["sizes"][0] == {
        "chrt_id": 2000,
        "tech_size": "S",
        "wb_size": "",
        "barcodes": ["46001"],
        "price": {
            "currency": "RUB",
            "price": "1000.00",
            "discounted_price": "1000.00",
            "club_discounted_price": None,
            "discount": 0,
            "club_discount": None,
        },
        "stock": 11,
    }
    assert "description" not in first and "seller" not in first


def test_a_page_of_products_costs_the_same_queries_however_long(catalogue, reader):
    url = "/api/v1/sellers/sid-A/products/"
    counts = []
    for limit in (1, 5):
        with CaptureQueriesContext(connection) as queries:
            assert len(reader.get(url, {"limit": limit}).json()["data"]) == limit
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_product_pages_filters_and_updated_since_apply(catalogue, reader):
    url = "/api/v1/sellers/sid-A/products/"
    assert [row["nm_id"] for row in reader.get(url, {"stock": "out"}).json()["data"]] == [1004]
    assert [row["nm_id"] for row in reader.get(url, {"search": "46202"}).json()["data"]] == [1002]
    moment = timezone.now()
    Product.objects.filter(nm_id=1003).update(changed_at=moment + timedelta(seconds=1))
    changed = reader.get(url, {"updated_since": moment.isoformat()}).json()["data"]
    assert [row["nm_id"] for row in changed] == [1003]
    assert reader.get(url, {"stock": "nonsense"}).status_code == 422


def test_stocks_one_row_per_size_and_warehouse_fbs_first_and_as_csv(catalogue, reader):
    url = "/api/v1/sellers/sid-A/stocks/"
    rows = every_page(reader, url, {"limit": 3})
    assert len(rows) == Stock.objects.filter(seller=catalogue["A"]).count() == 16
    assert [row["kind"] for row in rows] == ["fbs"] * 8 + ["fbw"] * 8
    assert {"vendor_code": "VC-1000", "tech_size": "S", "quantity": 1}.items() <= rows[0].items()
    fbw = reader.get(url, {"kind": "fbw", "warehouse": 507}).json()["data"]
    assert len(fbw) == 8 and {row["warehouse_name"] for row in fbw} == {"Коледино"}
    lines = b"".join(reader.get(url, {"format": "csv"}).streaming_content).decode().splitlines()
    assert lines[0].startswith("\ufeffchanged_at,kind,warehouse_id,") and len(lines) == 17
    assert "vendor_code,tech_size" in lines[0]


def test_products_need_the_catalogue_area_permission_and_scope(catalogue, make_user):
    user = make_user("stocks-only", staff=True, perms=[SEE_ALL, "catalog.view_stock"])
    stocks_only = api_client_for(user)
    assert stocks_only.get("/api/v1/sellers/sid-A/products/").status_code == 403
    assert stocks_only.get("/api/v1/sellers/sid-A/stocks/").status_code == 200
    granted = make_user("granted", staff=True, perms=CATALOGUE_PERMS[1:])
    CabinetGrant.objects.create(seller=catalogue["A"], user=granted, sales=Level.VIEW)
    assert api_client_for(granted).get("/api/v1/sellers/sid-A/products/").status_code == 404
    owner = make_user("owner", staff=True, perms=[*CATALOGUE_PERMS, "sales.view_order"])
    for scopes, status in ((["catalog:read"], 200), (["sales:read"], 403)):
        _token, raw = api_token_create(user=owner, name="scoped", scopes=scopes)
        bearer = APIClient(HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert bearer.get("/api/v1/sellers/sid-A/products/").status_code == status, scopes


# --- Finance reports ------------------------------------------------------------------------


@pytest.fixture
def finance_reader(make_user) -> APIClient:
    return api_client_for(make_user("finance", staff=True, perms=[SEE_ALL, "finance.view_report"]))


def test_reports_newest_first_within_the_dates_and_one_report(synced_cabinet, finance_reader):
    seller = synced_cabinet.seller
    url = f"/api/v1/sellers/{seller.sid}/finance/reports/"
    rows = every_page(finance_reader, url, {"limit": 1})
    stored = Report.objects.filter(seller=seller, period="weekly").order_by("-date_from")
    assert [row["report_id"] for row in rows] == [report.report_id for report in stored]
    assert len(rows) > 1
    newest = stored[0]
    within = finance_reader.get(url, {"date_from": newest.date_to.isoformat()}).json()["data"]
    assert [row["report_id"] for row in within] == [newest.report_id]
    one = finance_reader.get(f"{url}{newest.report_id}/").json()
    assert one["for_pay_sum"] is not None and one["date_from"] == newest.date_from.isoformat()
    assert finance_reader.get(f"{url}1/").status_code == 404
    assert finance_reader.get(f"{url}{2**63}/").status_code == 422


def test_a_reports_rows_in_wbs_order_filtered_and_as_csv(synced_cabinet, finance_reader):
    seller = synced_cabinet.seller
    report = Report.objects.filter(seller=seller, rows_count__gt=3).first()
    url = f"/api/v1/sellers/{seller.sid}/finance/reports/{report.report_id}/rows/"
    rows = every_page(finance_reader, url, {"limit": 3})
    stored = ReportRow.objects.filter(seller=seller, report_id=report.report_id)
    assert [row["rrd_id"] for row in rows] == sorted(stored.values_list("rrd_id", flat=True))
    operation = stored.first().seller_oper_name
    only = every_page(finance_reader, url, {"operation": operation})
    assert only and {row["seller_oper_name"] for row in only} == {operation}
    response = finance_reader.get(url, {"format": "csv", "delimiter": "semicolon"})
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("\ufeffreport_id;rrd_id;") and len(lines) == 1 + stored.count()
    assert (
        response["Content-Disposition"] == f'attachment; filename="report-{report.report_id}.csv"'
    )


# --- Sync -----------------------------------------------------------------------------------


@pytest.fixture
def sync_people(make_user, db) -> dict:
    seller = Seller.objects.create(sid="sid-S", name="Cabinet S")
    streams_ensure(now=timezone.now())
    perms = ["sync.view_syncstream", "sync.change_syncstream"]
    people = {name: make_user(name, staff=True, perms=perms) for name in ("changer", "reader")}
    make_user("stranger", staff=True, perms=perms)
    CabinetGrant.objects.create(seller=seller, user=people["changer"], sync=Level.CHANGE)
    CabinetGrant.objects.create(seller=seller, user=people["reader"], sync=Level.VIEW)
    return people


def test_the_sync_state_of_each_dataset(sync_people):
    body = api_client_for(sync_people["reader"]).get("/api/v1/sellers/sid-S/sync/").json()
    datasets = {row["dataset"]: row for row in body["data"]}
    assert set(datasets) == set(
        SyncStream.objects.filter(seller__sid="sid-S").values_list("dataset", flat=True)
    )
    cards = datasets["cards"]
    assert cards["state"] == "idle" and cards["state_text"] == "Not synced yet"
    assert cards["last_error"] is None and cards["counters"]["pages"] == 0


def test_sync_now_needs_the_sync_area_at_change(sync_people, make_user):
    url = "/api/v1/sellers/sid-S/sync/"
    reader = api_client_for(sync_people["reader"])
    assert reader.post_json(url, {"dataset": "cards"}).status_code == 403
    stranger = api_client_for(make_user("nobody", staff=True, perms=["sync.view_syncstream"]))
    assert stranger.get(url).status_code == 404
    assert not SyncRun.objects.exists()
    changer = api_client_for(sync_people["changer"])
    assert changer.post_json(url, {"dataset": "nonsense"}).status_code == 400
    started = changer.post_json(url, {"dataset": "cards"})
    assert started.status_code == 202
    assert [row["dataset"] for row in started.json()["data"]] == ["cards"]
    run = SyncRun.objects.get()
    assert run.stream.dataset == "cards" and run.trigger == SyncRun.Trigger.MANUAL
    assert run.requested_by == sync_people["changer"]
    every = changer.post_json(url, {})
    assert every.status_code == 202 and len(every.json()["data"]) > 1
