"""When a periodic job is due: every so often, or daily at a time of day.

A schedule answers two questions: when a newly declared job first runs, and, once a run
is enqueued, when the next one is due. Neither catches up: a job that was due three
times while no worker ran is enqueued once, and its next run is the next one after now.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext, ngettext


class Schedule(ABC):
    @abstractmethod
    def first_run(self, now: datetime) -> datetime:
        """When a job that has no row yet is first due."""

    @abstractmethod
    def next_run(self, now: datetime) -> datetime:
        """When the job is next due, a run having been enqueued at `now`."""

    @property
    @abstractmethod
    def key(self) -> str:
        """Stored with the job's row: when it changes, the row's next run is recomputed."""

    @abstractmethod
    def describe(self) -> str:
        """The schedule in words, for people."""


@dataclass(frozen=True)
class Every(Schedule):
    """At least `interval` apart; a newly declared job runs at the next tick."""

    interval: timedelta

    def __post_init__(self) -> None:
        if self.interval <= timedelta(0):
            raise ValueError(f"A job's interval must be positive, not {self.interval}")

    def first_run(self, now: datetime) -> datetime:
        return now

    def next_run(self, now: datetime) -> datetime:
        return now + self.interval

    @property
    def key(self) -> str:
        return f"every {int(self.interval.total_seconds())}s"

    def describe(self) -> str:
        seconds = int(self.interval.total_seconds())
        for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
            if seconds % size == 0:
                return every_unit(unit, seconds // size)
        return every_unit("second", seconds)


def every_unit(unit: str, count: int) -> str:
    forms = {
        "day": ngettext("every %(count)d day", "every %(count)d days", count),
        "hour": ngettext("every %(count)d hour", "every %(count)d hours", count),
        "minute": ngettext("every %(count)d minute", "every %(count)d minutes", count),
        "second": ngettext("every %(count)d second", "every %(count)d seconds", count),
    }
    return forms[unit] % {"count": count}


@dataclass(frozen=True)
class DailyAt(Schedule):
    """Once a day at a time of day in the site's time zone (TIME_ZONE, Moscow by default)."""

    at: time

    def first_run(self, now: datetime) -> datetime:
        return self.next_run(now)

    def next_run(self, now: datetime) -> datetime:
        zone = timezone.get_default_timezone()
        today = now.astimezone(zone).date()
        candidate = datetime.combine(today, self.at, tzinfo=zone)
        if candidate <= now:
            candidate = datetime.combine(today + timedelta(days=1), self.at, tzinfo=zone)
        return candidate

    @property
    def key(self) -> str:
        return f"daily {self.at:%H:%M} {timezone.get_default_timezone_name()}"

    def describe(self) -> str:
        return gettext("daily at %(time)s") % {"time": f"{self.at:%H:%M}"}
