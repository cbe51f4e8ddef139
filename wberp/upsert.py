"""Bulk upserts of WB rows by their natural key, a few statements per batch, never one a row.

    written = upsert_rows(Order, rows, key=("seller", "srid"), newer="last_change_date")

`rows` are dicts of field name -> value, every one with the same fields; a field they leave
out takes its database default on insert and is left alone on update. A row whose key is
not stored yet is inserted; a stored one is overwritten only when the incoming row is at least
as new (`newer`, when given) and differs in some column, so that re-reading a page (the sync's
overlap, a retried task) writes nothing. The return value counts the rows inserted or changed.

PostgreSQL: the rows are streamed with COPY into a temporary staging table, then one
`INSERT … SELECT … ON CONFLICT DO UPDATE … WHERE` moves them (a key sent twice in one batch
keeps its newest row). SQLite: one `INSERT … ON CONFLICT` run over the whole batch.
A batch is stored whole or not at all, in the caller's transaction if there is one.
The SQL is built from the model's own table and column names, quoted; values are parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db import connections, transaction
from django.db.models import Field, Model

Row = Mapping[str, Any]


@dataclass(frozen=True)
class Upsert:
    """The statements of one model's upsert, built once per model and database vendor."""

    model: type[Model]
    given: frozenset[str]  # the fields the rows have values for
    key: tuple[str, ...]
    newer: str | None = None
    update: tuple[str, ...] | None = None

    @cached_property
    def fields(self) -> list[Field]:
        """The columns the rows give, in the model's order."""
        return [
            f
            for f in self.model._meta.concrete_fields
            if not f.primary_key and (f.attname in self.given or f.name in self.given)
        ]

    @cached_property
    def columns(self) -> list[str]:
        return [f.column for f in self.fields]

    def column(self, name: str) -> str:
        return self.model._meta.get_field(name).column

    @cached_property
    def table(self) -> str:
        return self.model._meta.db_table

    def conflict_sql(self, quote: Callable[[str], str]) -> str:
        """`ON CONFLICT (key) DO UPDATE SET … WHERE` newer (or as new) and different."""
        key = [self.column(name) for name in self.key]
        if self.update is None:
            changing = [c for c in self.columns if c not in key]
        else:
            changing = [self.column(name) for name in self.update]
        assignments = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in changing)
        stored = quote(self.table)
        differs = " OR ".join(
            f"{stored}.{quote(c)} IS DISTINCT FROM excluded.{quote(c)}" for c in changing
        )
        condition = f"({differs})"
        if self.newer:
            newer = quote(self.column(self.newer))
            condition = f"excluded.{newer} >= {stored}.{newer} AND {condition}"
        keys = ", ".join(quote(c) for c in key)
        return f"ON CONFLICT ({keys}) DO UPDATE SET {assignments} WHERE {condition}"


def upsert_rows(
    model: type[Model],
    rows: Sequence[Row],
    *,
    key: Iterable[str],
    newer: str | None = None,
    update: Iterable[str] | None = None,
    using: str = "default",
) -> int:
    """Insert or update `rows` of `model` by `key` (see the module); the rows written.
    `update` limits what a stored row takes from the incoming one (default: every field)."""
    if not rows:
        return 0
    plan = _plan(
        model, frozenset(rows[0]), tuple(key), newer, None if update is None else tuple(update)
    )
    connection = connections[using]
    values = _values(plan, rows, connection)
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            return _copy_and_merge(plan, values, connection)
        return _insert_many(plan, values, connection)


_PLANS: dict[tuple, Upsert] = {}


def _plan(model: type[Model], *options) -> Upsert:
    """The model's statements, built on first use (their SQL is the same every batch)."""
    found = _PLANS.get((model, *options))
    if found is None:
        found = _PLANS[(model, *options)] = Upsert(model, *options)
    return found


def _values(plan: Upsert, rows: Sequence[Row], connection) -> list[tuple]:
    """The rows as tuples in column order, each value as the database takes it: the driver
    adapts most types itself, Django prepares the rest (SQLite's dates and times)."""
    names = [field.attname if field.attname in rows[0] else field.name for field in plan.fields]
    preps = [_prep(field, connection) for field in plan.fields]
    if all(prep is None for prep in preps):
        return [tuple(row[name] for name in names) for row in rows]
    return [
        tuple(
            value if prep is None or value is None else prep(value)
            for prep, value in zip(preps, (row[name] for name in names), strict=True)
        )
        for row in rows
    ]


# Field types whose values the database driver cannot take as they are.
_PREPARED = {
    "postgresql": frozenset({"JSONField"}),
    "sqlite": frozenset({"DateTimeField", "DateField", "TimeField", "JSONField"}),
}


def _prep(field: Field, connection) -> Callable[[Any], Any] | None:
    if field.get_internal_type() not in _PREPARED.get(connection.vendor, ()):
        return None
    return lambda value: field.get_db_prep_save(value, connection)


def _insert_many(plan: Upsert, values: list[tuple], connection) -> int:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in plan.columns)
    marks = ", ".join(["%s"] * len(plan.columns))
    table = quote(plan.table)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks}) {plan.conflict_sql(quote)}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)
        return cursor.rowcount


def _copy_and_merge(plan: Upsert, values: list[tuple], connection) -> int:
    quote = connection.ops.quote_name
    stage = quote(f"stage_{plan.table}")
    columns = ", ".join(quote(c) for c in plan.columns)
    keys = ", ".join(quote(plan.column(name)) for name in plan.key)
    # Of a key sent twice in one batch one row is kept, the newest if the model says which:
    # ON CONFLICT may not touch one stored row twice in one statement.
    order = f"{keys}, {quote(plan.column(plan.newer))} DESC" if plan.newer else keys
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {stage} AS "  # noqa: S608
            f"SELECT {columns} FROM {quote(plan.table)} WITH NO DATA"
        )
        with cursor.copy(f"COPY {stage} ({columns}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {quote(plan.table)} ({columns}) "  # noqa: S608
            f"SELECT DISTINCT ON ({keys}) {columns} FROM {stage} ORDER BY {order} "
            f"{plan.conflict_sql(quote)}"
        )
        written = cursor.rowcount
        cursor.execute(f"DROP TABLE {stage}")
    return written
