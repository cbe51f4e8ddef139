"""The token pages: full pages, htmx fragments, permissions, CSRF and query counts."""

import json
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone, translation

from tokens.batches import check_batch_run
from tokens.crypto import get_cipher
from tokens.models import CheckBatch, WBToken

from .conftest import ALL_PERMS, SELLER, bulk_tokens, query_count

pytestmark = pytest.mark.django_db

LIST = reverse("tokens:list")
ADD = reverse("tokens:add")
PREVIEW = reverse("tokens:preview")
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, token) -> str:
    return reverse(f"tokens:{name}", args=[token.pk])


def events(response) -> dict:
    return json.loads(response.headers.get("HX-Trigger", "{}"))


# --- List ---------------------------------------------------------------------------------


def test_the_empty_list_explains_what_a_token_is(manager):
    page = manager.get(LIST).content.decode()
    assert "Пока нет токенов" in page
    assert "Доступ к API" in page


def test_the_list_shows_seller_type_status_expiry_and_categories(manager, make_token):
    make_token(categories="content,statistics", days=10)
    page = manager.get(LIST).content.decode()
    for text in (
        "Main shop",
        SELLER,
        "Romashka",
        "Персональный",
        "Действителен",
        "через 10 дней",  # just made to last 10 days
        "Контент",
        "Статистика",
        "wb-expiry-soon",
    ):
        assert text in page, text


def test_an_htmx_request_gets_only_the_table(manager, make_token):
    make_token()
    response = manager.get(LIST, {"q": "main"}, **HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="token-table"')
    assert "<html" not in body and "Main shop" in body


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ({"q": "second"}, ["Second"]),
        ({"q": "7711"}, ["Second"]),
        ({"status": "problems"}, ["Broken"]),
        ({"status": "valid"}, ["First", "Second"]),
        ({"category": "finance"}, ["Second"]),
        ({"expiring": "14"}, ["First"]),
        ({"sort": "-name"}, ["Second", "First", "Broken"]),
        ({"sort": "expires"}, ["First", "Broken", "Second"]),
        ({"status": "bogus", "sort": "nonsense", "q": "x" * 500}, ["Broken", "First", "Second"]),
    ],
)
def test_search_filters_and_sorting(manager, make_token, wb, query, names):
    make_token("First", days=5, seller_name="A")
    make_token("Second", days=100, seller_name="B", tin="771100", categories="finance")
    broken = make_token("Broken", days=50, seller_name="C")
    wb.revoke(get_cipher().decrypt(broken.ciphertext, row_id=broken.pk))
    manager.post(url("check", broken))
    response = manager.get(LIST, query)
    assert response.status_code == 200
    assert [token.name for token in response.context["tokens"]] == names


def test_pagination_keeps_the_filters(manager):
    bulk_tokens(60)
    page = manager.get(LIST, {"status": "valid", "page": 2}).content.decode()
    assert "?status=valid&amp;page=3" in page
    assert "?status=valid&amp;page=1" in page


def test_the_list_counts_tokens_per_status(manager):
    bulk_tokens(4)
    WBToken.objects.filter(name="Shop 0001").update(status="invalid")
    counts = manager.get(LIST).context["counts"]
    assert counts == {"total": 4, "valid": 3, "expiring": 3, "problems": 1, "unchecked": 0}


def test_a_status_or_type_this_version_does_not_know_is_shown_as_stored(manager):
    bulk_tokens(1)
    WBToken.objects.update(status="suspended", token_type="partner")
    row = manager.get(LIST).content.decode()
    assert ">suspended</span>" in row and ">partner" in row


# Rows are cached rendered (templates/tokens/list.html, "token_row"); none may ever be stale.


def row_of(page: str, token: WBToken) -> str:
    start = page.index(f'<tr id="token-{token.pk}"')
    return page[start : page.index("</tr>", start)]


def test_a_row_is_rendered_once_and_then_served_from_the_cache(manager, monkeypatch):
    tokens = bulk_tokens(3)
    manager.get(LIST)
    # What a row would show if it were rendered again now:
    monkeypatch.setattr(WBToken, "category_labels", property(lambda token: ["Freshly rendered"]))
    cached = manager.get(LIST).content.decode()
    caches["template_fragments"].clear()
    rendered = manager.get(LIST).content.decode()
    for token in tokens:
        assert "Freshly rendered" not in row_of(cached, token)
        assert "Freshly rendered" in row_of(rendered, token)


