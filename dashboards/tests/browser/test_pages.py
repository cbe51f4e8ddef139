"""The cabinet dashboard and the agency overview in a real browser: on a 1,366 px laptop and a
375 px phone, in Russian and English, light and dark; nothing wider than the window, the charts
drawn, no console error or CSP violation (the console watch of conftest.py).

Screenshots go to test-artifacts/screenshots/; with WBERP_UPDATE_SCREENSHOTS=1 the README's
ones in docs/screenshots/ are made again too. Run only the browser tests: `pytest -m browser`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import transaction
from playwright.sync_api import Page, expect

from catalog.testing import FBS_HOME, FBW_KOLEDINO, SizeSpec, product_make
from dashboards.models import FinanceDay, OrderDay, SaleDay
from dashboards.services import cabinet_days_refresh
from finance.models import Report
from sellers.models import Seller
from sync.models import SyncStream
from wberp.periods import moscow_today
from wberp.tests.browser import ARTIFACTS, UPDATE_SCREENSHOTS, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DOCS = ARTIFACTS.parents[1] / "docs" / "screenshots"
SIZES = {"1366": {"width": 1366, "height": 900}, "375": {"width": 375, "height": 740}}
PERMS = [
    "access.see_all_cabinets",
    "sellers.view_seller",
    "sales.view_order",
    "sales.view_sale",
    "finance.view_report",
    "catalog.view_product",
    "catalog.view_stock",
    "tokens.view_wbtoken",
    "sync.view_syncstream",
]
HEADINGS = {
    "ru": {"figures": "Показатели", "overview": "Кабинеты рядом", "attention": "Требует внимания"},
    "en": {
        "figures": "Figures",
        "overview": "Cabinets side by side",
        "attention": "Needs attention",
    },
}
# The README shows these: (page, width, language, scheme).
IN_THE_README = {
    ("dashboard", "1366", "ru", "light"),
    ("dashboard", "375", "en", "dark"),
    ("overview", "1366", "en", "light"),
    ("overview", "375", "ru", "dark"),
}
DAYS = 90
LONG_NAME = "Интернет-магазин одежды и обуви для всей семьи «Радуга»" * 2


@transaction.atomic  # one commit for the cabinet's few thousand rows, not one a row
def shop(name: str, sid: str, scale: int) -> Seller:
    """A cabinet of eight products with 90 days of rollups, a report each week but the last,
    and stock (one product sold out)."""
    seller = Seller.objects.create(sid=sid, name=name)
    today = moscow_today()
    for number in range(1, 9):
        product_make(
            seller,
            1000 + number,
            vendor_code=f"ART-{number:03}",
            title=f"Рубашка льняная {number}",
            sizes=[
                SizeSpec(
                    10_000 + number,
                    price=Decimal(1500 + 100 * number),
                    stocks={FBS_HOME: 0, FBW_KOLEDINO: 0 if number == 1 else 5 * number},
                )
            ],
        )
    days = [today - timedelta(days=age) for age in range(DAYS)]
    OrderDay.objects.bulk_create(order_days(seller, days, scale))
    SaleDay.objects.bulk_create(sale_days(seller, days, scale))
    FinanceDay.objects.bulk_create(finance_days(seller, days, scale))
    cabinet_days_refresh(seller, set(days))
    Report.objects.bulk_create(
        weekly_reports(seller, monday=today - timedelta(days=today.weekday()))
    )
    SyncStream.objects.create(seller=seller, dataset="orders", state=SyncStream.State.BLOCKED)
    return seller


def ordered(days: list[date], scale: int) -> Iterator[tuple[date, int, int, Decimal]]:
    """(day, product number, orders, price) of each product's day, the orders in waves."""
    for age, day in enumerate(days):
        wave = 1 + (age * 7 + scale) % 5
        for number in range(1, 9):
            yield day, number, scale * wave * (9 - number) // 4, Decimal(1500 + 100 * number)


def order_days(seller: Seller, days: list[date], scale: int) -> Iterator[OrderDay]:
    for day, number, orders, price in ordered(days, scale):
        yield OrderDay(
            seller=seller,
            day=day,
            nm_id=1000 + number,
            orders=orders,
            orders_sum=orders * price,
            cancellations=orders // 10,
            cancellations_sum=orders // 10 * price,
        )


def sale_days(seller: Seller, days: list[date], scale: int) -> Iterator[SaleDay]:
    for day, number, orders, price in ordered(days, scale):
        buyouts = orders * 3 // 4
        yield SaleDay(
            seller=seller,
            day=day,
            nm_id=1000 + number,
            buyouts=buyouts,
            buyouts_sum=buyouts * price,
            returns=buyouts // 8,
            returns_sum=buyouts // 8 * price,
            for_pay=buyouts * price * Decimal("0.8"),
        )


