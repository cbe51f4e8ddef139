"""The cabinet dashboard's tables as CSV and XLSX: every row of each table for the page's
period, through the same exports as the table pages; a table the user does not see is not
found; a large XLSX goes to My exports like any other."""

import io
from datetime import timedelta

import openpyxl
import pytest
from django.urls import reverse

from conftest import client_for
from dashboards.selectors import SHOWN_PRODUCTS, Period, products_of
from exports.models import Export
from exports.services import export_write
from sales.models import Sale

from .test_dashboard import PERMS, TODAY, grant, in_period, stock_up

pytestmark = pytest.mark.django_db


def export(client, seller, **query):
    return client.get(reverse("sellers:detail", args=[seller.sid]), query)


def csv_lines(response) -> list[str]:
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8-sig").splitlines()


def test_the_products_table_exports_every_product_of_the_period(cabinet, reader):
    seller = cabinet.seller
    page = export(reader, seller, period="30").content.decode()
    assert "table=products" in page and "table=cover" not in page  # no stock, no cover table
    products = products_of(seller.pk, export(reader, seller, period="30").context["form"].chosen())
    assert len(products) > 2 * SHOWN_PRODUCTS  # more than the top and bottom shown
    lines = csv_lines(export(reader, seller, period="30", table="products", export="csv"))
    assert lines[0] == "nm_id,vendor_code,title,orders,buyouts,returns,revenue"
    assert len(lines) == 1 + len(products)
    first = products[0]
    assert lines[1].split(",")[0] == str(first.nm_id) and lines[1].endswith(f",{first.revenue}")
    semicolon = export(
        reader, seller, period="30", table="products", export="csv", delimiter="semicolon"
    )
    assert csv_lines(semicolon)[0].startswith("nm_id;vendor_code;")


def test_the_stock_tables_export_with_numbers_typed(cabinet, reader, settings):
    settings.EXPORTS_XLSX_INLINE_ROWS = 10_000
    seller = cabinet.seller
    window = Period(TODAY - timedelta(days=29), TODAY)
    bought = Sale.objects.filter(seller=seller, is_return=False)
    sold = sorted({sale.nm_id for sale in bought if in_period(sale.date, window)})
    stocked, empty = sold[0], sold[1]
    stock_up(seller, stocked, units=70, price="100.00")
    stock_up(seller, empty, units=0, price="50.00")
    page = export(reader, seller, period="30", cover="30").content.decode()
    assert "table=cover" in page and "table=out_of_stock" in page
    response = export(reader, seller, cover="30", table="cover", export="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [cell.value for cell in sheet[1]]
    assert header == ["nm_id", "vendor_code", "title", "units", "per_day", "days_of_cover"]
    assert [[cell.value for cell in row][:4] for row in sheet.iter_rows(min_row=2)] == [
        [stocked, f"V{stocked}", None, 70]
    ]
    assert sheet.cell(row=2, column=5).data_type == "n"
    out = csv_lines(export(reader, seller, cover="30", table="out_of_stock", export="csv"))
    assert out[0] == "nm_id,vendor_code,title,sold"
    assert any(line.startswith(f"{empty},V{empty},") for line in out[1:])
    assert not any(line.startswith(f"{stocked},") for line in out[1:])


def test_a_table_the_user_does_not_see_is_not_found(cabinet, make_user):
    seller = cabinet.seller
    finance_only = make_user("finance-only", staff=True, perms=PERMS)
    grant(finance_only, seller, finance=1)
    client = client_for(finance_only)
    assert export(client, seller, table="products", export="csv").status_code == 404
    assert export(client, seller, table="nonsense", export="csv").status_code == 404
    assert export(client, seller, period="30").status_code == 200


def test_a_large_dashboard_xlsx_is_written_by_a_task(cabinet, make_user, settings, tmp_path):
    settings.EXPORTS_XLSX_INLINE_ROWS, settings.EXPORTS_DIR = 1, tmp_path
    user = make_user("dash-owner", staff=True, perms=PERMS)
    grant(user, cabinet.seller, sales=1)
    response = export(client_for(user), cabinet.seller, period="7", table="products", export="xlsx")
    assert response.status_code == 302 and response["Location"] == reverse("exports:list")
    queued = Export.objects.get()
    assert queued.table.startswith(f"products-{cabinet.seller.sid}-")
    assert export_write(export_id=str(queued.pk)) == "done"
    queued.refresh_from_db()
    assert str(TODAY - timedelta(days=6)) in queued.table
    sheet = openpyxl.load_workbook(queued.file_path).active
    assert sheet.max_row == 1 + queued.rows_total > 2
