"""Exports (wberp.exports) and the table pages' "Export" links: CSV with a BOM, `;` for
Russian Excel and formulas neutralised; XLSX typed cells and no formula from data; each page's
filters kept and its cabinet scope and permission applied."""

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from access.models import CabinetGrant, Level
from catalog.testing import FBS_HOME, FBW_KOLEDINO, SizeSpec, product_make
from conftest import client_for
from finance.models import ReportRow
from sales.models import Order
from sales.tests.test_views import WEEK
from sellers.models import Seller
from wberp.csv_export import CHUNK_ROWS, csv_pieces
from wberp.exports import xlsx_write

pytestmark = pytest.mark.django_db
SEE_ALL = "access.see_all_cabinets"
COLUMNS = [("name", lambda row: row["name"]), ("value", lambda row: row["value"])]


def body_of(response) -> bytes:
    return b"".join(response.streaming_content)


def csv_text(response) -> list[str]:
    return body_of(response).decode("utf-8").splitlines()


def sheet_of(response_or_bytes):
    data = response_or_bytes if isinstance(response_or_bytes, bytes) else body_of(response_or_bytes)
    return openpyxl.load_workbook(io.BytesIO(data)).active


# --- The writers --------------------------------------------------------------------------


def test_csv_starts_with_a_bom_and_neutralises_what_looks_like_a_formula():
    rows = [{"name": value, "value": 1} for value in ("=1+1", "+7 999", "-2", "@SUM(A1)", "ok")]
    rows.append({"name": "\tTab", "value": None})
    lines = "".join(csv_pieces(rows, COLUMNS, ";")).splitlines()
    assert lines[0] == "\ufeffname;value"
    assert lines[1:6] == ["'=1+1;1", "'+7 999;1", "'-2;1", "'@SUM(A1);1", "ok;1"]
    assert lines[6] == "'\tTab;"


def test_xlsx_types_numbers_and_dates_and_never_writes_a_formula(settings):
    settings.TIME_ZONE = "Europe/Moscow"
    moment = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
    rows = [
        {"name": '=HYPERLINK("http://x")', "value": Decimal("1234.50")},
        {"name": "day", "value": date(2026, 11, 30)},
        {"name": "moment", "value": moment},
        {"name": "flag", "value": True},
        {"name": "none", "value": None},
    ]
    target = io.BytesIO()
    assert xlsx_write(rows, COLUMNS, target) == 5
    sheet = sheet_of(target.getvalue())
    cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert cells[0] == ["name", "value"]
    assert cells[1] == ['=HYPERLINK("http://x")', 1234.5]
    assert sheet["A2"].data_type == "s"  # text, not a formula
    assert sheet["B2"].data_type == "n"
    assert cells[2][1] == datetime(2026, 11, 30)
    assert cells[3][1] == datetime(2026, 11, 30, 12, 15)  # Moscow time, as the pages show it
    assert cells[4][1] is True and cells[5][1] is None


def test_xlsx_reports_its_progress_every_chunk():
    heard = []
    rows = ({"name": "n", "value": number} for number in range(CHUNK_ROWS * 2 + 1))
    assert xlsx_write(rows, COLUMNS, io.BytesIO(), progress=heard.append) == CHUNK_ROWS * 2 + 1
    assert heard == [CHUNK_ROWS, CHUNK_ROWS * 2]


# --- The pages ----------------------------------------------------------------------------


@pytest.fixture
def trade_reader(make_user):
    perms = [SEE_ALL, "sales.view_order", "sales.view_sale", "finance.view_report"]
    return client_for(make_user("exporter", staff=True, perms=perms))


