"""CSV exports (wberp.csv_export): the bytes of tricky values, the same bytes by COPY on
PostgreSQL as by csv.writer for every table page's export, and pieces of bounded size."""

from datetime import UTC, date, datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.db.models import Model
from django.urls import reverse

from catalog.models import Product, Stock
from catalog.testing import FBS_HOME, FBW_KOLEDINO, SizeSpec, product_make
from conftest import client_for
from costs.models import CostPrice
from finance.models import Report, ReportRow
from sales.models import Order, Sale
from sellers.models import Seller
from wberp import csv_export
from wberp.csv_export import PIECE_SIZE, RowEnds, csv_pieces
from wberp.exports import columns_of

pytestmark = pytest.mark.django_db
# Moscow midnight of 1 December, and the last microsecond of 30 November there.
MIDNIGHT = datetime(2026, 11, 30, 21, 0, tzinfo=UTC)
LAST_MOMENT = datetime(2026, 11, 30, 20, 59, 59, 999999, tzinfo=UTC)
DAYS = {"date_from": "2026-11-29", "date_to": "2026-12-02"}
# Per kind of row: what its texts are, cycled over its text fields.
TEXTS = {
    "formulas": ["=1+1", "+7 999", "-2", "@SUM(A1)", "\tTab", "\rCR"],
    "quoting": ["a;b", "a,b", 'say "hi"', "line\nbreak", "Склад Коледино", "crlf\r\nend", '"'],
    "empty": [""],
}
NUMBER = {"formulas": -12.5, "quoting": 1234.5, "empty": None}
FLAG = {"formulas": True, "quoting": False, "empty": None}
DAY = {"formulas": date(2026, 11, 30), "quoting": date(2026, 12, 1), "empty": None}
MOMENT = {"formulas": MIDNIGHT, "quoting": LAST_MOMENT, "empty": None}


def tricky_values(model: type[Model], kind: str, **given) -> dict:
    """A value for each of the model's own fields, of the `kind` of row ("empty": None where
    the field allows it, the least it takes where not)."""
    values, texts = {}, 0
    for field in model._meta.concrete_fields:
        if field.primary_key or field.is_relation or field.name in given:
            continue
        kind_of_field = field.get_internal_type()
        if kind_of_field in ("TextField", "CharField"):
            value = TEXTS[kind][texts % len(TEXTS[kind])][: field.max_length]
            texts += 1
        elif kind_of_field == "BooleanField":
            value = FLAG[kind]
        elif kind_of_field == "DateField":
            value = DAY[kind]
        elif kind_of_field == "DateTimeField":
            value = MOMENT[kind]
        elif kind_of_field == "JSONField":
            continue
        else:
            number = NUMBER[kind]
            if number is not None and "Positive" in kind_of_field:
                number = abs(number)
            value = None if number is None else Decimal(str(number))
            if value is not None and kind_of_field != "DecimalField":
                value = int(value)
        if value is None and not field.null:
            value = {"BooleanField": False, "DateField": DAY["quoting"]}.get(
                kind_of_field, MIDNIGHT if kind_of_field == "DateTimeField" else 0
            )
        values[field.attname] = value
    return {**values, **given}


@pytest.fixture
def seller(db) -> Seller:
    return Seller.objects.create(sid="sid-csv", name='Кабинет; "CSV"')


@pytest.fixture
def reader(make_user, seller):
    perms = [
        "access.see_all_cabinets",
        *("sales.view_order", "sales.view_sale", "finance.view_report"),
        *("catalog.view_product", "catalog.view_stock", "costs.view_costprice"),
    ]
    return client_for(make_user("csv-reader", staff=True, perms=perms))


def export(client, url: str, query: dict) -> bytes:
    response = client.get(url, {**query, "export": "csv"})
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def both_ways(client, url: str, query: dict) -> tuple[bytes, bytes]:
    """The export as the app writes it, and as csv.writer alone would."""
    chosen = export(client, url, query)
    with mock.patch.object(csv_export, "copy_allowed", return_value=False):
        python = export(client, url, query)
    return chosen, python


# --- The bytes of tricky values -----------------------------------------------------------

ORDERS_CSV = (
    "\ufeffsrid,date,last_change_date,warehouse_name,warehouse_type,country_name,"
    "oblast_okrug_name,region_name,supplier_article,nm_id,barcode,category,subject,brand,"
    "tech_size,income_id,is_supply,is_realization,total_price,discount_percent,spp,"
    "finished_price,price_with_disc,sticker,g_number,is_cancel,cancel_date\r\n"
    # Newest first: the last microsecond of 30 November in Moscow comes before its midnight.
    ",2026-11-30 21:00:00+00:00,2026-11-30 21:00:00+00:00,,,,,,,,,,,,,,,,,,,,,,,False,\r\n"
    # Text that starts a formula gets a ', a negative number none (-12 is no formula).
    "'=1+1,2026-11-30 21:00:00+00:00,2026-11-30 21:00:00+00:00,'+7 999,'-2,'@SUM(A1),"
    "'\tTab,\"'\rCR\",'=1+1,-12,'+7 999,'-2,'@SUM(A1),'\tTab,\"'\rCR\",-12,True,True,"
    "-12.50,-12,-12.50,-12.50,-12.50,'=1+1,'+7 999,True,2026-11-30 21:00:00+00:00\r\n"
    'a;b,2026-11-30 20:59:59.999999+00:00,2026-11-30 20:59:59.999999+00:00,"a,b",'
    '"say ""hi""","line\nbreak",Склад Коледино,"crlf\r\nend","""",1234,a;b,"a,b",'
    '"say ""hi""","line\nbreak",Склад Коледино,1234,False,False,1234.50,1234,1234.50,'
    '1234.50,1234.50,"crlf\r\nend","""",False,2026-11-30 20:59:59.999999+00:00\r\n'
)


