"""What every part of a seller's world is made with: hashes, WB's time formats, money.

Everything in a world is a pure function of the seller's seed and a few integers (a product's
index, a day's number, an epoch), computed through `mix`, a 64-bit integer hash. Nothing is
stored that can be recomputed, so a world of any size is ready at once.
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from wbapi.emulator.protocol import MOSCOW

MASK64 = (1 << 64) - 1
DAY = 86_400
HOUR = 3_600
MOSCOW_OFFSET = 3 * HOUR
NOT_CANCELLED = "0001-01-01T00:00:00"


def seed_of(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def mix(*values: int) -> int:
    """A well-spread 64-bit hash of integers (splitmix64 steps)."""
    h = 0x9E3779B97F4A7C15
    for value in values:
        h ^= value & MASK64
        h = (h * 0xBF58476D1CE4E5B9) & MASK64
        h ^= h >> 31
        h = (h * 0x94D049BB133111EB) & MASK64
        h ^= h >> 29
    return h


def unit(h: int) -> float:
    """A hash as a number in [0, 1)."""
    return (h >> 11) / 9007199254740992


def rng(*values: int) -> random.Random:
    # Deterministic test data, not secrets: a seeded PRNG is what is wanted here.
    return random.Random(mix(*values))  # noqa: S311


# --- Time -------------------------------------------------------------------------------------
# Instants are integer (or float) seconds since the Unix epoch; days are Moscow calendar days
# numbered from the epoch, because WB's dates are Moscow dates.


def day_of(ts: float) -> int:
    return int((ts + MOSCOW_OFFSET) // DAY)


def day_start(day: int) -> int:
    return day * DAY - MOSCOW_OFFSET


def day_of_date(value: date) -> int:
    return (value - date(1970, 1, 1)).days


def date_of_day(day: int) -> date:
    return date(1970, 1, 1) + timedelta(days=day)


@lru_cache(maxsize=4096)
def _moscow_date_text(day: int) -> str:
    return date_of_day(day).isoformat()


def moscow_date(ts: float) -> str:
    """`YYYY-MM-DD`, the Moscow date of an instant."""
    return _moscow_date_text(day_of(ts))


# `THH:MM:` of each minute of a day and `SS` of each second, formatted once: a statistics page
# writes two or three times in each of its 80,000 rows.
_MINUTE_TEXTS = tuple(f"T{minute // 60:02d}:{minute % 60:02d}:" for minute in range(DAY // 60))
_SECOND_TEXTS = tuple(f"{second:02d}" for second in range(60))


def moscow_time(ts: int) -> str:
    """`YYYY-MM-DDTHH:MM:SS` in Moscow time without an offset, as statistics-api writes it."""
    day, seconds = divmod(ts + MOSCOW_OFFSET, DAY)
    minute, second = divmod(seconds, 60)
    return _moscow_date_text(day) + _MINUTE_TEXTS[minute] + _SECOND_TEXTS[second]


def utc_time(ts: int, micros: int = 0) -> str:
    """RFC 3339 in UTC with `Z`; a fraction, trailing zeros dropped, when `micros` is set."""
    text = datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if micros:
        text += "." + f"{micros:06d}".rstrip("0")
    return text + "Z"


def parse_instant(text: str) -> float:
    """An RFC 3339 date or date-time as seconds; without an offset it is Moscow time.

    ValueError for anything else.
    """
    if not isinstance(text, str) or not 10 <= len(text) <= 40 or not text[:4].isdigit():
        raise ValueError(text)
    parsed = datetime.fromisoformat(text.replace("z", "Z"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=MOSCOW)
    return parsed.timestamp()


def parse_utc_instant_us(text: str) -> int:
    """A card's `updatedAt` (RFC 3339) as integer microseconds; ValueError if malformed."""
    if not isinstance(text, str) or not 10 <= len(text) <= 40:
        raise ValueError(text)
    parsed = datetime.fromisoformat(text.replace("z", "Z"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    delta = parsed - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * DAY + delta.seconds) * 1_000_000 + delta.microseconds


# --- Money ------------------------------------------------------------------------------------
# Amounts are integer kopecks, so that sums are exact; they leave as numbers (statistics) or
# as decimal strings (finance).


def rub(kopecks: int) -> float | int:
    """Kopecks as the number statistics-api sends: whole roubles as an integer."""
    return kopecks // 100 if kopecks % 100 == 0 else kopecks / 100


def money_text(kopecks: int) -> str:
    """Kopecks as finance-api's decimal string: `258`, `183.79`, `-12.5`."""
    sign = "-" if kopecks < 0 else ""
    whole, part = divmod(abs(kopecks), 100)
    return f"{sign}{whole}" if part == 0 else f"{sign}{whole}.{part:02d}".rstrip("0")


def percent_of(kopecks: int, percent: float) -> int:
    """`percent` % of an amount, rounded to the kopeck (half away from zero)."""
    value = kopecks * percent / 100
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)
