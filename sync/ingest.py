"""Upserts for the datasets: rows keyed by WB's natural key, inserted or updated in bulk.

`upsert(model, rows, keys=…, counts=…)` writes a batch of rows (dicts of column names) and
counts the rows inserted and the rows whose values changed:

- PostgreSQL streams the batch with COPY into a temporary staging table (one per table and
  connection, emptied after each batch and at commit), then one `INSERT … SELECT … ON CONFLICT
  DO UPDATE`; `xmax = 0` in RETURNING tells an inserted row from an updated one.
- SQLite takes batched `INSERT … VALUES … ON CONFLICT DO UPDATE … RETURNING`; the keys already
  present, counted first, tell inserts from updates.

A row whose values did not change is still written when the model has `sync_pass` (the pass
that saw it is stamped on it), but it keeps its `changed_at` and is not counted as updated.
A model without `sync_pass` (sizes, barcodes) is only written when a value differs.

`insert(model, rows)` appends rows of a history (price changes), which no key of theirs
makes unique: COPY straight into the table on PostgreSQL, multi-row INSERTs on SQLite.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from operator import itemgetter
from typing import Any

from django.db import connection
from django.db.models import Model

from .registry import Counts

# SQLite's limit on a statement's parameters is 32,766; a batch stays well below it.
SQLITE_MAX_PARAMETERS = 30_000
SQLITE_MAX_ROWS = 500
# Column types whose Python values the database driver cannot take as they are: psycopg
# takes dates, datetimes and decimals as they are (COPY too), SQLite's driver only JSON-ready
# text and numbers.
PREPARED_TYPES = {
    "postgresql": {"JSONField"},
    "sqlite": {"JSONField", "DateTimeField", "DateField", "DecimalField"},
}
STAMP_COLUMNS = ("sync_pass", "changed_at")


def upsert(
    model: type[Model],
    rows: Iterable[dict],
    *,
    keys: Sequence[str],
    counts: Counts,
    newer: str | None = None,
):
    """Insert or update `rows` of `model` by the unique columns `keys`; add to `counts`.

    With `newer` (a column, such as WB's lastChangeDate), a stored row is only overwritten
    by a row at least as new: a page read late never undoes a later change."""
    unique = deduplicated(rows, keys, newer)
    if not unique:
        return
    columns = list(unique[0])
    statement = Upsert(model, columns, keys, newer)
    rows_out = [statement.prepare(row) for row in unique]
    if connection.vendor == "postgresql":
        inserted, updated = statement.run_postgresql(rows_out)
    else:
        inserted, updated = statement.run_sqlite(rows_out)
    counts.add(inserted=inserted, updated=updated)


def insert(model: type[Model], rows: list[dict]) -> None:
    """Append `rows` (dicts of the same columns) to the model's table, which keys them by
    nothing of theirs (a history): COPY on PostgreSQL, multi-row INSERTs on SQLite."""
    if not rows:
        return
    statement = Upsert(model, list(rows[0]), keys=())
    values = [statement.prepare(row) for row in rows]
    if connection.vendor == "postgresql":
        statement.append_postgresql(values)
    else:
        statement.append_sqlite(values)


def deduplicated(rows: Iterable[dict], keys: Sequence[str], newer: str | None = None) -> list[dict]:
    """The rows, one of each key only (the newest by `newer`, else the last): ON CONFLICT
    may not touch a row twice."""
    key_of = itemgetter(*keys)  # a tuple for two keys or more, else the value: unique either way
    if newer is None:
        return list({key_of(row): row for row in rows}.values())
    by_key: dict = {}
    for row in rows:
        key = key_of(row)
        kept = by_key.get(key)
        if kept is None or row[newer] >= kept[newer]:
            by_key[key] = row
    return list(by_key.values())


def last_value_kept(field) -> Callable[[Any], Any]:
    """The field's database value of a Python value, kept for the next row: a batch's rows
    share most such values (every row of a page carries the same `changed_at`)."""
    last: list = [object(), None]  # a value that no row has, and its database value

    def prepare(value: Any) -> Any:
        if value is not last[0]:
            last[:] = value, field.get_db_prep_save(value, connection)
        return last[1]

    return prepare


class Upsert:
    """The statements that upsert rows of `columns` into a model's table."""

    def __init__(
        self, model: type[Model], columns: list[str], keys: Sequence[str], newer: str | None = None
    ) -> None:
        quote = connection.ops.quote_name
        self.model = model
        self.newer = newer
        self.table = model._meta.db_table
        self.columns = columns
        self.keys = list(keys)
        self.stamped = all(column in columns for column in STAMP_COLUMNS)
        self.values = [c for c in columns if c not in self.keys and c not in STAMP_COLUMNS]
        self.prepared = self._preparers()
        self.q_table = quote(self.table)
        self.q_columns = ", ".join(quote(c) for c in columns)
        self.q_keys = ", ".join(quote(k) for k in self.keys)

    def _preparers(self) -> list[tuple[int, Callable[[Any], Any]]]:
        """(position, preparer) of each column whose values the driver cannot take as they are."""
        fields = {field.column: field for field in self.model._meta.concrete_fields}
        prepared = PREPARED_TYPES[connection.vendor]
        return [
            (position, last_value_kept(fields[column]))
            for position, column in enumerate(self.columns)
            if fields[column].get_internal_type() in prepared
        ]

    def prepare(self, row: dict) -> tuple:
        """The row's values in column order, as the database driver takes them."""
        if not self.prepared:  # most tables on PostgreSQL: the driver takes every value
            return tuple(row.values())
        values = list(row.values())
        for position, prepare in self.prepared:
            if values[position] is not None:
                values[position] = prepare(values[position])
        return tuple(values)

    def _differs(self) -> str:
        """SQL: some value of the incoming row differs from the stored one (NULL-safe)."""
        quote = connection.ops.quote_name
        if not self.values:
            return "FALSE"
        return " OR ".join(
            f"{self.q_table}.{quote(c)} IS DISTINCT FROM EXCLUDED.{quote(c)}" for c in self.values
        )

    def _on_conflict(self) -> str:
        """The ON CONFLICT clause: values always set for a stamped model, else only if changed."""
        quote = connection.ops.quote_name
        sets = [f"{quote(c)} = EXCLUDED.{quote(c)}" for c in self.values]
        if self.stamped:
            sets.append(f"{quote('sync_pass')} = EXCLUDED.{quote('sync_pass')}")
            sets.append(
                f"{quote('changed_at')} = CASE WHEN {self._differs()} "
                f"THEN EXCLUDED.{quote('changed_at')} ELSE {self.q_table}.{quote('changed_at')} END"
            )
            where = ""
        elif self.newer:
            newer = quote(self.newer)
            where = f" WHERE EXCLUDED.{newer} >= {self.q_table}.{newer} AND ({self._differs()})"
        else:
            where = f" WHERE {self._differs()}"
        if not sets:
            return f"ON CONFLICT ({self.q_keys}) DO NOTHING"
        return f"ON CONFLICT ({self.q_keys}) DO UPDATE SET {', '.join(sets)}{where}"

    # --- PostgreSQL ------------------------------------------------------------------------

    def run_postgresql(self, rows: list[tuple]) -> tuple[int, int]:
        stage = self._stage_name()
        changed = f"{connection.ops.quote_name('changed_at')} = %s" if self.stamped else "TRUE"
        stamp = [self._stamp_of(rows[0])] if self.stamped else []
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS "
                f"SELECT {self.q_columns} FROM {self.q_table} WITH NO DATA"
            )
            self._copy(cursor, stage, rows)
            cursor.execute(
                f"WITH written AS (INSERT INTO {self.q_table} ({self.q_columns}) "
                f"SELECT {self.q_columns} FROM {stage} {self._on_conflict()} "
                f"RETURNING (xmax = 0) AS inserted, ({changed}) AS changed) "
                "SELECT COUNT(*) FILTER (WHERE inserted), "
                "COUNT(*) FILTER (WHERE changed AND NOT inserted) FROM written",
                stamp,
            )
            inserted, updated = cursor.fetchone()
            cursor.execute(f"TRUNCATE {stage}")
        return inserted, updated

    def append_postgresql(self, rows: list[tuple]) -> None:
        with connection.cursor() as cursor:
            self._copy(cursor, self.q_table, rows)

    def _copy(self, cursor, table: str, rows: list[tuple]) -> None:
        with cursor.cursor.copy(f"COPY {table} ({self.q_columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def _stage_name(self) -> str:
        """One staging table per table and set of columns, for the connection's life."""
        digest = hashlib.sha1(",".join(self.columns).encode(), usedforsecurity=False)
        return connection.ops.quote_name(f"stage_{self.table[:40]}_{digest.hexdigest()[:8]}")

    def _stamp_of(self, row: tuple) -> Any:
        return row[self.columns.index("changed_at")]

    # --- SQLite ----------------------------------------------------------------------------

    def run_sqlite(self, rows: list[tuple]) -> tuple[int, int]:
        inserted = updated = 0
        for chunk in self._sqlite_chunks(rows):
            existing = self._existing(chunk)
            written = self._insert_sqlite(chunk)
            inserted += len(chunk) - existing
            updated += written - (len(chunk) - existing)
        return inserted, updated

    def append_sqlite(self, rows: list[tuple]) -> None:
        with connection.cursor() as cursor:
            for chunk in self._sqlite_chunks(rows):
                cursor.execute(
                    f"INSERT INTO {self.q_table} ({self.q_columns}) VALUES {self._slots(chunk)}",
                    [value for row in chunk for value in row],
                )

    def _sqlite_chunks(self, rows: list[tuple]) -> Iterator[list[tuple]]:
        """The rows in statements that stay within SQLite's limit on parameters."""
        size = max(1, min(SQLITE_MAX_ROWS, SQLITE_MAX_PARAMETERS // len(self.columns)))
        for start in range(0, len(rows), size):
            yield rows[start : start + size]

    def _slots(self, chunk: list[tuple]) -> str:
        """`(%s, …), …`: a row of placeholders for each row of the chunk."""
        one = "(" + ", ".join(["%s"] * len(self.columns)) + ")"
        return ", ".join([one] * len(chunk))

    def _existing(self, chunk: list[tuple]) -> int:
        """How many of the chunk's keys the table holds already. The keys are joined to the
        table, which SQLite looks up by its unique index; `(keys) IN (VALUES …)` scanned the
        whole table for every chunk."""
        quote = connection.ops.quote_name
        positions = [self.columns.index(key) for key in self.keys]
        one = "(" + ", ".join(["%s"] * len(self.keys)) + ")"
        names = [f"k{number}" for number in range(len(self.keys))]
        joined = " AND ".join(
            f"{self.q_table}.{quote(key)} = chunk.{name}"
            for key, name in zip(self.keys, names, strict=True)
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH chunk({', '.join(names)}) AS (VALUES {', '.join([one] * len(chunk))}) "
                f"SELECT COUNT(*) FROM chunk JOIN {self.q_table} ON {joined}",
                [row[p] for row in chunk for p in positions],
            )
            return cursor.fetchone()[0]

    def _insert_sqlite(self, chunk: list[tuple]) -> int:
        """Insert or update the chunk; how many rows were inserted or changed."""
        params = [value for row in chunk for value in row]
        if self.stamped:
            returning = f"{connection.ops.quote_name('changed_at')} = %s"
            params.append(self._stamp_of(chunk[0]))
        else:
            returning = "1"
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {self.q_table} ({self.q_columns}) "
                f"VALUES {self._slots(chunk)} {self._on_conflict()} "
                f"RETURNING {returning}",
                params,
            )
            return sum(1 for (changed,) in cursor.fetchall() if changed)
