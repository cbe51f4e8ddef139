"""Bulk checks in the background: a batch of tokens, checked one after another by tasks.

A batch is started in one transaction with its items and the task that works on it, so a web
request or a command that starts one returns at once. The task holds the batch's lease while it
checks; each token's outcome is committed as it is made. When WB's limit for a seller has no
request left, that seller's tokens wait while the others go on; when every pending token waits,
the task hands the batch back and is enqueued again for when WB allows. A task runs for at most
TASK_TIME_BUDGET, then enqueues the rest, so that a stop of its worker costs little; a killed
task's lease runs out and the tick (`check_batches_resume`) enqueues the batch again.
"""

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from gateway.messages import parse_moment

from .exceptions import TokenError
from .models import CheckBatch, CheckBatchItem, WBToken, WBTokenCheck
from .services import token_check

State = CheckBatchItem.State
# A task checks for at most this long, then hands the rest to the next task.
TASK_TIME_BUDGET = timedelta(seconds=60)
# Longer than any one check may take (WB_API_DEADLINE and a wait for the budget).
BATCH_LEASE = timedelta(minutes=2)
# Nothing was sent, and trying again later can help: WB's rate limit, the breaker, busy slots.
TRY_LATER = frozenset({"rate_budget", "paused", "busy"})
BUSY_RETRY = timedelta(seconds=5)
# A token whose seller cannot be checked for longer than this is reported, not waited for.
LONGEST_WAIT = timedelta(hours=1)
# A batch whose task has not started this long after it was due is enqueued again.
RESUME_GRACE = timedelta(minutes=1)


def check_batch_start(
    *, tokens: Iterable[WBToken], by: AbstractBaseUser | None, trigger: str
) -> CheckBatch:
    """A batch checking `tokens` in the background, in their order; its task is enqueued."""
    tokens, now = list(tokens), timezone.now()
    with transaction.atomic():
        batch = CheckBatch.objects.create(
            trigger=trigger,
            created_by=by if by and by.pk else None,
            total=len(tokens),
            next_attempt_at=now,
            finished_at=None if tokens else now,  # nothing to do is done
        )
        CheckBatchItem.objects.bulk_create(
            CheckBatchItem(batch=batch, token=token, token_name=token.name, position=number)
            for number, token in enumerate(tokens)
        )
        if tokens:
            enqueue(batch, at=None)
    return batch


@dataclass
class Holds:
    """Sellers whose tokens must wait in this task: until when, and why (an error code)."""

    until: dict[int | None, tuple[datetime, str]] = field(default_factory=dict)

    def earliest(self) -> tuple[datetime | None, str]:
        return min(self.until.values(), default=(None, ""))


def check_batch_run(
    *,
    batch_id,
    max_wait: float = 0.0,
    time_budget: timedelta = TASK_TIME_BUDGET,
    clock: Callable[[], float] = time.monotonic,
    progress: Callable[[CheckBatchItem], None] | None = None,
) -> str:
    """Work on a batch: "finished", "later" (handed back, enqueued again) or "elsewhere"
    (another task holds it, or it is done). Safe to call from any number of tasks at once."""
    batch = claim(batch_id)
    if batch is None:
        return "elsewhere"
    started, holds = clock(), Holds()
    while (item := next_item(batch, holds)) is not None:
        check_item(item, batch, holds, max_wait=max_wait)
        if progress is not None and item.state != State.PENDING:
            progress(item)
        renew(batch)
        if clock() - started > time_budget.total_seconds():
            return hand_back(batch, at=None)
    if CheckBatchItem.objects.filter(batch=batch, state=State.PENDING).exists():
        at, reason = holds.earliest()
        return hand_back(batch, at=at, reason=reason)
    CheckBatch.objects.filter(pk=batch.pk).update(finished_at=timezone.now(), lease_until=None)
    return "finished"


def claim(batch_id) -> CheckBatch | None:
    now = timezone.now()
    with transaction.atomic():
        batch = (
            CheckBatch.objects.select_for_update(skip_locked=True)
            .filter(pk=batch_id, finished_at__isnull=True)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
            .first()
        )
        if batch is not None:
            batch.lease_until = now + BATCH_LEASE
            batch.save(update_fields=["lease_until"])
    return batch


def renew(batch: CheckBatch) -> None:
    CheckBatch.objects.filter(pk=batch.pk).update(lease_until=timezone.now() + BATCH_LEASE)


