"""The sync engine: the tick leases due streams, each task reads one page.

1. The tick (`streams_claim_due`, on every worker) takes the due streams with SELECT … FOR
   UPDATE SKIP LOCKED (on SQLite the IMMEDIATE transaction's write lock), and for each one, in
   the same transaction: starts a pass (a `SyncRun`) if none is going, sets a fresh lease and
   enqueues the stream's task. However many workers tick, a due stream is enqueued once.
2. The task (`stream_page`) renews the lease, or ends at once if the stream is leased to
   another task now. It reads ONE page through the gateway, then in one transaction checks that
   the lease is still its own, upserts the page's rows, moves the cursor, counts, and enqueues
   the next page's task for the moment the seller's rate budget next has a request: the lease
   passes to that task. After the last page the pass is over and the stream waits for its next
   run. A killed worker loses at most one page: its lease runs out, the tick leases the stream
   again, and the page is read again from the stored cursor (the upserts make that harmless).
3. Errors: when WB's budget, the breaker or the process's call slots hold a page back, nothing
   was sent, and the task comes back then. A 429 waits for WB's retry time. Other transient
   errors back off exponentially with jitter up to SYNC_BACKOFF_CAP. Permanent ones (401/403,
   no token with the category, an expired token, a request WB refuses) block the stream with
   the reason, without any retry, until a token of the seller is added, replaced or checked
   (`streams_wake_blocked`, a tick step) or a person asks for a sync.
"""

from __future__ import annotations

import logging
import random
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django_tasks.base import TASK_MAX_PRIORITY

from gateway import budget
from gateway.data import Fetch, fetched_page
from gateway.errors import ChecksPaused, RateBudgetExhausted, TooBusy
from gateway.messages import error_detail
from jobs.services import queue_task_mark_lost
from sellers.models import Seller
from tokens.models import WBToken
from wbapi.errors import RateLimited, WBError
from wbapi.limits import LIMIT_GROUPS
from wbapi.methods.base import Turn

from .models import DETAIL_MAX_LENGTH, SyncRun, SyncStream
from .registry import Counts, Dataset, SyncPass, dataset_named, enabled

logger = logging.getLogger(__name__)

State = SyncStream.State
Trigger = SyncRun.Trigger
Outcome = SyncRun.Outcome
# At most this many streams are leased by one tick: a tick is short, the next one takes more.
CLAIM_BATCH = 200
# The first back-off after a transient error; it doubles with each failure in a row.
BACKOFF_BASE = timedelta(seconds=30)
# A run that failed this many times in a row is recorded as failed; retries go on in a new one.
RUN_FAILURES = 8
# When every WB call slot of the process is taken, the page is tried again this much later.
BUSY_RETRY = timedelta(seconds=2)
# A dataset whose inputs were never synced waits this long before it looks again.
NEEDS_RETRY = timedelta(seconds=30)


def lease_length() -> timedelta:
    return timedelta(seconds=settings.SYNC_LEASE_SECONDS)


def sped_up(delay: timedelta) -> timedelta:
    """A wait of WB's clock, divided like WB's periods in development (WB_RATE_SPEED)."""
    return delay / settings.WB_RATE_SPEED


# --- Streams ---------------------------------------------------------------------------------


def streams_ensure(*, now: datetime) -> int:
    """A stream for every seller and dataset, due at once when new; how many were made."""
    datasets = list(enabled())
    sellers = Seller.objects.count()
    if SyncStream.objects.filter(dataset__in=datasets).count() >= sellers * len(datasets):
        return 0
    have = set(SyncStream.objects.values_list("seller_id", "dataset"))
    missing = [
        SyncStream(seller_id=seller_id, dataset=name, next_run_at=now)
        for seller_id in Seller.objects.values_list("pk", flat=True)
        for name in datasets
        if (seller_id, name) not in have
    ]
    SyncStream.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def tasks_mark_lost(*, now: datetime | None = None) -> int:
    """The tick's step: the queue's rows of page tasks RUNNING for longer than a lease, which
    no page takes unless its worker was lost (killed, even after its page was committed), are
    marked failed: django-tasks-db would show them running for ever. How many there were."""
    from .tasks import sync_stream_page  # the tasks module imports this one

    now = now or timezone.now()
    return queue_task_mark_lost(sync_stream_page, started_before=now - lease_length(), now=now)


