"""The notifications and alert settings pages in a real browser (see wberp/tests/browser.py):
at a phone's width and a laptop's, light and dark, no console error, no CSP violation."""

import pytest
import time_machine
from playwright.sync_api import expect

from alerts.services import alerts_evaluate
from wberp.tests.browser import overflow

from .conftest import START

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# As long as a token's name may be (100 characters).
LONG_NAME = ("Магазин с очень длинным названием, которое не помещается в строку " * 2)[:100]


@pytest.fixture
def notified(owner, subscribe, token_expiring):
    subscribe(owner, channels=("email",))
    token_expiring(2, name=LONG_NAME)
    with time_machine.travel(START, tick=False):
        alerts_evaluate()
    return owner


@pytest.mark.parametrize("width", [375, 1366])
def test_both_pages_fit_the_window_light_and_dark(page, visit_as, notified, width):
    page.set_viewport_size({"width": width, "height": 800})
    visit_as(notified, "/notifications/")
    too_wide = {}
    for url in ("/notifications/", "/notifications/?show=unread", "/notifications/settings/"):
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            page.goto(url)
            if overflow(page) > 0:
                too_wide[f"{url} {scheme}"] = overflow(page)
    assert too_wide == {}


def test_marking_read_updates_the_row_and_the_count_in_place(page, visit_as, notified):
    visit_as(notified, "/notifications/")
    count = page.locator("#nav-notifications .nav-count")
    expect(count).to_contain_text("3")
    first = page.locator("li.notification.unread").first
    first.get_by_role("button").click()
    expect(page.locator("li.notification.unread")).to_have_count(2)
    expect(count).to_contain_text("2")
    assert page.url.endswith("/notifications/")  # no reload: htmx swapped the row