def test_a_row_shows_a_change_made_without_the_orm_at_once(manager):
    token = bulk_tokens(1)[0]
    assert "Действителен" in row_of(manager.get(LIST).content.decode(), token)
    WBToken.objects.update(status="invalid", last_error_code="unauthorized")  # no save()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE tokens_wbtoken SET name = 'Renamed by hand'")
    row = row_of(manager.get(LIST).content.decode(), token)
    assert "Недействителен" in row and "Renamed by hand" in row


def test_a_row_shows_the_buttons_of_whoever_looks(manager, viewer):
    token = bulk_tokens(1)[0]
    assert "Проверить" in row_of(manager.get(LIST).content.decode(), token)
    assert "Проверить" not in row_of(viewer.get(LIST).content.decode(), token)
    assert "Удалить" not in row_of(viewer.get(LIST).content.decode(), token)


def test_a_row_is_in_the_readers_language(manager):
    token = bulk_tokens(1)[0]
    assert "Действителен" in row_of(manager.get(LIST).content.decode(), token)
    manager.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert ">Valid<" in row_of(manager.get(LIST).content.decode(), token)


def test_a_rows_days_to_expiry_count_down_at_midnight(manager):
    token = bulk_tokens(1)[0]
    evening = datetime(2026, 12, 1, 23, 50, tzinfo=ZoneInfo("Europe/Moscow"))
    WBToken.objects.update(expires_at=evening + timedelta(days=8, hours=12))  # Dec 10, noon
    with time_machine.travel(evening, tick=False):
        assert "через 9 дней" in row_of(manager.get(LIST).content.decode(), token)
    # 20 minutes on, past midnight: the cached row has not timed out, but a day has passed.
    with time_machine.travel(evening + timedelta(minutes=20), tick=False):
        assert "через 8 дней" in row_of(manager.get(LIST).content.decode(), token)


@pytest.mark.parametrize(("days", "shown"), [(3, "через 3 дня"), (180, "через 180 дней")])
def test_a_token_just_made_to_last_n_days_shows_n_days(manager, make_token, days, shown):
    token = make_token(days=days)
    assert shown in row_of(manager.get(LIST).content.decode(), token)
    assert shown in manager.get(token.get_absolute_url()).content.decode()


def test_list_query_count_is_the_same_for_10_and_200_tokens(manager):
    bulk_tokens(10)
    with_10 = query_count(manager, LIST)
    WBToken.objects.all().delete()
    bulk_tokens(200)
    assert query_count(manager, LIST) == with_10


# --- Add and preview ----------------------------------------------------------------------


def test_the_add_form_is_a_fragment_for_htmx_and_a_page_otherwise(manager):
    assert "<html" in manager.get(ADD).content.decode()
    fragment = manager.get(ADD, **HTMX).content.decode()
    assert fragment.lstrip().startswith("<form") and 'type="password"' in fragment


def test_adding_a_valid_token_closes_the_dialog_and_refreshes_the_table(manager, mint):
    response = manager.post(ADD, {"name": "Shop", "raw_token": mint()}, **HTMX)
    assert response.status_code == 204
    triggered = events(response)
    assert {"tokensChanged", "closeDialog", "showToast"} <= triggered.keys()
    assert "Shop" in triggered["showToast"]["message"]
    assert WBToken.objects.get().seller.name == SELLER


def test_adding_without_htmx_redirects_to_the_new_token(manager, mint):
    response = manager.post(ADD, {"name": "Shop", "raw_token": mint()})
    assert response.status_code == 302
    assert response["Location"] == WBToken.objects.get().get_absolute_url()


