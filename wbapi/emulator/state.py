"""Everything an emulator instance remembers: key, sellers, revocations, buckets, faults, log."""

from __future__ import annotations

import threading
import uuid
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from wbapi.buckets import Buckets
from wbapi.claims import TokenClaims, decode_token
from wbapi.emulator.clock import EmulatorClock
from wbapi.emulator.faults import FaultBook
from wbapi.emulator.minting import (
    DEFAULT_CATEGORIES,
    TOKEN_LIFETIME_DAYS,
    load_key,
    sign,
    token_payload,
)
from wbapi.emulator.protocol import rfc3339_utc
from wbapi.emulator.sellers import SellerRegistry, seller_oid
from wbapi.emulator.storage import SharedJson
from wbapi.emulator.truth import truth
from wbapi.emulator.world.config import WorldConfig
from wbapi.emulator.worlds import WorldRegistry

# Minting for a seller name without a sid gives that name the same sid every time, so that
# several tokens minted for one seller share it.
SELLER_NAMESPACE = uuid.UUID("6f1d3c5e-2b7a-4c1e-9a8f-0d4e5b6a7c81")
LOG_SIZE = 10_000
LOG_BODY_CHARS = 2_000


@dataclass
class LogEntry:
    """One API request, logged as it arrives; `status` is filled in once it is answered."""

    method: str
    host: str
    path: str
    status: int | None  # None while unanswered, and for a reset connection
    request_id: str
    sid: str | None
    auth_scheme: str | None  # "bearer", "raw", or None without an Authorization header
    fault: str | None  # kind of the fault applied, if any
    at: str
    query: dict = field(default_factory=dict)  # name -> value (a list if repeated)
    body: object = None  # the JSON body, or its text cut to LOG_BODY_CHARS; never the token


class RequestLog:
    """The last LOG_SIZE API requests (control requests are not logged).

    A request still being answered when the log is cleared finishes outside it, so a slow
    fault in one test does not show up in the next test's counts.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: deque[LogEntry] = deque(maxlen=LOG_SIZE)

    def add(self, entry: LogEntry) -> LogEntry:
        with self._lock:
            self._entries.append(entry)
        return entry

    def entries(self) -> list[LogEntry]:
        with self._lock:
            return list(self._entries)

    def select(
        self, host: str | None = None, path: str | None = None, status: int | None = None
    ) -> list[LogEntry]:
        """Entries matching every filter given (None matches anything)."""
        wanted = {"host": host, "path": path, "status": status}
        return [
            entry
            for entry in self.entries()
            if all(value is None or getattr(entry, key) == value for key, value in wanted.items())
        ]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class EmulatorState:
    """Shared by all request threads of one emulator; every part is thread-safe."""

    def __init__(
        self,
        *,
        key: bytes,
        state_dir: Path | None = None,
        speed: float = 1.0,
        world_defaults: WorldConfig | None = None,
    ) -> None:
        if state_dir is not None:
            state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.key = key
        self.state_dir = state_dir
        self.sellers = SellerRegistry(state_dir / "sellers.json" if state_dir else None)
        self.buckets = Buckets(speed=speed)
        self.faults = FaultBook()
        self.log = RequestLog()
        self.clock = EmulatorClock()
        self.worlds = WorldRegistry(
            state_dir=state_dir, sellers=self.sellers, clock=self.clock, defaults=world_defaults
        )
        self._revoked = SharedJson(state_dir / "revoked.json" if state_dir else None)

    @classmethod
    def open(
        cls, state_dir: Path, *, speed: float = 1.0, world_defaults: WorldConfig | None = None
    ) -> EmulatorState:
        """State kept in a directory shared with the CLI; the key comes from it or the env."""
        return cls(
            key=load_key(state_dir), state_dir=state_dir, speed=speed, world_defaults=world_defaults
        )

    def mint(
        self,
        *,
        type: str = "personal",
        categories: Iterable[str] | str | None = None,
        days: float = TOKEN_LIFETIME_DAYS,
        expires_at: datetime | None = None,
        seller_name: str | None = None,
        tin: str | None = None,
        trade_mark: str | None = None,
        country: str | None = None,
        read_only: bool = False,
        test: bool = False,
        sid: str | None = None,
        now: datetime | None = None,
    ) -> str:
        """A signed token; seller details given here are what seller-info will return."""
        now = now or datetime.now(UTC)
        if sid is None:
            sid = str(uuid.uuid5(SELLER_NAMESPACE, seller_name) if seller_name else uuid.uuid4())
        payload = token_payload(
            type_name=type,
            categories=_category_names(categories),
            expires_at=expires_at or now + timedelta(days=days),
            issued_at=now,
            sid=sid,
            oid=seller_oid(sid),
            read_only=read_only,
            test=test,
        )
        if any((seller_name, tin, trade_mark, country)):
            self.sellers.register(
                sid, name=seller_name, tin=tin, trade_mark=trade_mark, country=country
            )
        return sign(self.key, payload)

    def revoke(self, token: str) -> str:
        """Revoke a token by its id claim; returns the hint of the token revoked."""
        claims = decode_token(token)
        if claims.token_id is None:
            raise ValueError("The token has no id claim, so it cannot be revoked.")
        revoked_at = rfc3339_utc(datetime.now(UTC))
        self._revoked.update(lambda revoked: revoked.__setitem__(claims.token_id, revoked_at))
        return claims.hint

    def is_revoked(self, claims: TokenClaims) -> bool:
        return claims.token_id in self._revoked.read()

    def truth(self, sid: str, dataset: str, period: str = "weekly") -> tuple[float, list[dict]]:
        """(the clock's time, the dataset's ground truth at it); see truth.py."""
        now = self.clock.timestamp()
        rows = truth(self.worlds.world(sid), dataset, now, self.worlds.revisions(sid), period)
        return now, rows

    def reset(self) -> None:
        """Forget requests, buckets, faults, revocations, world configurations and finance
        revisions, and put the clock back to real time; keys and sellers stay."""
        self.buckets.clear()
        self.faults.clear()
        self.log.clear()
        self.clock.reset()
        self.worlds.reset()
        self._revoked.update(dict.clear)


def _category_names(categories: Iterable[str] | str | None) -> tuple[str, ...]:
    if categories is None:
        return DEFAULT_CATEGORIES
    if isinstance(categories, str):
        categories = categories.split(",")
    return tuple(name.strip() for name in categories if name.strip())
