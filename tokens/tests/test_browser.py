"""The token pages in a real browser: Debian's Chromium driven by Playwright.

The setup is wberp.tests.browser's: the app in pytest-django's live server calling
the WB emulator over loopback, and every test fails if the page logged an error to
the console, threw, or broke the Content-Security-Policy.

Run only these: `pytest -m browser`; leave them out: `pytest -m "not browser"`.
"""

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

import pytest
from django.conf import settings as django_settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from tokens.batches import check_batch_run
from tokens.models import CheckBatch, WBToken
from tokens.services import token_check, token_create
from wberp.tests.browser import UPDATE_SCREENSHOTS, overflow, screenshot, session_cookie

from .conftest import ALL_PERMS, SEE_ALL, SELLER

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]
DOCS_SCREENSHOT = Path(django_settings.BASE_DIR) / "docs" / "screenshots" / "tokens-list.png"


@pytest.fixture
def manager(app, make_user):
    return make_user("manager", staff=True, perms=ALL_PERMS)


@pytest.fixture
def viewer(app, make_user):
    return make_user("viewer", staff=True, perms=[SEE_ALL, "tokens.view_wbtoken"])


def log_in(page: Page, user, *, to: str = "/tokens/") -> None:
    """Through the real login form, as a person would."""
    page.goto(f"/accounts/login/?next={quote(to)}")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-form [type=submit]").click()
    page.wait_for_url(re.compile(re.escape(to) + "$"))


@pytest.fixture
def signed_in(visit_as, manager) -> Page:
    return visit_as(manager)


def row(page: Page, name: str):
    return page.locator("#token-table tbody tr").filter(
        has=page.get_by_role("link", name=name, exact=True)
    )


def dialog(page: Page):
    return page.locator("#dialog")


def in_days(days: int) -> str:
    """The date so many days from now, as the Russian pages write it: "24 февраля 2027 г."."""
    with translation.override("ru"):
        return date_format(timezone.localtime() + timedelta(days=days), "DATE_FORMAT")


def paste(page: Page, field, text: str) -> None:
    """As from the clipboard: Ctrl+V into the field."""
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.evaluate("(text) => navigator.clipboard.writeText(text)", text)
    field.focus()
    page.keyboard.press("ControlOrMeta+V")


def mark_page(page: Page) -> None:
    """A marker that survives only as long as the page is not reloaded or left."""
    page.evaluate("window.wberpTestMarker = 'still here'")


def assert_same_page(page: Page) -> None:
    assert page.evaluate("window.wberpTestMarker") == "still here"


# --- Adding -----------------------------------------------------------------------------------


def test_logging_in_through_the_form_shows_the_empty_list_with_an_explanation(page, manager):
    log_in(page, manager)

    expect(page.get_by_role("heading", level=1)).to_have_text("Токены WB")
    expect(page.get_by_role("heading", name="Пока нет токенов")).to_be_visible()
    expect(page.locator(".empty-state")).to_contain_text("Доступ к API")
    expect(page.get_by_role("link", name="Добавить первый токен")).to_be_visible()
    expect(page.locator("#token-table table")).to_have_count(0)


def test_adding_a_valid_token_previews_it_then_shows_it_in_the_table(signed_in, mint):
    page = signed_in
    raw = mint(categories="content,statistics,prices", days=90)
    mark_page(page)

    page.get_by_role("link", name="Добавить токен", exact=True).click()
    expect(dialog(page)).to_be_visible()
    page.get_by_label("Название").fill("Ромашка, основной")
    paste(page, page.locator("#id_raw_token"), raw)

    preview = page.locator("#token-preview")
    expect(preview).to_contain_text("Персональный")
    expect(preview).to_contain_text("Контент, Цены и скидки, Статистика")
    expect(preview.locator("dt:text-is('Истекает') + dd")).to_contain_text(in_days(90))
    assert WBToken.objects.count() == 0

    dialog(page).get_by_role("button", name="Сохранить").click()

    expect(dialog(page)).to_be_hidden()
    new_row = row(page, "Ромашка, основной")
    expect(new_row).to_contain_text(SELLER)
    expect(new_row.locator(".wb-badge.wb-status-valid")).to_have_text("Действителен")
    expect(page.locator("#toasts .toast")).to_have_text("Токен «Ромашка, основной» добавлен.")
    assert_same_page(page)
    assert WBToken.objects.get().seller.name == SELLER


