import pytest
from django.utils import translation

from tokens.models import WBToken
from tokens.services import token_create

SELLER = "ООО Ромашка"


@pytest.fixture(autouse=True)
def english():
    """Messages outside requests in English, so that assertions read plainly."""
    with translation.override("en"):
        yield


@pytest.fixture
def mint(wb):
    """Mint a token the emulator accepts: a personal token of seller "ООО Ромашка" by default."""

    def mint(**options) -> str:
        options.setdefault("categories", "content,statistics,prices")
        options.setdefault("seller_name", SELLER)
        options.setdefault("tin", "7700000000")
        options.setdefault("trade_mark", "Romashka")
        return wb.mint(**options)

    return mint


@pytest.fixture
def make_token(mint, superuser):
    """Store a minted token through the service, as staff would."""

    def make(name: str = "Main shop", **options) -> WBToken:
        return token_create(name=name, raw_token=mint(**options), by=superuser)

    return make
