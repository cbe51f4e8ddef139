import pytest
from django.urls import reverse

from access.models import CabinetGrant, Level
from catalog.testing import product_make
from sellers.models import Seller

# Products of the "Alpha" brand that the tests' exports ask for; "Beta" ones are filtered out.
ALPHA = 5
BETA = 3
FORMULA = "=SUM(A1:A9)"
VIEW_PRODUCTS = "catalog.view_product"


@pytest.fixture(autouse=True)
def english(settings):
    """The pages in English, which the tests read (the site starts in Russian)."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def exports_dir(settings, tmp_path):
    """Each test's exports in a folder of its own; more than two rows go to a task."""
    settings.EXPORTS_DIR = tmp_path / "exports"
    settings.EXPORTS_XLSX_INLINE_ROWS = 2
    return settings.EXPORTS_DIR


@pytest.fixture
def cabinet(db) -> Seller:
    seller = Seller.objects.create(sid="sid-export", name="Export cabinet")
    for number in range(ALPHA):
        code = FORMULA if number == 0 else ""
        product_make(seller, 100 + number, vendor_code=code, brand="Alpha")
    for number in range(BETA):
        product_make(seller, 200 + number, brand="Beta")
    return seller


@pytest.fixture
def reader(make_user, cabinet):
    """Staff who may see the cabinet's catalogue, and only that."""
    user = make_user("reader", staff=True, perms=[VIEW_PRODUCTS])
    CabinetGrant.objects.create(seller=cabinet, user=user, catalogue=Level.VIEW)
    return user


@pytest.fixture
def products_url(cabinet) -> str:
    return reverse("catalog:products", args=[cabinet.sid])