def test_adding_a_revoked_token_shows_the_error_in_the_dialog_and_saves_nothing(
    signed_in, mint, wb
):
    page = signed_in
    raw = mint()
    wb.revoke(raw)

    page.get_by_role("link", name="Добавить токен", exact=True).click()
    page.get_by_label("Название").fill("Отозванный")
    page.locator("#id_raw_token").fill(raw)
    dialog(page).get_by_role("button", name="Сохранить").click()

    expect(dialog(page).locator(".errorlist")).to_contain_text("WB отклонил токен")
    expect(dialog(page)).to_be_visible()
    expect(page.locator(".empty-state")).to_be_visible()
    assert WBToken.objects.count() == 0


def test_adding_a_token_twice_names_the_token_already_stored(page, visit_as, manager, mint):
    raw = mint()
    token_create(name="Склад Подольск", raw_token=raw, by=manager)
    visit_as(manager)

    page.get_by_role("link", name="Добавить токен", exact=True).click()
    page.get_by_label("Название").fill("Тот же токен")
    page.locator("#id_raw_token").fill(raw)
    dialog(page).get_by_role("button", name="Сохранить").click()

    expect(dialog(page).locator(".errorlist")).to_have_text(
        "Этот токен уже сохранён как «Склад Подольск»."
    )
    assert list(WBToken.objects.values_list("name", flat=True)) == ["Склад Подольск"]


# --- Checking, finding, changing --------------------------------------------------------------


def test_checking_a_token_that_wb_revoked_turns_its_badge_invalid_in_place(
    page, visit_as, manager, mint, wb
):
    raw = mint()
    token_create(name="Ромашка", raw_token=raw, by=manager)
    visit_as(manager)
    badge = row(page, "Ромашка").locator(".wb-badge.wb-status-valid, .wb-badge.wb-status-invalid")
    expect(badge).to_have_text("Действителен")
    wb.revoke(raw)
    mark_page(page)

    row(page, "Ромашка").get_by_role("button", name="Проверить").click()

    expect(badge).to_have_text("Недействителен")
    expect(badge).to_have_attribute("title", re.compile("WB отклонил токен"))
    assert_same_page(page)
    assert WBToken.objects.get().status == WBToken.Status.INVALID


def test_without_javascript_a_rows_check_button_checks_and_opens_the_token_page(
    browser, browser_context_args, live_server, manager, make_token
):
    """The rows share one form for their Check buttons (form= and formaction=)."""
    token = make_token("Ромашка")
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    context.add_cookies([session_cookie(manager, live_server.url)])
    page = context.new_page()
    page.goto("/tokens/")

    row(page, "Ромашка").get_by_role("button", name="Проверить").click()

    page.wait_for_url(re.compile(rf"/tokens/{token.pk}/$"))
    expect(page.locator(".messagelist")).to_contain_text("«Ромашка»: Действителен.")
    assert token.checks.filter(checked_by=manager).count() == 1
    context.close()


THREE_SELLERS = [
    ("Ромашка", SELLER, "7700000001", "content,statistics,prices"),
    ("Лютик", "ИП Лютикова А. В.", "500100732259", "marketplace,supplies"),
    ("Василёк", "ООО Василёк", "7800000003", "marketplace"),
]


@pytest.fixture
def raw_tokens(mint) -> dict[str, str]:
    return {
        name: mint(seller_name=seller, tin=tin, trade_mark="", categories=categories)
        for name, seller, tin, categories in THREE_SELLERS
    }


@pytest.fixture
def three_sellers(manager, raw_tokens, wb) -> dict[str, WBToken]:
    """Three tokens of three sellers; Василёк's was revoked, and a check found out."""
    tokens = {
        name: token_create(name=name, raw_token=raw, by=manager) for name, raw in raw_tokens.items()
    }
    wb.revoke(raw_tokens["Василёк"])
    token_check(token=tokens["Василёк"], by=manager)
    return tokens


def list_requests(page: Page) -> list[str]:
    """URLs of the list's own requests (the table re-rendered) from now on."""
    urls: list[str] = []
    page.on(
        "request", lambda request: urls.append(request.url) if "/tokens/?" in request.url else None
    )
    return urls


