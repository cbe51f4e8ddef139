"""The cost price upload with its preview, and the unit economics page, in a real browser on
a 375 px phone (Russian, as the site starts), light and dark.

Chromium, the live server and the console watch (no console error, no uncaught exception, no
CSP violation) are wberp.tests.browser's. Run only the browser tests:
`pytest -m browser`.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from access.models import CabinetGrant, Level
from catalog.testing import SizeSpec, product_make
from costs.models import CostPrice
from finance.models import Report, ReportRow
from sellers.models import Seller
from wberp.periods import moscow_today
from wberp.tests.browser import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 375, "height": 740}
PERMS = [
    "costs.view_costprice",
    "costs.add_costprice",
    "costs.change_costprice",
    "finance.view_report",
]
# No word breaks: a vendor code may be one long word.
LONG_CODE = "ПЛАТЬЕ-ЛЕТНЕЕ-" * 6


@pytest.fixture
def seller(app) -> Seller:
    seller = Seller.objects.create(sid="phone-costs", name="Кабинет себестоимости")
    product_make(
        seller, 101, vendor_code=LONG_CODE, sizes=[SizeSpec(1011, "M", ("2000000000011",))]
    )
    product_make(
        seller, 102, vendor_code="SHIRT-2", sizes=[SizeSpec(1021, "L", ("2000000000021",))]
    )
    return seller


@pytest.fixture
def accountant(app, make_user, seller):
    user = make_user("accountant", staff=True, perms=PERMS)
    CabinetGrant.objects.create(seller=seller, user=user, finance=Level.CHANGE)
    return user


@pytest.fixture
def phone(page: Page) -> Page:
    page.set_viewport_size(PHONE)
    return page


def overflow(page: Page) -> int:
    """By how many pixels the page is wider than the window (0: it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def upload(page: Page, text: str) -> None:
    page.locator("#id_file").set_input_files(
        {"name": "costs.csv", "mimeType": "text/csv", "buffer": text.encode()}
    )
    page.get_by_role("button", name="Предпросмотр").click()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_upload_preview_names_each_rows_problem_then_saves_a_good_file(
    phone, visit_as, accountant, seller, scheme
):
    phone.emulate_media(color_scheme=scheme)
    page = visit_as(accountant, f"/sellers/{seller.sid}/costs/upload/")
    assert overflow(page) == 0
    upload(
        page,
        "артикул продавца;размер;действует с;себестоимость\n"
        f"{LONG_CODE};M;01.01.2026;850\nNOPE;;2026-01-01;5\nSHIRT-2;L;2026-01-01;abc\n",
    )
    problems = page.locator(".upload-problems tbody tr")
    expect(problems).to_have_count(2)
    expect(problems.nth(0)).to_contain_text(
        "Ни у одного товара этого кабинета нет артикула «NOPE»."
    )
    expect(problems.nth(1)).to_contain_text("«abc» — не число.")
    expect(page.get_by_role("button", name="Сохранить")).to_have_count(0)
    assert overflow(page) == 0
    screenshot(page, f"costs-preview-375-{scheme}.png")

    page.goto(f"/sellers/{seller.sid}/costs/upload/")
    upload(
        page, f"vendor code;valid from;cost\n{LONG_CODE};2026-01-01;850\nSHIRT-2;2026-01-01;90,5\n"
    )
    expect(page.locator("main, #content").first).to_contain_text(
        "Все 2 строки готовы к сохранению."
    )
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator(".messagelist, .toasts").first).to_contain_text(
        "Сохранены 2 себестоимости."
    )
    expect(page.locator(".data-table tbody tr")).to_have_count(2)
    assert overflow(page) == 0
    assert CostPrice.objects.filter(seller=seller).count() == 2


def finance_rows(seller: Seller) -> None:
    """A weekly report of this week: the long-named dress sold twice and returned once, the
    shirt sold once, logistics for each, and the week's storage for the cabinet."""
    today = moscow_today()
    monday = today - timedelta(days=today.weekday())
    Report.objects.create(
        seller=seller, report_id=1, date_from=monday, date_to=monday + timedelta(days=6)
    )
    rows = [
        (101, LONG_CODE, "Продажа", "1000", "800", "0", "0"),
        (101, LONG_CODE, "Продажа", "1000", "800", "0", "0"),
        (101, LONG_CODE, "Возврат", "1000", "800", "0", "0"),
        (101, LONG_CODE, "", "0", "0", "150", "0"),
        (102, "SHIRT-2", "Продажа", "500", "400", "50", "0"),
        (0, "", "", "0", "0", "0", "300"),
    ]
    ReportRow.objects.bulk_create(
        ReportRow(
            seller=seller,
            report_id=1,
            rrd_id=n,
            nm_id=nm_id,
            vendor_code=code,
            tech_size="M" if nm_id == 101 else "L",
            doc_type_name=kind,
            quantity=1 if kind else 0,
            retail_amount=Decimal(revenue),
            for_pay=Decimal(for_pay),
            delivery_service=Decimal(logistics),
            paid_storage=Decimal(storage),
            rr_date=today,
        )
        for n, (nm_id, code, kind, revenue, for_pay, logistics, storage) in enumerate(rows, 1)
    )
    CostPrice.objects.create(
        seller=seller, vendor_code=LONG_CODE, valid_from=date(2020, 1, 1), cost=Decimal("300")
    )


def test_the_unit_economics_page_fits_a_phone_with_its_abc_and_flags(
    phone, visit_as, accountant, seller
):
    finance_rows(seller)
    page = visit_as(accountant, f"/sellers/{seller.sid}/economics/?days=7")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Юнит-экономика")
    rows = page.locator(".data-table tbody tr")
    expect(rows).to_have_count(3)  # two products and the cabinet's own charges
    dress, shirt = rows.nth(0), rows.nth(1)
    expect(dress).to_contain_text("1")  # units: two sold, one returned
    expect(dress.locator(".abc-a")).to_have_count(2)
    expect(shirt).to_contain_text("нет себестоимости")
    expect(page.get_by_text("У 1 товара есть продажи без себестоимости")).to_be_visible()
    expect(page.get_by_text("A — те, что дают первые 80% итога")).to_be_visible()
    assert overflow(page) == 0
    screenshot(page, "economics-375.png")
