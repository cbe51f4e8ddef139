"""WB's time: dates and times without an offset are Moscow time, UTC+3 all year round."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

MOSCOW = timezone(timedelta(hours=3), "MSK")
# WB's way of saying "never" (e.g. the cancelDate of an order that was not cancelled).
NO_YEAR = 1


def parse_moment(text: str) -> datetime | None:
    """An aware datetime from WB's ISO 8601 text: as given with an offset, else Moscow time.

    None for WB's "0001-01-01T00:00:00". ValueError for text that is not a date and time.
    """
    moment = datetime.fromisoformat(text)
    if moment.year == NO_YEAR:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=MOSCOW)


def parse_day(text: str) -> date | None:
    """A date from WB's "YYYY-MM-DD" (or a date and time: its Moscow day); None for year 1."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        moment = parse_moment(text)
        return None if moment is None else moment.astimezone(MOSCOW).date()
    return None if day.year == NO_YEAR else day


def as_moment(value: date | datetime) -> datetime:
    """An aware datetime: a date is its Moscow midnight. ValueError for a naive datetime."""
    if not isinstance(value, datetime):
        return datetime.combine(value, datetime.min.time(), MOSCOW)
    if value.tzinfo is None:
        raise ValueError("WB times must be aware datetimes, not naive ones")
    return value


def moscow_text(value: date | datetime) -> str:
    """A date or time as WB's query and body parameters take it: Moscow time, no offset.

    WB accepts seconds or milliseconds; a time is cut down to milliseconds, never rounded up,
    so that asking "after this time" cannot skip a row.
    """
    if not isinstance(value, datetime):
        return value.isoformat()
    local = as_moment(value).astimezone(MOSCOW).replace(tzinfo=None)
    return local.isoformat(timespec="milliseconds" if local.microsecond else "seconds")
