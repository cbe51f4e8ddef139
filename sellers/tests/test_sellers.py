"""Seller cabinets: made from tokens, filled in from WB with bounded text, shown per cabinet."""

import logging
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from conftest import client_for
from sellers.coverage import coverage_of
from sellers.models import Seller
from sellers.services import bounded_text, checked_tin, seller_for_token, seller_record_info
from tokens.models import WBToken

pytestmark = pytest.mark.django_db
LIST = reverse("sellers:list")


@pytest.fixture
def viewer(make_user):
    """Staff who may see cabinets and tokens, reading English."""
    user = make_user(
        "cabinet-viewer",
        staff=True,
        perms=["access.see_all_cabinets", "sellers.view_seller", "tokens.view_wbtoken"],
    )
    client = client_for(user)
    client.cookies["django_language"] = "en"
    return client


# --- What WB says, bounded --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("ООО «Ромашка»", "ООО «Ромашка»"),
        ("\x1b[31mRed\x1b[0m shop", "[31mRed [0m shop"),  # no escape sequence reaches a terminal
        ("Two\nlines\r\nhere", "Two lines here"),
        ("Mirror \u202eemaN", "Mirror emaN"),  # a bidi override
        ("   lots    of\tspace ", "lots of space"),
    ],
)
def test_wb_text_becomes_one_printable_line(text, shown):
    assert bounded_text(text, 255) == shown


def test_an_over_long_wb_text_is_cut_with_an_ellipsis():
    assert bounded_text("x" * 300, 255) == "x" * 254 + "…"
    assert len(bounded_text("x" * 300, 255)) == 255


def test_an_inn_is_a_short_run_of_digits_or_nothing(caplog):
    assert checked_tin("7707083893", "sid") == "7707083893"
    with caplog.at_level(logging.WARNING, logger="sellers.services"):
        assert checked_tin("1" * 40, "sid-1") == ""
        assert checked_tin("77O7O83893", "sid-2") == ""  # letters O, not zeros
    assert [record.args for record in caplog.records] == [("sid-1",), ("sid-2",)]


def test_an_over_long_inn_and_a_name_full_of_escapes_from_wb_are_stored_safely(make_token, wb):
    # Before bounding, an INN longer than its column made PostgreSQL refuse the save (a 500).
    token = make_token(seller_name="\x1b[2J\x1b[31mEvil\nseller", tin="9" * 60)
    seller = Seller.objects.get(pk=token.seller_id)
    assert seller.tin == ""
    assert seller.name == "[2J [31mEvil seller"
    assert seller.info_checked_at is not None


def test_a_sellers_number_follows_its_tokens_claims():
    seller = seller_for_token(sid="sid-1", oid=None)
    assert seller_for_token(sid="sid-1", oid=42).pk == seller.pk
    seller.refresh_from_db()
    assert seller.oid == 42


def test_recording_seller_info_marks_when_wb_said_it():
    seller = seller_for_token(sid="sid-2", oid=1)
    moment = timezone.now() - timedelta(hours=1)
    seller_record_info(
        seller=seller, name="N", tin="1234567890", trade_mark="T", country="RU", now=moment
    )
    seller.refresh_from_db()
    assert (seller.name, seller.tin, seller.trade_mark, seller.country) == (
        "N",
        "1234567890",
        "T",
        "RU",
    )
    assert seller.info_checked_at == moment and not seller.info_is_due(moment)
    assert seller.info_is_due(moment + timedelta(days=1))


# --- What the tokens let wberp read -------------------------------------------------------


def test_coverage_needs_a_valid_unexpired_real_token_of_the_category(make_token, wb):
    token = make_token(categories="content,statistics", seller_name="Coverage")
    covered = {item.category: item.covered for item in coverage_of([token])}
    assert covered == {
        "content": True,
        "prices": False,
        "marketplace": False,
        "analytics": False,
        "statistics": True,
        "finance": False,
    }
    for change in (
        {"status": WBToken.Status.INVALID},
        {"expires_at": timezone.now() - timedelta(minutes=1)},
        {"is_test": True},
    ):
        stale = WBToken.objects.get(pk=token.pk)
        for name, value in change.items():
            setattr(stale, name, value)
        assert not any(item.covered for item in coverage_of([stale])), change


