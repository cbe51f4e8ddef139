"""The token desk's background tasks: thin, each calls one service."""

from datetime import time, timedelta

from django.utils import timezone
from django_tasks import task

from jobs.registry import periodic
from jobs.schedules import DailyAt

from .batches import check_batch_run, check_batch_start
from .models import CheckBatch, WBToken, WBTokenCheck

# A token checked this recently (by a person, or by a run that was cut short and is now
# run again) is not checked again by the daily run.
CHECKED_RECENTLY = timedelta(hours=20)


@task()
def run_check_batch(batch_id: str) -> str:
    """Check the batch's pending tokens for a while; "finished", "later" or "elsewhere"."""
    return check_batch_run(batch_id=batch_id)


@periodic("tokens.recheck", DailyAt(time(4, 0)), lease=timedelta(hours=2))
@task()
def recheck_tokens() -> dict[str, int]:
    """Start a bulk check of every token not checked in the last 20 hours (unless the last
    one started by the schedule is still going); how many tokens it holds."""
    trigger = WBTokenCheck.Trigger.SCHEDULE
    if CheckBatch.objects.filter(trigger=trigger, finished_at__isnull=True).exists():
        return {"tokens": 0}
    stale = WBToken.objects.exclude(last_checked_at__gte=timezone.now() - CHECKED_RECENTLY)
    batch = check_batch_start(tokens=stale.order_by("pk"), by=None, trigger=trigger)
    return {"tokens": batch.total}
