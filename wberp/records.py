"""WB records (wbapi's dataclasses) as rows of a model, for sync.ingest.upsert.

The model names its columns after the record's attributes (`nm_id`, `last_change_date`), so
one mapping serves every dataset: each stored field is read from the record's attribute of the
same name; WB's missing text is stored as "" (text columns are not nullable).
"""

from __future__ import annotations

from collections.abc import Iterable
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


def rows_of(records: Iterable[Any], fields: list[tuple[str, bool]], **fixed: Any) -> list[Row]:
    """The records as rows of those fields, each with the `fixed` values too (the seller)."""
    rows = []
    for record in records:
        row = dict(fixed)
        for name, is_text in fields:
            value = getattr(record, name)
            row[name] = "" if is_text and value is None else value
        rows.append(row)
    return rows
