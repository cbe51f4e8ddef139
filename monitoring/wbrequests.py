"""Counting each WB request into WBRequestTally, from whichever process made it."""

import bisect
import logging

from django.db import DatabaseError, transaction
from django.db.models import F

from wbapi.transport import RequestRecord

from .models import LATENCY_BUCKETS, WBRequestTally

logger = logging.getLogger(__name__)


def latency_bucket(seconds: float) -> int:
    """The index of the first bucket whose upper bound is at least `seconds`."""
    return bisect.bisect_left(LATENCY_BUCKETS, seconds)


def tally_wb_request(sender: type, *, record: RequestRecord, **kwargs) -> None:
    """Add one request to its row (receiver of gateway.signals.wb_request_done).

    In a savepoint of its own: a failure to count is logged and never fails the WB call whose
    answer the caller is about to store.
    """
    seconds = record.duration_ms / 1000
    key = {
        "host": record.host,
        "group": record.limit_group,
        "status": str(record.status or ""),
        "error": record.error or "",
        "bucket": latency_bucket(seconds),
    }
    added = {"count": F("count") + 1, "seconds": F("seconds") + seconds}
    try:
        with transaction.atomic():
            if not WBRequestTally.objects.filter(**key).update(**added):
                # First of its kind: another process may create the row at the same moment.
                WBRequestTally.objects.bulk_create([WBRequestTally(**key)], ignore_conflicts=True)
                WBRequestTally.objects.filter(**key).update(**added)
    except DatabaseError:
        logger.exception("Could not count a WB request to %s", record.host)
