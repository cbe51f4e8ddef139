"""CSV of a table, streamed in pieces of about PIECE_SIZE: the same bytes by either of two ways.

- Python: the rows' values (tuples from `values_list` when every column is a database
  column, else the rows as given) written by csv.writer, many rows to a piece.
- PostgreSQL: `COPY (SELECT …) TO STDOUT WITH (FORMAT csv)` of the same query, each column
  formatted in SQL as Python's str() writes it and neutralised alike (FORMATS). The database
  writes a row without a Python object for any of its values, some twenty times faster.
  tests/test_csv_export.py checks that both ways give the same bytes for every exported table.

Either way: a UTF-8 byte order mark, a header, values a spreadsheet would run as a formula
(FORMULA_STARTS) prefixed with `'`, None as nothing, rows ended with CRLF.
"""

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import EmptyResultSet, FieldDoesNotExist, FieldError
from django.db import connections
from django.db.models import F, Field, Func, QuerySet, TextField

# What starts a formula in Excel, LibreOffice and Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Rows read from the database per query on the Python way.
CHUNK_ROWS = 2000
# What a piece of the answer holds at least (but the last): few pieces, each small.
PIECE_SIZE = 64 * 1024
# A column: its header, and its value of a row.
Column = tuple[str, Callable[[Any], Any]]


class FieldValue:
    """A row's value of a database column or annotation, by its name: a queryset whose columns
    are all such is read as tuples, or written by the database itself."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, row: Any) -> Any:
        return getattr(row, self.name)

    def __repr__(self) -> str:
        return f"FieldValue({self.name!r})"


def as_text(value: Any) -> str:
    """The value as CSV text, a `'` before a text that a spreadsheet would run as a formula.
    A number stays a number, its minus sign too: a spreadsheet reads -12.50 as a number to
    sum (a formula needs more than a sign and digits), and a loss or a return must add up."""
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, int | float | Decimal):
        return text
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@dataclass(frozen=True)
class Format:
    """How a type of column is written. `neutralise`: whether its str() may start a formula
    (text); a value that cannot goes to csv.writer as it is, which writes
    str() of it and None as nothing. `sql`: the same text from the column's value `{v}` in
    PostgreSQL, NULL for nothing."""

    neutralise: bool
    sql: str


# Text: the code of its first character among FORMULA_STARTS' (ascii() is the cheapest test
# of it in PostgreSQL), and an empty text as NULL, which COPY writes as nothing.
_STARTS_SQL = ", ".join(str(ord(start)) for start in FORMULA_STARTS)
TEXT = Format(
    True,
    f"NULLIF(CASE WHEN ascii({{v}}) IN ({_STARTS_SQL}) THEN '''' || {{v}} ELSE {{v}} END, '')",
)
# A number (a negative one too, see as_text) and a UUID: as they are.
AS_IS = Format(False, "{v}::text")
BOOLEAN = Format(False, "CASE WHEN {v} THEN 'True' WHEN NOT {v} THEN 'False' END")
DAY = Format(False, "to_char({v}, 'YYYY-MM-DD')")
# str() of the UTC datetime the connection gives: microseconds only when there are some (one
# to_char and a replace cost less than testing for them first).
MOMENT = Format(
    False,
    "replace(to_char({v} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US+00:00'), '.000000+', '+')",
)
FORMATS = {
    "TextField": TEXT,
    "CharField": TEXT,
    "IntegerField": AS_IS,
    "BigIntegerField": AS_IS,
    "SmallIntegerField": AS_IS,
    "AutoField": AS_IS,
    "BigAutoField": AS_IS,
    "DecimalField": AS_IS,
    "PositiveIntegerField": AS_IS,
    "PositiveBigIntegerField": AS_IS,
    "PositiveSmallIntegerField": AS_IS,
    "UUIDField": AS_IS,
    "BooleanField": BOOLEAN,
    "DateField": DAY,
    "DateTimeField": MOMENT,
}
# str() of a Decimal has an exponent from seven places on (0E-7); numeric::text never.
DECIMAL_PLACES_MAX = 6
# What the Python way does with a column whose type it does not know: neutralise it.
UNKNOWN = Format(True, "")


def format_of(field: Field) -> Format:
    field = getattr(field, "target_field", None) or field  # a foreign key: its key's type
    kind = field.get_internal_type()
    if kind == "DecimalField" and field.decimal_places > DECIMAL_PLACES_MAX:
        return UNKNOWN
    return FORMATS.get(kind, UNKNOWN)


def output_field(rows: QuerySet, name: str) -> Field | None:
    """The field of a queryset's column or annotation `name`, None if it has no such."""
    try:
        if name in rows.query.annotations:
            return rows.query.annotations[name].output_field
        return rows.model._meta.get_field(name)
    except (FieldDoesNotExist, FieldError):  # FieldError: an annotation of mixed types
        return None


# --- Writing ------------------------------------------------------------------------------


