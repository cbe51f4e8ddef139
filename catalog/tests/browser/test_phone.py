"""The catalogue's and the sync's pages in a real browser, on a 375 px phone, light and dark.

Chromium, the live server and the console watch (no console error, no uncaught exception, no
CSP violation) are wberp.tests.browser's: one browser setup for the suite. Run only
the browser tests: `pytest -m browser`.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from catalog.models import PriceChange
from catalog.testing import FBS_HOME, FBW_KOLEDINO, SizeSpec, product_make, snapshot_make
from sellers.models import Seller
from sync.engine import streams_ensure
from sync.models import SyncRun, SyncStream
from wberp.tests.browser import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 375, "height": 740}
PERMS = [
    "access.see_all_cabinets",
    "sellers.view_seller",
    "catalog.view_product",
    "catalog.view_stock",
    "sync.view_syncstream",
    "sync.change_syncstream",
]
# No word breaks: a name WB sends may be one long word.
LONG_TITLE = "Платье" * 17


@pytest.fixture
def operator(app, make_user):
    return make_user("operator", staff=True, perms=PERMS)


@pytest.fixture
def seller(app) -> Seller:
    seller = Seller.objects.create(sid="phone-seller", name="Кабинет для телефона")
    for number in range(1, 31):
        product_make(
            seller,
            1000 + number,
            vendor_code=f"ART-{number:03}",
            title=LONG_TITLE if number == 1 else f"Рубашка льняная {number}",
            brand="Альфа" if number % 2 else "Бета",
            subject="Рубашки",
            sizes=[
                SizeSpec(
                    10_000 + number,
                    "M",
                    (f"20000000{number:05}",),
                    Decimal("1990") + number,
                    30,
                    {FBS_HOME: number % 3, FBW_KOLEDINO: number},
                )
            ],
        )
    return seller


def overflow(page: Page) -> int:
    """By how many pixels the page is wider than the window (0: it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.fixture
def phone(page: Page) -> Page:
    page.set_viewport_size(PHONE)
    return page


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_products_page_fits_a_phone_and_searches_as_you_type(
    phone, visit_as, operator, seller, scheme
):
    phone.emulate_media(color_scheme=scheme)
    page = visit_as(operator, f"/sellers/{seller.sid}/products/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Товары")
    expect(page.locator(".product-table tbody tr")).to_have_count(30)
    expect(page.locator(".freshness")).to_contain_text("Карточки товаров: ещё не синхронизировано.")
    assert overflow(page) == 0

    page.locator("#id_q").fill("2000000000007")  # a barcode
    expect(page.locator(".product-table tbody tr")).to_have_count(1)
    expect(page.locator(".product-table tbody tr")).to_contain_text("ART-007")
    assert "q=2000000000007" in page.url
    assert overflow(page) == 0
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert (background == "rgb(18, 18, 18)") == (scheme == "dark")
    screenshot(page, f"products-375-{scheme}.png")


def test_filters_and_sorting_on_a_phone_keep_to_the_url(phone, visit_as, operator, seller):
    page = visit_as(operator, f"/sellers/{seller.sid}/products/")
    page.get_by_label("Бренд").select_option("Бета")
    expect(page.locator(".product-table tbody tr")).to_have_count(15)
    page.get_by_role("link", name="Остаток", exact=True).click()
    page.wait_for_url(re.compile(r"sort=stock"))
    assert "brand=%D0%91%D0%B5%D1%82%D0%B0" in page.url  # the filter stays
    page.get_by_role("link", name="Остаток", exact=True).click()
    page.wait_for_url(re.compile(r"sort=-stock"))
    expect(page.locator(".product-table tbody tr").first).to_contain_text("ART-030")
    expect(page.locator(".product-table tbody tr")).to_have_count(15)
    assert overflow(page) == 0


def test_a_product_on_a_phone_shows_its_daily_stock_as_a_chart(phone, visit_as, operator, seller):
    today = timezone.localdate()
    for days_ago in range(14):
        snapshot_make(seller, today - timedelta(days=days_ago), 10_001, 20 - days_ago)
    page = visit_as(operator, f"/sellers/{seller.sid}/products/1001/")

    chart = page.locator("svg.chart-svg")
    expect(chart).to_be_visible()
    expect(chart.locator("rect")).to_have_count(14)
    assert chart.locator("rect").last.locator("title").text_content().endswith(": 20 штук")
    expect(page.locator("figure.chart figcaption")).to_contain_text("14 дней со снимком")
    assert chart.bounding_box()["width"] <= PHONE["width"]
    assert overflow(page) == 0
    screenshot(page, "product-375.png")


def test_a_products_price_history_on_a_phone_is_a_line_and_a_table(
    phone, visit_as, operator, seller
):
    now = timezone.now()
    for days_ago, price in [(20, "2990"), (9, "2490"), (2, "2790")]:
        PriceChange.objects.create(
            seller=seller,
            nm_id=1001,
            chrt_id=10_001,
            tech_size="M",
            currency="RUB",
            price=Decimal(price),
            discount=30,
            discounted_price=Decimal(price) * 7 / 10,
            seen_at=now - timedelta(days=days_ago),
        )
    page = visit_as(operator, f"/sellers/{seller.sid}/products/1001/")

    chart = page.locator("#prices ~ figure svg.chart-svg")
    expect(chart.locator("path")).to_have_count(1)
    expect(chart.locator("circle")).to_have_count(21)  # a day from the first price to today
    expect(page.locator("#prices ~ .table-scroll tbody tr")).to_have_count(3)
    assert chart.bounding_box()["width"] <= PHONE["width"]
    assert overflow(page) == 0
    screenshot(page, "product-prices-375.png")


def test_sync_now_shows_the_pass_going_and_its_end_without_a_reload(
    phone, visit_as, operator, seller
):
    streams_ensure(now=timezone.now())  # as a worker's tick makes them
    page = visit_as(operator, f"/sellers/{seller.sid}/sync/")
    page.evaluate("window.wberpTestMarker = 'still here'")
    cards = page.locator("#stream-cards")
    cards.get_by_role("button", name="Синхронизировать сейчас").click()
    expect(cards).to_contain_text("Синхронизируется")
    expect(page.locator("#toasts")).to_contain_text("синхронизация началась")

    # The worker would read the pages; here the pass ends as its last page would end it.
    stream = SyncStream.objects.get(seller=seller, dataset="cards")
    SyncRun.objects.filter(pk=stream.run_id).update(
        finished_at=timezone.now(), outcome=SyncRun.Outcome.SUCCEEDED
    )
    SyncStream.objects.filter(pk=stream.pk).update(
        state=SyncStream.State.IDLE,
        run=None,
        lease_id="",
        lease_until=None,
        last_success_at=timezone.now(),
        next_run_at=timezone.now() + timedelta(hours=1),
    )
    expect(cards).to_contain_text("Ждёт следующего запуска", timeout=10_000)
    assert page.evaluate("window.wberpTestMarker") == "still here"  # polled, not reloaded
    expect(page.locator("#sync-streams")).not_to_have_attribute("hx-trigger", "every 2s")
    assert overflow(page) == 0
    screenshot(page, "sync-375.png")


def test_the_stocks_page_fits_a_phone_with_its_totals(phone, visit_as, operator, seller):
    page = visit_as(operator, f"/sellers/{seller.sid}/stocks/")
    expect(page.locator(".stock-totals tfoot")).to_contain_text(str(sum(range(1, 31)) + 30))
    page.get_by_label("Вид").select_option("fbw")
    expect(page.locator(".stock-totals tbody tr")).to_have_count(1)
    expect(page.locator(".stock-totals tfoot")).to_contain_text(str(sum(range(1, 31))))
    assert overflow(page) == 0