def test_an_invalid_token_shows_an_inline_error_and_saves_nothing(manager, mint, wb):
    raw = mint()
    wb.revoke(raw)
    response = manager.post(ADD, {"name": "Shop", "raw_token": raw}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith("<form")
    assert "WB отклонил токен" in body
    assert raw not in body
    assert not WBToken.objects.exists()


def test_a_duplicate_is_refused_inline(manager, make_token, mint):
    raw = mint(seller_name="Dup")
    manager.post(ADD, {"name": "One", "raw_token": raw}, **HTMX)
    response = manager.post(ADD, {"name": "Two", "raw_token": raw}, **HTMX)
    assert "уже сохранён как «One»" in response.content.decode()
    assert WBToken.objects.count() == 1


def test_the_preview_decodes_locally_without_wb_or_storage(manager, mint, wb):
    raw = mint(categories="content,finance", read_only=True)
    wb.reset()
    response = manager.post(PREVIEW, {"raw_token": raw}, **HTMX)
    body = response.content.decode()
    for text in ("Персональный", "Контент", "Финансы", "только чтение"):
        assert text in body
    assert raw not in body
    assert wb.request_count() == 0 and not WBToken.objects.exists()


def test_the_preview_says_text_that_is_no_token_is_not_a_token(manager):
    body = manager.post(PREVIEW, {"raw_token": "hello world, это не токен"}, **HTMX)
    assert "Это не токен WB." in body.content.decode()


def test_the_preview_says_a_token_broken_by_a_line_break_has_one(manager, mint):
    raw = mint()
    body = manager.post(PREVIEW, {"raw_token": f"{raw[:30]}\n{raw[30:]}"}, **HTMX)
    assert "пробелы или переносы строк" in body.content.decode()


def test_the_preview_needs_a_post(manager):
    assert manager.get(PREVIEW, {"raw_token": "x"}).status_code == 405


# --- Detail, edit, check, delete ---------------------------------------------------------


def test_the_detail_page_shows_the_summary_and_history(manager, make_token):
    token = make_token(categories="content", read_only=True)
    page = manager.get(url("detail", token)).content.decode()
    for text in (
        SELLER,
        "7700000000",
        "Romashka",
        token.seller.sid,
        "Контент",
        "только чтение",
        token.hint,
        token.fingerprint_prefix,
        "Добавление",
    ):
        assert text in page, text


def test_checking_a_row_re_renders_it_in_place(manager, make_token, wb):
    token = make_token()
    wb.revoke(get_cipher().decrypt(token.ciphertext, row_id=token.pk))
    response = manager.post(url("check", token), HTTP_HX_TARGET=f"token-{token.pk}", **HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith(f'<tr id="token-{token.pk}"')
    assert "Недействителен" in body
    toast = events(response)["showToast"]
    assert toast["level"] == "warning"
    assert toast["message"].startswith("«Main shop»: Недействителен. WB отклонил токен")


def test_checking_on_the_detail_page_re_renders_the_summary(manager, make_token):
    token = make_token()
    response = manager.post(url("check", token), HTTP_HX_TARGET="token-summary", **HTMX)
    body = response.content.decode()
    assert '<div id="token-summary"' in body and "<html" not in body
    assert '<div class="breadcrumbs" id="token-breadcrumbs" hx-swap-oob="true">' in body
    assert events(response)["showToast"] == {
        "message": "«Main shop»: Действителен.",
        "level": "success",
    }


def test_a_check_held_back_by_wbs_limit_keeps_the_row_and_says_until_when(manager, make_token, wb):
    token = make_token()
    wb.set_fault("status", status=429, headers={"X-Ratelimit-Retry": "7200"})
    manager.post(url("check", token), **HTMX)
    response = manager.post(url("check", token), **HTMX)
    assert response.status_code == 200
    assert f'id="token-{token.pk}"' in response.content.decode()  # the row, as it was
    toast = events(response)["showToast"]
    assert toast["level"] == "error"
    assert "Лимит запросов WB для этого продавца исчерпан до" in toast["message"]
    assert "ничего не отправлено" in toast["message"]
    detail = manager.get(url("detail", token)).content.decode()
    assert "Лимит запросов WB для этого продавца исчерпан до" in detail


def test_renaming_through_the_edit_dialog(manager, make_token):
    token = make_token()
    response = manager.post(url("edit", token), {"name": "New name"}, **HTMX)
    assert response.status_code == 204
    assert WBToken.objects.get().name == "New name"


def test_an_empty_name_is_an_inline_error(manager, make_token):
    token = make_token()
    response = manager.post(url("edit", token), {"name": " "}, **HTMX)
    assert response.status_code == 200 and "errorlist" in response.content.decode()


def test_deleting_from_the_dialog(manager, make_token):
    token = make_token()
    confirm = manager.get(url("delete", token), **HTMX).content.decode()
    assert "Main shop" in confirm and SELLER in confirm
    response = manager.post(url("delete", token), **HTMX)
    assert response.status_code == 204 and "tokensChanged" in events(response)
    assert not WBToken.objects.exists()


def test_deleting_a_sandbox_token_asks_without_a_seller(manager, make_token):
    token = make_token("Sandbox", type="test", categories="content")
    assert token.seller.name == ""  # the sandbox has no seller-info
    confirm = manager.get(url("delete", token), **HTMX).content.decode()
    assert "Удалить токен «Sandbox»? История его проверок" in confirm
    assert "—" not in confirm


def test_unknown_token_ids_are_404(manager):
    missing = "00000000-0000-0000-0000-000000000000"
    assert manager.get(f"/tokens/{missing}/").status_code == 404
    assert manager.get("/tokens/not-a-uuid/").status_code == 404


# --- Permissions --------------------------------------------------------------------------


def every_request(token) -> list[tuple[str, str]]:
    return [
        ("get", LIST),
        ("get", url("detail", token)),
        ("get", ADD),
        ("post", ADD),
        ("post", PREVIEW),
        ("get", url("edit", token)),
        ("post", url("edit", token)),
        ("post", url("check", token)),
        ("get", url("delete", token)),
        ("post", url("delete", token)),
    ]


def test_anonymous_users_are_sent_to_login(client, make_token):
    for method, path in every_request(make_token()):
        response = getattr(client, method)(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_non_staff_users_are_refused(plain_client, make_token):
    for method, path in every_request(make_token()):
        assert getattr(plain_client, method)(path).status_code == 403, path


def test_staff_without_permissions_are_refused(staff_client, make_token):
    token = make_token()
    for method, path in every_request(token):
        assert getattr(staff_client, method)(path).status_code == 403, path
    assert WBToken.objects.filter(pk=token.pk).exists()


def test_viewers_see_no_action_buttons_and_are_refused_actions(viewer, make_token):
    token = make_token()
    for path in (LIST, url("detail", token)):
        page = viewer.get(path).content.decode()
        assert url("check", token) not in page and url("delete", token) not in page
        assert url("edit", token) not in page and ADD not in page
    for method, path in every_request(token)[2:]:
        assert getattr(viewer, method)(path).status_code == 403, path


def test_permitted_staff_see_the_action_buttons(manager, make_token):
    token = make_token()
    page = manager.get(LIST).content.decode()
    for path in (ADD, url("check", token), url("edit", token), url("delete", token)):
        assert path in page


def test_posts_without_a_csrf_token_are_refused(make_user, make_token, mint):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("manager", staff=True, perms=ALL_PERMS))
    token = make_token()
    for path in (ADD, url("check", token), url("delete", token), url("edit", token)):
        assert client.post(path, {"name": "x", "raw_token": mint()}).status_code == 403
    assert WBToken.objects.get().checks.count() == 1


def test_token_pages_are_never_cached(manager, make_token):
    token = make_token()
    for path in (LIST, url("detail", token), ADD, url("edit", token)):
        assert "no-store" in manager.get(path)["Cache-Control"]


def test_expired_tokens_are_flagged(manager, make_token):
    token = make_token()
    WBToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(days=3))
    assert "истёк 3 дня назад" in manager.get(LIST).content.decode()


# --- A token no configured key can read --------------------------------------------------

OTHER_KEY = "b3RoZXIta2V5LW5vYm9keS1rZXB0LTAwMDAwMDAwMDA"


@pytest.fixture
def unreadable(make_token, settings):
    """A valid token whose key has since been removed from WB_TOKEN_KEYS."""
    token = make_token()
    settings.WB_TOKEN_KEYS = [OTHER_KEY]
    return token


def test_the_list_shows_a_token_no_key_can_read_as_such(manager, unreadable):
    row = row_of(manager.get(LIST).content.decode(), unreadable)
    assert "Не расшифровывается" in row and "Действителен" not in row
    assert unreadable.key_id in row  # the hover text names the missing key


def test_the_detail_page_says_why_a_token_cannot_be_read(manager, unreadable):
    page = manager.get(unreadable.get_absolute_url()).content.decode()
    summary = page[: page.index("token-history")]  # the history still says what checks found
    assert "Не расшифровывается" in summary and "Действителен" not in summary
    assert f"ключом {unreadable.key_id}, которого нет в WB_TOKEN_KEYS" in page


def test_the_admin_shows_a_token_no_key_can_read_as_such(manager, unreadable):
    changelist = manager.get(reverse("admin:tokens_wbtoken_changelist")).content.decode()
    start = changelist.index('id="result_list"')
    rows = changelist[start : changelist.index("</table>", start)]
    assert "Не расшифровывается" in rows and "Действителен" not in rows
    change = manager.get(reverse("admin:tokens_wbtoken_change", args=[unreadable.pk]))
    summary = change.content.decode().split('id="checks-group"')[0]
    assert "Не расшифровывается" in summary and "Действителен" not in summary


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("en", "1 check, 0 failed, 2 requests to WB"),
        ("ru", "1 проверка, 0 неудачных, 2 запроса к WB"),
    ],
)
def test_the_detail_page_counts_checks_with_plural_forms(manager, make_token, language, shown):
    token = make_token()
    WBToken.objects.update(check_count=1, failed_check_count=0, request_count=2)
    manager.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    assert shown in manager.get(token.get_absolute_url()).content.decode()


