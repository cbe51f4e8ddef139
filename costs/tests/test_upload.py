"""Uploading cost prices: a preview names each row's problem and nothing is saved until a
file without problems is saved, all its rows in one transaction; bad files of every kind get
a clear message and save nothing."""

import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import escape

from costs.models import CostPrice, CostUpload
from costs.services import cost_upload_save

from .files import csv_file, upload_url, uploaded, xlsx_file

pytestmark = pytest.mark.django_db
B11, B12, B21 = "2000000000011", "2000000000012", "2000000000021"


def preview_of(response) -> list[tuple[int, list[str]]]:
    return [(row.line, row.problems) for row in response.context["preview"].bad_rows]


def save(client, response):
    """Press "Save" on the preview the response shows."""
    return client.post(response.redirect_chain[-1][0], follow=True)


def test_a_good_csv_is_previewed_then_saved_whole_and_audited(editor, seller):
    response = uploaded(
        editor,
        seller,
        csv_file(
            "DRESS-1;;;2026-01-01;850",
            "DRESS-1;M;;01.03.2026;910,50",
            "SHIRT-2;L;2000000000021;2026-02-01;1 200",
        ),
    )
    assert response.status_code == 200
    assert response.context["preview"].ok
    assert "All 3 rows are ready to be saved." in response.text
    assert not CostPrice.objects.exists()  # nothing before "Save"

    saved = save(editor, response)
    assert "3 cost prices saved." in saved.text
    assert sorted(
        CostPrice.objects.values_list("vendor_code", "tech_size", "barcode", "valid_from", "cost")
    ) == [
        ("DRESS-1", "", "", date(2026, 1, 1), Decimal("850.00")),
        ("DRESS-1", "M", "", date(2026, 3, 1), Decimal("910.50")),
        ("SHIRT-2", "L", "2000000000021", date(2026, 2, 1), Decimal("1200.00")),
    ]
    upload = CostUpload.objects.get()
    assert (upload.rows_saved, bytes(upload.content)) == (3, b"")
    entry = LogEntry.objects.get(object_id=str(upload.pk))
    assert entry.user == editor.user
    assert entry.change_message == "Saved 3 cost prices from the file"


def test_saving_again_a_key_already_stored_replaces_its_cost(editor, seller):
    CostPrice.objects.create(
        seller=seller, vendor_code="DRESS-1", valid_from=date(2026, 1, 1), cost=Decimal("1")
    )
    save(editor, uploaded(editor, seller, csv_file("DRESS-1;;;2026-01-01;850")))
    assert list(CostPrice.objects.values_list("cost", flat=True)) == [Decimal("850.00")]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("DRESS-1;;;2026-01-01;abc", "cost: “abc” is not a number."),
        ("DRESS-1;;;2026-01-01;12 руб", "cost: “12 руб” is not a number."),
        ("DRESS-1;;;2026-01-01;-5", "cost: negative."),
        ("DRESS-1;;;2026-01-01;", "cost: missing."),
        (";;;2026-01-01;5", "vendor code: missing."),
        ("NOPE-9;;;2026-01-01;5", "No product of this cabinet has the vendor code “NOPE-9”."),
        ("DRESS-1;XXL;;2026-01-01;5", "The vendor code has no size “XXL”."),
        (
            "DRESS-1;;2000000000021;2026-01-01;5",
            "The barcode 2000000000021 is not one of the vendor code's.",
        ),
        (
            "DRESS-1;;;2026-02-30;5",
            "valid from: “2026-02-30” is not a date (YYYY-MM-DD or DD.MM.YYYY).",
        ),
        ("DRESS-1;;;1999-12-31;5", "valid from: before 2000-01-01."),
        ("DRESS-1;;;2099-01-01;5", "valid from: more than a year ahead."),
        ("DRESS-1;;;;5", "valid from: missing."),
        ("DRESS-1;;;2026-01-01;=1+1", "cost: a formula; give the value itself."),
    ],
)
def test_each_bad_row_is_named_with_its_problem_and_nothing_is_saved(editor, seller, line, problem):
    response = uploaded(editor, seller, csv_file("SHIRT-2;;;2026-01-01;100", line))
    assert preview_of(response) == [(3, [problem])]
    assert escape(problem) in response.text
    assert "1 row of 2 has a problem." in response.text
    assert 'type="submit">Save' not in response.text.replace("button default", "")
    assert save(editor, response).status_code == 400
    assert not CostPrice.objects.exists()