def weekly_reports(seller: Seller, monday: date) -> Iterator[Report]:
    """The 13 weeks' reports before this one."""
    for week in range(1, 14):
        start = monday - timedelta(weeks=week)
        yield Report(
            seller=seller,
            report_id=int(seller.sid[-2:]) * 100 + week,
            date_from=start,
            date_to=start + timedelta(days=6),
            listed=True,
            rows_count=100,
            create_date=start + timedelta(days=8),
            rows_created=start + timedelta(days=8),
        )


def finance_days(seller: Seller, days: list[date], scale: int) -> Iterator[FinanceDay]:
    for age, day in enumerate(days):
        yield FinanceDay(
            seller=seller,
            day=day,
            sales=Decimal(20000 * scale),
            for_pay=Decimal(16000 * scale),
            commission=Decimal(3000 * scale),
            logistics=Decimal(900 * scale),
            storage=Decimal(200 * scale),
            penalties=Decimal(100 if age % 9 == 0 else 0),
        )


@pytest.fixture
def cabinets(app) -> list[Seller]:
    return [shop("Кабинет «Лён»", "browser-01", 3), shop(LONG_NAME, "browser-02", 1)]


@pytest.fixture
def analyst(app, make_user):
    return make_user("analyst", staff=True, perms=PERMS)


def overflow(page: Page) -> int:
    """By how many pixels the page is wider than the window (0: it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def pictured(page: Page, name: str, key: tuple) -> None:
    screenshot(page, f"{name}.png")
    if UPDATE_SCREENSHOTS and key in IN_THE_README:
        DOCS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=DOCS / f"{name}.png", full_page=True, animations="disabled")


def dark(page: Page) -> bool:
    return page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(18, 18, 18)"


LOOKS = [
    (width, language, scheme)
    for width in SIZES
    for language in ("ru", "en")
    for scheme in ("light", "dark")
]


def visit(page: Page, visit_as, live_server, user, url: str, language: str) -> Page:
    """Open `url` signed in as `user`, reading `language`."""
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )
    return visit_as(user, url)


@pytest.mark.parametrize(("width", "language", "scheme"), LOOKS)
def test_the_dashboard_fits_and_charts_its_days(
    page, visit_as, live_server, analyst, cabinets, width, language, scheme
):
    page.set_viewport_size(SIZES[width])
    page.emulate_media(color_scheme=scheme)
    seller = cabinets[0]
    shown = visit(
        page, visit_as, live_server, analyst, f"/sellers/{seller.sid}/?period=30", language
    )

    expect(shown.get_by_role("heading", name=HEADINGS[language]["figures"])).to_be_visible()
    expect(shown.locator(".figures .figure")).to_have_count(14 + 2)  # headline + stock
    expect(shown.locator("svg.chart-svg")).to_have_count(2)
    expect(shown.locator(".chart-line-0 circle")).to_have_count(30)
    expect(shown.locator(".out-of-stock")).to_contain_text("ART-001")
    assert overflow(shown) == 0
    assert dark(shown) == (scheme == "dark")
    pictured(
        shown, f"dashboard-{width}-{language}-{scheme}", ("dashboard", width, language, scheme)
    )


def test_the_dashboard_s_period_picker_works_without_javascript(
    page, visit_as, live_server, analyst, cabinets
):
    seller = cabinets[0]
    shown = visit(page, visit_as, live_server, analyst, f"/sellers/{seller.sid}/", "en")
    shown.get_by_label("90 days").check()
    shown.get_by_role("button", name="Show").click()
    shown.wait_for_url("**period=90**")
    expect(shown.locator(".chart-line-0 circle")).to_have_count(90)
    shown.get_by_label("Custom").check()
    shown.get_by_label("From", exact=True).fill("2020-01-10")
    shown.get_by_label("To", exact=True).fill("2020-01-01")
    shown.get_by_role("button", name="Show").click()
    expect(shown.locator(".messagelist, .messages, [role=alert]").first).to_contain_text(
        "first day is after its last day"
    )
    expect(shown.locator(".chart-line-0 circle")).to_have_count(7)


@pytest.mark.parametrize(("width", "language", "scheme"), LOOKS)
def test_the_overview_sets_the_cabinets_side_by_side(
    page, visit_as, live_server, analyst, cabinets, width, language, scheme
):
    page.set_viewport_size(SIZES[width])
    page.emulate_media(color_scheme=scheme)
    shown = visit(page, visit_as, live_server, analyst, "/?period=7", language)

    expect(shown.get_by_role("heading", name=HEADINGS[language]["overview"])).to_be_visible()
    expect(shown.locator(".overview-table tbody tr")).to_have_count(2)
    expect(shown.get_by_role("heading", name=HEADINGS[language]["attention"])).to_be_visible()
    expect(shown.locator(".attention-sync")).to_have_count(2)
    expect(shown.locator(".attention-stock")).to_have_count(2)
    assert overflow(shown) == 0
    assert dark(shown) == (scheme == "dark")
    pictured(shown, f"overview-{width}-{language}-{scheme}", ("overview", width, language, scheme))