def streams_claim_due(*, now: datetime | None = None) -> int:
    """The tick's step: lease each due stream (and each whose lease ran out) and enqueue its
    task; how many were enqueued."""
    now = now or timezone.now()
    streams_ensure(now=now)
    claimable = SyncStream.objects.filter(dataset__in=list(enabled())).claimable(now)
    if not claimable.exists():  # a plain read: no lock is taken while nothing is due
        return 0
    enqueued = 0
    with transaction.atomic():
        rows = claimable.select_for_update(skip_locked=True).order_by("next_run_at", "pk")
        for stream in list(rows[:CLAIM_BATCH]):
            enqueued += claim(stream, now)
    return enqueued


def claim(stream: SyncStream, now: datetime) -> bool:
    """Lease a claimed stream and enqueue its task; whether one was enqueued."""
    if stream.lease_until is not None:  # its task was lost: read the page again
        logger.warning("Sync %s: a task was lost (its lease ran out); reading on", stream)
        SyncRun.objects.filter(pk=stream.run_id).update(lost=F("lost") + 1)
        lease_and_enqueue(stream, at=now)
        return True
    dataset = dataset_named(stream.dataset)
    if not needs_met(stream, dataset):
        stream.next_run_at = now + NEEDS_RETRY
        stream.save(update_fields=["next_run_at"])
        return False
    pass_start(stream, dataset, trigger=Trigger.SCHEDULE, now=now)
    lease_and_enqueue(stream, at=now)
    return True


def needs_met(stream: SyncStream, dataset: Dataset) -> bool:
    """Whether every dataset this one reads from has finished a pass for the seller."""
    if not dataset.needs:
        return True
    done = SyncStream.objects.filter(
        seller_id=stream.seller_id, dataset__in=dataset.needs, last_success_at__isnull=False
    )
    return done.count() == len(dataset.needs)


def pass_start(
    stream: SyncStream, dataset: Dataset, *, trigger: str, now: datetime, by=None
) -> None:
    """Begin a pass: from the first cursor for a snapshot dataset, a full re-read that is due or
    a stream that has none; otherwise where the last pass ended. Records its run."""
    full_due = dataset.full_pass_every is not None and (
        stream.last_full_pass_at is None
        or stream.last_full_pass_at <= now - dataset.full_pass_every
    )
    if dataset.snapshot or full_due or trigger == Trigger.RESET:
        stream.cursor = None
    stream.pass_full = stream.cursor is None
    stream.pass_number += 1
    stream.pass_started_at = now
    stream.state = State.RUNNING
    stream.attempts = 0
    stream.blocked_at = None
    stream.run = SyncRun.objects.create(
        stream=stream, trigger=trigger, started_at=now, full=stream.pass_full, requested_by=by
    )


def lease_and_enqueue(stream: SyncStream, *, at: datetime) -> None:
    """A fresh lease for the stream and its task, enqueued for `at`; saves the stream (call
    inside the transaction that holds its row)."""
    from .tasks import sync_stream_page  # the tasks module imports this one

    stream.lease_id = str(uuid.uuid4())
    stream.lease_until = at + lease_length()
    stream.next_run_at = at  # of the next page, while a pass goes on
    stream.save()
    # Always with its due time, even a page free to go at once: the queue is ordered by
    # run_after and puts a task without one after every due one, so on a busy worker a page
    # within WB's burst would wait behind each deferred page that fell due meanwhile.
    task = sync_stream_page.using(
        run_after=at, priority=page_priority(dataset_named(stream.dataset))
    )
    task.enqueue(stream.pk, stream.lease_id)


