"""How big a seller's world is and where its history starts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from datetime import date

# WB's realization reports are available from this Monday on.
FINANCE_START = date(2024, 1, 29)
DEFAULT_HISTORY_DAYS = 120
LIMITS = {
    "products": (1, 100_000),
    "orders_per_day": (0, 99_999),
    "page_rows": (1, 80_000),
}


@dataclass(frozen=True)
class WorldConfig:
    """A seller's world. Products have one to five sizes (about 2.4 on average), so 40,000
    products are about 100,000 sizes; 11,112 orders a day are 1,000,000 orders in the 90 days
    statistics-api keeps.

    `history_start` None: the Monday on or before the clock's date less 120 days, fixed (and
    stored with the configuration) the first time the world is built.
    """

    products: int = 300
    orders_per_day: int = 300
    page_rows: int = 80_000  # statistics-api's rows per flag=0 answer
    history_start: date | None = None

    def __post_init__(self) -> None:
        for name, (low, high) in LIMITS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"{name} must be a whole number from {low:,} to {high:,}")
        if self.history_start is not None:
            if not isinstance(self.history_start, date):
                raise ValueError("history_start must be a date")
            if self.history_start < FINANCE_START:
                raise ValueError(f"history_start must not be before {FINANCE_START}")

    @classmethod
    def from_dict(cls, data: Mapping) -> WorldConfig:
        """From JSON (control endpoint, CLI, state file); ValueError if malformed."""
        return cls().updated(data)

    def updated(self, data: Mapping) -> WorldConfig:
        """A copy with the given fields replaced; ValueError for unknown or bad ones."""
        if not isinstance(data, Mapping):
            raise ValueError("A world configuration is a JSON object")
        unknown = set(data) - {f.name for f in fields(self)}
        if unknown:
            raise ValueError(f"Unknown configuration fields: {sorted(unknown)}")
        changes = dict(data)
        start = changes.get("history_start")
        if isinstance(start, str):
            try:
                changes["history_start"] = date.fromisoformat(start)
            except ValueError:
                raise ValueError("history_start must be a date, YYYY-MM-DD") from None
        return replace(self, **changes)

    def holds_same_world_as(self, other: WorldConfig) -> bool:
        """Whether `other` differs at most in how the world is paged, not in what it holds."""
        return replace(self, page_rows=other.page_rows) == other

    def as_dict(self) -> dict:
        data = asdict(self)
        if self.history_start is not None:
            data["history_start"] = self.history_start.isoformat()
        return data