def test_the_orders_export_keeps_the_pages_filters(synced_cabinet, trade_reader):
    seller = synced_cabinet.seller
    url = reverse("sales:orders", args=[seller.sid])
    cancelled = {**WEEK, "state": "cancelled", "page": "2"}
    lines = csv_text(trade_reader.get(url, {**cancelled, "export": "csv"}))
    expected = Order.objects.filter(
        seller=seller, date__date__gte=WEEK["date_from"], is_cancel=True
    )
    assert lines[0].startswith("\ufeffsrid,date,") and len(lines) == 1 + expected.count() > 1
    semicolon = csv_text(trade_reader.get(url, {**WEEK, "export": "csv", "delimiter": "semicolon"}))
    assert semicolon[0].startswith("\ufeffsrid;date;")
    sheet = sheet_of(trade_reader.get(url, {**cancelled, "export": "xlsx"}))
    assert sheet.max_row == 1 + expected.count()
    header = [cell.value for cell in sheet[1]]
    price = sheet.cell(row=2, column=header.index("price_with_disc") + 1)
    assert price.data_type == "n"
    assert isinstance(sheet.cell(row=2, column=header.index("date") + 1).value, datetime)


def test_the_page_shows_export_links_with_its_filters(synced_cabinet, trade_reader):
    seller = synced_cabinet.seller
    page = trade_reader.get(reverse("sales:sales", args=[seller.sid]), {**WEEK, "state": "returns"})
    text = page.content.decode()
    assert "export=csv" in text and "export=xlsx" in text and "delimiter=semicolon" in text
    assert "state=returns" in text.split("export=xlsx")[0].rsplit("href=", 1)[1]


def test_a_reports_rows_export(synced_cabinet, trade_reader):
    seller = synced_cabinet.seller
    row = ReportRow.objects.filter(seller=seller).first()
    url = reverse("finance:report", args=[seller.sid, row.report_id])
    lines = csv_text(trade_reader.get(url, {"export": "csv"}))
    assert len(lines) == 1 + ReportRow.objects.filter(report_id=row.report_id).count()
    reports = reverse("finance:reports", args=[seller.sid])
    assert len(csv_text(trade_reader.get(reports, {"export": "csv"}))) > 1


@pytest.fixture
def two_cabinets(db) -> dict[str, Seller]:
    sellers = {key: Seller.objects.create(sid=f"sid-{key}", name=f"Cabinet {key}") for key in "AB"}
    product_make(sellers["A"], 101, sizes=[SizeSpec(1, stocks={FBS_HOME: 2, FBW_KOLEDINO: 3})])
    product_make(sellers["B"], 202, sizes=[SizeSpec(2, stocks={FBS_HOME: 5})])
    return sellers


def test_catalogue_exports_keep_to_the_users_cabinets(two_cabinets, make_user):
    perms = ["catalog.view_product", "catalog.view_stock"]
    user = make_user("cabinet-a", staff=True, perms=perms)
    CabinetGrant.objects.create(seller=two_cabinets["A"], user=user, catalogue=Level.VIEW)
    client = client_for(user)
    products = csv_text(client.get(reverse("catalog:products", args=["sid-A"]), {"export": "csv"}))
    assert len(products) == 2 and products[1].startswith("101,")
    assert "VC-202" not in "".join(products)
    stocks = reverse("catalog:stocks", args=["sid-A"])
    sheet = sheet_of(client.get(stocks, {"export": "xlsx", "kind": "fbw"}))
    header = [cell.value for cell in sheet[1]]
    assert sheet.max_row == 2
    assert sheet.cell(row=2, column=header.index("quantity") + 1).value == 3
    other = client.get(reverse("catalog:products", args=["sid-B"]), {"export": "csv"})
    assert other.status_code == 404


def test_the_token_list_export_never_holds_a_token(make_token, superuser):
    token = make_token("Main shop")
    client = client_for(superuser)
    response = client.get(reverse("tokens:list"), {"export": "csv"})
    text = body_of(response).decode()
    assert response["Content-Disposition"] == 'attachment; filename="wb-tokens.csv"'
    assert "Main shop" in text and token.seller.sid in text
    assert token.ciphertext not in text
    # Times are written in UTC with their offset, whatever the site's time zone.
    assert token.expires_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S+00:00") in text
