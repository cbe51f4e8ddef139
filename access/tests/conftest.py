import pytest
from django.contrib.auth.models import Group
from django.utils import translation

from access.models import Area, CabinetGrant, Level
from sellers.models import Seller


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def cabinets(db) -> dict[str, Seller]:
    """Three cabinets: A, B and C."""
    return {
        name: Seller.objects.create(sid=f"sid-{name.lower()}", name=f"Cabinet {name}")
        for name in "ABC"
    }


def give(seller: Seller, to, **levels: int) -> CabinetGrant:
    """A grant of `seller` to a user or a group, stored directly (the services are tested on
    their own); areas not named get no access."""
    whom = {"group": to} if isinstance(to, Group) else {"user": to}
    return CabinetGrant.objects.create(seller=seller, **whom, **levels)


VIEW = Level.VIEW
CHANGE = Level.CHANGE
EVERY_AREA_CHANGE = dict.fromkeys(Area.values, CHANGE)