def test_a_moment_reads_the_same_on_the_list_the_detail_page_and_its_history(manager, make_token):
    token = make_token()
    checked = WBToken.objects.get().last_checked_at
    with translation.override("ru"):  # the page's language
        shown, short = (
            formats.date_format(timezone.localtime(checked), name)
            for name in ("DATETIME_FORMAT", "SHORT_DATETIME_FORMAT")
        )
    row = row_of(manager.get(LIST).content.decode(), token)
    detail = manager.get(token.get_absolute_url()).content.decode()
    history = detail[detail.index("token-history") :]
    for page in (row, detail, history):
        assert shown in page and short not in page


CHECK_ALL = reverse("tokens:check_all")


def test_check_all_shown_starts_a_background_check_of_every_token_the_filters_match(manager, wb):
    bulk_tokens(30)  # more than a page
    WBToken.objects.filter(name="Shop 0003").update(status=WBToken.Status.INVALID)
    requests = wb.request_count()
    response = manager.post(CHECK_ALL, {"status": "valid"}, **HTMX)
    assert response.status_code == 200
    batch = CheckBatch.objects.get()
    assert batch.total == 29 and "Shop 0003" not in set(
        batch.items.values_list("token_name", flat=True)
    )
    assert wb.request_count() == requests  # nothing is checked in the request
    fragment = response.content.decode()
    assert 'id="check-batch"' in fragment and 'hx-trigger="every 1s"' in fragment
    assert "Токены проверяются в фоне: готово 0 из 29." in fragment


