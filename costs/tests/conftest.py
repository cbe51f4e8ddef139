"""A cabinet with a small catalogue, the people who work on its cost prices, and files."""

from decimal import Decimal

import pytest

from access.models import CabinetGrant, Level
from catalog.testing import SizeSpec, product_make
from conftest import client_for
from sellers.models import Seller

COSTS_PERMS = [
    "costs.view_costprice",
    "costs.add_costprice",
    "costs.change_costprice",
    "costs.delete_costprice",
    "costs.change_cabineteconomics",
    "finance.view_report",
]


@pytest.fixture
def seller(db) -> Seller:
    """Cabinet A: a dress in sizes S and M (barcodes 2000000000011, …12) and a shirt."""
    seller = Seller.objects.create(sid="costs-a", name="Cabinet A")
    product_make(
        seller,
        101,
        vendor_code="DRESS-1",
        sizes=[
            SizeSpec(1011, "S", ("2000000000011",), Decimal("2000")),
            SizeSpec(1012, "M", ("2000000000012",), Decimal("2400")),
        ],
    )
    product_make(
        seller, 102, vendor_code="SHIRT-2", sizes=[SizeSpec(1021, "L", ("2000000000021",))]
    )
    return seller


@pytest.fixture
def other_seller(db) -> Seller:
    return Seller.objects.create(sid="costs-b", name="Cabinet B")


def finance_client(make_user, seller, name: str, level: int):
    """A client of staff with every cost permission, given `seller`'s finance at `level`,
    reading English; its user as `client.user`."""
    user = make_user(name, staff=True, perms=COSTS_PERMS)
    CabinetGrant.objects.create(seller=seller, user=user, finance=level)
    client = client_for(user)
    client.cookies["django_language"] = "en"
    client.user = user
    return client


@pytest.fixture
def editor(make_user, seller):
    """Staff who may change cabinet A's finance and its cost prices."""
    return finance_client(make_user, seller, "cost-editor", Level.CHANGE)


@pytest.fixture
def reader(make_user, seller):
    """Staff with every cost permission, but cabinet A's finance read only."""
    return finance_client(make_user, seller, "cost-reader", Level.VIEW)
