"""The sync as a cabinet's pages show it, beyond what sync.selectors gives: how fresh each
page's data are, in words, and the history of all the cabinet's runs.

The states of the streams come from `sync.selectors.seller_sync_status` (one query for all of
a cabinet's streams); "Sync now" is `sync.services.sync_now`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gateway.messages import describe
from sellers.models import Seller

from .models import SyncRun, SyncStream
from .registry import Dataset, registered
from .selectors import seller_sync_status


@dataclass(frozen=True)
class Freshness:
    """How fresh a page's data of one dataset are: when its last pass ended (None: never)."""

    dataset: Dataset
    as_of: datetime | None
    blocked: bool

    @property
    def text(self) -> str:
        """ "Product cards: as of 14:30.", with WB's own refresh where WB has one."""
        text = _("%(dataset)s: %(as_of)s.") % {
            "dataset": self.dataset.label,
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


def data_freshness(seller: Seller, names: list[str]) -> list[Freshness]:
    """The freshness of the cabinet's datasets `names`, in that order (one query)."""
    statuses = {status.stream.dataset: status for status in seller_sync_status(seller)}
    datasets = registered()
    return [
        Freshness(
            dataset=datasets[name],
            as_of=statuses[name].as_of if name in statuses else None,
            blocked=name in statuses and statuses[name].state == SyncStream.State.BLOCKED,
        )
        for name in names
    ]


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


# --- Runs --------------------------------------------------------------------------------------


def seller_runs(seller: Seller) -> QuerySet[SyncRun]:
    """The runs of all the cabinet's streams, newest first."""
    return SyncRun.objects.filter(stream__seller=seller).order_by("-started_at", "-id")


def runs_shown(runs: QuerySet[SyncRun]) -> QuerySet[SyncRun]:
    """`runs` as the history shows them: each with its stream and who asked for it."""
    return runs.select_related("stream", "requested_by")


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
