"""WB records (wbapi's dataclasses) as rows of a model, for sync.ingest.upsert.

The model names its columns after the record's attributes (`nm_id`, `last_change_date`), so
one mapping serves every dataset: each stored field is read from the record's attribute of the
same name; WB's missing text is stored as "" (text columns are not nullable).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import Any

from django.db.models import Model, TextField

Row = dict[str, Any]


def record_fields(model: type[Model], record_type: type) -> list[tuple[str, bool]]:
    """(attribute, is text) of every field of `model` that `record_type` has."""
    attributes = set(record_type.__dataclass_fields__)
    return [
        (field.name, isinstance(field, TextField))
        for field in model._meta.concrete_fields
        if field.name in attributes
    ]


def values_getter(names: list[str]) -> Callable[[Any], tuple]:
    """A record's values of `names`, as a tuple (attrgetter gives one name's value bare)."""
    if len(names) == 1:
        (name,) = names
        return lambda record: (getattr(record, name),)
    return attrgetter(*names)


def rows_of(records: Iterable[Any], fields: list[tuple[str, bool]], **fixed: Any) -> list[Row]:
    """The records as rows of those fields, each with the `fixed` values too (the seller)."""
    names = [name for name, _is_text in fields]
    texts = [name for name, is_text in fields if is_text]
    values_of = values_getter(names)
    rows = []
    for record in records:  # a page is 80,000 of them: attrgetter reads a record at C speed
        row = dict(fixed)
        row.update(zip(names, values_of(record), strict=True))
        for name in texts:
            if row[name] is None:
                row[name] = ""
        rows.append(row)
    return rows
