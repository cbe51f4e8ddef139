"""The token desk's background tasks: thin, each calls one service."""

from datetime import time, timedelta

from django.utils import timezone
from django_tasks import task

from jobs.registry import periodic
from jobs.schedules import DailyAt

from .models import WBToken, WBTokenCheck
from .services import token_check_many

# A token checked this recently (by a person, or by a run that was cut short and is now
# run again) is not checked again by the daily run.
CHECKED_RECENTLY = timedelta(hours=20)


@periodic("tokens.recheck", DailyAt(time(4, 0)), lease=timedelta(hours=2))
@task()
def recheck_tokens() -> dict[str, dict[str, int]]:
    """Re-check with WB every token not checked in the last 20 hours; counts by outcome."""
    stale = WBToken.objects.exclude(last_checked_at__gte=timezone.now() - CHECKED_RECENTLY)
    summary = token_check_many(
        tokens=stale.order_by("pk"), by=None, trigger=WBTokenCheck.Trigger.SCHEDULE
    )
    return {"checked": dict(summary.outcomes), "not_checked": dict(summary.not_checked)}
