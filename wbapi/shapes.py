"""Typed records from WB's JSON, and what happens when WB's JSON is not what it used to be.

A `Shape` turns one JSON object into a frozen dataclass, field by field:

- a required field that is missing, null or of another type raises `SchemaDrift`, naming the
  method and the path (`cards[3].nmID`), never a KeyError or TypeError;
- an optional field that is missing or null becomes its default; one of another type also
  becomes its default, and the mismatch is reported as *drift*: passed to the client's callback
  and logged at WARNING at most once per (method, field) per day;
- fields the shape does not know are not checked, and are kept in the record's `extra`, so
  nothing WB sends is lost.

Numbers come from ijson as int or Decimal, never float; money is always a Decimal.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from wbapi.errors import SchemaDrift
from wbapi.moscow import parse_day, parse_moment

logger = logging.getLogger(__name__)

RecordT = TypeVar("RecordT")
EMPTY: Mapping[str, object] = MappingProxyType({})


# --- Drift ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DriftNotice:
    """An optional field of an unexpected type, read as its default instead."""

    method: str
    field: str  # the path without row numbers, e.g. "cards[].dimensions.width"
    path: str  # where it was seen, e.g. "cards[3].dimensions.width"
    expected: str
    got: str


def _utc_today() -> date:
    return datetime.now(UTC).date()


class DriftLog:
    """Logs each (method, field) drift at most once a day in this process; thread-safe."""

    def __init__(self, *, today: Callable[[], date] = _utc_today) -> None:
        self._today = today
        self._lock = threading.Lock()
        self._logged_on: dict[tuple[str, str], date] = {}

    def __call__(self, notice: DriftNotice) -> None:
        key = (notice.method, notice.field)
        today = self._today()
        with self._lock:
            if self._logged_on.get(key) == today:
                return
            self._logged_on[key] = today
        logger.warning(
            "WB's answer to %s has %s at %s where %s was expected; read as empty "
            "(logged once a day per field)",
            notice.method,
            notice.got,
            notice.path,
            notice.expected,
        )


# Every client reports to this one unless given its own.
DRIFT_LOG = DriftLog()


# --- Where a value is, for messages --------------------------------------------------------


class Context:
    """What reading one answer needs beside the JSON: the method, and where drift goes."""

    def __init__(
        self,
        method: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        report: Callable[[DriftNotice], None] = DRIFT_LOG,
    ) -> None:
        self.method = method
        self.status = status
        self.request_id = request_id
        self.report = report

    def root(self) -> Where:
        return Where(self, None, "")

    def drift(self, where: Where, message: str) -> SchemaDrift:
        return SchemaDrift(
            f"WB's answer to {self.method} is not the expected JSON{message}.",
            method=self.method,
            path=str(where),
            status=self.status,
            request_id=self.request_id,
        )


_ROW_NUMBERS = re.compile(r"\[\d+\]")


class Where:
    """A place in an answer: built cheaply while reading, spelt out only for a message."""

    __slots__ = ("context", "parent", "step")

    def __init__(self, context: Context, parent: Where | None, step: str) -> None:
        self.context = context
        self.parent = parent
        self.step = step

    def key(self, name: str) -> Where:
        return Where(self.context, self, name)

    def index(self, number: int) -> Where:
        return Where(self.context, self, f"[{number}]")

    def __str__(self) -> str:
        steps = []
        where: Where | None = self
        while where is not None:
            steps.append(where.step)
            where = where.parent
        text = ""
        for step in reversed(steps):
            if not step:
                continue
            text += step if step.startswith("[") or not text else f".{step}"
        return text

    def wrong(self, expected: str, value: object) -> SchemaDrift:
        """The error for a required value of the wrong kind."""
        return self.context.drift(self, f": '{self}' should be {expected}, not {kind_of(value)}")

    def not_a(self, container: str, value: object) -> SchemaDrift:
        """The error for a value that should be an "object" or an "array" and is not."""
        if self.parent is None:
            return self.context.drift(self, f" {container}: it is {kind_of(value)}")
        return self.wrong(f"an {container}", value)

    def missing(self) -> SchemaDrift:
        return self.context.drift(self, f": '{self}' is missing")

    def empty(self) -> SchemaDrift:
        return self.context.drift(self, f": '{self}' is empty")

    def report(self, expected: str, value: object) -> None:
        path = str(self)
        self.context.report(
            DriftNotice(
                method=self.context.method,
                field=_ROW_NUMBERS.sub("[]", path),
                path=path,
                expected=expected,
                got=kind_of(value),
            )
        )


def kind_of(value: object) -> str:
    """What a JSON value is, in words (never the value itself: it may be anything)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float | Decimal):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


