"""Swagger UI in a real browser, under the site's Content-Security-Policy.

The browser setup is wberp.tests.browser's (Debian's Chromium through Playwright, the live
server, a console watch that fails a test on any console error, uncaught exception or CSP
violation).
"""

import re

import pytest
from playwright.sync_api import Page, expect

from api.services import api_token_create
from tokens.models import WBToken
from wberp.tests.browser import overflow, session_cookie

from .conftest import ALL_TOKEN_PERMS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def docs(page: Page, live_server, make_user, make_token) -> Page:
    make_token(name="Shop seen through Swagger")
    manager = make_user("manager", staff=True, perms=ALL_TOKEN_PERMS)
    page.context.add_cookies([session_cookie(manager, live_server.url)])
    page.goto("/api/v1/docs")
    return page


def test_swagger_ui_loads_from_our_own_files_under_the_csp(docs: Page, live_server):
    requested = []
    docs.on("request", lambda request: requested.append(request.url))
    docs.reload()
    expect(docs.locator(".swagger-ui .title")).to_contain_text("wberp API")
    expect(docs.locator(".opblock-summary-path").first).to_be_visible()
    assert requested and all(url.startswith(live_server.url) for url in requested)


def test_an_operation_runs_from_swagger_ui_with_the_session(docs: Page):
    operation = docs.locator("#operations-WB_tokens-api_wb_tokens_list_tokens")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    responses = operation.locator(".live-responses-table tbody")
    expect(responses.locator(".response-col_status").first).to_have_text("200")
    expect(responses).to_contain_text("Shop seen through Swagger")


def test_a_write_from_swagger_ui_carries_the_csrf_token(docs: Page):
    token = WBToken.objects.get()
    operation = docs.locator("#operations-WB_tokens-api_wb_tokens_delete_token")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.locator("input[placeholder='id']").fill(str(token.pk))
    operation.get_by_role("button", name="Execute").click()
    status = operation.locator(".live-responses-table tbody .response-col_status").first
    expect(status).to_have_text("204")
    assert not WBToken.objects.exists()


@pytest.mark.parametrize("width", [375, 1366])
def test_the_api_tokens_page_fits_and_shows_a_new_token_once(
    page: Page, live_server, make_user, width
):
    owner = make_user("owner", staff=True, perms=ALL_TOKEN_PERMS)
    api_token_create(user=owner, name="Н" * 100)
    page.set_viewport_size({"width": width, "height": 800})
    page.context.add_cookies([session_cookie(owner, live_server.url)])
    page.goto("/")
    page.get_by_role("link", name="Токены API").click()
    page.get_by_label("Название").fill("Выгрузка в 1С")
    page.get_by_role("button", name="Создать токен").click()
    shown = page.locator("#new-api-token")
    expect(shown).to_have_value(re.compile(r"^wberp_[0-9a-f]{12}_[\w-]{43}$"))
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        assert overflow(page) == 0, scheme
    page.goto("/accounts/api-tokens/")  # opened again, it lists the token without its text
    expect(page.locator("#new-api-token")).to_have_count(0)
    expect(page.locator(".api-token-table tbody tr")).to_have_count(2)
