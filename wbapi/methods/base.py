"""What every WB method is to the client: a declarative spec, its parameters, and for the
methods that page, how a cursor becomes a request and a page becomes the next cursor.

Paging is pure: `Pager.params(cursor)` is the request for one page and `Pager.turn(cursor,
rows)` the cursor after it, so the sync can fetch exactly one page from a stored cursor, store
the next one and stop, and tests can check the cursor arithmetic without any HTTP.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Generic, Protocol, TypeVar
from urllib.parse import quote

from wbapi.hosts import host_for
from wbapi.limits import LIMIT_GROUPS
from wbapi.shapes import RecordT
from wbapi.streaming import Answer, Rows

T = TypeVar("T")
CursorT = TypeVar("CursorT")

KIB = 1024
MIB = 1024 * KIB
VERBS = ("GET", "POST")
_PATH_PARAMETER = re.compile(r"{(\w+)}")


@dataclass(frozen=True)
class Params:
    """The variable parts of one request: path parameters, query and JSON body."""

    path: Mapping[str, int | str] = field(default_factory=lambda: MappingProxyType({}))
    query: Mapping[str, int | str] = field(default_factory=lambda: MappingProxyType({}))
    body: object = None


NO_PARAMS = Params()


@dataclass(frozen=True)
class MethodSpec(Generic[T]):
    """One WB method, declared.

    `category` picks the host (its sandbox host for a test token), `path` may hold
    `{name}` parameters, `limit_group` is its entry in wbapi.limits, `max_body_bytes` caps the
    answer, `idempotent` allows retrying a transient failure, and `parse` turns the answer into
    the result; it owns the answer and closes it, at once or (rows) when the caller is done.
    """

    name: str
    verb: str
    category: str
    path: str
    limit_group: str
    max_body_bytes: int
    parse: Callable[[Answer], T]
    idempotent: bool = True

    def __post_init__(self) -> None:
        if self.verb not in VERBS:
            raise ValueError(f"{self.name}: the verb must be one of {VERBS}, not {self.verb!r}")
        try:
            host_for(self.category, sandbox=False)
        except ValueError as exc:
            raise ValueError(f"{self.name}: {exc}") from None
        if self.limit_group not in LIMIT_GROUPS:
            raise ValueError(f"{self.name}: unknown limit group {self.limit_group!r}")
        if self.max_body_bytes <= 0:
            raise ValueError(f"{self.name}: the body cap must be positive")

    def path_for(self, values: Mapping[str, int | str]) -> str:
        """The path with its parameters filled in, each quoted as one path segment."""
        names = set(_PATH_PARAMETER.findall(self.path))
        if names != set(values):
            raise ValueError(
                f"{self.name} takes the path parameters {sorted(names)}, not {sorted(values)}"
            )
        return self.path.format_map({name: quote(str(v), safe="") for name, v in values.items()})


@dataclass(frozen=True)
class Turn(Generic[CursorT]):
    """Where paging goes after a page: `cursor` asks for the next page; with `done` the pages
    are over for now and `cursor` is where the next run resumes."""

    cursor: CursorT
    done: bool


class Pager(ABC, Generic[RecordT, CursorT]):
    """How one paged method turns cursors into requests and pages into cursors."""

    spec: MethodSpec[Rows[RecordT]]

    @abstractmethod
    def params(self, cursor: CursorT) -> Params:
        """The request for the page at `cursor`."""

    @abstractmethod
    def turn(self, cursor: CursorT, rows: Rows[RecordT]) -> Turn[CursorT]:
        """The cursor after the page `rows`, fetched at `cursor`."""


class Page(Generic[RecordT, CursorT]):
    """One fetched page: its rows (read on demand from the answer) and the turn after it.

    A context manager: the answer's temporary file lives until the page is closed.
    """

    def __init__(self, rows: Rows[RecordT], turn: Turn[CursorT]) -> None:
        self.rows = rows
        self.turn = turn

    @property
    def count(self) -> int:
        return self.rows.count

    def __iter__(self) -> Iterator[RecordT]:
        return iter(self.rows)

    def batches(self, size: int | None = None) -> Iterator[list[RecordT]]:
        return self.rows.batches() if size is None else self.rows.batches(size)

    def close(self) -> None:
        self.rows.close()

    def __enter__(self) -> Page[RecordT, CursorT]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def check_limit(name: str, value: int, maximum: int) -> None:
    """ValueError unless 1 <= value <= maximum (WB's cap for that page size)."""
    if not 1 <= value <= maximum:
        raise ValueError(f"{name} must be between 1 and {maximum}, not {value}")


def check_offset(value: int) -> None:
    if value < 0:
        raise ValueError(f"offset must be 0 or more, not {value}")


class _Offset(Protocol):
    offset: int
    limit: int


OffsetT = TypeVar("OffsetT", bound=_Offset)


def until_empty_turn(cursor: OffsetT, rows: int) -> Turn[OffsetT]:
    """WB's offset rule: on past the rows received while a page has any; an empty page (or
    HTTP 204) ends the run, and the next run starts again at offset 0.

    WB says "offset + limit", which is the same on every full page; counting the rows that
    came cannot skip any if a server caps a page below the limit asked for. Nor is a short
    page taken as the last: WB's end is the empty page.
    """
    if rows == 0:
        return Turn(replace(cursor, offset=0), done=True)
    return Turn(replace(cursor, offset=cursor.offset + rows), done=False)
