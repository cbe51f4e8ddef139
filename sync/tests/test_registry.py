"""The dataset registry: declarations are checked, cursors survive JSON."""

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured

from sync.registry import Dataset, Registry, dataset_named, registered
from wbapi.methods.content import CardsCursor


class Example(Dataset):
    name = "example"
    label = "Example"
    category = "content"
    interval = timedelta(hours=1)
    cursor_type = CardsCursor


def test_the_catalogue_registers_its_datasets():
    assert list(registered())[:5] == ["cards", "prices", "warehouses", "stocks", "fbw_stocks"]
    assert dataset_named("cards").category == "content"
    assert not dataset_named("cards").snapshot and dataset_named("prices").snapshot


def test_an_unknown_dataset_is_named_with_the_known_ones():
    with pytest.raises(LookupError, match="known: cards, prices"):
        dataset_named("nope")


def test_a_cursor_is_stored_as_json_and_read_back():
    dataset = Example()
    cursor = CardsCursor(updated_at="2026-03-02T09:00:00.123Z", nm_id=42)
    stored = dataset.dump_cursor(cursor)
    assert stored == {"updated_at": "2026-03-02T09:00:00.123Z", "nm_id": 42, "limit": 100}
    assert dataset.load_cursor(stored, seller=None) == cursor


def test_no_cursor_or_one_of_an_older_shape_starts_from_the_first():
    dataset = Example()
    assert dataset.load_cursor(None, seller=None) == CardsCursor()
    assert dataset.load_cursor({"offset": 3}, seller=None) == CardsCursor()
    assert dataset.load_cursor({"updated_at": "x", "nm_id": None}, seller=None) == CardsCursor()


@pytest.mark.parametrize("name", ["", "has space", "x" * 41])
def test_a_dataset_needs_a_short_plain_name(name):
    bad = type("Bad", (Example,), {"name": name})
    with pytest.raises(ImproperlyConfigured):
        Registry().register(bad())


def test_two_datasets_of_one_name_are_refused():
    registry = Registry()
    registry.register(Example())
    other = type("Other", (Example,), {})
    with pytest.raises(ImproperlyConfigured, match="Two datasets"):
        registry.register(other())


def test_a_dataset_needs_a_positive_interval():
    never = type("Never", (Example,), {"interval": timedelta(0)})
    with pytest.raises(ImproperlyConfigured, match="interval"):
        Registry().register(never())


def test_a_deployment_may_sync_some_datasets_or_none(settings):
    from sync.registry import enabled

    settings.SYNC_DATASETS = ["cards", "prices", "no-such"]
    assert list(enabled()) == ["cards", "prices"]
    settings.SYNC_DATASETS = []
    assert enabled() == {}
    settings.SYNC_DATASETS = None
    assert list(enabled()) == list(registered())
