"""The sync as a cabinet's pages show it: each dataset's state and freshness, its runs, and the
"Sync now" a person asks for.

Reads take one query for all of a cabinet's streams. "Sync now" starts a pass exactly as the
tick does (`engine.pass_start` and `engine.lease_and_enqueue`, under the stream's row lock), so
that a stream someone asks for twice, or that the tick claims meanwhile, runs once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gateway.messages import describe
from sellers.models import Seller

from . import engine
from .models import SyncRun, SyncStream
from .registry import Dataset, dataset_named, registered

State = SyncStream.State


@dataclass(frozen=True)
class DatasetState:
    """A dataset of a cabinet: its stream, or None while the tick has not made one yet."""

    dataset: Dataset
    stream: SyncStream | None

    @property
    def name(self) -> str:
        return self.dataset.name

    @property
    def label(self) -> str:
        return str(self.dataset.label)

    @property
    def as_of(self) -> datetime | None:
        """When a pass last finished: what the cabinet's data of this dataset shows."""
        return self.stream.last_success_at if self.stream else None

    @property
    def busy(self) -> bool:
        """A pass is going (or retrying): its page polls for progress."""
        return self.stream is not None and self.stream.state in (State.RUNNING, State.RETRYING)

    @property
    def blocked(self) -> bool:
        return self.stream is not None and self.stream.state == State.BLOCKED

    @property
    def state_label(self) -> str:
        return self.stream.get_state_display() if self.stream else str(State.IDLE.label)

    @property
    def next_run(self) -> datetime | None:
        """When the next pass starts; None while one goes on or the stream is blocked."""
        if self.stream is None or self.busy or self.blocked:
            return None
        return self.stream.next_run_at

    @property
    def error(self) -> str:
        """The last error, in the reader's words; "" if the last page was read."""
        if self.stream is None or not self.stream.error_code:
            return ""
        return describe(self.stream.error_code, self.stream.error_detail)

    @property
    def run(self) -> SyncRun | None:
        return self.stream.run if self.stream else None

    @property
    def rows(self) -> int:
        """Rows the stream has written since it began: inserted and changed."""
        return self.stream.rows_inserted + self.stream.rows_updated if self.stream else 0

    @property
    def freshness(self) -> str:
        """ "Product cards: as of 14:30; WB refreshes them every 30 minutes." """
        text = _("%(dataset)s: %(as_of)s.") % {
            "dataset": self.label,
            "as_of": as_of_text(self.as_of),
        }
        refresh = self.dataset.wb_refresh
        if refresh is not None:
            minutes = int(refresh.total_seconds() // 60)
            text += " " + ngettext(
                "WB refreshes them every %(minutes)d minute.",
                "WB refreshes them every %(minutes)d minutes.",
                minutes,
            ) % {"minutes": minutes}
        return text


def as_of_text(moment: datetime | None, *, now: datetime | None = None) -> str:
    """ "as of 14:30", "as of 14:30 yesterday", "as of 3 December, 14:30" in the reader's zone
    and locale; "not synced yet" for never."""
    if moment is None:
        return str(_("not synced yet"))
    local = timezone.localtime(moment)
    days = (timezone.localtime(now or timezone.now()).date() - local.date()).days
    time = formats.time_format(local, "TIME_FORMAT")
    if days == 0:
        return _("as of %(time)s") % {"time": time}
    if days == 1:
        return _("as of %(time)s yesterday") % {"time": time}
    return _("as of %(date)s, %(time)s") % {
        "date": formats.date_format(local, "MONTH_DAY_FORMAT"),
        "time": time,
    }


def dataset_states(seller: Seller, names: list[str] | None = None) -> list[DatasetState]:
    """The cabinet's datasets (`names`, or every registered one) in one query."""
    datasets = registered()
    wanted = [datasets[name] for name in names] if names else list(datasets.values())
    streams = SyncStream.objects.filter(
        seller=seller, dataset__in=[dataset.name for dataset in wanted]
    ).select_related("run")
    by_name = {stream.dataset: stream for stream in streams}
    return [DatasetState(dataset, by_name.get(dataset.name)) for dataset in wanted]


def seller_runs(seller: Seller) -> QuerySet[SyncRun]:
    """The cabinet's runs, newest first, each with its stream and who asked for it."""
    return (
        SyncRun.objects.filter(stream__seller=seller)
        .select_related("stream", "requested_by")
        .order_by("-started_at", "-id")
    )


@dataclass(frozen=True)
class RunRow:
    """A run as its history shows it: its dataset's name, its error and length in words."""

    run: SyncRun

    @property
    def label(self) -> str:
        dataset = registered().get(self.run.stream.dataset)
        return str(dataset.label) if dataset else self.run.stream.dataset

    @property
    def error(self) -> str:
        run = self.run
        return describe(run.error_code, run.error_detail) if run.error_code else ""

    @property
    def duration(self) -> str:
        return duration_text(self.run.duration) if self.run.duration is not None else ""


def duration_text(duration: timedelta) -> str:
    """ "under a second", "12 s", "3 min 5 s", "2 h 10 min"."""
    seconds = int(duration.total_seconds())
    if seconds < 1:
        return str(_("under a second"))
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    if minutes:
        return _("%(minutes)d min %(seconds)d s") % {"minutes": minutes, "seconds": seconds}
    return _("%(seconds)d s") % {"seconds": seconds}


# --- Sync now ----------------------------------------------------------------------------------


class SyncNow(Enum):
    STARTED = "started"
    ALREADY = "already"  # a pass of it goes on, or its next page is queued
    WAITING = "waiting"  # the datasets it reads from have not finished a first pass


def stream_sync_now(
    *, seller: Seller, dataset: str, by: AbstractBaseUser | None, now: datetime | None = None
) -> SyncNow:
    """Start a pass of the cabinet's `dataset` now (LookupError for an unknown one). A blocked
    stream resumes from its cursor; a stream whose task was lost has its page read again."""
    known = dataset_named(dataset)
    now = now or timezone.now()
    with transaction.atomic():
        SyncStream.objects.get_or_create(
            seller=seller, dataset=known.name, defaults={"next_run_at": now}
        )
        stream = SyncStream.objects.select_for_update().get(seller=seller, dataset=known.name)
        if stream.lease_until is not None:
            if stream.lease_until > now:
                return SyncNow.ALREADY
            engine.claim(stream, now)  # its task was lost: the page is read again, as the tick does
            return SyncNow.STARTED
        if not engine.needs_met(stream, known):
            return SyncNow.WAITING
        if stream.state == State.BLOCKED:
            engine.run_resume(stream, trigger=SyncRun.Trigger.MANUAL, now=now, by=by)
        else:
            engine.pass_start(stream, known, trigger=SyncRun.Trigger.MANUAL, now=now, by=by)
        engine.lease_and_enqueue(stream, at=now)
    return SyncNow.STARTED