def page_priority(dataset: Dataset) -> int:
    """Its pages' place among the tasks due (the queue takes the highest first): the seconds
    WB's limit for its pages takes to refill one request, plus one for a dataset in a chain.

    On a busy worker a page of a limit of one request a minute, taken late, holds up the rest
    of its pass by that late start and each page after it by a minute, while a page of a fast
    limit (cards, prices: well under a second) loses only its own wait; so the slow ones go
    first. Among those of one limit, the pages of a chain (the seller's stocks wait for the
    cards' pass, then read their sizes) go before those of a dataset on its own (the prices),
    which can fill the time the chain leaves free but would lengthen the chain if taken first.
    Other tasks have 0."""
    interval = LIMIT_GROUPS[dataset.limit_group].for_token_type("personal").interval
    datasets = enabled()
    chained = any(name in datasets for name in dataset.needs) or any(
        dataset.name in other.needs for other in datasets.values()
    )
    return min(TASK_MAX_PRIORITY, int(interval) + chained)


# --- A page ----------------------------------------------------------------------------------


def stream_page(*, stream_id: int, lease_id: str) -> str:
    """Read, store and count one page of a stream; what became of it: "page", "done",
    "waiting", "retrying", "blocked" or "elsewhere" (the lease is another task's now)."""
    stream = lease_renew(stream_id, lease_id)
    if stream is None:
        return "elsewhere"
    dataset = dataset_named(stream.dataset)
    seller = stream.seller
    cursor = dataset.load_cursor(stream.cursor, seller)
    try:
        pager = dataset.pager(seller, cursor)
        if pager is None:  # nothing to ask WB about: the pass is over
            return page_store(stream, dataset, cursor, None)
        with fetched_page(seller=seller, pager=pager, cursor=cursor) as fetch:
            return page_store(stream, dataset, cursor, fetch)
    except (RateBudgetExhausted, ChecksPaused) as exc:
        return page_later(stream, until=exc.until, waited=True)
    except TooBusy:
        return page_later(stream, until=timezone.now() + BUSY_RETRY, waited=True)
    except RateLimited as exc:
        until = timezone.now() + timedelta(seconds=exc.retry_after)
        return page_later(stream, until=until, throttled=True, error=exc)
    except WBError as exc:
        if exc.permanent:
            return stream_block(stream, exc)
        return page_failed(stream, exc)


def lease_renew(stream_id: int, lease_id: str) -> SyncStream | None:
    """The stream, its lease renewed from now, if `lease_id` still holds it."""
    with transaction.atomic():
        stream = (
            SyncStream.objects.select_for_update(of=("self",))
            .select_related("seller")
            .filter(pk=stream_id, lease_id=lease_id)
            .first()
        )
        if stream is not None:
            stream.lease_until = timezone.now() + lease_length()
            stream.save(update_fields=["lease_until"])
    return stream


def locked_if_leased(stream: SyncStream) -> SyncStream | None:
    """The stream's row, locked, if this task's lease still holds it (another task may have
    taken it over while this one read WB: then this page is not stored)."""
    leased = SyncStream.objects.select_for_update().filter(pk=stream.pk, lease_id=stream.lease_id)
    return leased.first()


def page_store(stream: SyncStream, dataset: Dataset, cursor, fetch: Fetch | None) -> str:
    """The page's transaction: rows, cursor, counters and the next page's task. Without a
    `fetch` there was nothing to read: the pass ends here."""
    with transaction.atomic():
        locked = locked_if_leased(stream)
        if locked is None:
            return "elsewhere"
        locked.seller = stream.seller
        sync_pass = SyncPass(locked.pass_number, locked.pass_started_at, locked.pass_full)
        counts = Counts()
        if fetch is not None:
            batches = fetch.page.batches()
            dataset.ingest_page(locked.seller, batches, counts, sync_pass, cursor)
            turn = dataset.advance(locked.seller, cursor, fetch.page.turn)
        else:
            turn = Turn(dataset.first_cursor(locked.seller), done=True)
        if turn.done and sync_pass.full:
            dataset.end_pass(locked.seller, sync_pass, counts)
        requests = len(fetch.records) if fetch is not None else 0
        record_page(locked, counts, requests=requests, pages=int(fetch is not None))
        locked.cursor = dataset.dump_cursor(turn.cursor)
        if turn.done:
            pass_finish(locked, dataset)
            return "done"
        lease_and_enqueue(locked, at=next_page_at(dataset, fetch, turn.cursor))
    return "page"


