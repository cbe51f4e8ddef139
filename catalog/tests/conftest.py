import pytest

# The catalogue's own datasets: these tests sync them alone, not the other apps' ones.
CATALOGUE_DATASETS = ["cards", "prices", "warehouses", "stocks", "fbw_stocks"]


@pytest.fixture
def catalogue_seller(make_token, wb, settings):
    """Make a seller whose token reads the whole catalogue, with a small catalogue at the
    emulator, whose clock stands still: the ground truth changes only when a test moves it."""
    wb.freeze_clock()
    settings.SYNC_DATASETS = CATALOGUE_DATASETS

    def make(name: str = "Catalogue seller", products: int = 30, **options):
        options.setdefault("categories", "content,prices,marketplace,analytics")
        token = make_token(name, seller_name=name, **options)
        wb.configure(token.seller.sid, products=products)
        return token.seller

    return make