def query_of(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def test_search_filters_the_rows_as_you_type_after_a_pause(page, visit_as, manager, three_sellers):
    visit_as(manager)
    expect(page.locator("#token-table tbody tr")).to_have_count(3)
    requests = list_requests(page)
    mark_page(page)

    page.get_by_role("searchbox").press_sequentially("Лютик", delay=20)

    expect(page.locator("#token-table tbody tr")).to_have_count(1)
    expect(row(page, "Лютик")).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]q="))
    assert query_of(page)["q"] == ["Лютик"]
    assert len(requests) == 1, "one request for the whole word, not one per letter"
    assert_same_page(page)


def test_search_ignores_the_case_of_cyrillic_letters(page, visit_as, manager, three_sellers):
    visit_as(manager, "/tokens/?q=%D0%BB%D1%8E%D1%82%D0%B8%D0%BA")  # "лютик"

    expect(page.get_by_role("searchbox")).to_have_value("лютик")
    assert page.locator("#token-table tbody tr").count() == 1  # rendered by the server: no wait


def test_a_status_filter_narrows_the_rows_and_puts_itself_in_the_url(
    page, visit_as, manager, three_sellers
):
    visit_as(manager)
    mark_page(page)

    page.get_by_label("Статус").select_option("invalid")

    expect(page).to_have_url(re.compile(r"[?&]status=invalid"))
    expect(page.locator("#token-table tbody tr")).to_have_count(1)
    expect(row(page, "Василёк")).to_contain_text("Недействителен")
    assert_same_page(page)

    page.reload()
    expect(page.get_by_label("Статус")).to_have_value("invalid")
    expect(page.locator("#token-table tbody tr")).to_have_count(1)


def test_a_column_header_sorts_the_rows_in_place_and_a_second_click_reverses(
    page, visit_as, manager, three_sellers
):
    visit_as(manager)
    names = page.locator("#token-table tbody tr td:first-child")
    expect(names).to_have_text(["Василёк", "Лютик", "Ромашка"])
    mark_page(page)

    page.get_by_role("columnheader", name="Продавец").get_by_role("link").click()

    expect(page).to_have_url(re.compile(r"[?&]sort=seller"))
    expect(page.get_by_role("columnheader", name="Продавец")).to_have_attribute(
        "aria-sort", "ascending"
    )
    expect(names).to_have_text(["Лютик", "Василёк", "Ромашка"])
    page.get_by_role("columnheader", name="Продавец").get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"[?&]sort=-seller"))
    expect(names).to_have_text(["Ромашка", "Василёк", "Лютик"])
    assert_same_page(page)


def test_check_all_shown_checks_every_listed_token_in_the_background(
    page, visit_as, manager, three_sellers, raw_tokens, wb
):
    visit_as(manager)
    wb.revoke(raw_tokens["Ромашка"])
    mark_page(page)

    page.get_by_role("button", name="Проверить все показанные").click()

    progress = page.locator("#check-batch")
    expect(progress).to_contain_text("готово 0 из 3")
    check_batch_run(batch_id=CheckBatch.objects.get().pk)  # what a worker does meanwhile
    expect(progress).to_contain_text("Проверено 3 токена: действительных 1.")  # Василёк too
    expect(progress.get_by_role("link", name="Ромашка")).to_be_visible()
    # The table shows the outcomes once the check is done, without a reload.
    expect(row(page, "Ромашка").locator(".wb-badge").first).to_have_text("Недействителен")
    expect(row(page, "Лютик").locator(".wb-badge").first).to_have_text("Действителен")
    assert_same_page(page)
    assert WBToken.objects.filter(checks__trigger="bulk").distinct().count() == 3


def test_renaming_a_token_through_the_edit_dialog(page, visit_as, manager, three_sellers):
    visit_as(manager)

    row(page, "Лютик").get_by_role("link", name="Изменить").click()

    name = dialog(page).get_by_label("Название")
    expect(dialog(page).get_by_role("heading")).to_have_text("Изменение токена")
    expect(name).to_have_value("Лютик")
    expect(name).to_be_focused()
    name.fill("Лютик — склад Коледино")
    dialog(page).get_by_role("button", name="Сохранить").click()

    expect(dialog(page)).to_be_hidden()
    expect(row(page, "Лютик — склад Коледино")).to_contain_text("ИП Лютикова А. В.")
    expect(row(page, "Лютик")).to_have_count(0)
    expect(page.locator("#toasts .toast")).to_have_text("Токен «Лютик — склад Коледино» сохранён.")
    three_sellers["Лютик"].refresh_from_db()
    assert three_sellers["Лютик"].name == "Лютик — склад Коледино"