def next_page_at(dataset: Dataset, fetch: Fetch, cursor) -> datetime:
    """When the page at `cursor` may go: once the bucket the page just read drew on has a
    request again, if that page draws on it too; at once if it calls a method of another
    limit (the finance pass's rows after its list), whose bucket its own task asks."""
    if dataset.limit_group_at(cursor) == fetch.bucket.group:
        return budget.free_at(fetch.bucket)
    return timezone.now()


def record_page(stream: SyncStream, counts: Counts, *, requests: int, pages: int) -> None:
    now = timezone.now()
    SyncRun.objects.filter(pk=stream.run_id).update(
        pages=F("pages") + pages,
        requests=F("requests") + requests,
        rows_inserted=F("rows_inserted") + counts.inserted,
        rows_updated=F("rows_updated") + counts.updated,
        rows_removed=F("rows_removed") + counts.removed,
    )
    stream.pages += pages
    stream.requests += requests
    stream.rows_inserted += counts.inserted
    stream.rows_updated += counts.updated
    stream.last_page_at = now
    stream.attempts = 0
    stream.state = State.RUNNING
    stream.error_code = stream.error_detail = ""
    stream.error_at = None


def pass_finish(stream: SyncStream, dataset: Dataset) -> None:
    """The last page is stored: the run succeeded, the stream waits for its next run."""
    now = timezone.now()
    SyncRun.objects.filter(pk=stream.run_id).update(finished_at=now, outcome=Outcome.SUCCEEDED)
    stream.run = None
    stream.state = State.IDLE
    stream.last_success_at = now
    if stream.pass_full:
        stream.last_full_pass_at = now
    stream.next_run_at = now + (stream.interval or dataset.interval)
    stream.lease_id, stream.lease_until = "", None
    stream.save()
    dependents_start(stream, now)


def dependents_start(stream: SyncStream, now: datetime) -> None:
    """The seller's streams that wait for this dataset's first pass: each whose inputs are all
    there now starts its pass at once, rather than at the next tick (the stocks wait for the
    cards and the warehouses)."""
    dependents = [name for name, d in enabled().items() if stream.dataset in d.needs]
    if not dependents:
        return
    waiting = SyncStream.objects.select_for_update(skip_locked=True).filter(
        seller_id=stream.seller_id,
        dataset__in=dependents,
        state=State.IDLE,
        last_success_at__isnull=True,
        lease_until__isnull=True,
    )
    for dependent in waiting:
        claim(dependent, now)


# --- When a page could not be read ----------------------------------------------------------


def page_later(
    stream: SyncStream,
    *,
    until: datetime,
    waited: bool = False,
    throttled: bool = False,
    error: WBError | None = None,
) -> str:
    """Try the page again at `until`: WB's budget or retry time said so, or the slots did."""
    with transaction.atomic():
        locked = locked_if_leased(stream)
        if locked is None:
            return "elsewhere"
        SyncRun.objects.filter(pk=locked.run_id).update(
            waits=F("waits") + int(waited),
            throttled=F("throttled") + int(throttled),
            requests=F("requests") + int(throttled),
        )
        if error is not None:
            note_error(locked, error)
        lease_and_enqueue(locked, at=until)
    return "waiting"