def test_the_orders_export_writes_each_kind_of_value_as_text_a_spreadsheet_keeps(seller, reader):
    for kind in TEXTS:
        Order.objects.create(seller=seller, **tricky_values(Order, kind))
    url = reverse("sales:orders", args=[seller.sid])
    chosen, python = both_ways(reader, url, DAYS)
    assert chosen.decode() == ORDERS_CSV
    assert python == chosen


def test_the_semicolon_export_quotes_what_has_a_semicolon_and_not_a_comma(seller, reader):
    Order.objects.create(seller=seller, **tricky_values(Order, "quoting"))
    url = reverse("sales:orders", args=[seller.sid])
    chosen, python = both_ways(reader, url, {**DAYS, "delimiter": "semicolon"})
    lines = chosen.decode().split("\r\n")
    assert lines[0].startswith("\ufeffsrid;date;last_change_date;")
    assert lines[1].startswith('"a;b";2026-11-30 20:59:59.999999+00:00;')
    assert ';a,b;"say ""hi""";"line\nbreak";Склад Коледино;' in lines[1]
    assert python == chosen


# --- The same bytes both ways, for every table page's export ------------------------------


def test_the_orders_and_sales_exports_are_the_same_both_ways(seller, reader):
    for kind in TEXTS:
        Order.objects.create(seller=seller, **tricky_values(Order, kind))
        Sale.objects.create(seller=seller, **tricky_values(Sale, kind))
    for name in ("sales:orders", "sales:sales"):
        chosen, python = both_ways(reader, reverse(name, args=[seller.sid]), DAYS)
        assert chosen == python and chosen.count(b"\r\n") >= 4


def test_the_finance_exports_are_the_same_both_ways(seller, reader):
    for number, kind in enumerate(TEXTS, start=1):
        given = {"report_id": number, "period": Report.Period.WEEKLY}
        Report.objects.create(seller=seller, **tricky_values(Report, kind, **given))
        ReportRow.objects.create(seller=seller, **tricky_values(ReportRow, kind, report_id=1))
    reports = reverse("finance:reports", args=[seller.sid])
    rows = reverse("finance:report", args=[seller.sid, 1])
    for url in (reports, rows):
        chosen, python = both_ways(reader, url, {})
        assert chosen == python and chosen.count(b"\r\n") >= 4


def test_the_catalogue_exports_are_the_same_both_ways(seller, reader):
    for nm_id, kind in enumerate(TEXTS, start=101):
        product = product_make(
            seller, nm_id, sizes=[SizeSpec(nm_id, stocks={FBS_HOME: 2, FBW_KOLEDINO: 3})]
        )
        texts = tricky_values(Product, kind)
        Product.objects.filter(pk=product.pk).update(
            **{name: texts[name] for name in ("vendor_code", "title", "brand", "subject_name")}
        )
    Stock.objects.filter(seller=seller, warehouse_name__gt="").update(warehouse_name="=HOME")
    for name in ("catalog:products", "catalog:stocks"):
        chosen, python = both_ways(reader, reverse(name, args=[seller.sid]), {})
        assert chosen == python and chosen.count(b"\r\n") >= 4


def test_the_cost_prices_export_is_the_same_both_ways(seller, reader):
    for kind in TEXTS:  # a cost is never negative; its update time has microseconds
        CostPrice.objects.create(seller=seller, **tricky_values(CostPrice, kind, cost=1))
    chosen, python = both_ways(reader, reverse("costs:list", args=[seller.sid]), {})
    assert chosen == python and chosen.count(b"\r\n") >= 4


def test_postgresql_writes_the_exports_by_copy(seller, reader):
    """So that the tests above compare two ways there (and one on SQLite)."""
    Order.objects.create(seller=seller, **tricky_values(Order, "formulas"))
    with mock.patch.object(csv_export, "copied", wraps=csv_export.copied) as copied:
        export(reader, reverse("sales:orders", args=[seller.sid]), DAYS)
    assert copied.called == (connection.vendor == "postgresql")


# --- Pieces -------------------------------------------------------------------------------


def test_an_export_comes_in_pieces_of_about_piece_size(seller):
    Order.objects.bulk_create(
        Order(seller=seller, **tricky_values(Order, "quoting", srid=f"srid-{number}"))
        for number in range(800)
    )
    rows = Order.objects.filter(seller=seller).order_by("srid")
    for python in (False, True):
        with mock.patch.object(csv_export, "copy_allowed", wraps=csv_export.copy_allowed) as way:
            if python:
                way.return_value = False
            pieces = list(csv_pieces(rows, columns_of(Order), ","))
        body = pieces[1:]  # after the header: characters from csv.writer, bytes from COPY
        text = "".join(piece if isinstance(piece, str) else piece.decode() for piece in body)
        assert len(body) > 2 and text.count("srid-") == 800
        assert all(PIECE_SIZE <= len(piece) < PIECE_SIZE + 2000 for piece in body[:-1])


def test_row_ends_become_crlf_but_not_a_newline_inside_a_value():
    ends = RowEnds()
    pieces = [b'a,"x\n', b'y"\nb,"say ""', b'hi"""\n', b"c,d\n"]
    assert b"".join(ends.convert(piece) for piece in pieces) == (
        b'a,"x\ny"\r\nb,"say ""hi"""\r\nc,d\r\n'
    )
