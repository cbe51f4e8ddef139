"""Metrics whose truth is in the database, read when Prometheus scrapes.

Whichever web process answers the scrape reads the same rows, so the figures are the same with
any number of gunicorn and task workers, on any number of machines. Each family is one or two
short queries over small tables (the status tally, pauses, blocked buckets, the tally of WB
requests, the sync's streams) or an index (tasks waiting); the rows the sync has written are
one grouped sum over its runs. Labels are bounded: a cabinet is its WB seller ID, never its
name; a dataset, a state or an error is one of a fixed set.
"""

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime

from django.db.models import Count, Min, Q, Sum
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.utils import floatToGoString

from gateway.models import RateBucket, WBPause
from sync.models import SyncRun, SyncStream
from tokens.models import StatusTally, WBToken

from .models import LATENCY_BUCKETS, WBRequestTally


class DatabaseCollector:
    """prometheus-client's custom collector: yields fresh families on every scrape."""

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        yield from token_metrics(now)
        yield from task_metrics(now)
        yield from breaker_metrics(now)
        yield from rate_limit_metrics(now)
        yield from wb_request_metrics()
        yield from sync_metrics(now)


def token_metrics(now: datetime) -> Iterator[Metric]:
    statuses = GaugeMetricFamily("wberp_tokens", "WB tokens stored, by status.", labels=["status"])
    counts = StatusTally.objects.per_status()
    for status in WBToken.Status.values:
        statuses.add_metric([status], counts.get(status, 0))
    yield statuses
    soonest = GaugeMetricFamily(
        "wberp_token_expiry_days",
        "Days until the soonest expiry among a cabinet's valid, unexpired tokens.",
        labels=["seller"],
    )
    rows = (
        WBToken.objects.filter(
            status=WBToken.Status.VALID, expires_at__gt=now, seller__isnull=False
        )
        .values("seller__sid")
        .annotate(soonest=Min("expires_at"))
    )
    for row in rows:
        soonest.add_metric([row["seller__sid"]], (row["soonest"] - now).total_seconds() / 86400)
    yield soonest


def task_metrics(now: datetime) -> Iterator[Metric]:
    """django-tasks-db's queue: ready tasks whose time has come wait for a worker."""
    due = Q(run_after=get_date_max()) | Q(run_after__lte=now)
    ready = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    tallies = ready.aggregate(waiting=Count("pk", filter=due), scheduled=Count("pk", filter=~due))
    tallies["running"] = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count()
    tasks = GaugeMetricFamily("wberp_tasks", "Background tasks, by state.", labels=["state"])
    for state in ("waiting", "scheduled", "running"):
        tasks.add_metric([state], tallies[state])
    yield tasks
    # A task waits from its run_after if it has one, from when it was enqueued otherwise.
    since = [
        ready.filter(run_after=get_date_max()).aggregate(at=Min("enqueued_at"))["at"],
        ready.filter(run_after__lte=now).aggregate(at=Min("run_after"))["at"],
    ]
    oldest = min((moment for moment in since if moment is not None), default=now)
    yield GaugeMetricFamily(
        "wberp_task_oldest_waiting_seconds",
        "How long the task waiting longest for a worker has waited (0: none waits).",
        value=max((now - oldest).total_seconds(), 0.0),
    )


def breaker_metrics(now: datetime) -> Iterator[Metric]:
    open_ = GaugeMetricFamily(
        "wberp_wb_breaker_open",
        "1 while calls to a WB host are paused for a cabinet after repeated WB errors.",
        labels=["seller", "host"],
    )
    failures = GaugeMetricFamily(
        "wberp_wb_breaker_failures",
        "Unavailable answers in a row from a WB host for a cabinet.",
        labels=["seller", "host"],
    )
    for pause in WBPause.objects.select_related("seller").only("seller__sid", "host", "until"):
        labels = [pause.seller.sid, pause.host]
        open_.add_metric(labels, 1 if pause.until is not None and pause.until > now else 0)
        failures.add_metric(labels, pause.failures)
    yield open_
    yield failures


def rate_limit_metrics(now: datetime) -> Iterator[Metric]:
    blocked = GaugeMetricFamily(
        "wberp_wb_rate_limit_wait_seconds",
        "Seconds left of WB's wait after a 429, per cabinet and limit group, while one lasts.",
        labels=["seller", "group"],
    )
    waits = RateBucket.objects.filter(blocked_until__gt=now).values("sid", "group")
    for row in waits.annotate(until=Min("blocked_until")):
        blocked.add_metric([row["sid"], row["group"]], (row["until"] - now).total_seconds())
    yield blocked


