"""The token desk in the Django admin: forms through the services, permissions, changelist."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.urls import reverse
from django.utils import formats, timezone, translation

from conftest import client_for
from tokens.batches import check_batch_run
from tokens.crypto import get_cipher
from tokens.models import CheckBatch, WBToken

from .conftest import SELLER, bulk_tokens, query_count

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:tokens_wbtoken_changelist")
ADD = reverse("admin:tokens_wbtoken_add")


def change_url(token) -> str:
    return reverse("admin:tokens_wbtoken_change", args=[token.pk])


def change_data(token, **fields) -> dict:
    """What the change page posts: the fields, and the management form of the check history."""
    shown = str(token.checks.count())
    return {"checks-TOTAL_FORMS": shown, "checks-INITIAL_FORMS": shown, **fields}


def delete_url(token) -> str:
    return reverse("admin:tokens_wbtoken_delete", args=[token.pk])


def history_url(token) -> str:
    return reverse("admin:tokens_wbtoken_history", args=[token.pk])


# --- Add ----------------------------------------------------------------------------------


def test_adding_a_valid_token_fills_in_the_seller(manager, mint):
    raw = mint()
    response = manager.post(ADD, {"name": "Shop", "raw_token": raw})
    token = WBToken.objects.get()
    assert response.status_code == 302 and response["Location"] == CHANGELIST
    assert token.seller.name == SELLER and token.status == WBToken.Status.VALID
    assert LogEntry.objects.count() == 1  # the service's, not a second one from the admin


def test_adding_a_rejected_token_shows_the_reason_on_the_form(manager, mint, wb):
    raw = mint()
    wb.revoke(raw)
    response = manager.post(ADD, {"name": "Shop", "raw_token": raw})
    assert response.status_code == 200
    assert "WB отклонил токен" in response.content.decode()
    assert raw not in response.content.decode()
    assert not WBToken.objects.exists()


def test_adding_while_wb_is_down_needs_the_unverified_box(manager, mint, wb):
    raw = mint()
    wb.set_fault("status", status=503)
    response = manager.post(ADD, {"name": "Shop", "raw_token": raw})
    assert response.status_code == 200 and not WBToken.objects.exists()
    response = manager.post(ADD, {"name": "Shop", "raw_token": raw, "allow_unverified": "on"})
    assert response.status_code == 302
    assert WBToken.objects.get().status == WBToken.Status.UNCHECKED


def test_the_token_field_is_never_rendered_back(manager, mint):
    raw = mint()
    response = manager.post(ADD, {"name": "", "raw_token": raw})
    assert response.status_code == 200
    assert raw not in response.content.decode()
    assert 'type="password"' in response.content.decode()


# --- Change -------------------------------------------------------------------------------


def test_the_change_page_shows_the_summary_and_history(manager, make_token):
    token = make_token(categories="content,finance", read_only=True)
    page = manager.get(change_url(token)).content.decode()
    for text in (
        SELLER,
        "7700000000",
        "Romashka",
        token.seller.sid,
        "Контент",
        "Финансы",
        token.hint,
        token.fingerprint_prefix,
        "Действителен",
    ):
        assert text in page
    assert token.fingerprint not in page
    assert get_cipher().decrypt(token.ciphertext, row_id=token.pk) not in page


def test_renaming_in_the_admin_keeps_the_secret(manager, make_token):
    token = make_token()
    response = manager.post(change_url(token), change_data(token, name="Renamed", raw_token=""))
    assert response.status_code == 302
    renamed = WBToken.objects.get()
    assert renamed.name == "Renamed" and renamed.ciphertext == token.ciphertext


def test_replacing_with_an_other_sellers_token_asks_for_confirmation(manager, make_token, mint):
    token = make_token()
    other = mint(seller_name="Другой")
    response = manager.post(change_url(token), change_data(token, name=token.name, raw_token=other))
    assert response.status_code == 200
    assert WBToken.objects.get().seller.name == SELLER
    response = manager.post(
        change_url(token),
        change_data(token, name=token.name, raw_token=other, allow_other_seller="on"),
    )
    assert response.status_code == 302
    assert WBToken.objects.get().seller.name == "Другой"


# --- Delete and check ---------------------------------------------------------------------


def test_deleting_in_the_admin_goes_through_the_service(manager, make_token):
    token = make_token()
    response = manager.post(delete_url(token), {"post": "yes"})
    assert response.status_code == 302
    assert not WBToken.objects.exists()
    assert LogEntry.objects.filter(action_flag=3, object_id=str(token.pk)).count() == 1


def test_the_check_action_starts_a_bulk_check_and_shows_its_summary(manager, make_token, wb):
    good = make_token("Good")
    bad = make_token("Bad", seller_name="Other seller")
    wb.revoke(get_cipher().decrypt(bad.ciphertext, row_id=bad.pk))
    requests = wb.request_count()
    response = manager.post(
        CHANGELIST, {"action": "check_selected", "_selected_action": [good.pk, bad.pk]}
    )
    batch = CheckBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == batch.get_absolute_url()
    assert wb.request_count() == requests  # the request only started it
    check_batch_run(batch_id=batch.pk)  # what a worker does
    page = manager.get(batch.get_absolute_url()).content.decode()
    assert "Проверено 2 токена: действительных 1." in page
    assert "1 с проблемой:" in page and "Bad" in page and "WB отклонил токен" in page
    assert WBToken.objects.get(pk=bad.pk).status == WBToken.Status.INVALID


# --- Permissions --------------------------------------------------------------------------


def admin_urls(token) -> list[str]:
    return [CHANGELIST, ADD, change_url(token), delete_url(token), history_url(token)]


def test_anonymous_users_are_sent_to_login(client, make_token):
    token = make_token()
    for url in admin_urls(token):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_non_staff_users_are_refused(plain_client, make_token):
    token = make_token()
    for url in admin_urls(token):
        assert plain_client.get(url).status_code == 403


def test_staff_without_permissions_are_refused(staff_client, make_token):
    token = make_token()
    for url in admin_urls(token):
        assert staff_client.get(url).status_code == 403, url
    response = staff_client.post(change_url(token), {"name": "Hijacked"})
    assert response.status_code == 403
    assert WBToken.objects.get().name == token.name


def test_view_permission_shows_but_cannot_change_check_or_delete(viewer, make_token):
    token = make_token()
    assert viewer.get(CHANGELIST).status_code == 200
    assert viewer.get(change_url(token)).status_code == 200
    assert viewer.get(ADD).status_code == 403
    assert viewer.get(delete_url(token)).status_code == 403
    assert "check_selected" not in viewer.get(CHANGELIST).content.decode()
    response = viewer.post(CHANGELIST, {"action": "check_selected", "_selected_action": [token.pk]})
    assert token.checks.count() == 1  # nothing ran
    assert response.status_code in (200, 302)
    response = viewer.post(change_url(token), {"name": "Hijacked"})
    assert response.status_code == 403
    assert WBToken.objects.get().name == token.name


def test_permitted_staff_reach_every_page(manager, make_token):
    token = make_token()
    for url in admin_urls(token):
        assert manager.get(url).status_code == 200, url
    assert "check_selected" in manager.get(CHANGELIST).content.decode()


# --- Changelist ---------------------------------------------------------------------------


def test_each_row_has_a_checkbox_for_actions_labelled_in_russian(manager):
    token = bulk_tokens(1)[0]
    page = manager.get(CHANGELIST).content.decode()
    assert (
        f'<input type="checkbox" name="_selected_action" value="{token.pk}" class="action-select"'
        f' aria-label="Выбрать этот объект, чтобы применить к нему действие - {token}">'
    ) in page


def test_changelist_query_count_does_not_grow_with_tokens(manager):
    bulk_tokens(10)
    with_10 = query_count(manager, CHANGELIST)
    WBToken.objects.all().delete()
    bulk_tokens(200)
    assert query_count(manager, CHANGELIST) == with_10


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=valid", 3),
        ("expiring=14", 2),
        ("expiring=expired", 1),
        ("category=content", 2),
        ("category=finance", 0),
        ("read_only=1", 1),
        ("q=Seller+1", 1),
    ],
)
def test_changelist_filters_and_search(manager, query, expected):
    now = timezone.now()
    bulk_tokens(3)
    WBToken.objects.filter(name="Shop 0000").update(expires_at=now - timedelta(hours=1))
    WBToken.objects.filter(name="Shop 0001").update(
        expires_at=now + timedelta(days=10), scope_mask=1 << 30
    )
    response = manager.get(f"{CHANGELIST}?{query}")
    assert response.status_code == 200
    assert response.context["cl"].result_count == expected


def test_the_secret_columns_cannot_be_searched(manager):
    [token] = bulk_tokens(1)
    for value in (token.fingerprint, token.ciphertext):
        response = manager.get(CHANGELIST, {"q": value})
        assert response.context["cl"].result_count == 0


@pytest.mark.parametrize(
    "lookup",
    [
        "fingerprint__startswith",
        "fingerprint",
        "fingerprint__gte",
        "ciphertext__startswith",
        "ciphertext__regex",
        "ciphertext__contains",
        "created_by__password__startswith",
    ],
)
def test_the_secret_columns_cannot_be_filtered_on(viewer, lookup):
    [token] = bulk_tokens(1)
    for value in ("", token.fingerprint[:1], token.ciphertext[:4], "^v1"):
        response = viewer.get(CHANGELIST, {lookup: value})
        assert response.status_code == 400, (lookup, value)
        assert token.name not in response.content.decode()


def test_the_change_page_shows_the_check_history_to_whoever_may_view_the_token(viewer, make_token):
    token = make_token()
    page = viewer.get(change_url(token)).content.decode()
    assert 'id="checks-group"' in page and "Добавлен" in page  # the check made on adding


def test_a_refused_replacement_keeps_the_history_and_saves_nothing(manager, make_token, mint, wb):
    token = make_token()
    other = mint()
    wb.revoke(other)
    response = manager.post(change_url(token), change_data(token, name="New", raw_token=other))
    assert response.status_code == 200
    page = response.content.decode()
    assert "WB отклонил токен" in page and 'id="checks-group"' in page
    assert WBToken.objects.get().name == token.name


def test_a_change_the_page_refuses_saves_nothing(superuser, make_token):
    """Without the history inline's management form the page is refused as a whole."""
    token = make_token()
    response = client_for(superuser).post(change_url(token), {"name": "Renamed", "raw_token": ""})
    assert response.status_code == 200
    assert "ManagementForm" in response.content.decode()
    assert WBToken.objects.get().name == token.name
    assert not LogEntry.objects.filter(action_flag=CHANGE).exists()


