"""The cost price list, its form and the cabinet's tax form: per role and per cabinet."""

import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.urls import reverse

from access.models import CabinetGrant, Level
from conftest import client_for
from costs.models import CabinetEconomics, CostPrice, TaxBase

from .conftest import COSTS_PERMS

pytestmark = pytest.mark.django_db


def list_url(seller) -> str:
    return reverse("costs:list", args=[seller.sid])


@pytest.fixture
def dress_cost(seller) -> CostPrice:
    return CostPrice.objects.create(
        seller=seller, vendor_code="DRESS-1", valid_from=date(2026, 1, 1), cost=Decimal("850")
    )


def test_the_list_shows_the_cabinets_cost_prices_and_finds_them(editor, seller, dress_cost):
    CostPrice.objects.create(
        seller=seller, vendor_code="SHIRT-2", tech_size="L", valid_from=date(2026, 2, 1), cost=1
    )
    response = editor.get(list_url(seller))
    assert response.status_code == 200
    assert [p.vendor_code for p in response.context["page"].object_list] == ["DRESS-1", "SHIRT-2"]
    assert "850.00" in response.text
    assert reverse("costs:edit", args=[seller.sid, dress_cost.pk]) in response.text
    found = editor.get(list_url(seller), {"q": "shirt"})
    assert [p.vendor_code for p in found.context["page"].object_list] == ["SHIRT-2"]
    assert "No cost price matches this search." in editor.get(list_url(seller), {"q": "zz"}).text


def test_the_list_exports_the_cost_prices_its_search_finds(editor, seller, dress_cost):
    CostPrice.objects.create(
        seller=seller, vendor_code="SHIRT-2", valid_from=date(2026, 2, 1), cost=Decimal("310.5")
    )
    answer = editor.get(list_url(seller), {"q": "dress", "export": "csv", "delimiter": "semicolon"})
    assert answer["Content-Disposition"] == 'attachment; filename="cost-prices-costs-a.csv"'
    lines = b"".join(answer.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("vendor_code;tech_size;barcode;valid_from;cost")
    assert lines[1:] == [
        line for line in lines[1:] if line.startswith("DRESS-1;;;2026-01-01;850.00")
    ]
    assert len(lines) == 2
    xlsx = editor.get(list_url(seller), {"export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    assert [row[:5] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        ("DRESS-1", None, None, datetime(2026, 1, 1), 850),
        ("SHIRT-2", None, None, datetime(2026, 2, 1), 310.5),
    ]


def test_an_empty_list_says_how_cost_prices_come(editor, seller):
    assert "No cost prices yet" in editor.get(list_url(seller)).text


def test_a_cost_price_is_added_and_changed_with_its_history(editor, seller):
    url = reverse("costs:add", args=[seller.sid])
    data = {
        "vendor_code": "DRESS-1",
        "tech_size": "S",
        "barcode": "",
        "valid_from": "2026-03-01",
        "cost": "999.90",
    }
    response = editor.post(url, data)
    assert response.status_code == 302
    price = CostPrice.objects.get()
    assert (price.seller, price.tech_size, price.cost) == (seller, "S", Decimal("999.90"))
    edit = reverse("costs:edit", args=[seller.sid, price.pk])
    assert editor.post(edit, {**data, "cost": "1000"}).status_code == 302
    price.refresh_from_db()
    assert price.cost == Decimal("1000.00")
    messages = [
        e.get_change_message()
        for e in LogEntry.objects.filter(object_id=str(price.pk)).order_by("pk")
    ]
    assert messages == ["Added.", "Changed Cost price."]  # as the admin says it


def test_a_cost_price_is_deleted_after_asking_with_its_history(editor, seller, dress_cost):
    edit = editor.get(reverse("costs:edit", args=[seller.sid, dress_cost.pk]))
    url = reverse("costs:delete", args=[seller.sid, dress_cost.pk])
    assert url in edit.text
    question = editor.get(url)
    assert question.status_code == 200
    assert "DRESS-1 2026-01-01: 850.00" in question.text
    assert CostPrice.objects.exists()  # asking deletes nothing
    response = editor.post(url, follow=True)
    assert response.redirect_chain[-1][0] == list_url(seller)
    assert "Cost price deleted." in response.text
    assert not CostPrice.objects.exists()
    entry = LogEntry.objects.get(object_id=str(dress_cost.pk))
    assert (entry.action_flag, entry.user_id) == (DELETION, editor.user.pk)
    assert editor.post(url).status_code == 404  # gone: a second click finds nothing


def test_without_the_delete_permission_the_form_offers_no_deletion(make_user, seller, dress_cost):
    perms = [perm for perm in COSTS_PERMS if perm != "costs.delete_costprice"]
    user = make_user("cost-keeper", staff=True, perms=perms)
    CabinetGrant.objects.create(seller=seller, user=user, finance=Level.CHANGE)
    client = client_for(user)
    url = reverse("costs:delete", args=[seller.sid, dress_cost.pk])
    assert url not in client.get(reverse("costs:edit", args=[seller.sid, dress_cost.pk])).text
    assert client.post(url).status_code == 403
    assert CostPrice.objects.exists()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"vendor_code": "NOPE"}, "No product of this cabinet has the vendor code “NOPE”."),
        ({"tech_size": "XXL"}, "The vendor code has no size “XXL”."),
        ({"cost": "-1"}, "Ensure this value is greater than or equal to 0."),
        ({"cost": "abc"}, "Enter a number."),
        ({"valid_from": "yesterday"}, "Enter a valid date."),
    ],
)
def test_the_form_names_what_is_wrong_and_saves_nothing(editor, seller, data, error):
    good = {
        "vendor_code": "DRESS-1",
        "tech_size": "",
        "barcode": "",
        "valid_from": "2026-03-01",
        "cost": "1",
    }
    response = editor.post(reverse("costs:add", args=[seller.sid]), {**good, **data})
    assert response.status_code == 200
    assert error in response.content.decode().replace("&#x27;", "'")
    assert not CostPrice.objects.exists()


