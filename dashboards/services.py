"""Keeping the daily rollups equal to the raw rows.

The sync calls these in the transaction that stores a page's rows (sales.datasets,
finance.datasets): before it stores each batch it asks which Moscow days the batch touches
(`*_days`: the days of the incoming rows and of the stored rows they replace, so that a
cancellation undone or a report revised leaves no stale day), and once the page's last batch
is stored it recomputes those days from the raw rows (`*_rollup_refresh`, from the datasets'
`page_stored`): once a page, however many batches touched a day. Recomputing whole days,
rather than adding to them, is what makes it right on updates and idempotent: a page read
twice gives the same rollups. The same functions rebuild everything (`rollups_rebuild`), on
PostgreSQL and on SQLite alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import reduce
from operator import or_
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate

from finance.models import ReportRow
from finance.reconciliation import RETURN
from sales.models import Order, Sale
from sales.selectors import order_figures, sale_figures
from sellers.models import Seller
from sync.ingest import upsert
from sync.registry import Counts
from wbapi.methods import finance, statistics
from wbapi.moscow import MOSCOW

from .models import CabinetDay, FinanceDay, OrderDay, SaleDay

# WB's day, for the database's date functions, which want a zone name: Moscow has kept
# UTC+3 all year since 2014, the same as wbapi.moscow.MOSCOW.
MOSCOW_ZONE = ZoneInfo("Europe/Moscow")
# Keys per query when asking which stored rows a page replaces (SQLite's parameter limit).
KEYS_PER_QUERY = 5_000
ZERO = Decimal("0.00")
ONE_DAY = timedelta(days=1)


def day_of(moment: datetime) -> date:
    return moment.astimezone(MOSCOW).date()


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, MOSCOW)


def spans(days: Iterable[date]) -> list[tuple[date, date]]:
    """The days as runs of consecutive days, (first, last) each: one range query a run."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] + ONE_DAY == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def moments_within(field: str, days: Iterable[date]) -> Q:
    """Rows whose datetime `field` falls on one of the Moscow `days` (index-friendly ranges);
    `days` is never empty."""
    return reduce(
        or_,
        (
            Q(**{f"{field}__gte": day_start(first), f"{field}__lt": day_start(last + ONE_DAY)})
            for first, last in spans(days)
        ),
    )


def days_within(field: str, days: Iterable[date]) -> Q:
    """Rows whose date `field` is one of `days` (never empty)."""
    return reduce(or_, (Q(**{f"{field}__range": run}) for run in spans(days)))


def moscow_day(expression) -> TruncDate:
    return TruncDate(expression, tzinfo=MOSCOW_ZONE)


def chunks(values: Sequence, size: int = KEYS_PER_QUERY) -> Iterable[Sequence]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# --- Which days a page touches ----------------------------------------------------------------


def order_days(seller: Seller, records: Sequence[statistics.Order]) -> set[date]:
    """The days of these orders and their cancellations, as they come and as stored."""
    moments = [(record.date, record.cancel_date) for record in records]
    srids = [record.srid for record in records]
    moments.extend(stored_values(Order, seller, "srid", srids, ("date", "cancel_date")))
    return {day_of(moment) for pair in moments for moment in pair if moment is not None}


def sale_days(seller: Seller, records: Sequence[statistics.Sale]) -> set[date]:
    """The days of these sales and returns, as they come and as stored."""
    moments = [record.date for record in records]
    sale_ids = [record.sale_id for record in records]
    moments.extend(day for (day,) in stored_values(Sale, seller, "sale_id", sale_ids, ("date",)))
    return {day_of(moment) for moment in moments}