def test_the_changelist_search_finds_a_token_by_its_last_characters(manager):
    bulk_tokens(2)
    WBToken.objects.filter(name="Shop 0001").update(hint="Zq9x")
    response = manager.get(CHANGELIST, {"q": "Zq9x"})
    assert [token.name for token in response.context["cl"].result_list] == ["Shop 0001"]


@pytest.mark.parametrize(
    ("count", "shown"), [(1, "1 токен WB"), (3, "3 токена WB"), (5, "5 токенов WB")]
)
def test_the_changelist_counts_tokens_in_russian_plural_forms(manager, count, shown):
    bulk_tokens(count)
    page = manager.get(CHANGELIST).content.decode()
    assert f"\n{shown}\n" in page
    assert "Токены WB\n" not in page.split('class="paginator"')[1]


def test_the_changelist_title_reads_as_russian(manager):
    bulk_tokens(1)
    page = manager.get(CHANGELIST).content.decode()
    assert "<h1>Выберите токен WB для изменения</h1>" in page


def test_the_change_pages_history_names_each_check_in_the_readers_language(manager, make_token):
    token = make_token()
    check = token.checks.get()
    with translation.override("ru"):  # the page's language
        when = formats.date_format(timezone.localtime(check.checked_at), "DATETIME_FORMAT")
    page = manager.get(change_url(token)).content.decode()
    assert f"Действителен · {when}" in page
    assert str(token.pk) not in page.split('id="checks-group"')[1].split("</p>")[0]
