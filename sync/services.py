"""What people ask of the sync: a pass now, a full re-read, another schedule for a cabinet.

Each is one transaction that leases the stream and enqueues its task (see sync.engine) and,
when a person asked, writes the admin history entry of each stream it started; none waits
for WB. A stream another task holds at this moment is syncing already and is left to it.
"""

import logging
from datetime import date, timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sellers.models import Seller
from wberp.audit import audit

from .engine import lease_and_enqueue, pass_start, run_end, run_resume, streams_ensure
from .models import SyncRun, SyncStream
from .registry import dataset_named

logger = logging.getLogger(__name__)

State = SyncStream.State
Trigger = SyncRun.Trigger
MIN_INTERVAL = timedelta(minutes=5)
MAX_INTERVAL = timedelta(days=7)


class SyncError(ValueError):
    """A request of the sync that cannot be done; the message says why, for people."""


def seller_streams(seller: Seller, dataset: str | None = None):
    """The seller's streams (of one dataset, or all), made first if the tick has not yet."""
    if dataset is not None:
        dataset_named(dataset)  # LookupError for a name that is no dataset
    streams_ensure(now=timezone.now())
    streams = SyncStream.objects.filter(seller=seller)
    return streams.filter(dataset=dataset) if dataset is not None else streams


def sync_now(
    *, seller: Seller, dataset: str | None = None, by: AbstractBaseUser | None = None
) -> list[SyncStream]:
    """Start a pass now of the seller's streams (one dataset's, or all): a waiting one starts,
    a blocked one tries again from its cursor, one backing off after an error tries at once;
    one that is syncing goes on. Returns the streams as they now are."""
    now = timezone.now()
    person = by if by is not None and by.pk else None
    with transaction.atomic():
        # A stream a worker holds (a page being stored, the tick starting its pass) is waited
        # for, not skipped: that is a transaction of seconds at most, and a skipped stream
        # would be a sync asked for and silently not started. In the order of their keys, so
        # that two requests for one cabinet take them alike.
        locked = seller_streams(seller, dataset).select_for_update().order_by("pk")
        streams = list(locked)
        started = []
        for stream in streams:
            if stream.state == State.IDLE:
                pass_start(
                    stream,
                    dataset_named(stream.dataset),
                    trigger=Trigger.MANUAL,
                    now=now,
                    by=person,
                )
            elif stream.state == State.BLOCKED:
                run_resume(stream, trigger=Trigger.MANUAL, now=now, by=person)
            elif stream.state == State.RUNNING and stream.lease_id:
                continue  # its pages are being read
            lease_and_enqueue(stream, at=now)
            started.append(stream)
        audit(person, started, message="Sync now")
    logger.info("Sync now: seller=%s dataset=%s by=%s", seller.sid, dataset or "all", person)
    return streams


def sync_reset(*, seller: Seller, dataset: str, by: AbstractBaseUser | None = None) -> SyncStream:
    """Read the dataset again from the start, in a new pass (a pass going on is cancelled)."""
    now = timezone.now()
    person = by if by is not None and by.pk else None
    with transaction.atomic():
        stream = seller_streams(seller, dataset).select_for_update().get()
        if stream.run_id is not None:
            run_end(stream, SyncRun.Outcome.CANCELLED)
        stream.cursor = None
        pass_start(stream, dataset_named(dataset), trigger=Trigger.RESET, now=now, by=person)
        lease_and_enqueue(stream, at=now)
        audit(person, stream, message="Read again from the start")
    logger.info("Sync reset: seller=%s dataset=%s by=%s", seller.sid, dataset, person)
    return stream


def sync_backfill(
    *, seller: Seller, dataset: str, since: date, by: AbstractBaseUser | None = None
) -> tuple[SyncStream, bool]:
    """Read the dataset's history from the day `since` in a new pass, page by page as any
    pass; (the stream, whether it started). A pass already going on (a backfill started before,
    its worker perhaps killed since) is left to go on from its cursor: running this again
    resumes a backfill, never restarts it. SyncError for a dataset without history to read."""
    found = dataset_named(dataset)
    cursor = found.backfill_cursor(seller, since)
    if cursor is None:
        raise SyncError(
            _("%(dataset)s has no history to backfill: every pass reads all of it.")
            % {"dataset": dataset}
        )
    now = timezone.now()
    person = by if by is not None and by.pk else None
    with transaction.atomic():
        stream = seller_streams(seller, dataset).select_for_update().get()
        if stream.run_id is not None:
            return stream, False
        stream.cursor = found.dump_cursor(cursor)
        pass_start(stream, found, trigger=Trigger.MANUAL, now=now, by=person)
        lease_and_enqueue(stream, at=now)
        audit(person, stream, message=f"Backfill since {since.isoformat()}")
    logger.info(
        "Sync backfill: seller=%s dataset=%s since=%s by=%s", seller.sid, dataset, since, person
    )
    return stream, True


def stream_schedule_set(*, seller: Seller, dataset: str, interval: timedelta | None) -> SyncStream:
    """The cabinet's own interval for a dataset (None: the dataset's default), from the next
    run on; SyncError outside 5 minutes to 7 days."""
    if interval is not None and not MIN_INTERVAL <= interval <= MAX_INTERVAL:
        raise SyncError("An interval is from 5 minutes to 7 days.")
    with transaction.atomic():
        stream = seller_streams(seller, dataset).select_for_update().get()
        stream.interval = interval
        if stream.state == State.IDLE and stream.last_success_at is not None:
            every = interval or dataset_named(dataset).interval
            stream.next_run_at = stream.last_success_at + every
        stream.save(update_fields=["interval", "next_run_at"])
    return stream