def test_coverage_agrees_with_the_query_that_picks_a_token(make_token, wb):
    tokens = [
        make_token("A", categories="content", seller_name="Agree"),
        make_token("B", categories="finance", seller_name="Agree", type="basic"),
        make_token("C", categories="prices", seller_name="Agree"),
    ]
    WBToken.objects.filter(pk=tokens[2].pk).update(status=WBToken.Status.INVALID)
    loaded = list(WBToken.objects.filter(seller=tokens[0].seller))
    for item in coverage_of(loaded):
        usable = WBToken.objects.filter(seller=tokens[0].seller).usable_for(item.category)
        assert item.covered == usable.exists(), item.category


# --- Pages --------------------------------------------------------------------------------


def test_the_list_shows_each_cabinet_with_its_tokens_and_what_they_cover(viewer, make_token, wb):
    make_token("Main", categories="content,statistics", seller_name="ООО Альфа")
    make_token("Finance", categories="finance", seller_name="ООО Бета", tin="7700000002")
    page = viewer.get(LIST).content.decode()
    assert "ООО Альфа" in page and "ООО Бета" in page
    assert "7700000002" in page
    assert page.count('class="covered"') == 3 and page.count('class="missing"') == 9


def test_a_cabinets_page_says_which_token_to_add_for_what_is_missing(viewer, make_token, wb):
    token = make_token(categories="content,statistics", seller_name="ООО Альфа")
    page = viewer.get(reverse("sellers:detail", args=[token.seller.sid])).content.decode()
    assert "Add a token with Finance to sync finance reports." in page
    assert "Add a token with Content" not in page
    assert token.name in page and token.get_absolute_url() in page


def test_the_pages_speak_russian_by_default(make_user, make_token, wb):
    user = make_user(
        "ru-viewer", staff=True, perms=["access.see_all_cabinets", "sellers.view_seller"]
    )
    token = make_token(categories="content", seller_name="ООО Альфа")
    with translation.override("ru"):
        page = client_for(user).get(reverse("sellers:detail", args=[token.seller.sid]))
    text = page.content.decode()
    assert (
        "Добавьте токен с категорией «Финансы», чтобы синхронизировать финансовые отчёты." in text
    )


def test_search_finds_cabinets_by_name_inn_trade_mark_and_id(viewer, make_token, wb):
    alpha = make_token(seller_name="ООО Альфа", tin="7700000001", trade_mark="AlphaTM")
    make_token("Other", seller_name="ООО Бета", tin="7800000002", trade_mark="BetaTM")
    for query in ("Альф", "7700", "alphatm", alpha.seller.sid):
        page = viewer.get(LIST, {"q": query}).content.decode()
        assert "ООО Альфа" in page and "ООО Бета" not in page, query
    page = viewer.get(LIST, {"q": "nobody"}).content.decode()
    assert "No cabinet matches this search." in page


def test_an_unknown_cabinet_is_a_404(viewer):
    assert viewer.get(reverse("sellers:detail", args=["no-such-seller"])).status_code == 404


def test_without_the_permission_the_pages_are_refused(make_user):
    client = client_for(make_user("clerk2", staff=True))
    assert client.get(LIST).status_code == 403


def test_the_list_makes_the_same_queries_for_3_and_25_cabinets(viewer):
    def cabinets(count: int) -> None:
        first = Seller.objects.count()
        sellers = Seller.objects.bulk_create(
            Seller(sid=f"sid-{first + n}", name=f"Seller {first + n}") for n in range(count)
        )
        WBToken.objects.bulk_create(
            WBToken(
                name=f"Shop {seller.sid}",
                ciphertext="v1:x:y",
                fingerprint=f"fp-{seller.sid}",
                hint="abcd",
                token_type="personal",
                seller=seller,
                scope_mask=0b110,
                status="valid",
                expires_at=timezone.now() + timedelta(days=30),
            )
            for seller in sellers
        )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert viewer.get(LIST).status_code == 200
        return len(captured)

    cabinets(3)
    few = queries()
    cabinets(22)
    assert queries() == few


def test_the_overview_counts_cabinets_and_tokens(viewer, make_token, wb):
    make_token("Fine", seller_name="ООО Альфа")
    make_token("Soon", seller_name="ООО Альфа", days=5)
    broken = make_token("Broken", seller_name="ООО Бета")
    WBToken.objects.filter(pk=broken.pk).update(status=WBToken.Status.INVALID)
    response = viewer.get(reverse("home"))
    overview = response.context["overview"]
    assert (overview.cabinets, overview.tokens, overview.valid) == (2, 3, 2)
    assert (overview.expiring, overview.problems) == (1, 1)
    assert len(overview.recent_checks) == 3
    assert "Soon" in response.content.decode()
