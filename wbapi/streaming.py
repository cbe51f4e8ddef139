"""Reading a WB answer from its temporary file with ijson, in constant memory.

A small answer is read whole (`read_object`). A page of rows is read twice (`Rows`): first
to check its outline — the containers down to the array of rows, the count of rows, the first
and last values of the fields the paging needs, every byte valid JSON — so that a page is known
good, and its next cursor known, before any row is handed out; then row by row into records,
in batches. Neither reading holds more than one row (or one batch of records) at a time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any, Generic

import ijson

from wbapi.errors import ProtocolError
from wbapi.shapes import DRIFT_LOG, Context, DriftNotice, Field, RecordT, Shape, Where, read_field

# The records of a page are built and stored this many at a time: memory holds one batch, and
# each batch costs the store its fixed round of statements (staging, upsert, links), which at
# 1,000 rows was a tenth of an 80,000-row page's upsert of changed orders.
BATCH_ROWS = 5000
# The bytes the check of an answer's containers reads at a time (see Rows._check_containers).
CHECK_BUFFER = 1024


def fastest_backend() -> Any:
    """ijson's C backend (yajl2_c, about ten times the pure-Python parser) where its wheel
    provides it, else whichever backend ijson itself picks."""
    try:
        return ijson.get_backend("yajl2_c")
    except ImportError:
        return ijson


JSON = fastest_backend()
# What each ijson event says the value at its prefix is, for messages.
_EVENT_SAMPLES: dict[str, object] = {
    "start_map": {},
    "start_array": [],
    "null": None,
    "boolean": True,
    "integer": 0,
    "double": 0,
    "number": 0,
    "string": "",
}


class Answer:
    """A successful WB answer, its body in a temporary file; whoever reads it closes it."""

    def __init__(
        self,
        *,
        method: str,
        host: str,
        status: int,
        request_id: str | None,
        file: IO[bytes],
        report: Callable[[DriftNotice], None] = DRIFT_LOG,
    ) -> None:
        self.method = method
        self.host = host
        self.status = status
        self.request_id = request_id
        self.file = file
        self.context = Context(method, status=status, request_id=request_id, report=report)

    @property
    def no_content(self) -> bool:
        return self.status == 204

    def close(self) -> None:
        self.file.close()

    def __enter__(self) -> Answer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def values(self, prefix: str) -> Iterator[Any]:
        """Every JSON value at an ijson `prefix`, from the start of the body."""
        self.file.seek(0)
        with self.invalid_json_is_a_protocol_error():
            yield from JSON.items(self.file, prefix, use_float=False)

    @contextlib.contextmanager
    def invalid_json_is_a_protocol_error(self) -> Iterator[None]:
        try:
            yield
        except ijson.JSONError as exc:
            raise ProtocolError(
                "WB's answer is not valid JSON.", status=self.status, request_id=self.request_id
            ) from exc


def read_object(answer: Answer, shape: Shape[RecordT]) -> RecordT:
    """The whole (small) answer, one JSON object, as a record; closes the answer."""
    with answer:
        root = answer.context.root()
        if answer.no_content:
            raise answer.context.drift(root, " object: it is empty (HTTP 204)")
        (document,) = answer.values("")
        return shape.build(document, root)


@dataclass(frozen=True)
class Layout:
    """Where an answer keeps its rows, and what the paging needs to know about them.

    `rows_at` is the ijson prefix of the array of rows: "" when the answer is the array,
    "cards", "data.items" … `watch` names row fields whose first and last values the paging
    reads; `keep` names prefixes of small values outside the rows that it reads ("cursor").
    `nullable`: WB may send null instead of an empty array.
    """

    rows_at: str
    watch: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()
    nullable: bool = False

    @property
    def row_prefix(self) -> str:
        return f"{self.rows_at}.item" if self.rows_at else "item"

    def where(self, root: Where, prefix: str) -> Where:
        where = root
        for step in prefix.split(".") if prefix else ():
            where = where.key(step)
        return where


@dataclass
class Outline:
    """What the first reading of a page found."""

    rows: int = 0
    # Watched field -> (row number, raw JSON value) in the first and the last row.
    first: dict[str, tuple[int, object]] = field(default_factory=dict)
    last: dict[str, tuple[int, object]] = field(default_factory=dict)
    kept: dict[str, object] = field(default_factory=dict)


class Rows(Generic[RecordT]):
    """The rows of one page as records of `shape`; checked on creation, read on demand."""

    def __init__(self, answer: Answer, layout: Layout, shape: Shape[RecordT]) -> None:
        self.answer = answer
        self.layout = layout
        self.shape = shape
        self._rows_where = layout.where(answer.context.root(), layout.rows_at)
        self.outline = Outline() if answer.no_content else self._outline()

    @property
    def count(self) -> int:
        return self.outline.rows

    def close(self) -> None:
        self.answer.close()

    def __enter__(self) -> Rows[RecordT]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[RecordT]:
        if self.answer.no_content:
            return
        for number, row in enumerate(self.answer.values(self.layout.row_prefix)):
            yield self.shape.build(row, self._rows_where.index(number))

    def batches(self, size: int = BATCH_ROWS) -> Iterator[list[RecordT]]:
        """The records in lists of at most `size`, each one built only when its batch is due."""
        if size < 1:
            raise ValueError("a batch holds at least one row")
        batch: list[RecordT] = []
        for record in self:
            batch.append(record)
            if len(batch) == size:
                yield batch
                batch = []
        if batch:
            yield batch

    def watched(self, name: str, read: Callable[[object], Any], *, last: bool = True) -> Any:
        """The last (or first) row's value of a watched field, read and required; None when
        the page has no rows."""
        if not self.outline.rows:
            return None
        number, value = (self.outline.last if last else self.outline.first)[name]
        required = Field(name, name, read, required=True)
        return read_field(required, value, self._rows_where.index(number))

    def kept(self, prefix: str, shape: Shape[Any]) -> Any:
        """A value outside the rows that the layout keeps, as a record; it must be there."""
        where = self.layout.where(self.answer.context.root(), prefix)
        value = self.outline.kept.get(prefix)
        if value is None:
            raise where.missing()
        return shape.build(value, where)

    # --- The first reading --------------------------------------------------------------

    def _outline(self) -> Outline:
        self._check_containers()
        outline = Outline()
        watch = self.layout.watch
        for number, row in enumerate(self.answer.values(self.layout.row_prefix)):
            if type(row) is not dict:
                raise self._rows_where.index(number).not_a("object", row)
            outline.rows += 1
            if watch:
                self._watch(outline, number, row)
        for prefix in self.layout.keep:
            outline.kept[prefix] = next(self.answer.values(prefix), None)
        return outline

    def _watch(self, outline: Outline, number: int, row: Mapping[str, object]) -> None:
        for name in self.layout.watch:
            value = row.get(name)
            if value is None:  # the paging needs it in every row
                raise self._rows_where.index(number).key(name).missing()
            outline.first.setdefault(name, (number, value))
            outline.last[name] = (number, value)

    def _check_containers(self) -> None:
        """Objects down to the array of rows: WB's JSON of another shape is drift, not rows."""
        layout = self.layout
        steps = layout.rows_at.split(".") if layout.rows_at else []
        objects = {".".join(steps[:depth]) for depth in range(len(steps))}
        root = self.answer.context.root()
        self.answer.file.seek(0)
        with self.answer.invalid_json_is_a_protocol_error():
            # Small reads: the parser turns a whole buffer into events before handing out the
            # first, and ijson's 64 KiB cost a cards page some 10 ms to find an array at its start.
            events = JSON.parse(self.answer.file, buf_size=CHECK_BUFFER, use_float=False)
            for prefix, event, _value in events:
                if event not in _EVENT_SAMPLES or (event == "start_map" and prefix in objects):
                    continue
                if prefix == layout.rows_at:
                    if event == "start_array" or (event == "null" and layout.nullable):
                        return
                    raise layout.where(root, prefix).not_a("array", _EVENT_SAMPLES[event])
                if prefix in objects:
                    raise layout.where(root, prefix).not_a("object", _EVENT_SAMPLES[event])
        raise layout.where(root, layout.rows_at).missing()