def csv_pieces(rows: Iterable, columns: list[Column], delimiter: str) -> Iterator[str | bytes]:
    """The CSV of `rows` in pieces: by COPY where the database and columns allow, else by
    csv.writer."""
    yield "\ufeff" + header_line(columns, delimiter)
    names = field_names(rows, columns)
    if names is None:
        yield from written(
            (row_values(row, columns) for row in chunked(rows)),
            [True] * len(columns),
            delimiter,
        )
        return
    fields = [output_field(rows, name) for name in names]
    formats = [UNKNOWN if field is None else format_of(field) for field in fields]
    if copy_allowed(rows, formats):
        yield from copied(rows, names, formats, delimiter)
    else:
        records = rows.values_list(*names).iterator(chunk_size=CHUNK_ROWS)
        yield from written(records, [each.neutralise for each in formats], delimiter)


def header_line(columns: list[Column], delimiter: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerow([header for header, _value in columns])
    return buffer.getvalue()


def field_names(rows: Iterable, columns: list[Column]) -> list[str] | None:
    """The names of the columns when `rows` is a plain queryset (no grouping, DISTINCT or
    UNION, which a narrower SELECT would change) and each column is one of its fields or
    annotations; else None (the rows' values come from the columns' functions)."""
    if not isinstance(rows, QuerySet):
        return None
    query = rows.query
    if query.group_by is not None or query.distinct or query.combinator:
        return None
    values = [value for _header, value in columns]
    if not all(isinstance(value, FieldValue) for value in values):
        return None
    return [value.name for value in values]


def chunked(rows: Iterable) -> Iterable:
    """A queryset read CHUNK_ROWS at a time (never the whole table in memory); else as is."""
    return rows.iterator(chunk_size=CHUNK_ROWS) if isinstance(rows, QuerySet) else rows


def row_values(row: Any, columns: list[Column]) -> list:
    return [value(row) for _header, value in columns]


def written(records: Iterable, neutralise: list[bool], delimiter: str) -> Iterator[str]:
    """Rows of values written by csv.writer, a piece of PIECE_SIZE characters or a row more at
    a time; the values that may start a formula (`neutralise`, by column) through as_text."""
    risky = [index for index, flag in enumerate(neutralise) if flag]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    for record in records:
        values = list(record)
        for index in risky:
            values[index] = as_text(values[index])
        writer.writerow(values)
        if buffer.tell() >= PIECE_SIZE:
            yield taken(buffer)
    if buffer.tell():
        yield taken(buffer)


def taken(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


# --- The database writes it ---------------------------------------------------------------


def copy_allowed(rows: QuerySet, formats: list[Format]) -> bool:
    """PostgreSQL, every column of a type FORMATS knows, datetimes given in UTC (as MOMENT
    writes them)."""
    connection = connections[rows.db]
    return (
        connection.vendor == "postgresql"
        and connection.timezone_name == "UTC"
        and all(each is not UNKNOWN for each in formats)
    )


def copied(
    rows: QuerySet, names: list[str], formats: list[Format], delimiter: str
) -> Iterator[bytes]:
    """COPY … TO STDOUT of the rows' columns formatted in SQL, in pieces of PIECE_SIZE or so,
    with CRLF for the newline that ends each row (COPY ends rows with LF)."""
    connection = connections[rows.db]
    texts = {
        f"csv_{index}": Formatted(name, each)
        for index, (name, each) in enumerate(zip(names, formats, strict=True))
    }
    try:
        select, params = rows.values(**texts).query.get_compiler(rows.db).as_sql()
    except EmptyResultSet:
        return
    statement = f"COPY ({select}) TO STDOUT WITH (FORMAT csv, DELIMITER '{delimiter}')"
    crlf = RowEnds()
    with connection.cursor() as cursor, cursor.cursor.copy(statement, params) as copy:
        pending, size = [], 0
        for block in copy:
            pending.append(block)
            size += len(block)
            if size >= PIECE_SIZE:
                yield crlf.convert(b"".join(pending))
                pending, size = [], 0
        if pending:
            yield crlf.convert(b"".join(pending))


class Formatted(Func):
    """A column as its CSV text, by its Format's SQL: a value used more than once there is
    compiled (with its parameters, if an annotation has some) for each use."""

    output_field = TextField()

    def __init__(self, name: str, format: Format) -> None:
        super().__init__(F(name))
        self.format = format

    def as_sql(self, compiler, connection, **extra) -> tuple[str, list]:
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return self.format.sql.format(v=sql), list(params) * self.format.sql.count("{v}")


class RowEnds:
    """LF to CRLF where it ends a row, not inside a quoted value: COPY doubles a quote inside
    a value, so a LF is outside every value exactly when an even number of quotes came before
    it. The count goes on from one piece to the next."""

    def __init__(self) -> None:
        self.inside = False

    def convert(self, data: bytes) -> bytes:
        if b'"' not in data:
            return data if self.inside else data.replace(b"\n", b"\r\n")
        parts = data.split(b'"')
        start = 1 if self.inside else 0
        for index in range(start, len(parts), 2):
            parts[index] = parts[index].replace(b"\n", b"\r\n")
        self.inside = self.inside != (len(parts) % 2 == 0)
        return b'"'.join(parts)