def next_item(batch: CheckBatch, holds: Holds) -> CheckBatchItem | None:
    """The first pending token whose seller is not held back in this task."""
    pending = CheckBatchItem.objects.filter(batch=batch, state=State.PENDING)
    held = [seller for seller in holds.until if seller is not None]
    if held:
        pending = pending.exclude(token__seller_id__in=held)
    if None in holds.until:
        pending = pending.exclude(token__seller__isnull=True)
    return pending.select_related("token__seller").order_by("position").first()


def check_item(item: CheckBatchItem, batch: CheckBatch, holds: Holds, *, max_wait: float):
    token = item.token
    if token is None:
        return record(item, state=State.NOT_CHECKED, error_code="deleted")
    try:
        check = token_check(
            token=token, by=batch.created_by, trigger=batch.trigger, max_wait=max_wait
        )
    except TokenError as exc:
        until = retry_time(exc)
        if until is not None:
            holds.until[token.seller_id] = (until, exc.code)  # the item stays pending
            return None
        return record(item, state=State.NOT_CHECKED, error_code=exc.code, error_detail=exc.detail)
    return record(item, state=State.CHECKED, check_made=check)


def retry_time(error: TokenError) -> datetime | None:
    """When a check that sent nothing is worth trying again, if it is worth waiting for."""
    if error.code not in TRY_LATER:
        return None
    now = timezone.now()
    until = parse_moment(error.detail) if error.code != "busy" else now + BUSY_RETRY
    if until is None or until - now > LONGEST_WAIT:
        return None
    return until


def record(item: CheckBatchItem, **fields) -> None:
    for name, value in fields.items():
        setattr(item, name, value)
    item.save(update_fields=list(fields))


def hand_back(batch: CheckBatch, *, at: datetime | None, reason: str = "") -> str:
    """Release the batch and enqueue its task again (at `at`, or at once); `reason` is why the
    rest waits (an error code, for the batch's page)."""
    with transaction.atomic():
        CheckBatch.objects.filter(pk=batch.pk).update(
            lease_until=None, next_attempt_at=at or timezone.now(), waiting_for=reason
        )
        enqueue(batch, at=at)
    return "later"


def enqueue(batch: CheckBatch, *, at: datetime | None) -> None:
    from .tasks import run_check_batch  # the task module imports this one

    task = run_check_batch.using(run_after=at) if at is not None else run_check_batch
    task.enqueue(str(batch.pk))


def check_batches_resume(*, now: datetime | None = None) -> int:
    """The tick's step: enqueue again the batches whose task was lost (its worker killed, its
    lease run out) or never started; how many."""
    now = now or timezone.now()
    lost = CheckBatch.objects.filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now),
        finished_at__isnull=True,
        next_attempt_at__lt=now - RESUME_GRACE,
    )
    if not lost.exists():  # a plain read while nothing is lost
        return 0
    with transaction.atomic():
        batches = list(lost.select_for_update(skip_locked=True))
        for batch in batches:
            CheckBatch.objects.filter(pk=batch.pk).update(next_attempt_at=now)
            enqueue(batch, at=None)
    return len(batches)


@dataclass(frozen=True)
class BatchSummary:
    batch: CheckBatch
    done: int
    outcomes: Counter  # of the checks made
    not_checked: int  # tokens for which nothing could be tried
    problems: list[CheckBatchItem]  # each token that did not come out valid, in order

    @property
    def finished(self) -> bool:
        return self.batch.finished_at is not None

    @property
    def waiting_until(self) -> datetime | None:
        """When the tokens still to do can be tried, if every one of them waits now (for WB's
        limit or the breaker: `batch.waiting_for` says which)."""
        batch = self.batch
        if self.finished or batch.lease_until is not None or not batch.waiting_for:
            return None
        return batch.next_attempt_at if batch.next_attempt_at > timezone.now() else None

    @property
    def all_valid(self) -> bool:
        return self.finished and self.outcomes[WBTokenCheck.Outcome.VALID] == self.batch.total


def check_batch_summary(batch: CheckBatch) -> BatchSummary:
    """How far the batch is, its outcomes, and each token that did not come out valid."""
    items = list(
        CheckBatchItem.objects.filter(batch=batch)
        .exclude(state=State.PENDING)
        .select_related("check_made")
        .order_by("position")
    )
    checks = [item.check_made for item in items if item.check_made is not None]
    problems = [
        item
        for item in items
        if item.check_made is None or item.check_made.outcome != WBTokenCheck.Outcome.VALID
    ]
    return BatchSummary(
        batch=batch,
        done=len(items),
        outcomes=Counter(check.outcome for check in checks),
        not_checked=len(items) - len(checks),
        problems=problems,
    )
