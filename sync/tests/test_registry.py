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
    limit_group = "content"
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


@pytest.mark.parametrize("group", [None, "contents"])
def test_a_dataset_needs_a_known_limit_group(group):
    bad = type("Bad", (Example,), {"limit_group": group})
    with pytest.raises(ImproperlyConfigured, match="limit group"):
        Registry().register(bad())


def test_each_dataset_is_paced_by_the_limit_group_of_its_method():
    """A dataset's limit group is that of the method its pages call (finance: the report's
    rows, whose limit is the list's too)."""
    from wbapi.limits import LIMIT_GROUPS

    paced = {name: dataset.limit_group for name, dataset in registered().items()}
    assert paced == {
        "cards": "content",
        "prices": "prices",
        "warehouses": "marketplace-warehouses",
        "stocks": "marketplace-stocks",
        "fbw_stocks": "analytics-stocks-report",
        "orders": "statistics-orders",
        "sales": "statistics-sales",
        "finance": "finance-detailed",
    }
    rate = LIMIT_GROUPS["finance-list"].for_token_type("personal")
    assert rate == LIMIT_GROUPS["finance-detailed"].for_token_type("personal")


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