def test_the_same_cost_price_twice_is_refused_by_the_form(editor, seller, dress_cost):
    data = {
        "vendor_code": "DRESS-1",
        "tech_size": "",
        "barcode": "",
        "valid_from": "2026-01-01",
        "cost": "5",
    }
    response = editor.post(reverse("costs:add", args=[seller.sid]), data)
    assert response.status_code == 200
    assert "This vendor code, size and barcode have a cost price from that day." in response.text
    assert CostPrice.objects.count() == 1


def test_the_tax_is_set_for_the_cabinet(editor, seller):
    url = reverse("costs:tax", args=[seller.sid])
    assert editor.get(url).status_code == 200
    response = editor.post(url, {"tax_rate": "6", "tax_base": TaxBase.REVENUE})
    assert response.status_code == 302
    assert CabinetEconomics.objects.get(seller=seller).tax_rate == Decimal("6.00")
    assert editor.post(url, {"tax_rate": "120", "tax_base": TaxBase.REVENUE}).status_code == 200
    assert CabinetEconomics.objects.get(seller=seller).tax_rate == Decimal("6.00")


def test_a_reader_sees_the_list_but_may_not_write(reader, seller, dress_cost):
    response = reader.get(list_url(seller))
    assert response.status_code == 200
    assert reverse("costs:add", args=[seller.sid]) not in response.text
    assert reverse("costs:edit", args=[seller.sid, dress_cost.pk]) not in response.text
    pages = [
        ("costs:add", []),
        ("costs:edit", [dress_cost.pk]),
        ("costs:delete", [dress_cost.pk]),
        ("costs:tax", []),
    ]
    for name, args in pages:
        url = reverse(name, args=[seller.sid, *args])
        assert reader.get(url).status_code == 403
        assert reader.post(url, {"cost": "1"}).status_code == 403
    assert CostPrice.objects.get().cost == Decimal("850.00")


def test_another_cabinet_and_its_cost_prices_are_not_found(editor, seller, other_seller):
    theirs = CostPrice.objects.create(
        seller=other_seller, vendor_code="X", valid_from=date(2026, 1, 1), cost=1
    )
    assert editor.get(list_url(other_seller)).status_code == 404
    assert editor.get(reverse("costs:edit", args=[seller.sid, theirs.pk])).status_code == 404
    assert editor.get(reverse("costs:edit", args=[other_seller.sid, theirs.pk])).status_code == 404
    assert editor.get(reverse("costs:economics", args=[other_seller.sid])).status_code == 404
    assert editor.post(reverse("costs:delete", args=[seller.sid, theirs.pk])).status_code == 404
    assert CostPrice.objects.filter(pk=theirs.pk).exists()


def test_staff_without_the_permission_are_refused(staff_client, seller):
    for name in ("costs:list", "costs:economics", "costs:upload", "costs:add", "costs:tax"):
        assert staff_client.get(reverse(name, args=[seller.sid])).status_code == 403
