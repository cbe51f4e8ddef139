import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from conftest import SELLER  # noqa: F401 - the tests of this app import it from here
from sellers.models import Seller
from tokens.crypto import get_cipher
from tokens.models import WBToken

# The whole desk: every cabinet (cabinet access has tests of its own in access/tests).
SEE_ALL = "access.see_all_cabinets"
ALL_PERMS = (
    SEE_ALL,
    "tokens.view_wbtoken",
    "tokens.add_wbtoken",
    "tokens.change_wbtoken",
    "tokens.delete_wbtoken",
    "tokens.check_wbtoken",
)


@pytest.fixture(autouse=True)
def english():
    """Messages outside requests in English, so that assertions read plainly."""
    with translation.override("en"):
        yield


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def manager(make_user) -> Client:
    """A client of staff with every token permission, but not a superuser."""
    return logged_in(make_user("manager", staff=True, perms=ALL_PERMS))


@pytest.fixture
def viewer(make_user) -> Client:
    """A client of staff who may only view tokens."""
    return logged_in(make_user("viewer", staff=True, perms=[SEE_ALL, "tokens.view_wbtoken"]))


def bulk_tokens(count: int, **fields) -> list[WBToken]:
    """Tokens of a seller each, stored without WB (their ciphertext is not a real one)."""
    now = timezone.now()
    first = Seller.objects.count()
    sellers = Seller.objects.bulk_create(
        Seller(sid=f"sid-{first + number}", name=f"Seller {number}") for number in range(count)
    )
    ids = [uuid.uuid4() for _ in range(count)]
    return WBToken.objects.bulk_create(
        WBToken(
            id=ids[number],
            name=f"Shop {number:04d}",
            ciphertext=get_cipher().encrypt(f"not-a-real-token-{number}", row_id=ids[number]),
            fingerprint=f"fp{first + number}",
            hint="abcd",
            token_type="personal",
            seller=seller,
            scope_mask=0b110,
            status="valid",
            expires_at=now + timedelta(days=number % 200),
            **fields,
        )
        for number, seller in enumerate(sellers)
    )


def query_count(client: Client, url: str) -> int:
    """Queries one GET of `url` makes (it must answer 200)."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)