def stored_values(
    model, seller: Seller, key: str, keys: Sequence[str], columns: tuple[str, ...]
) -> list[tuple]:
    """`columns` of the cabinet's stored rows whose text column `key` is one of `keys`.

    On PostgreSQL the keys are joined as an array, a plan that takes the (seller, key) index
    however stale the statistics are: an `IN` list of a batch's 1,000 keys was planned as a
    scan of all the cabinet's rows once a backfill had outgrown the statistics (a second a
    batch at 1,000,000 orders, against 15 ms)."""
    if connection.vendor != "postgresql":
        found: list[tuple] = []
        for part in chunks(keys):
            rows = model.objects.filter(seller=seller, **{f"{key}__in": part})
            found.extend(rows.values_list(*columns))
        return found
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    selected = ", ".join(f"{table}.{quote(column)}" for column in columns)
    # Only the model's own quoted names are formatted in; the keys are a parameter.
    query = (
        f"SELECT {selected} FROM {table} JOIN unnest(%s::text[]) AS wanted(key) "  # noqa: S608
        f"ON {table}.{quote(key)} = wanted.key WHERE {table}.seller_id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [list(keys), seller.pk])
        return cursor.fetchall()


def report_days(seller: Seller, records: Sequence[finance.ReportRow]) -> set[date]:
    """The operation days of these report rows and of every stored row of their reports
    (storing a revision removes the earlier one's rows)."""
    days = {record.rr_date or record.create_date for record in records}
    reports = {record.report_id for record in records}
    stored = ReportRow.objects.filter(seller=seller, report_id__in=reports)
    days.update(
        stored.annotate(day=finance_day()).order_by().values_list("day", flat=True).distinct()
    )
    return {day for day in days if day is not None}


def finance_day():
    """A report row's day: its operation date (rr_dt), else its report's creation."""
    return Coalesce("rr_date", "create_date")


# --- Recomputing days ---------------------------------------------------------------------------


KEY_COLUMNS = ("day", "nm_id", "barcode")


def product_key(row: dict) -> tuple:
    return (row["day"], row["nm_id"] or 0, row["barcode"] or "")


def merged(*groups: QuerySet) -> dict[tuple, dict]:
    """Grouped rows of several queries merged by (day, nmID, barcode)."""
    found: dict[tuple, dict] = {}
    for group in groups:
        for row in group:
            key = product_key(row)
            found.setdefault(key, {}).update(
                (name, value)
                for name, value in row.items()
                if name not in ("day", "nm_id", "barcode")
            )
    return found


def by_product(rows: QuerySet, day_expression) -> QuerySet:
    return (
        rows.annotate(day=moscow_day(day_expression)).order_by().values("day", "nm_id", "barcode")
    )


@transaction.atomic
def orders_rollup_refresh(*, seller: Seller, days: set[date]) -> None:
    """Recompute the OrderDay rows of `days` from the cabinet's orders: the Orders page's
    figures of the orders placed on each day (`order_figures`), and the cancellations made."""
    if not days:
        return
    orders = Order.objects.filter(seller=seller)
    placed = by_product(orders.filter(moments_within("date", days)), "date").annotate(
        **order_figures()
    )
    # An order WB marks cancelled without a cancelDate counts as cancelled on its own day.
    cancelled_on = moments_within("cancel_date", days) | (
        Q(cancel_date__isnull=True) & moments_within("date", days)
    )
    cancelled = by_product(
        orders.filter(cancelled_on, is_cancel=True), Coalesce("cancel_date", "date")
    ).annotate(cancellations=Count("id"), cancellations_sum=Sum("price_with_disc"))
    replace_days(OrderDay, seller, days, merged(placed, cancelled))
    cabinet_days_refresh(seller, days)


@transaction.atomic
def sales_rollup_refresh(*, seller: Seller, days: set[date]) -> None:
    """Recompute the SaleDay rows of `days` from the cabinet's sales and returns (the Sales
    page's figures, `sale_figures`)."""
    if not days:
        return
    sales = Sale.objects.filter(seller=seller).filter(moments_within("date", days))
    grouped = by_product(sales, "date").annotate(**sale_figures())
    replace_days(SaleDay, seller, days, merged(grouped))
    cabinet_days_refresh(seller, days)


@transaction.atomic
def finance_rollup_refresh(*, seller: Seller, days: set[date]) -> None:
    """Recompute the FinanceDay rows of `days` from the cabinet's report rows.

    As in WB's report header, a return's row (positive amounts) subtracts from sales, the
    amount for goods sold and the commission; every other column is the plain sum."""
    if not days:
        return
    on_days = days_within("rr_date", days) | (
        Q(rr_date__isnull=True) & days_within("create_date", days)
    )
    rows = ReportRow.objects.filter(seller=seller).filter(on_days)
    sale, back = ~Q(doc_type_name=RETURN), Q(doc_type_name=RETURN)

    def total(column: str, only: Q | None = None):
        return Coalesce(Sum(column, filter=only), ZERO)

    grouped = (
        rows.annotate(day=finance_day())
        .order_by()
        .values("day")
        .annotate(
            sales=total("retail_amount", sale),
            returns=total("retail_amount", back),
            paid=total("for_pay", sale),
            paid_back=total("for_pay", back),
            charged=total("ppvz_sales_commission", sale),
            charged_back=total("ppvz_sales_commission", back),
            logistics=total("delivery_service"),
            storage=total("paid_storage"),
            penalties=total("penalty"),
            deductions=total("deduction"),
            acceptance=total("paid_acceptance"),
            additional=total("additional_payment"),
        )
    )
    found = []
    for row in grouped:
        row["for_pay"] = row.pop("paid") - row.pop("paid_back")
        row["commission"] = row.pop("charged") - row.pop("charged_back")
        found.append(FinanceDay(seller=seller, **row))
    FinanceDay.objects.filter(seller=seller, day__in=days).delete()
    FinanceDay.objects.bulk_create(found)


def replace_days(model, seller: Seller, days: set[date], rows: dict[tuple, dict]) -> None:
    model.objects.filter(seller=seller, day__in=days).delete()
    # Every row with every column (a figure a day did not have is the field's default, 0), as
    # the COPY of the upsert writes them: what bulk_create did, at a fraction of its cost.
    defaults = {
        field.attname: field.get_default()
        for field in model._meta.concrete_fields
        if not field.primary_key
    }
    upsert(
        model,
        [
            defaults
            | {"seller_id": seller.pk, "day": day, "nm_id": nm_id, "barcode": barcode, **values}
            for (day, nm_id, barcode), values in rows.items()
        ],
        keys=("seller_id", "day", "nm_id", "barcode"),
        counts=Counts(),
    )


def cabinet_days_refresh(seller: Seller, days: set[date]) -> None:
    """Sum the product rows of `days` into the cabinet's CabinetDay rows (two grouped
    queries over those days' product rows)."""
    found: dict[date, dict] = {}
    for model, names in ((OrderDay, ORDER_COLUMNS), (SaleDay, SALE_COLUMNS)):
        rows = model.objects.filter(seller=seller, day__in=days).order_by().values("day")
        for row in rows.annotate(**{name: Sum(name) for name in names}):
            found.setdefault(row.pop("day"), {}).update(row)
    CabinetDay.objects.filter(seller=seller, day__in=days).delete()
    CabinetDay.objects.bulk_create(
        CabinetDay(seller=seller, day=day, **values) for day, values in found.items()
    )


ORDER_COLUMNS = (*order_figures(), "cancellations", "cancellations_sum")
SALE_COLUMNS = tuple(sale_figures())


# --- Rebuilding ---------------------------------------------------------------------------------


def every_day(first: date | None, last: date | None, since: date | None) -> set[date]:
    if first is None or last is None:
        return set()
    first = max(first, since) if since else first
    return {first + timedelta(days=n) for n in range((last - first).days + 1)}


def stored_span(rows: QuerySet, expression) -> tuple[date | None, date | None]:
    span = rows.annotate(day=expression).aggregate(first=Min("day"), last=Max("day"))
    return span["first"], span["last"]


@transaction.atomic
def rollups_rebuild(*, seller: Seller, since: date | None = None) -> None:
    """Recompute every rollup of a cabinet from its raw rows, from `since` (a Moscow day) or
    from its first row; the rollups of earlier days stay as they are."""
    orders = Order.objects.filter(seller=seller)
    first, _ = stored_span(orders, moscow_day("date"))
    _, last = stored_span(orders, moscow_day(Coalesce("cancel_date", "date")))
    old_days = since_filter(OrderDay, seller, since)
    orders_rollup_refresh(seller=seller, days=every_day(first, last, since) | old_days)
    sales = Sale.objects.filter(seller=seller)
    sale_days_all = every_day(*stored_span(sales, moscow_day("date")), since)
    sales_rollup_refresh(seller=seller, days=sale_days_all | since_filter(SaleDay, seller, since))
    rows = ReportRow.objects.filter(seller=seller)
    report_days_all = every_day(*stored_span(rows, finance_day()), since)
    finance_rollup_refresh(
        seller=seller, days=report_days_all | since_filter(FinanceDay, seller, since)
    )


def since_filter(model, seller: Seller, since: date | None) -> set[date]:
    """The days a rollup holds (from `since`): a day whose raw rows are gone is emptied."""
    rows = model.objects.filter(seller=seller)
    if since:
        rows = rows.filter(day__gte=since)
    return set(rows.values_list("day", flat=True).distinct())
