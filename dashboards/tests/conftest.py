import uuid

import pytest

from sellers.models import Seller


@pytest.fixture
def make_seller(db):
    """A cabinet of no token, named as asked."""

    def make(name: str = "Cabinet") -> Seller:
        return Seller.objects.create(sid=str(uuid.uuid4()), name=name)

    return make
