"""Reads of the sync, as a user may see them: each stream's state in words, and its runs."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from access.models import Area
from access.selectors import get_visible_or_404
from gateway.messages import describe
from sellers.models import Seller
from sellers.selectors import visible_sellers

from .models import SyncRun, SyncStream
from .registry import Dataset, registered

State = SyncStream.State
RECENT_RUNS = 20


@dataclass(frozen=True)
class StreamStatus:
    """One dataset of a cabinet, as its sync page shows it."""

    stream: SyncStream
    dataset: Dataset
    run: SyncRun | None  # the pass going on, if one is

    @property
    def label(self) -> str:
        return str(self.dataset.label)

    @property
    def state(self) -> str:
        return self.stream.state

    @property
    def syncing(self) -> bool:
        return self.stream.state in (State.RUNNING, State.RETRYING)

    @property
    def as_of(self) -> datetime | None:
        """When the last pass ended: the data is WB's as of then."""
        return self.stream.last_success_at

    @property
    def next_run(self) -> datetime | None:
        """When the next pass starts (None while one is going or the stream is blocked)."""
        if self.stream.state == State.IDLE:
            return self.stream.next_run_at
        return None

    @property
    def interval(self) -> timedelta:
        return self.stream.interval or self.dataset.interval

    @property
    def error_text(self) -> str:
        """The last error in the reader's words ("" when the last page went well)."""
        if not self.stream.error_code:
            return ""
        return describe(self.stream.error_code, self.stream.error_detail)

    @property
    def state_text(self) -> str:
        """The stream's state in one sentence, in the reader's language."""
        stream = self.stream
        if stream.state == State.BLOCKED:
            return _("Stopped: %(reason)s") % {"reason": self.error_text}
        if stream.state == State.RETRYING:
            return _("Trying again at %(time)s after an error: %(reason)s") % {
                "time": moment_text(stream.next_run_at),
                "reason": self.error_text,
            }
        if stream.state == State.RUNNING:
            pages = self.run.pages if self.run else 0
            return ngettext(
                "Syncing: %(pages)s page so far", "Syncing: %(pages)s pages so far", pages
            ) % {"pages": formats.number_format(pages)}
        if stream.last_success_at is None:
            return _("Not synced yet")
        return _("Up to date as of %(time)s") % {"time": moment_text(stream.last_success_at)}


def moment_text(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def sync_cabinet(user: AbstractBaseUser, sid: str, *, change: bool = False) -> Seller:
    """The cabinet of seller ID `sid` whose sync `user` may see, or with `change` also start
    and reset: 404 for a cabinet they do not see there (as for none), 403 for one whose sync
    they may only read."""
    return get_visible_or_404(
        Seller.objects.all(), user, Area.SYNC, change=change, seller_field="pk", sid=sid
    )


def seller_sync_status(seller: Seller) -> list[StreamStatus]:
    """Every dataset of the cabinet, in the registry's order, with its stream (one query for
    the streams and their current runs)."""
    datasets = registered()
    streams = {
        stream.dataset: stream
        for stream in SyncStream.objects.filter(seller=seller, dataset__in=datasets).select_related(
            "run"
        )
    }
    return [
        StreamStatus(stream=streams[name], dataset=dataset, run=streams[name].run)
        for name, dataset in datasets.items()
        if name in streams
    ]


def sync_status(user: AbstractBaseUser, *, seller: Seller | None = None) -> list[StreamStatus]:
    """The streams of every cabinet `user` may see (or of one), by cabinet and dataset."""
    datasets = registered()
    streams = SyncStream.objects.filter(
        seller__in=visible_sellers(user, Area.SYNC), dataset__in=datasets
    ).select_related("seller", "run")
    if seller is not None:
        streams = streams.filter(seller=seller)
    order = {name: number for number, name in enumerate(datasets)}
    rows = sorted(streams, key=lambda s: (s.seller.name, s.seller.sid, order[s.dataset]))
    return [StreamStatus(stream=s, dataset=datasets[s.dataset], run=s.run) for s in rows]


def stream_runs(stream: SyncStream, *, limit: int = RECENT_RUNS) -> QuerySet[SyncRun]:
    """The stream's latest runs, newest first."""
    return stream.runs.select_related("requested_by").order_by("-started_at", "-id")[:limit]
