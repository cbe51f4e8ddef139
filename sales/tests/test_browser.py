"""A cabinet's orders, sales and finance reports in a real browser: on a 375 px phone and a
1366 px laptop, in Russian and English, with a long cabinet name; filters through htmx, the
totals and figures in the reader's locale, the report's detail with its reconciliation.

The data is an emulated cabinet's, stored as a finished sync leaves it (`synced_cabinet`);
the browser, the live server and the console watch are wberp.tests.browser's.
"""

import re
from datetime import datetime

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from finance.models import Report
from sales.models import Order, Sale
from sellers.models import Seller
from wbapi.moscow import MOSCOW
from wberp.tests.browser import overflow, screenshot, session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PERMS = [
    "access.see_all_cabinets",
    "sellers.view_seller",
    "sales.view_order",
    "sales.view_sale",
    "finance.view_report",
    "finance.view_reportrow",
]
# No word breaks: a legal name may be one long word.
LONG_NAME = "ООО " + "Ромашкаторгсервис" * 6
# The days up to the emulated cabinet's clock, in Moscow as the pages' filters take them.
DAYS = "date_from=2026-02-20&date_to=2026-03-02"
SINCE, UNTIL = datetime(2026, 2, 20, tzinfo=MOSCOW), datetime(2026, 3, 3, tzinfo=MOSCOW)
SCREENS = {"phone": {"width": 375, "height": 740}, "laptop": {"width": 1366, "height": 800}}
WORDS = {
    "ru": {"orders": "Заказы", "sales": "Продажи и возвраты", "finance": "Финансовые отчёты"},
    "en": {"orders": "Orders", "sales": "Sales and returns", "finance": "Finance reports"},
}
# A sum of money as each language writes it: 12 345,67 / 12,345.67.
MONEY = {
    "ru": re.compile(r"^\d{1,3}(\u00a0\d{3})*,\d{2}$"),
    "en": re.compile(r"^\d{1,3}(,\d{3})*\.\d{2}$"),
}


@pytest.fixture
def cabinet(synced_cabinet) -> Seller:
    Seller.objects.filter(pk=synced_cabinet.seller.pk).update(name=LONG_NAME, trade_mark="")
    return Seller.objects.get(pk=synced_cabinet.seller.pk)


@pytest.fixture(params=["phone", "laptop"])
def screen(request, page: Page) -> Page:
    page.set_viewport_size(SCREENS[request.param])
    return page


@pytest.fixture(params=["ru", "en"])
def language(request) -> str:
    return request.param


@pytest.fixture
def reader(screen: Page, live_server, make_user, language):
    """Open a page as a user who may read the cabinet's trade and finance, in `language`."""
    user = make_user("reader", staff=True, perms=PERMS)
    screen.context.add_cookies(
        [
            session_cookie(user, live_server.url),
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
        ]
    )

    def visit(path: str) -> Page:
        screen.goto(path)
        return screen

    return visit


def shot(page: Page, name: str, language: str) -> None:
    width = page.viewport_size["width"]
    screenshot(page, f"{name}-{width}.{language}.png")


def test_the_orders_page_fits_shows_its_totals_and_searches_by_srid(reader, cabinet, language):
    page = reader(f"/sellers/{cabinet.sid}/orders/?{DAYS}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(WORDS[language]["orders"])
    rows = page.locator("#results .data-table tbody tr")
    expect(rows.first).to_be_visible()
    shown = Order.objects.filter(seller=cabinet, date__gte=SINCE, date__lt=UNTIL).count()
    assert rows.count() == min(shown, 50) and shown > 0
    paid = page.locator("#results .data-totals dd").nth(3).text_content().strip()
    assert MONEY[language].match(paid), paid
    expect(page.locator(".freshness")).to_be_visible()
    assert overflow(page) == 0
    shot(page, "orders", language)

    order = Order.objects.filter(seller=cabinet, date__gte=SINCE, date__lt=UNTIL).last()
    page.locator("#id_q").fill(order.srid)
    page.locator("#id_q").press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(order.srid)
    assert f"q={order.srid}" in page.url  # the filter is in the address, for a reload
    assert overflow(page) == 0


def test_the_sales_page_filters_returns_in_place_and_fits(reader, cabinet, language):
    page = reader(f"/sellers/{cabinet.sid}/sales/?{DAYS}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(WORDS[language]["sales"])
    rows = page.locator("#results .data-table tbody tr")
    expect(rows.first).to_be_visible()
    returns = Sale.objects.filter(
        seller=cabinet, is_return=True, date__gte=SINCE, date__lt=UNTIL
    ).count()
    page.evaluate("window.wberpTestMarker = 'still here'")
    page.locator("#id_state").select_option("returns")
    page.wait_for_url(re.compile(r"state=returns"))
    if returns:
        expect(rows).to_have_count(min(returns, 50))
    else:
        expect(page.locator("#results .empty-filtered")).to_be_visible()
    assert page.evaluate("window.wberpTestMarker") == "still here"  # htmx, no reload
    assert overflow(page) == 0
    shot(page, "sales", language)


def test_the_finance_reports_and_a_reports_detail_fit_with_its_reconciliation(
    reader, cabinet, language
):
    page = reader(f"/sellers/{cabinet.sid}/finance/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(WORDS[language]["finance"])
    reports = page.locator(".data-table tbody tr")
    expect(reports.first).to_be_visible()
    to_pay = reports.first.locator("td").nth(1).text_content().strip()
    assert MONEY[language].match(to_pay.lstrip("-")), to_pay
    assert overflow(page) == 0
    shot(page, "finance-reports", language)

    report = Report.objects.filter(seller=cabinet).order_by("-date_from", "-report_id").first()
    reports.first.get_by_role("link").click()
    page.wait_for_url(re.compile(rf"/finance/{report.report_id}/$"))
    reconciliation = "Сверка" if language == "ru" else "Reconciliation"
    expect(page.get_by_role("heading", name=reconciliation)).to_be_visible()
    expect(page.locator(".data-table").last.locator("tbody tr").first).to_be_visible()
    assert overflow(page) == 0
    shot(page, "finance-report", language)
