"""A cabinet's pages link only to the areas of it the reader is given: a link to another area
would answer 404."""

import pytest
from django.urls import reverse

from conftest import client_for

from .conftest import VIEW, give

pytestmark = pytest.mark.django_db
VIEW_EVERYTHING = [
    "sellers.view_seller",
    "catalog.view_product",
    "catalog.view_stock",
    "sales.view_order",
    "sales.view_sale",
    "finance.view_report",
    "sync.view_syncstream",
]


def links(seller) -> dict[str, str]:
    return {
        "products": reverse("catalog:products", args=[seller.sid]),
        "stocks": reverse("catalog:stocks", args=[seller.sid]),
        "orders": reverse("sales:orders", args=[seller.sid]),
        "sales": reverse("sales:sales", args=[seller.sid]),
        "finance": reverse("finance:reports", args=[seller.sid]),
        "sync": reverse("sync:cabinet", args=[seller.sid]),
    }


def shown(html: str, seller) -> set[str]:
    return {name for name, url in links(seller).items() if f'href="{url}"' in html}


def test_an_accountants_pages_link_to_sales_and_finance_only(cabinets, make_user):
    accountant = make_user("accountant", staff=True, perms=VIEW_EVERYTHING)
    a = cabinets["A"]
    give(a, accountant, sales=VIEW, finance=VIEW)
    client = client_for(accountant)
    for page in ("finance", "orders"):
        html = client.get(links(a)[page]).text
        assert shown(html, a) == {"orders", "sales", "finance"}, page


def test_the_sync_and_catalogue_links_come_with_their_areas(cabinets, make_user):
    keeper = make_user("keeper", staff=True, perms=VIEW_EVERYTHING)
    a = cabinets["A"]
    give(a, keeper, catalogue=VIEW, sync=VIEW)
    client = client_for(keeper)
    products = client.get(links(a)["products"]).text
    assert shown(products, a) == {"products", "stocks", "sync"}