def wb_request_metrics() -> Iterator[Metric]:
    requests = CounterMetricFamily(
        "wberp_wb_requests",
        "Requests to WB by host, limit group, HTTP status (empty: no answer) and error code.",
        labels=["host", "group", "status", "error"],
    )
    limited = CounterMetricFamily(
        "wberp_wb_rate_limited", "Requests WB refused with 429.", labels=["host", "group"]
    )
    rows = WBRequestTally.objects.values("host", "group", "status", "error", "bucket")
    rows = list(rows.annotate(requests=Sum("count"), total_seconds=Sum("seconds")))
    by_answer: dict[tuple, int] = defaultdict(int)
    for row in rows:
        by_answer[row["host"], row["group"], row["status"], row["error"]] += row["requests"]
    for (host, group, status, error), count in sorted(by_answer.items()):
        requests.add_metric([host, group, status, error], count)
        if status == "429":
            limited.add_metric([host, group], count)
    yield requests
    yield limited
    yield latency_histogram(rows)


def latency_histogram(rows: list[dict]) -> HistogramMetricFamily:
    histogram = HistogramMetricFamily(
        "wberp_wb_request_duration_seconds",
        "Time WB took to answer a request, by host and limit group.",
        labels=["host", "group"],
    )
    per_bucket: dict[tuple, list[int]] = defaultdict(lambda: [0] * (len(LATENCY_BUCKETS) + 1))
    seconds: dict[tuple, float] = defaultdict(float)
    for row in rows:
        key = (row["host"], row["group"])
        per_bucket[key][min(row["bucket"], len(LATENCY_BUCKETS))] += row["requests"]
        seconds[key] += row["total_seconds"]
    bounds = [*(floatToGoString(bound) for bound in LATENCY_BUCKETS), "+Inf"]
    for key, counts in sorted(per_bucket.items()):
        cumulative, running = [], 0
        for bound, count in zip(bounds, counts, strict=True):
            running += count
            cumulative.append((bound, running))
        histogram.add_metric(list(key), cumulative, seconds[key])
    return histogram


def sync_metrics(now: datetime) -> Iterator[Metric]:
    """Each stream (cabinet × dataset): how stale its data is, whether it is blocked or
    failing, and the rows its runs have written."""
    lag = GaugeMetricFamily(
        "wberp_sync_lag_seconds",
        "Seconds since a cabinet's dataset last finished a pass (none before its first).",
        labels=["seller", "dataset"],
    )
    states = GaugeMetricFamily("wberp_sync_streams", "Sync streams, by state.", labels=["state"])
    blocked = GaugeMetricFamily(
        "wberp_sync_blocked",
        "1 for a cabinet's dataset stopped by a permanent error until a token changes.",
        labels=["seller", "dataset", "error"],
    )
    failing = GaugeMetricFamily(
        "wberp_sync_failed_attempts",
        "Failed attempts in a row of a cabinet's dataset retrying after errors.",
        labels=["seller", "dataset"],
    )
    per_state = dict.fromkeys(SyncStream.State.values, 0)
    labels: dict[int, list[str]] = {}
    streams = SyncStream.objects.values_list(
        "pk", "seller__sid", "dataset", "state", "last_success_at", "attempts", "error_code"
    )
    for pk, sid, dataset, state, last_success_at, attempts, error in streams:
        labels[pk] = [sid, dataset]
        per_state[state] += 1
        if last_success_at is not None:
            lag.add_metric([sid, dataset], max((now - last_success_at).total_seconds(), 0.0))
        if state == SyncStream.State.BLOCKED:
            blocked.add_metric([sid, dataset, error], 1)
        elif attempts:
            failing.add_metric([sid, dataset], attempts)
    for state, count in per_state.items():
        states.add_metric([state], count)
    yield from (lag, states, blocked, failing)
    yield sync_rows_metric(labels)


def sync_rows_metric(labels: dict[int, list[str]]) -> CounterMetricFamily:
    """The runs' row counts summed per stream (one grouped scan of the runs, no join), under
    the stream's (seller, dataset) labels."""
    rows = CounterMetricFamily(
        "wberp_sync_rows",
        "Rows the sync has written, per cabinet, dataset and change (inserted, updated, "
        "removed), summed over its runs.",
        labels=["seller", "dataset", "change"],
    )
    sums = (
        SyncRun.objects.values("stream_id")
        .annotate(
            inserted=Sum("rows_inserted"), updated=Sum("rows_updated"), removed=Sum("rows_removed")
        )
        .order_by()
    )
    for row in sorted(sums, key=lambda row: labels.get(row["stream_id"], [])):
        if (stream := labels.get(row["stream_id"])) is None:
            continue  # a stream made since the streams were read
        for change in ("inserted", "updated", "removed"):
            rows.add_metric([*stream, change], row[change])
    return rows
