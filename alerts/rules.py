"""The conditions that hold now, one per (rule, subject): each rule reads the database.

A rule's condition names its subject (what it is about, e.g. a token's id), the cabinet it
concerns and the details its messages show. Who may hear of it is whoever sees that cabinet
in the rule's area (AREAS): a token's alerts are of the tokens area, a stock's of the
catalogue, a stream's of the sync, a report's of finance.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from access.models import Area
from dashboards.selectors import (
    ProductStock,
    cover_window,
    named,
    sold_by_product,
    stock_by_product,
)
from finance.models import Report
from finance.reconciliation import reconcile
from sellers.models import Seller
from sync.engine import RUN_FAILURES
from sync.models import SyncStream
from sync.registry import enabled
from tokens.models import WBToken
from wbapi.moscow import MOSCOW

from .models import Rule

# Who hears of a token is decided by its cabinet: a token without one concerns nobody yet.
TOKENS = WBToken.objects.filter(seller__isnull=False).select_related("seller")


@dataclass(frozen=True)
class Condition:
    rule: str
    subject: str
    seller_id: int | None
    details: dict = field(default_factory=dict, compare=False)


def token_details(token: WBToken) -> dict:
    return {
        "token": token.name,
        "token_id": str(token.pk),
        "seller": token.seller.display_name,
        "expires_at": token.expires_at.isoformat(),
        "status": token.status,
    }


def tokens_expiring(rule: str, days: int) -> Callable[[datetime], Iterator[Condition]]:
    def conditions(now: datetime) -> Iterator[Condition]:
        for token in TOKENS.expiring_within(days, now=now).exclude(is_test=True):
            yield Condition(rule, str(token.pk), token.seller_id, token_details(token))

    return conditions


def tokens_failing(now: datetime) -> Iterator[Condition]:
    failing = (WBToken.Status.INVALID, WBToken.Status.ACCESS_DENIED)
    for token in TOKENS.filter(status__in=failing):
        yield Condition(Rule.TOKEN_FAILING, str(token.pk), token.seller_id, token_details(token))


# Reports this recent are reconciled on every evaluation; older ones no longer change.
RECENT_REPORTS = timedelta(weeks=8)


def reports_unreconciled(now: datetime) -> Iterator[Condition]:
    """Reports WB has listed (so their totals are known) whose rows or sales disagree."""
    since = timezone.localdate(now) - RECENT_REPORTS
    reports = Report.objects.filter(listed=True, date_to__gte=since).select_related("seller")
    for report in reports:
        result = reconcile(report, shown=0)
        if not result.ok:
            yield Condition(
                Rule.REPORT_UNRECONCILED,
                str(report.pk),
                report.seller_id,
                {
                    "report_id": report.report_id,
                    "sid": report.seller.sid,
                    "seller": report.seller.display_name,
                    "date_from": report.date_from.isoformat(),
                    "date_to": report.date_to.isoformat(),
                    "totals_ok": result.totals_ok,
                    "not_in_sales": result.not_in_sales_count,
                    "not_in_report": result.not_in_report_count,
                },
            )


# --- The sync ------------------------------------------------------------------------------

STREAMS = SyncStream.objects.select_related("seller")


def stream_details(stream: SyncStream) -> dict:
    return {
        "sid": stream.seller.sid,
        "seller": stream.seller.display_name,
        "dataset": stream.dataset,
        "error_code": stream.error_code,
        "error_detail": stream.error_detail,
    }


def streams_blocked(now: datetime) -> Iterator[Condition]:
    """Streams stopped by a permanent error, until a token of the cabinet changes."""
    for stream in STREAMS.filter(state=SyncStream.State.BLOCKED, dataset__in=enabled()):
        yield Condition(
            Rule.STREAM_BLOCKED, str(stream.pk), stream.seller_id, stream_details(stream)
        )


def streams_failing(now: datetime) -> Iterator[Condition]:
    """Streams whose last ALERTS_SYNC_FAILED_RUNS runs and more each failed: a run fails after
    RUN_FAILURES failed attempts in a row, and a page read well resets the count."""
    runs = settings.ALERTS_SYNC_FAILED_RUNS
    failing = STREAMS.filter(
        state=SyncStream.State.RETRYING,
        attempts__gte=(runs + 1) * RUN_FAILURES,
        dataset__in=enabled(),
    )
    for stream in failing:
        details = {**stream_details(stream), "runs": stream.attempts // RUN_FAILURES}
        yield Condition(Rule.STREAM_FAILING, str(stream.pk), stream.seller_id, details)


def data_stale(now: datetime) -> Iterator[Condition]:
    """Datasets whose last finished pass is older than their interval (the cabinet's own, or
    the dataset's) times ALERTS_STALE_FACTOR: the data shown is older than it should be."""
    datasets = enabled()
    synced = STREAMS.filter(dataset__in=datasets, last_success_at__isnull=False)
    for stream in synced:
        every = stream.interval or datasets[stream.dataset].interval
        if now - stream.last_success_at > every * settings.ALERTS_STALE_FACTOR:
            details = {
                **stream_details(stream),
                "as_of": stream.last_success_at.isoformat(),
                "interval_seconds": int(every.total_seconds()),
            }
            yield Condition(Rule.DATA_STALE, str(stream.pk), stream.seller_id, details)


# --- Stocks ------------------------------------------------------------------------------------

# A product's pace of sale: its buyouts of the last 14 Moscow days, today included, per day,
# from the daily rollups as the cabinet's dashboard counts its days of cover.
SALES_WINDOW_DAYS = 14
STOCK_DATASETS = ("stocks", "fbw_stocks")


def stock_running_out(now: datetime) -> Iterator[Condition]:
    """Products bought out in the last 14 days whose stock on hand (every warehouse) lasts at
    most ALERTS_STOCK_DAYS at that pace. Only cabinets whose stocks have been synced: there,
    a product without a stock row has none (a stocks pass removes the rows WB no longer
    lists)."""
    stocked = SyncStream.objects.filter(dataset__in=STOCK_DATASETS, last_success_at__isnull=False)
    seller_ids = sorted(set(stocked.values_list("seller_id", flat=True)))
    window = cover_window(now.astimezone(MOSCOW).date(), SALES_WINDOW_DAYS)
    sold = sold_by_product(seller_ids, window)
    selling = [pk for pk in seller_ids if sold[pk]]
    stocks = stock_by_product(selling)
    sellers = Seller.objects.in_bulk(selling)
    for seller_id in selling:
        low = running_low(stocks[seller_id], sold[seller_id])
        named(seller_id, low)
        for nm_id, stock in sorted(low.items()):
            details = stock_details(sellers[seller_id], stock)
            yield Condition(Rule.STOCK_RUNNING_OUT, f"{seller_id}:{nm_id}", seller_id, details)


def running_low(stocks: dict[int, ProductStock], sold: dict[int, int]) -> dict[int, ProductStock]:
    """The products sold whose stock lasts at most ALERTS_STOCK_DAYS (none on hand: 0 days)."""
    low = {}
    for nm_id, units in sold.items():
        stock = stocks.get(nm_id) or ProductStock(nm_id)
        stock.sold, stock.cover_days = units, SALES_WINDOW_DAYS
        stock.units = max(stock.units, 0)
        if stock.days_of_cover <= settings.ALERTS_STOCK_DAYS:
            low[nm_id] = stock
    return low


def stock_details(seller: Seller, stock: ProductStock) -> dict:
    return {
        "sid": seller.sid,
        "seller": seller.display_name,
        "nm_id": stock.nm_id,
        "vendor_code": stock.vendor_code,
        "title": stock.title,
        "stock": stock.units,
        "per_day": float(round(stock.per_day, 2)),
        "days_left": float(round(stock.days_of_cover, 1)),
    }


RULES: dict[str, Callable[[datetime], Iterator[Condition]]] = {
    Rule.TOKEN_EXPIRING_30: tokens_expiring(Rule.TOKEN_EXPIRING_30, 30),
    Rule.TOKEN_EXPIRING_14: tokens_expiring(Rule.TOKEN_EXPIRING_14, 14),
    Rule.TOKEN_EXPIRING_3: tokens_expiring(Rule.TOKEN_EXPIRING_3, 3),
    Rule.TOKEN_FAILING: tokens_failing,
    Rule.REPORT_UNRECONCILED: reports_unreconciled,
    Rule.STREAM_BLOCKED: streams_blocked,
    Rule.STREAM_FAILING: streams_failing,
    Rule.DATA_STALE: data_stale,
    Rule.STOCK_RUNNING_OUT: stock_running_out,
}

# The area of a cabinet a user must see to hear of a rule's conditions there.
AREAS: dict[str, Area] = {
    Rule.TOKEN_EXPIRING_30: Area.TOKENS,
    Rule.TOKEN_EXPIRING_14: Area.TOKENS,
    Rule.TOKEN_EXPIRING_3: Area.TOKENS,
    Rule.TOKEN_FAILING: Area.TOKENS,
    Rule.REPORT_UNRECONCILED: Area.FINANCE,
    Rule.STREAM_BLOCKED: Area.SYNC,
    Rule.STREAM_FAILING: Area.SYNC,
    Rule.DATA_STALE: Area.SYNC,
    Rule.STOCK_RUNNING_OUT: Area.CATALOGUE,
}


def conditions_now(now: datetime) -> dict[tuple[str, str], Condition]:
    return {
        (condition.rule, condition.subject): condition
        for conditions in RULES.values()
        for condition in conditions(now)
    }