def test_the_list_offers_check_all_with_its_own_filters(manager):
    bulk_tokens(2)
    page = manager.get(LIST, {"status": "valid", "q": "Shop"}).content.decode()
    assert f'action="{CHECK_ALL}"' in page
    assert '<input type="hidden" name="status" value="valid">' in page
    assert '<input type="hidden" name="q" value="Shop">' in page


def test_without_javascript_check_all_goes_to_the_bulk_checks_page(manager):
    bulk_tokens(2)
    response = manager.post(CHECK_ALL)
    batch = CheckBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == batch.get_absolute_url()
    page = manager.get(response["Location"]).content.decode()
    assert "готово 0 из 2" in page and "Обновить" in page


def test_the_progress_polls_until_the_check_is_done_then_refreshes_the_table(
    manager, make_token, wb
):
    good = make_token("Good")
    bad = make_token("Bad", seller_name="Other")
    wb.revoke(get_cipher().decrypt(bad.ciphertext, row_id=bad.pk))
    manager.post(CHECK_ALL, **HTMX)
    batch = CheckBatch.objects.get()
    polling = manager.get(batch.get_absolute_url(), **HTMX)
    assert "tokensChanged" not in events(polling)
    check_batch_run(batch_id=batch.pk)  # what a worker does
    done = manager.get(batch.get_absolute_url(), **HTMX)
    body = done.content.decode()
    assert "hx-trigger" not in body  # no more polling
    assert "tokensChanged" in events(done)
    assert "Проверено 2 токена: действительных 1." in body
    assert "Bad" in body and "WB отклонил токен" in body and good.name not in body


def test_a_bulk_check_of_too_many_tokens_asks_to_narrow_the_list(manager, monkeypatch):
    from tokens import views

    monkeypatch.setattr(views, "MAX_BULK_CHECK", 2)
    bulk_tokens(3)
    response = manager.post(CHECK_ALL, **HTMX)
    assert "сузьте список" in events(response)["showToast"]["message"]
    assert not CheckBatch.objects.exists()


def test_no_bulk_action_holds_a_request_while_wb_is_slow(manager, make_token, wb, settings):
    tokens = [make_token(f"Shop {n}", seller_name=f"Slow {n}") for n in range(3)]
    wb.set_fault("latency", delay=settings.WB_API_DEADLINE * 2)
    requests = wb.request_count()
    started = time.monotonic()
    manager.post(CHECK_ALL, **HTMX)
    manager.post(
        reverse("admin:tokens_wbtoken_changelist"),
        {"action": "check_selected", "_selected_action": [token.pk for token in tokens]},
    )
    took = time.monotonic() - started
    assert took < settings.WB_API_DEADLINE
    assert wb.request_count() == requests
    assert CheckBatch.objects.count() == 2


def test_search_finds_a_token_by_the_last_characters_its_pages_show(manager, make_token):
    wanted = make_token("Wanted", seller_name="A")
    make_token("Other", seller_name="B")
    for query in (wanted.hint, f"…{wanted.hint}", f"...{wanted.hint}", wanted.hint[1:].lower()):
        names = [token.name for token in manager.get(LIST, {"q": query}).context["tokens"]]
        assert "Wanted" in names, query