# --- Readers: one JSON value into one Python value -----------------------------------------


class Mismatch(Exception):
    """A value is not of the kind a reader expects; `expected` says what was."""

    def __init__(self, expected: str) -> None:
        self.expected = expected
        super().__init__(expected)


def integer(value: object) -> int:
    if type(value) is int:  # not bool, which is an int to Python
        return value
    raise Mismatch("an integer")


def text(value: object) -> str:
    if type(value) is str:
        return value
    raise Mismatch("text")


def flag(value: object) -> bool:
    if type(value) is bool:
        return value
    raise Mismatch("true/false")


def money(value: object) -> Decimal:
    """A Decimal from a JSON number (statistics) or a numeric string (finance)."""
    if type(value) is Decimal or type(value) is int:
        amount = Decimal(value)
    elif type(value) is str:
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            raise Mismatch("a number") from None
    elif type(value) is float:  # not from ijson; kept exact as written, never as binary
        amount = Decimal(repr(value))
    else:
        raise Mismatch("a number")
    if not amount.is_finite():
        raise Mismatch("a number")
    return amount


def moment(value: object) -> datetime | None:
    """WB's date and time; without an offset it is Moscow time; "0001-01-01…" is None."""
    if type(value) is str:
        try:
            return parse_moment(value)
        except ValueError:
            pass
    raise Mismatch("a date and time")


def day(value: object) -> date | None:
    if type(value) is str:
        try:
            return parse_day(value)
        except ValueError:
            pass
    raise Mismatch("a date")


def texts(value: object) -> tuple[str, ...]:
    if type(value) is list and all(type(item) is str for item in value):
        return tuple(value)
    raise Mismatch("an array of text")


class Nested(Generic[RecordT]):
    """Reads an object, or with `many` an array of objects, into records of `shape`."""

    def __init__(self, shape: Shape[RecordT], *, many: bool = False) -> None:
        self.shape = shape
        self.many = many

    def read(self, value: object, where: Where) -> RecordT | tuple[RecordT, ...]:
        if not self.many:
            if type(value) is not dict:
                raise Mismatch("an object")
            return self.shape.build(value, where)
        if type(value) is not list or not all(type(item) is dict for item in value):
            raise Mismatch("an array of objects")
        return tuple(self.shape.build(item, where.index(i)) for i, item in enumerate(value))


Reader = Callable[[object], Any] | Nested


@dataclass(frozen=True)
class Field:
    """`attr` of the record is read from the JSON key `key`."""

    attr: str
    key: str
    read: Reader
    required: bool = False
    default: object = None


def nested(attr: str, key: str, shape: Shape, *, required: bool = False) -> Field:
    return Field(attr, key, Nested(shape), required=required)


def many(attr: str, key: str, shape: Shape) -> Field:
    return Field(attr, key, Nested(shape, many=True), default=())


class Shape(Generic[RecordT]):
    """How to build a `record` dataclass from a JSON object; `extra` gets the other keys."""

    def __init__(self, record: type[RecordT], fields: Iterable[Field], *, extra: bool = True):
        self.record = record
        self.fields = tuple(fields)
        self.extra = extra
        self._keys = frozenset(field.key for field in self.fields)

    def build(self, value: object, where: Where) -> RecordT:
        if type(value) is not dict:
            raise where.not_a("object", value)
        values = {f.attr: read_field(f, value.get(f.key), where) for f in self.fields}
        if self.extra:
            rest = {key: item for key, item in value.items() if key not in self._keys}
            values["extra"] = MappingProxyType(rest) if rest else EMPTY
        return self.record(**values)


def read_field(field: Field, value: object, where: Where) -> Any:
    """`value` (found under `field.key` of the object at `where`) read as `field` says."""
    if value is None:
        if field.required:
            raise where.key(field.key).missing()
        return field.default
    try:
        if isinstance(field.read, Nested):
            result = field.read.read(value, where.key(field.key))
        else:
            result = field.read(value)
    except Mismatch as mismatch:
        if field.required:
            raise where.key(field.key).wrong(mismatch.expected, value) from None
        where.key(field.key).report(mismatch.expected, value)
        return field.default
    if result is None and field.required:  # WB's "0001-01-01" where a date is needed
        raise where.key(field.key).empty()
    return result