def page_failed(stream: SyncStream, error: WBError) -> str:
    """A transient error: back off (exponentially, with jitter, up to the cap) and try again;
    after RUN_FAILURES in a row the run is recorded as failed and a new one goes on."""
    with transaction.atomic():
        locked = locked_if_leased(stream)
        if locked is None:
            return "elsewhere"
        locked.attempts += 1
        note_error(locked, error)
        run_count_error(locked, error, requests=1)
        if locked.attempts % RUN_FAILURES == 0:
            run_end(locked, Outcome.FAILED)
            locked.run = SyncRun.objects.create(
                stream=locked,
                trigger=Trigger.RETRY,
                started_at=timezone.now(),
                full=locked.pass_full,
            )
        locked.state = State.RETRYING
        lease_and_enqueue(locked, at=timezone.now() + backoff(locked.attempts))
    logger.info("Sync %s: %s; retrying (attempt %d)", stream, error.code, locked.attempts)
    return "retrying"


def backoff(attempts: int) -> timedelta:
    """The wait after `attempts` failures in a row: doubling, capped, with jitter (a half to
    the whole of it) so that many streams failing together do not come back together."""
    cap = timedelta(seconds=settings.SYNC_BACKOFF_CAP_SECONDS)
    delay = min(cap, BACKOFF_BASE * 2 ** min(attempts - 1, 20))
    return sped_up(delay * random.uniform(0.5, 1.0))  # noqa: S311 - jitter, not a secret


def stream_block(stream: SyncStream, error: WBError) -> str:
    """A permanent error: the stream stops, with the reason, until a token changes."""
    with transaction.atomic():
        locked = locked_if_leased(stream)
        if locked is None:
            return "elsewhere"
        note_error(locked, error)
        run_count_error(locked, error, requests=0 if error.code == "no_token" else 1)
        run_end(locked, Outcome.BLOCKED)
        now = timezone.now()
        locked.run = None
        locked.state = State.BLOCKED
        locked.blocked_at = now
        locked.lease_id, locked.lease_until = "", None
        locked.save()
    logger.warning("Sync %s: blocked (%s)", stream, error.code)
    return "blocked"


def note_error(stream: SyncStream, error: WBError) -> None:
    stream.error_code = error.code
    stream.error_detail = error_detail(error)[:DETAIL_MAX_LENGTH]
    stream.error_at = timezone.now()


def run_count_error(stream: SyncStream, error: WBError, *, requests: int) -> None:
    SyncRun.objects.filter(pk=stream.run_id).update(
        errors=F("errors") + 1,
        requests=F("requests") + requests,
        error_code=error.code,
        error_detail=stream.error_detail,
    )


def run_end(stream: SyncStream, outcome: str) -> None:
    SyncRun.objects.filter(pk=stream.run_id).update(finished_at=timezone.now(), outcome=outcome)


# --- Blocked streams ---------------------------------------------------------------------------


def streams_wake_blocked(*, now: datetime | None = None) -> int:
    """The tick's step: each blocked stream whose seller had a token added, replaced or checked
    since it was blocked resumes from its cursor; how many did."""
    now = now or timezone.now()
    since = OuterRef("blocked_at")
    token_changed = WBToken.objects.filter(seller_id=OuterRef("seller_id")).filter(
        Q(updated_at__gt=since) | Q(last_checked_at__gt=since)
    )
    blocked = SyncStream.objects.filter(state=State.BLOCKED, dataset__in=list(enabled()))
    blocked = blocked.filter(Exists(token_changed))
    if not blocked.exists():
        return 0
    with transaction.atomic():
        streams = list(blocked.select_for_update(skip_locked=True)[:CLAIM_BATCH])
        for stream in streams:
            logger.info("Sync %s: a token of the seller changed; resuming", stream)
            run_resume(stream, trigger=Trigger.RESUME, now=now)
            lease_and_enqueue(stream, at=now)
    return len(streams)


def run_resume(stream: SyncStream, *, trigger: str, now: datetime, by=None) -> None:
    """A blocked stream goes on with the pass it was in, from its cursor, in a new run."""
    stream.state = State.RUNNING
    stream.attempts = 0
    stream.blocked_at = None
    stream.run = SyncRun.objects.create(
        stream=stream, trigger=trigger, started_at=now, full=stream.pass_full, requested_by=by
    )