def test_deleting_a_token_through_the_confirm_dialog_removes_its_row(
    page, visit_as, manager, three_sellers
):
    visit_as(manager)

    row(page, "Ромашка").get_by_role("link", name="Удалить").click()

    expect(dialog(page)).to_contain_text("Удалить токен «Ромашка» продавца ООО Ромашка?")
    dialog(page).get_by_role("button", name="Да, удалить").click()

    expect(dialog(page)).to_be_hidden()
    expect(row(page, "Ромашка")).to_have_count(0)
    expect(page.locator("#token-table tbody tr")).to_have_count(2)
    expect(page.locator("#toasts .toast")).to_have_text("Токен «Ромашка» удалён.")
    assert sorted(WBToken.objects.values_list("name", flat=True)) == ["Василёк", "Лютик"]


def test_renaming_on_the_token_page_updates_it_in_place(page, visit_as, manager, three_sellers):
    visit_as(manager, three_sellers["Лютик"].get_absolute_url())
    mark_page(page)

    page.locator("#token-summary").get_by_role("link", name="Изменить").click()
    dialog(page).get_by_label("Название").fill("Лютик — склад Коледино")
    dialog(page).get_by_role("button", name="Сохранить").click()

    expect(dialog(page)).to_be_hidden()
    expect(page.locator("#toasts .toast")).to_have_text("Токен «Лютик — склад Коледино» сохранён.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Лютик — склад Коледино")
    expect(page).to_have_title("Лютик — склад Коледино · wberp")
    expect(page.locator(".breadcrumbs")).to_have_text("Токены WB › Лютик — склад Коледино")
    expect(page.locator("#token-summary")).to_contain_text("ИП Лютикова А. В.")
    assert_same_page(page)


def test_deleting_on_the_token_page_returns_to_the_list(page, visit_as, manager, three_sellers):
    visit_as(manager, three_sellers["Лютик"].get_absolute_url())

    page.locator("#token-summary").get_by_role("link", name="Удалить").click()
    dialog(page).get_by_role("button", name="Да, удалить").click()

    expect(page).to_have_url(re.compile(r"/tokens/$"))
    expect(page.locator(".messagelist")).to_have_text("Токен «Лютик» удалён.")
    expect(page.locator("#token-table tbody tr")).to_have_count(2)


def test_dialogs_open_again_after_one_was_cancelled(page, visit_as, manager, three_sellers):
    """The table's own htmx settings must not leak into the links inside it."""
    visit_as(manager)

    row(page, "Ромашка").get_by_role("link", name="Изменить").click()
    expect(dialog(page).get_by_label("Название")).to_have_value("Ромашка")
    dialog(page).get_by_role("button", name="Отмена").click()
    expect(dialog(page)).to_be_hidden()

    row(page, "Лютик").get_by_role("link", name="Удалить").click()
    expect(dialog(page)).to_contain_text("Удалить токен «Лютик»")
    dialog(page).get_by_role("link", name="Отмена").click()
    expect(dialog(page)).to_be_hidden()

    page.get_by_role("link", name="Добавить токен", exact=True).click()
    expect(dialog(page).get_by_role("heading")).to_have_text("Добавить токен WB")


# --- Language, permissions, keyboard, guards --------------------------------------------------


