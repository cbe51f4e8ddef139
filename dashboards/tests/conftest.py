import uuid

import pytest
import time_machine

from conftest import client_for
from dashboards.services import rollups_rebuild
from sellers.models import Seller
from wberp.tests.wbdata import WB_DATA_NOW

SEE_ALL = "access.see_all_cabinets"
EVERY_AREA = [
    SEE_ALL,
    "sellers.view_seller",
    "sales.view_order",
    "sales.view_sale",
    "finance.view_report",
    "catalog.view_stock",
    "catalog.view_product",
]


@pytest.fixture
def make_seller(db):
    """A cabinet of no token, named as asked."""

    def make(name: str = "Cabinet") -> Seller:
        return Seller.objects.create(sid=str(uuid.uuid4()), name=name)

    return make


@pytest.fixture
def cabinet(synced_cabinet):
    """The generated cabinet with its rollups built, the clock at WB's."""
    rollups_rebuild(seller=synced_cabinet.seller)
    with time_machine.travel(WB_DATA_NOW, tick=False):
        yield synced_cabinet


@pytest.fixture
def reader(make_user):
    """Staff who see every area of every cabinet, reading English."""
    client = client_for(make_user("dash-reader", staff=True, perms=EVERY_AREA))
    client.cookies["django_language"] = "en"
    return client
