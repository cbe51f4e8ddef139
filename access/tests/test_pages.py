"""The pages and the admin that manage who sees which cabinet: what they offer, what they
refuse, and the one history entry each change leaves."""

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from access.models import CabinetGrant, Level

from .conftest import CHANGE as CHANGE_LEVEL
from .conftest import VIEW, give

pytestmark = pytest.mark.django_db

MANAGE = [
    "access.view_cabinetgrant",
    "access.add_cabinetgrant",
    "access.change_cabinetgrant",
    "access.delete_cabinetgrant",
]


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def lead(make_user, cabinets):
    """Manages access; holds cabinet A's tokens (change) and finance (read only)."""
    user = make_user("lead", staff=True, perms=MANAGE)
    give(cabinets["A"], user, tokens=CHANGE_LEVEL, finance=VIEW)
    return user


@pytest.fixture
def ivan(make_user):
    return make_user("ivan", staff=True)


def form_data(seller=None, user=None, group=None, **levels) -> dict:
    data = {
        area: levels.get(area, 0) for area in ("tokens", "catalogue", "sales", "finance", "sync")
    }
    if seller is not None:
        data |= {
            "seller": seller.pk,
            "user": user.pk if user else "",
            "group": group.pk if group else "",
        }
    return data


def test_the_list_shows_the_grants_of_the_readers_cabinets(lead, ivan, cabinets):
    give(cabinets["A"], ivan, sales=VIEW)
    give(cabinets["B"], ivan, sales=VIEW)
    page = logged_in(lead).get(reverse("access:list")).content.decode()
    assert page.count("Cabinet A") >= 2 and "Cabinet B" not in page
    assert "ivan" in page and "Read and change" in page


def test_a_cabinet_given_on_the_page_is_saved_and_recorded_once(lead, ivan, cabinets):
    answer = logged_in(lead).post(
        reverse("access:add"), form_data(cabinets["A"], user=ivan, tokens=VIEW)
    )
    assert answer.status_code == 302
    grant = CabinetGrant.objects.get(user=ivan)
    assert (grant.seller, grant.tokens, grant.finance) == (cabinets["A"], Level.VIEW, Level.NONE)
    entry = LogEntry.objects.get()
    assert (entry.user, entry.action_flag, entry.object_id) == (lead, ADDITION, str(grant.pk))


@pytest.mark.parametrize(
    ("cabinet", "levels", "error"),
    [
        ("A", {"finance": 2}, "You cannot give more than you hold yourself in: Finance."),
        ("A", {}, "Choose at least one area to give."),
    ],
)
def test_the_page_refuses_more_than_the_reader_holds(lead, ivan, cabinets, cabinet, levels, error):
    answer = logged_in(lead).post(
        reverse("access:add"), form_data(cabinets[cabinet], user=ivan, **levels)
    )
    assert error in answer.content.decode()
    assert not CabinetGrant.objects.filter(user=ivan).exists()
    assert not LogEntry.objects.exists()


def test_a_cabinet_the_reader_does_not_see_is_not_offered(lead, ivan, cabinets):
    form = logged_in(lead).get(reverse("access:add")).content.decode()
    assert "Cabinet A" in form and "Cabinet B" not in form
    answer = logged_in(lead).post(
        reverse("access:add"), form_data(cabinets["B"], user=ivan, sync=1)
    )
    assert "Select a valid choice" in answer.content.decode()
    assert not CabinetGrant.objects.filter(user=ivan).exists()


def test_a_grant_goes_to_a_user_or_a_group(lead, ivan, cabinets):
    group = Group.objects.create(name="Team")
    client = logged_in(lead)
    for whom in ({}, {"user": ivan, "group": group}):
        answer = client.post(reverse("access:add"), form_data(cabinets["A"], **whom, tokens=VIEW))
        assert "Give the cabinet to a user or to a group, not both." in answer.content.decode()
    client.post(reverse("access:add"), form_data(cabinets["A"], group=group, tokens=VIEW))
    assert CabinetGrant.objects.get(group=group).tokens == Level.VIEW


def test_changing_and_taking_back_a_grant_are_recorded(lead, ivan, cabinets):
    grant = give(cabinets["A"], ivan, tokens=VIEW)
    client = logged_in(lead)
    client.post(
        reverse("access:edit", args=[grant.pk]), form_data(tokens=CHANGE_LEVEL, finance=VIEW)
    )
    grant.refresh_from_db()
    assert (grant.tokens, grant.finance) == (Level.CHANGE, Level.VIEW)
    assert (
        LogEntry.objects.get(action_flag=CHANGE).get_change_message()
        == "Changed Tokens and Finance."
    )
    assert client.get(reverse("access:delete", args=[grant.pk])).status_code == 200
    client.post(reverse("access:delete", args=[grant.pk]))
    assert not CabinetGrant.objects.filter(pk=grant.pk).exists()
    assert LogEntry.objects.get(action_flag=DELETION).user == lead


def test_a_grant_above_the_readers_own_is_shown_but_not_theirs_to_change(lead, ivan, cabinets):
    higher = give(cabinets["A"], ivan, finance=CHANGE_LEVEL)
    client = logged_in(lead)
    page = client.get(reverse("access:list")).content.decode()
    assert reverse("access:edit", args=[higher.pk]) not in page
    for name in ("access:edit", "access:delete"):
        assert client.get(reverse(name, args=[higher.pk])).status_code == 403
        assert client.post(reverse(name, args=[higher.pk]), form_data(sync=1)).status_code == 403
    higher.refresh_from_db()
    assert higher.finance == Level.CHANGE


def test_a_grant_of_another_cabinet_is_not_found(lead, ivan, cabinets):
    other = give(cabinets["B"], ivan, sales=VIEW)
    client = logged_in(lead)
    for name in ("access:edit", "access:delete"):
        assert client.get(reverse(name, args=[other.pk])).status_code == 404
    assert client.get(reverse("access:edit", args=[999999])).status_code == 404


def test_the_admin_saves_through_the_services_with_one_history_entry(lead, ivan, cabinets):
    client = logged_in(lead)
    add = reverse("admin:access_cabinetgrant_add")
    answer = client.post(add, form_data(cabinets["A"], user=ivan, tokens=VIEW))
    assert answer.status_code == 302, answer.content.decode()
    grant = CabinetGrant.objects.get(user=ivan)
    client.post(reverse("admin:access_cabinetgrant_change", args=[grant.pk]), form_data(tokens=2))
    grant.refresh_from_db()
    assert grant.tokens == Level.CHANGE
    client.post(reverse("admin:access_cabinetgrant_delete", args=[grant.pk]), {"post": "yes"})
    assert not CabinetGrant.objects.filter(pk=grant.pk).exists()
    flags = list(LogEntry.objects.order_by("pk").values_list("action_flag", flat=True))
    assert flags == [ADDITION, CHANGE, DELETION]


def test_the_admin_refuses_above_the_readers_own_on_the_form(lead, ivan, cabinets):
    answer = logged_in(lead).post(
        reverse("admin:access_cabinetgrant_add"), form_data(cabinets["A"], user=ivan, finance=2)
    )
    assert "You cannot give more than you hold yourself in: Finance." in answer.content.decode()
    assert not CabinetGrant.objects.filter(user=ivan).exists()


def test_the_pages_speak_russian(lead):
    client = logged_in(lead)
    client.cookies["django_language"] = "ru"
    page = client.get(reverse("access:list")).content.decode()
    assert "Доступ к кабинетам" in page and "Чтение и изменение" in page