def test_rows_repeated_in_the_file_are_named_with_the_first_one(editor, seller):
    response = uploaded(
        editor,
        seller,
        csv_file("DRESS-1;;;2026-01-01;850", "SHIRT-2;;;2026-01-01;1", "DRESS-1;;;01.01.2026;900"),
    )
    assert preview_of(response) == [(4, ["The same as row 2."])]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("vendor code;size;cost", "Columns missing: valid from."),
        ("vendor code;valid from;cots", "Unknown column “cots”."),
        ("vendor code;valid from;cost;cost", "The column “cost” is there twice."),
        ("артикул;действует с;цена", "Unknown column “цена”."),
    ],
)
def test_wrong_columns_refuse_the_file_and_say_which_columns_are_expected(
    editor, seller, header, message
):
    response = uploaded(editor, seller, csv_file("DRESS-1;2026-01-01;5", header=header))
    refused = response.context["preview"].refused
    assert refused.startswith(message)
    if "missing" in message or "Unknown" in message:
        assert "The columns are: vendor code, size (optional)" in refused
    assert "Nothing was saved." in response.text
    assert not CostPrice.objects.exists()


def test_russian_column_names_and_windows_1251_are_read(editor, seller):
    file = csv_file(
        "DRESS-1;S;01.01.2026;850,5",
        header="Артикул продавца;Размер;Действует с;Себестоимость",
        encoding="cp1251",
    )
    save(editor, uploaded(editor, seller, file))
    assert CostPrice.objects.get().cost == Decimal("850.50")


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (csv_file(name="costs.pdf"), "Upload a CSV or an XLSX file"),
        (csv_file(name="costs.xlsx"), "The file is not an XLSX workbook."),
        (csv_file(), "The file has no rows of cost prices."),
    ],
)
def test_a_file_that_is_not_a_table_of_cost_prices_is_refused(editor, seller, file, message):
    assert message in uploaded(editor, seller, file).context["preview"].refused


def test_a_file_larger_than_the_setting_is_refused_at_once(editor, seller, settings):
    settings.COST_UPLOAD_MAX_BYTES = 1024
    response = editor.post(upload_url(seller), {"file": csv_file("DRESS-1;;;2026-01-01;1" * 100)})
    assert response.status_code == 200
    assert escape(f"The file is larger than {filesizeformat(1024)}.") in response.text
    assert not CostUpload.objects.exists()


