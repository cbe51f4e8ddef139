"""The upserts count what they did, on SQLite's path and on PostgreSQL's COPY path alike."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from catalog.models import Price, PriceChange, Product, Size
from sellers.models import Seller
from sync.ingest import insert, upsert
from sync.registry import Counts

pytestmark = pytest.mark.django_db

MOMENT = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)
LATER = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def seller():
    return Seller.objects.create(sid="ingest-seller", name="Ingest")


def full_row(model, **values) -> dict:
    """A row with every column of `model`: the given values, the fields' defaults for the rest
    (the upsert writes the columns it is given, as the datasets give them all)."""
    row = {
        field.column: field.get_default()
        for field in model._meta.concrete_fields
        if not field.primary_key
    }
    return row | values


def price_rows(seller, prices: dict[int, str], *, sync_pass: int, at=MOMENT) -> list[dict]:
    return [
        full_row(
            Price,
            seller_id=seller.pk,
            sync_pass=sync_pass,
            changed_at=at,
            nm_id=chrt_id // 10,
            chrt_id=chrt_id,
            currency="RUB",
            price=Decimal(price),
            discount=None,
        )
        for chrt_id, price in prices.items()
    ]


def test_new_rows_are_counted_as_inserted(seller):
    counts = Counts()
    upsert(Price, price_rows(seller, {11: "100", 12: "200"}, sync_pass=1), keys=KEYS, counts=counts)
    assert (counts.inserted, counts.updated) == (2, 0)
    assert dict(Price.objects.values_list("chrt_id", "price")) == {11: 100, 12: 200}


def test_a_row_read_again_unchanged_is_stamped_but_not_counted(seller):
    upsert(Price, price_rows(seller, {11: "100"}, sync_pass=1), keys=KEYS, counts=Counts())
    counts = Counts()
    upsert(Price, price_rows(seller, {11: "100"}, sync_pass=2, at=LATER), keys=KEYS, counts=counts)
    assert (counts.inserted, counts.updated) == (0, 0)
    price = Price.objects.get()
    assert price.sync_pass == 2 and price.changed_at == MOMENT


def test_a_changed_row_is_counted_as_updated_and_its_change_time_moves(seller):
    upsert(Price, price_rows(seller, {11: "100", 12: "5"}, sync_pass=1), keys=KEYS, counts=Counts())
    counts = Counts()
    rows = price_rows(seller, {11: "150", 12: "5", 13: "7"}, sync_pass=2, at=LATER)
    upsert(Price, rows, keys=KEYS, counts=counts)
    assert (counts.inserted, counts.updated) == (1, 1)
    changed = dict(Price.objects.values_list("chrt_id", "changed_at"))
    assert changed == {11: LATER, 12: MOMENT, 13: LATER}


def test_a_null_that_becomes_a_value_is_a_change(seller):
    upsert(Price, price_rows(seller, {11: "100"}, sync_pass=1), keys=KEYS, counts=Counts())
    rows = price_rows(seller, {11: "100"}, sync_pass=2, at=LATER)
    rows[0]["discount"] = 10
    counts = Counts()
    upsert(Price, rows, keys=KEYS, counts=counts)
    assert counts.updated == 1 and Price.objects.get().discount == 10


def test_a_key_twice_in_a_batch_keeps_the_last_row(seller):
    rows = price_rows(seller, {11: "100"}, sync_pass=1) + price_rows(
        seller, {11: "120"}, sync_pass=1
    )
    counts = Counts()
    upsert(Price, rows, keys=KEYS, counts=counts)
    assert counts.inserted == 1 and Price.objects.get().price == 120


def test_rows_without_a_pass_stamp_are_written_only_when_they_differ(seller):
    product = Product.objects.create(seller=seller, nm_id=1, changed_at=MOMENT)
    row = full_row(Size, seller_id=seller.pk, product_id=product.pk, chrt_id=5, tech_size="M")
    upsert(Size, [row], keys=("seller_id", "chrt_id"), counts=(first := Counts()))
    upsert(Size, [row], keys=("seller_id", "chrt_id"), counts=(again := Counts()))
    upsert(
        Size, [{**row, "tech_size": "L"}], keys=("seller_id", "chrt_id"), counts=(other := Counts())
    )
    assert (first.inserted, again.inserted, again.updated, other.updated) == (1, 0, 0, 1)
    assert Size.objects.get().tech_size == "L"


def test_json_values_are_stored_as_json(seller):
    photos = [{"big": "https://example.com/1.jpg"}]
    row = full_row(
        Product, seller_id=seller.pk, sync_pass=1, changed_at=MOMENT, nm_id=7, photos=photos
    )
    upsert(Product, [row], keys=("seller_id", "nm_id"), counts=Counts())
    assert Product.objects.get().photos == photos


def test_a_big_batch_is_written_in_chunks(seller):
    prices = {chrt_id: str(chrt_id) for chrt_id in range(1, 2501)}
    counts = Counts()
    upsert(Price, price_rows(seller, prices, sync_pass=1), keys=KEYS, counts=counts)
    assert counts.inserted == 2500 and Price.objects.count() == 2500


KEYS = ("seller_id", "chrt_id")


def test_insert_appends_every_row_as_it_was_given_however_many(seller):
    rows = [
        {
            "seller_id": seller.pk,
            "nm_id": 7,
            "chrt_id": number,
            "tech_size": "M",
            "currency": "RUB",
            "seen_at": MOMENT,
            "price": Decimal("1234.50"),
            "discount": number % 50,
            "discounted_price": None,
        }
        for number in range(1, 2_001)  # more than SQLite takes in one statement
    ]
    insert(PriceChange, rows)
    insert(PriceChange, rows[:1])  # a history: the same row again is another change
    stored = list(PriceChange.objects.order_by("pk").values(*rows[0]).filter(chrt_id__in=(1, 2000)))
    assert stored == [rows[0], rows[-1], rows[0]]
    assert PriceChange.objects.count() == 2_001
    insert(PriceChange, [])
    assert PriceChange.objects.count() == 2_001
