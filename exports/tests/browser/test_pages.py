"""My exports in a real browser (the setup of wberp.tests.browser) on a 375 px phone, dark:
one export ready, one being written, one failed, with a long cabinet name; nothing wider than
the window, no console error or CSP violation (the console watch), and the ready one's link
downloads its file."""

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from exports.models import Export
from sellers.models import Seller
from wberp.tests.browser import overflow, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LONG_NAME = "Интернет-магазин одежды и обуви для всей семьи «Радуга»" * 2


@pytest.fixture
def exports_of(make_user, settings, tmp_path):
    settings.EXPORTS_DIR = tmp_path
    owner = make_user("owner", staff=True, perms=["access.see_all_cabinets"])
    seller = Seller.objects.create(sid="sid-phone", name=LONG_NAME)
    made = {"seller": seller, "owner": owner, "path": "/", "format": "xlsx"}
    ready = Export.objects.create(
        **made, table=f"orders-{seller.sid}", state="done", rows_total=120_000,
        rows_done=120_000, file="ready.xlsx", finished_at=timezone.now(),
    )  # fmt: skip
    (tmp_path / "ready.xlsx").write_bytes(b"PK\x03\x04 a workbook")
    Export.objects.create(
        **made, table=f"sales-{seller.sid}", state="running", rows_total=90_000, rows_done=36_000
    )
    Export.objects.create(**made, table=f"report-{'9' * 12}", state="failed", error="access")
    return owner, ready


def test_my_exports_fit_a_phone_in_the_dark(page, visit_as, live_server, exports_of):
    owner, _ready = exports_of
    page.set_viewport_size({"width": 375, "height": 740})
    page.emulate_media(color_scheme="dark")
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )
    shown = visit_as(owner, "/exports/")
    expect(shown.get_by_role("heading", name="My exports")).to_be_visible()
    expect(shown.locator("progress")).to_have_attribute("value", "40")
    expect(shown.locator("#exports")).to_contain_text("your access to the cabinet")
    assert overflow(shown) == 0
    screenshot(shown, "exports-375-en-dark.png")
    with shown.expect_download() as download:
        shown.get_by_role("link", name="Download").click()
    assert download.value.suggested_filename == "orders-sid-phone.xlsx"
