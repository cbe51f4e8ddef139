"""Managing cabinet access in a real browser: the lead gives a manager one cabinet with some
areas on /access/, and the manager, in a browser of their own, sees exactly that; a change
and a taking back take effect at once, and each is in the grant's admin history.

Chromium, the live server and the console watch (no console error, no uncaught exception, no
CSP violation) are wberp.tests.browser's. Run only the browser
tests: `pytest -m browser`.
"""

from collections.abc import Iterator

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from access.models import CabinetGrant
from sellers.models import Seller
from sync.engine import streams_ensure
from wberp.tests.browser import overflow, session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LEAD_PERMS = [
    "access.see_all_cabinets",
    "access.view_cabinetgrant",
    "access.add_cabinetgrant",
    "access.change_cabinetgrant",
    "access.delete_cabinetgrant",
    "sellers.view_seller",
]
# What the manager may do at all; the grants say in which cabinets.
MANAGER_PERMS = [
    "sellers.view_seller",
    "sales.view_order",
    "sales.view_sale",
    "finance.view_report",
    "finance.view_reportrow",
    "sync.view_syncstream",
    "sync.change_syncstream",
]
READ_ONLY = "1"


@pytest.fixture
def cabinets(db) -> dict[str, Seller]:
    sellers = {
        key: Seller.objects.create(sid=f"77700{n}", name=f"Кабинет {key}")
        for n, key in enumerate("AB", start=1)
    }
    streams_ensure(now=timezone.now())
    return sellers


@pytest.fixture
def lead(page: Page, live_server, make_user) -> Page:
    page.context.add_cookies(
        [session_cookie(make_user("lead", staff=True, perms=LEAD_PERMS), live_server.url)]
    )
    return page


@pytest.fixture
def manager(page: Page, live_server, make_user) -> Iterator[Page]:
    """The manager's own browser window (a context of its own), beside the lead's."""
    user = make_user("ivan", staff=True, perms=MANAGER_PERMS)
    context = page.context.browser.new_context(base_url=live_server.url, locale="ru-RU")
    context.add_cookies([session_cookie(user, live_server.url)])
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    yield page
    context.close()
    assert problems == []


def status_of(page: Page, path: str) -> int:
    return page.goto(path).status


def test_a_cabinet_given_on_the_access_page_is_what_its_manager_sees(lead, manager, cabinets):
    a, b = cabinets["A"], cabinets["B"]
    lead.goto("/access/")
    lead.get_by_role("link", name="Выдать кабинет").click()
    lead.locator("#id_seller").select_option(label=a.display_name)
    lead.locator("#id_user").select_option(label="ivan")
    lead.locator("#id_sales").select_option(READ_ONLY)
    lead.locator("#id_finance").select_option(READ_ONLY)
    lead.locator(".submit-row button[type=submit]").click()
    row = lead.locator(".access-table tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("ivan")
    expect(row.locator(".access-level-1")).to_have_count(2)  # sales and finance, read only
    assert overflow(lead) == 0

    # The manager sees cabinet A's sales and finance, nothing of B, nothing of A's sync.
    manager.goto("/sellers/")
    expect(manager.locator("main, #content").first).to_contain_text(a.display_name)
    expect(manager.locator("main, #content").first).not_to_contain_text(b.display_name)
    assert status_of(manager, f"/sellers/{a.sid}/orders/") == 200
    expect(manager.get_by_role("heading", level=1)).to_contain_text("Заказы")
    assert status_of(manager, f"/sellers/{a.sid}/finance/") == 200
    assert status_of(manager, f"/sellers/{b.sid}/orders/") == 404
    assert status_of(manager, f"/sellers/{a.sid}/sync/") == 404

    # Given A's sync read only, they see it, without "Sync now".
    lead.goto("/access/")
    row.get_by_role("link", name="Изменить").click()
    lead.locator("#id_sync").select_option(READ_ONLY)
    lead.locator(".submit-row button[type=submit]").click()
    expect(row.locator(".access-level-1")).to_have_count(3)
    assert status_of(manager, f"/sellers/{a.sid}/sync/") == 200
    expect(manager.locator("#stream-cards")).to_be_visible()
    expect(manager.get_by_role("button", name="Синхронизировать сейчас")).to_have_count(0)

    # Each change is in the grant's admin history, under the lead's name.
    grant = CabinetGrant.objects.get()
    lead.goto(f"/admin/access/cabinetgrant/{grant.pk}/history/")
    entries = lead.locator("#change-history tbody tr")
    expect(entries).to_have_count(2)
    expect(entries.first).to_contain_text("lead")
    expect(entries.last).to_contain_text("Изменено Синхронизация.")  # the area changed

    # Taken back, cabinet A is gone for them; the lead's recent actions name it.
    lead.goto("/access/")
    row.get_by_role("link", name="Забрать").click()
    lead.locator("button.deletelink").click()
    expect(lead.locator(".empty-filtered")).to_be_visible()
    assert status_of(manager, f"/sellers/{a.sid}/orders/") == 404
    manager.goto("/sellers/")
    expect(manager.locator("main, #content").first).not_to_contain_text(a.display_name)
    lead.goto("/admin/")
    expect(lead.locator("#recent-actions-module .deletelink")).to_contain_text(a.display_name)
