"""Who sees which cabinet: grants to users and to groups, areas, levels, and the users who
see every cabinet."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404

from access.models import Area, CabinetGrant, Level
from access.selectors import (
    cabinet_levels,
    get_visible_or_404,
    may_access,
    scoped,
    sees_all_cabinets,
    visible_sellers,
)
from sellers.models import Seller

from .conftest import CHANGE, VIEW, give

pytestmark = pytest.mark.django_db


def names(sellers) -> set[str]:
    return {seller.name for seller in sellers}


@pytest.fixture
def clerk(make_user):
    return make_user("clerk", staff=True)


def test_a_user_sees_only_the_cabinets_given_to_them(cabinets, clerk):
    give(cabinets["A"], clerk, tokens=VIEW)
    assert names(visible_sellers(clerk)) == {"Cabinet A"}
    assert names(visible_sellers(clerk, Area.TOKENS)) == {"Cabinet A"}


def test_a_user_without_grants_sees_no_cabinet(cabinets, clerk):
    assert not visible_sellers(clerk).exists()


def test_a_group_grant_reaches_every_member_and_nobody_else(cabinets, clerk, make_user):
    accountants = Group.objects.create(name="Accountants")
    clerk.groups.add(accountants)
    give(cabinets["B"], accountants, finance=VIEW, sales=VIEW)
    outsider = make_user("outsider", staff=True)
    assert names(visible_sellers(clerk, Area.FINANCE)) == {"Cabinet B"}
    assert not visible_sellers(outsider).exists()


def test_own_and_group_grants_add_up_without_repeating_a_cabinet(cabinets, clerk):
    managers = Group.objects.create(name="Managers")
    clerk.groups.add(managers)
    give(cabinets["A"], clerk, tokens=VIEW)
    give(cabinets["A"], managers, tokens=CHANGE)
    give(cabinets["B"], managers, catalogue=VIEW)
    assert sorted(seller.name for seller in visible_sellers(clerk)) == ["Cabinet A", "Cabinet B"]
    assert names(visible_sellers(clerk, Area.TOKENS, change=True)) == {"Cabinet A"}


def test_an_area_not_given_shows_nothing_of_it(cabinets, clerk):
    give(cabinets["A"], clerk, finance=VIEW, sales=VIEW)
    assert names(visible_sellers(clerk, Area.FINANCE)) == {"Cabinet A"}
    for area in (Area.TOKENS, Area.CATALOGUE, Area.SYNC):
        assert not visible_sellers(clerk, area).exists()


def test_read_only_is_not_change(cabinets, clerk):
    give(cabinets["A"], clerk, finance=VIEW)
    give(cabinets["B"], clerk, finance=CHANGE)
    assert names(visible_sellers(clerk, Area.FINANCE)) == {"Cabinet A", "Cabinet B"}
    assert names(visible_sellers(clerk, Area.FINANCE, change=True)) == {"Cabinet B"}


def test_superusers_and_holders_of_the_permission_see_every_cabinet(cabinets, make_user):
    boss = make_user("boss", superuser=True)
    auditor = make_user("auditor", staff=True, perms=["access.see_all_cabinets"])
    for user in (boss, auditor):
        assert sees_all_cabinets(user)
        assert names(visible_sellers(user, Area.FINANCE, change=True)) == names(cabinets.values())


def test_inactive_and_anonymous_users_see_nothing(cabinets, clerk, make_user):
    give(cabinets["A"], clerk, tokens=CHANGE)
    clerk.is_active = False
    clerk.save()
    former_boss = make_user("former", superuser=True)
    former_boss.is_active = False
    former_boss.save()
    for user in (clerk, former_boss, AnonymousUser()):
        assert not sees_all_cabinets(user)
        assert not visible_sellers(user).exists()


def test_scoped_narrows_rows_of_other_models_by_their_path_to_the_cabinet(cabinets, clerk):
    give(cabinets["A"], clerk, sync=VIEW)
    # The grants themselves are rows with a cabinet: a stand-in for any such table.
    give(cabinets["B"], Group.objects.create(name="Other"), sync=VIEW)
    rows = scoped(CabinetGrant.objects.all(), clerk, Area.SYNC)
    assert {grant.seller.name for grant in rows} == {"Cabinet A"}
    sellers = scoped(Seller.objects.all(), clerk, Area.SYNC, seller_field="pk")
    assert names(sellers) == {"Cabinet A"}


def test_get_visible_or_404_answers_404_outside_and_403_for_read_only_change(cabinets, clerk):
    give(cabinets["A"], clerk, tokens=VIEW)
    sellers = Seller.objects.all()
    found = get_visible_or_404(sellers, clerk, Area.TOKENS, seller_field="pk", sid="sid-a")
    assert found == cabinets["A"]
    with pytest.raises(Http404):
        get_visible_or_404(sellers, clerk, Area.TOKENS, seller_field="pk", sid="sid-b")
    with pytest.raises(Http404):  # stored or not, the answer is the same
        get_visible_or_404(sellers, clerk, Area.TOKENS, seller_field="pk", sid="sid-none")
    with pytest.raises(PermissionDenied):
        get_visible_or_404(sellers, clerk, Area.TOKENS, change=True, seller_field="pk", sid="sid-a")


def test_may_access_and_cabinet_levels_take_the_highest_grant(cabinets, clerk):
    team = Group.objects.create(name="Team")
    clerk.groups.add(team)
    give(cabinets["A"], clerk, tokens=VIEW, finance=CHANGE)
    give(cabinets["A"], team, tokens=CHANGE, sales=VIEW)
    assert cabinet_levels(clerk, cabinets["A"]) == {
        "tokens": Level.CHANGE,
        "catalogue": Level.NONE,
        "sales": Level.VIEW,
        "finance": Level.CHANGE,
        "sync": Level.NONE,
    }
    assert may_access(clerk, cabinets["A"], Area.TOKENS, change=True)
    assert not may_access(clerk, cabinets["A"], Area.SALES, change=True)
    assert not may_access(clerk, cabinets["B"], Area.SALES)
    assert not may_access(clerk, None, Area.TOKENS)  # a row of no cabinet


def test_a_grant_is_of_a_user_or_a_group_and_gives_some_area(cabinets, clerk):
    group = Group.objects.create(name="G")
    for fields in (
        {"user": clerk, "group": group, "tokens": VIEW},
        {"tokens": VIEW},
        {"user": clerk},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            CabinetGrant.objects.create(seller=cabinets["A"], **fields)
    assert not CabinetGrant.objects.exists()


def test_a_cabinet_is_given_to_a_user_once(cabinets, clerk):
    give(cabinets["A"], clerk, tokens=VIEW)
    with pytest.raises(IntegrityError):
        give(cabinets["A"], clerk, finance=VIEW)