def test_the_language_switcher_turns_the_page_english_and_back(page, manager, three_sellers):
    log_in(page, manager)
    expect(page.get_by_role("heading", level=1)).to_have_text("Токены WB")

    page.get_by_role("button", name="EN", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("WB tokens")
    expect(page.get_by_role("link", name="Add token", exact=True)).to_be_visible()
    expect(row(page, "Василёк")).to_contain_text("Invalid")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_role("button", name="RU", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Токены WB")
    expect(row(page, "Василёк")).to_contain_text("Недействителен")
    expect(page.locator("html")).to_have_attribute("lang", "ru")


def test_a_viewer_sees_tokens_but_no_buttons_that_change_them(page, viewer, three_sellers):
    log_in(page, viewer)

    expect(page.locator("#token-table tbody tr")).to_have_count(3)
    expect(page.get_by_role("link", name="Добавить токен")).to_have_count(0)
    expect(page.get_by_role("button", name="Проверить все показанные")).to_have_count(0)
    table = page.locator("#token-table tbody")
    expect(table.get_by_role("button")).to_have_count(0)
    expect(table.get_by_role("link", name=re.compile("Изменить|Удалить"))).to_have_count(0)

    row(page, "Ромашка").get_by_role("link", name="Ромашка", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Ромашка")
    summary = page.locator("#token-summary")
    expect(summary).to_contain_text(SELLER)
    expect(summary.get_by_role("button")).to_have_count(0)
    expect(summary.get_by_role("link", name=re.compile("Изменить|Удалить"))).to_have_count(0)


def test_the_add_dialog_opens_from_the_keyboard_and_escape_gives_focus_back(signed_in):
    page = signed_in
    opener = page.get_by_role("link", name="Добавить токен", exact=True)

    opener.focus()
    page.keyboard.press("Enter")

    expect(dialog(page)).to_be_visible()
    expect(dialog(page).get_by_label("Название")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog(page)).to_be_hidden()
    expect(opener).to_be_focused()


def test_the_console_watch_would_catch_a_csp_violation(signed_in, console):
    """The no-console-errors check is not vacuous: an inline script is refused and reported."""
    page = signed_in

    with page.expect_console_message(lambda message: message.type == "error") as message:
        page.evaluate(
            """() => {
                const script = document.createElement("script");
                script.textContent = "window.inlineRan = true";
                document.body.append(script);
            }"""
        )
    page.wait_for_function("() => window.wberpTestCspViolations.length > 0")

    assert "Content Security Policy" in message.value.text
    assert page.evaluate("window.inlineRan") is None
    assert any(problem.startswith("CSP: script-src") for problem in console.problems)
    assert any("Content Security Policy" in problem for problem in console.problems)
    console.problems.clear()


def test_the_browser_reaches_nothing_but_the_loopback(page):
    with pytest.raises(PlaywrightError, match="ERR_NAME_NOT_RESOLVED"):
        page.goto("https://seller.wildberries.ru/")


# --- Screenshots ------------------------------------------------------------------------------


DESK = [
    # name, seller, INN, trade mark, emulator options
    ("Ромашка — основной", SELLER, "7700000001", "Romashka",
     {"categories": "content,prices,marketplace,statistics", "days": 150}),
    ("Ромашка — отчёты", SELLER, "7700000001", "Romashka",
     {"categories": "statistics,finance,analytics", "read_only": True, "days": 120}),
    ("Лютик", "ИП Лютикова Анна Викторовна", "500100732259", "Lutik Home",
     {"categories": "marketplace,supplies,returns", "days": 9}),
    ("Василёк — склад", "ООО «Василёк»", "7800000003", "Vasilek",
     {"categories": "marketplace", "days": 60}),
    ("Одуванчик (песочница)", "ООО Одуванчик", "5400000004", "Oduvanchik",
     {"categories": "content,prices", "test": True, "days": 170}),
    ("Колокольчик", "ООО Колокольчик", "6600000005", "Kolokolchik",
     {"categories": "feedbacks,chat,promotion", "days": 40}),
]  # fmt: skip


@pytest.fixture
def realistic_desk(manager, mint, wb) -> dict[str, WBToken]:
    """An agency's desk after a few months: several sellers, every kind of status."""
    raws = {
        name: mint(seller_name=seller, tin=tin, trade_mark=mark, **options)
        for name, seller, tin, mark, options in DESK
    }
    tokens = {
        name: token_create(name=name, raw_token=raw, by=manager) for name, raw in raws.items()
    }
    token_check(token=tokens["Ромашка — основной"], by=manager)
    wb.revoke(raws["Василёк — склад"])
    token_check(token=tokens["Василёк — склад"], by=manager)
    # An older token that has run out; a check on it is decided without asking WB.
    WBToken.objects.filter(name="Колокольчик").update(expires_at=timezone.now() - timedelta(days=3))
    token_check(token=WBToken.objects.get(name="Колокольчик"), by=manager)
    return tokens


def test_screenshots_of_the_list_and_a_token_in_russian_and_english(
    page, visit_as, manager, mint, realistic_desk
):
    """Pictures for people: test-artifacts/screenshots/, and the README's when asked to."""
    visit_as(manager)
    expect(page.locator("#token-table tbody tr")).to_have_count(len(DESK))
    screenshot(page, "tokens-list.ru.png")
    if UPDATE_SCREENSHOTS:
        DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=DOCS_SCREENSHOT, full_page=True, animations="disabled")
    page.emulate_media(color_scheme="dark")
    screenshot(page, "tokens-list.ru.dark.png")
    page.emulate_media(color_scheme="light")

    page.get_by_role("link", name="Добавить токен", exact=True).click()
    expect(dialog(page)).to_be_visible()
    page.get_by_label("Название").fill("Лютик — новый")
    page.locator("#id_raw_token").fill(mint(seller_name="ИП Лютикова Анна Викторовна"))
    expect(page.locator("#token-preview")).to_contain_text("Персональный")
    screenshot(page, "token-add-dialog.ru.png")
    page.keyboard.press("Escape")

    page.get_by_role("link", name="Ромашка — основной").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ромашка — основной")
    expect(page.locator(".token-history tbody tr")).to_have_count(2)
    screenshot(page, "token-detail.ru.png")

    page.get_by_role("button", name="EN", exact=True).click()
    expect(page.get_by_role("heading", name="Check history")).to_be_visible()
    screenshot(page, "token-detail.en.png")

    page.get_by_role("link", name="WB tokens").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("WB tokens")
    expect(page.locator("#token-table tbody tr")).to_have_count(len(DESK))
    screenshot(page, "tokens-list.en.png")


# --- Layout: every page fits a phone and a laptop, long names included -----------------------

LONG_NAME = "Ромашка" * 14 + "ШОП"  # 101 characters without a space: the longest name there is
LONG_NAME = LONG_NAME[:100]
LONG_SELLER = "ООО " + "Ромашкаторгсервис" * 8


@pytest.fixture
def long_names(manager, mint) -> WBToken:
    token_create(name="Короткое", raw_token=mint(seller_name="ООО Лютик"), by=manager)
    raw = mint(seller_name=LONG_SELLER, trade_mark="T" * 60)
    return token_create(name=LONG_NAME, raw_token=raw, by=manager)


def pages_of(token: WBToken) -> list[str]:
    return [
        "/",
        "/tokens/",
        f"/tokens/?q={quote(LONG_NAME[:10])}",
        token.get_absolute_url(),
        "/tokens/add/",
        f"/tokens/{token.pk}/edit/",
        f"/tokens/{token.pk}/delete/",
        "/accounts/password/",
        "/sellers/",
        token.seller.get_absolute_url(),
    ]


@pytest.mark.parametrize("width", [375, 1366])
def test_every_page_fits_the_window_with_the_longest_names(
    page, visit_as, superuser, long_names, width
):
    page.set_viewport_size({"width": width, "height": 800})
    visit_as(superuser)  # who may see every page, the sellers' too
    too_wide = {}
    for url in pages_of(long_names):
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            page.goto(url)
            if overflow(page) > 0:
                too_wide[f"{url} {scheme}"] = overflow(page)
        screenshot(page, f"fit-{width}-{url.strip('/').replace('/', '_') or 'home'}.png")
    assert too_wide == {}


def fits(locator, width: int) -> bool:
    """The element lies inside the window and its own content inside it."""
    return locator.evaluate(
        """(element, width) => {
            const box = element.getBoundingClientRect();
            const inside = box.left >= 0 && box.right <= width;
            return inside && element.scrollWidth <= element.clientWidth;
        }""",
        width,
    )


@pytest.mark.parametrize("width", [375, 1366])
def test_a_long_name_ends_in_an_ellipsis_and_shows_whole_on_hover(
    page, visit_as, manager, long_names, width
):
    page.set_viewport_size({"width": width, "height": 800})
    visit_as(manager)
    link = page.locator(".token-name", has_text=LONG_NAME[:20])
    expect(link).to_have_attribute("title", LONG_NAME)
    assert link.evaluate("(a) => getComputedStyle(a).textOverflow") == "ellipsis"
    assert link.evaluate("(a) => a.scrollWidth > a.clientWidth")  # cut, not wrapped


@pytest.mark.parametrize("width", [375, 1366])
def test_dialogs_and_toasts_keep_long_names_inside_their_boxes(
    page, visit_as, manager, long_names, width
):
    page.set_viewport_size({"width": width, "height": 800})
    visit_as(manager)
    long_row = page.locator(f"#token-{long_names.pk}")
    for action in ("Изменить", "Удалить"):
        long_row.get_by_role("link", name=action).click()
        expect(dialog(page)).to_be_visible()
        assert fits(dialog(page), width), action
        page.keyboard.press("Escape")
        expect(dialog(page)).to_be_hidden()

    long_row.get_by_role("button", name="Проверить").click()
    toast = page.locator("#toasts .toast")
    expect(toast).to_contain_text(LONG_NAME[:20])
    assert fits(toast, width)


def test_the_language_in_use_is_the_highlighted_one_not_the_dimmed_one(signed_in):
    page = signed_in
    current, other = (
        page.locator(".language-switcher button[lang=ru]"),
        page.locator(".language-switcher button[lang=en]"),
    )
    expect(current).to_have_attribute("aria-current", "true")
    style = "(b) => [getComputedStyle(b).opacity, getComputedStyle(b).backgroundColor]"
    (current_opacity, current_fill), (other_opacity, other_fill) = (
        current.evaluate(style),
        other.evaluate(style),
    )
    assert current_opacity == other_opacity == "1"
    assert current_fill != other_fill and other_fill == "rgba(0, 0, 0, 0)"


@pytest.mark.parametrize("width", [375, 1366])
def test_the_admin_changelist_and_change_page_fit_the_window(
    page, visit_as, manager, long_names, width
):
    """On a laptop every column is in view; on a phone the admin's table scrolls in its box."""
    page.set_viewport_size({"width": width, "height": 800})
    visit_as(manager, "/admin/tokens/wbtoken/")
    screenshot(page, f"admin-changelist-{width}.png")
    assert overflow(page) <= 0
    if width >= 1366:
        last_column = page.locator("#result_list thead th").last
        assert last_column.evaluate(
            "(th, width) => th.getBoundingClientRect().right <= width", width
        )
    page.goto(f"/admin/tokens/wbtoken/{long_names.pk}/change/")
    screenshot(page, f"admin-change-{width}.png")
    assert overflow(page) <= 0


# --- Pasting once -----------------------------------------------------------------------------


def test_after_an_error_the_pasted_token_stays_for_the_second_try(signed_in, mint, wb):
    page = signed_in
    raw = mint()
    wb.set_fault("status", status=503)
    served = []
    page.on("response", lambda response: served.append(response))

    page.get_by_role("link", name="Добавить токен", exact=True).click()
    expect(dialog(page)).to_be_visible()
    page.get_by_label("Название").fill("С первого раза")
    paste(page, page.locator("#id_raw_token"), raw)
    expect(page.locator("#token-preview")).to_contain_text("Персональный")
    dialog(page).get_by_role("button", name="Сохранить").click()

    expect(dialog(page).locator(".errornote")).to_contain_text("WB не ответил")
    expect(page.locator("#id_raw_token")).to_have_value(raw)
    expect(page.locator("#token-preview")).to_contain_text("Персональный")
    dialog(page).get_by_label("Сохранить, даже если WB сейчас недоступен").check()
    dialog(page).get_by_role("button", name="Сохранить").click()

    expect(dialog(page)).to_be_hidden()
    assert WBToken.objects.get().status == WBToken.Status.UNCHECKED
    assert not [r.url for r in served if r.request.method == "POST" and raw in r.text()]

    page.get_by_role("link", name="Добавить токен", exact=True).click()
    expect(dialog(page)).to_be_visible()
    expect(page.locator("#id_raw_token")).to_have_value("")  # the next dialog starts empty


def test_replacing_with_another_sellers_token_needs_one_paste_and_a_tick(
    page, visit_as, manager, three_sellers, mint
):
    visit_as(manager)
    other = mint(seller_name="ООО Другой")
    row(page, "Ромашка").get_by_role("link", name="Изменить").click()
    expect(dialog(page)).to_be_visible()  # open, its first field focused: now paste
    paste(page, page.locator("#id_raw_token"), other)
    dialog(page).get_by_role("button", name="Сохранить").click()

    expect(dialog(page).locator(".errorlist")).to_contain_text("другому продавцу")
    expect(page.locator("#id_raw_token")).to_have_value(other)
    dialog(page).get_by_label("Новый токен может принадлежать другому продавцу").check()
    dialog(page).get_by_role("button", name="Сохранить").click()

    expect(dialog(page)).to_be_hidden()
    assert WBToken.objects.get(name="Ромашка").seller.name == "ООО Другой"
