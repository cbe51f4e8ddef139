"""Changes of access: nobody gives more than they hold, and each is in the admin history and
the security log with who and when."""

import logging

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.models import Group

from access.models import Area, CabinetGrant, Level
from access.services import AccessRefused, grant_create, grant_delete, grant_update

from .conftest import EVERY_AREA_CHANGE, VIEW, give

pytestmark = pytest.mark.django_db

NONE = dict.fromkeys(Area.values, Level.NONE)


def levels(**given: int) -> dict[str, int]:
    return {**NONE, **given}


@pytest.fixture
def boss(make_user):
    return make_user("boss", superuser=True)


@pytest.fixture
def ivan(make_user):
    return make_user("ivan", staff=True)


def test_a_grant_made_is_in_the_history_and_the_security_log(cabinets, boss, ivan, caplog):
    with caplog.at_level(logging.INFO, logger="wberp.security"):
        grant = grant_create(by=boss, seller=cabinets["A"], user=ivan, levels=levels(finance=VIEW))
    entry = LogEntry.objects.get()
    assert (entry.user, entry.action_flag, entry.object_id) == (boss, ADDITION, str(grant.pk))
    assert entry.object_repr == "Cabinet A → ivan"
    assert entry.action_time is not None
    assert caplog.messages == [
        "access create user=boss seller=sid-a grantee=user:ivan "
        "levels=tokens:none,catalogue:none,sales:none,finance:view,sync:none"
    ]


def test_a_change_names_the_areas_changed_and_a_deletion_is_recorded(cabinets, boss, ivan):
    grant = give(cabinets["A"], ivan, finance=VIEW)
    grant_update(by=boss, grant=grant, levels=levels(finance=VIEW, sales=VIEW, tokens=VIEW))
    grant.refresh_from_db()
    assert (grant.sales, grant.tokens) == (Level.VIEW, Level.VIEW)
    changed = LogEntry.objects.get(action_flag=CHANGE)
    assert changed.get_change_message() == "Changed Tokens and Sales."
    grant_delete(by=boss, grant=grant)
    assert not CabinetGrant.objects.exists()
    deleted = LogEntry.objects.get(action_flag=DELETION)
    assert (deleted.user, deleted.object_repr) == (boss, "Cabinet A → ivan")


def test_an_update_that_changes_nothing_writes_nothing(cabinets, boss, ivan):
    grant = give(cabinets["A"], ivan, finance=VIEW)
    grant_update(by=boss, grant=grant, levels=levels(finance=VIEW))
    assert not LogEntry.objects.exists()


def test_a_cabinet_goes_to_a_user_or_a_group_once_and_with_some_area(cabinets, boss, ivan):
    group = Group.objects.create(name="Team")
    with pytest.raises(AccessRefused, match="not both"):
        grant_create(by=boss, seller=cabinets["A"], user=ivan, group=group, levels=levels(sync=1))
    with pytest.raises(AccessRefused, match="at least one area"):
        grant_create(by=boss, seller=cabinets["A"], group=group, levels=NONE)
    grant_create(by=boss, seller=cabinets["A"], user=ivan, levels=levels(sync=VIEW))
    with pytest.raises(AccessRefused, match="ivan already has access to this cabinet"):
        grant_create(by=boss, seller=cabinets["A"], user=ivan, levels=levels(sales=VIEW))
    assert CabinetGrant.objects.count() == 1
    assert LogEntry.objects.count() == 1


def test_nobody_gives_more_than_they_hold(cabinets, make_user, ivan):
    lead = make_user("lead", staff=True)
    give(cabinets["A"], lead, tokens=Level.CHANGE, finance=VIEW)
    grant_create(by=lead, seller=cabinets["A"], user=ivan, levels=levels(tokens=2, finance=1))
    with pytest.raises(AccessRefused, match="Finance"):
        grant_create(
            by=lead,
            seller=cabinets["A"],
            group=Group.objects.create(name="G"),
            levels=levels(finance=Level.CHANGE),
        )
    with pytest.raises(AccessRefused, match="Tokens"):  # a cabinet they do not hold at all
        grant_create(by=lead, seller=cabinets["B"], user=ivan, levels=levels(tokens=VIEW))
    assert CabinetGrant.objects.count() == 2  # the lead's own and the one given to ivan


def test_nobody_takes_back_or_changes_a_grant_above_what_they_hold(cabinets, make_user, ivan):
    lead = make_user("lead", staff=True)
    give(cabinets["A"], lead, tokens=VIEW)
    higher = give(cabinets["A"], ivan, **EVERY_AREA_CHANGE)
    with pytest.raises(AccessRefused):
        grant_update(by=lead, grant=higher, levels=levels(tokens=VIEW))
    with pytest.raises(AccessRefused):
        grant_delete(by=lead, grant=higher)
    higher.refresh_from_db()
    assert higher.levels == EVERY_AREA_CHANGE
    assert not LogEntry.objects.exists()