def test_a_file_of_100000_rows_is_taken_and_one_row_more_is_refused(editor, seller, settings):
    settings.COST_UPLOAD_MAX_ROWS = 100_000
    # 100,000 distinct keys: each (vendor code, size, barcode) of the catalogue, day by day.
    keys = [
        *(("DRESS-1", size, barcode) for size in ("", "S", "M") for barcode in ("", B11, B12)),
        *(("SHIRT-2", size, barcode) for size in ("", "L") for barcode in ("", B21)),
    ]
    first = date(2004, 1, 1).toordinal()
    rows = ((date.fromordinal(first + n // len(keys)), keys[n % len(keys)]) for n in range(100_000))
    lines = [
        f"{code};{size};{barcode};{day};{n % 1000}"
        for n, (day, (code, size, barcode)) in enumerate(rows)
    ]
    response = uploaded(editor, seller, csv_file(*lines))
    assert response.context["preview"].ok
    assert len(response.context["preview"].rows) == 100_000
    assert len(response.context["sample"]) == 200  # the page shows the first rows only
    save(editor, response)
    assert CostPrice.objects.count() == 100_000

    response = uploaded(editor, seller, csv_file(*lines, "SHIRT-2;;;2026-01-01;1"))
    assert response.context["preview"].refused == "The file has more than 100000 rows."


def test_an_xlsx_is_read_with_dates_and_numbers_typed(editor, seller):
    file = xlsx_file(
        [
            ["Vendor code", "Size", "Barcode", "Valid from", "Cost"],
            ["DRESS-1", None, None, date(2026, 1, 1), 850.5],
            [None, None, None, None, None],  # a blank row is passed over
            ["DRESS-1", "S", 2000000000011, "2026-02-01", 900],
        ]
    )
    save(editor, uploaded(editor, seller, file))
    assert sorted(CostPrice.objects.values_list("barcode", "valid_from", "cost")) == [
        ("", date(2026, 1, 1), Decimal("850.50")),
        ("2000000000011", date(2026, 2, 1), Decimal("900.00")),
    ]


def test_a_formula_in_an_xlsx_cell_is_refused_not_evaluated(editor, seller):
    file = xlsx_file(
        [
            ["vendor code", "valid from", "cost"],
            ["DRESS-1", date(2026, 1, 1), "=100*2"],
            ["SHIRT-2", "=TODAY()", 5],
        ]
    )
    response = uploaded(editor, seller, file)
    assert preview_of(response) == [
        (2, ["cost: a formula; give the value itself."]),
        (3, ["valid from: a formula; give the value itself."]),
    ]
    assert not CostPrice.objects.exists()


def zip_bomb() -> io.BytesIO:
    """An "XLSX" whose sheet unpacks to 100 MB of zeros from a few hundred kilobytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            block = b"0" * (1024 * 1024)
            for _ in range(100):
                sheet.write(block)
    buffer.seek(0)
    buffer.name = "bomb.xlsx"
    return buffer


def test_a_zip_bomb_is_refused_before_it_is_unpacked(editor, seller, monkeypatch):
    opened = []
    monkeypatch.setattr("openpyxl.load_workbook", lambda *a, **k: opened.append(a))
    bomb = zip_bomb()
    assert len(bomb.getvalue()) < 1024 * 1024
    response = uploaded(editor, seller, bomb)
    assert response.context["preview"].refused == (
        "The workbook would unpack to too much data for its size; it was not opened."
    )
    assert opened == []
    assert not CostPrice.objects.exists()


def test_the_unpacked_size_of_a_workbook_is_limited_by_the_setting(editor, seller, settings):
    settings.COST_UPLOAD_MAX_UNPACKED_BYTES = 1000
    file = xlsx_file([["vendor code", "valid from", "cost"], ["DRESS-1", date(2026, 1, 1), 1]])
    assert "too much data" in uploaded(editor, seller, file).context["preview"].refused


def test_a_row_that_became_wrong_since_the_preview_saves_nothing(editor, seller):
    response = uploaded(
        editor, seller, csv_file("DRESS-1;;;2026-01-01;850", "SHIRT-2;;;2026-01-01;100")
    )
    assert response.context["preview"].ok
    from catalog.models import Product

    Product.objects.filter(vendor_code="SHIRT-2").delete()  # the catalogue changed meanwhile
    response = save(editor, response)
    assert response.status_code == 400
    assert escape("No product of this cabinet has the vendor code “SHIRT-2”.") in response.text
    assert not CostPrice.objects.exists()


def test_a_save_that_fails_midway_leaves_nothing(editor, seller, monkeypatch):
    response = uploaded(editor, seller, csv_file("DRESS-1;;;2026-01-01;850"))
    upload = CostUpload.objects.get()

    def audit_fails(*args, **kwargs):
        raise RuntimeError("the audit failed")

    monkeypatch.setattr("costs.services.audit", audit_fails)
    with pytest.raises(RuntimeError):
        cost_upload_save(upload=upload, by=editor.user)
    assert not CostPrice.objects.exists()
    upload.refresh_from_db()
    assert upload.saved_at is None
    assert response.status_code == 200


# --- Who may upload ----------------------------------------------------------------------------


def test_a_reader_of_the_cabinets_finance_may_not_upload(reader, seller):
    assert reader.get(upload_url(seller)).status_code == 403
    assert reader.post(upload_url(seller), {"file": csv_file()}).status_code == 403


def test_another_cabinet_and_another_users_upload_are_not_found(
    editor, seller, other_seller, make_user
):
    assert editor.get(upload_url(other_seller)).status_code == 404
    from access.models import CabinetGrant, Level
    from conftest import client_for

    uploaded(editor, seller, csv_file("DRESS-1;;;2026-01-01;850"))
    upload = CostUpload.objects.get()
    colleague = make_user(
        "colleague", staff=True, perms=["costs.add_costprice", "costs.change_costprice"]
    )
    CabinetGrant.objects.create(seller=seller, user=colleague, finance=Level.CHANGE)
    url = reverse("costs:preview", args=[seller.sid, upload.pk])
    assert client_for(colleague).get(url).status_code == 404
    assert client_for(colleague).post(url).status_code == 404
    assert (
        editor.get(reverse("costs:preview", args=[other_seller.sid, upload.pk])).status_code == 404
    )
    assert not CostPrice.objects.exists()
