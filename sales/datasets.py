"""The datasets `orders` and `sales` (see sync.registry): statistics-api, by lastChangeDate.

Both are incremental: a pass asks for the rows changed after the cursor, page after page
(each starting a little before the last row's lastChangeDate, so that rows sharing it across a
page's cut are read again rather than lost), and the next pass resumes from where the last
one ended. An order's later change (a cancellation) moves its lastChangeDate, so the pass that
comes after it reads it again and the stored row takes the change. The first pass starts 90
days back (all that WB keeps); a backfill starts at a given day. Nothing is ever removed: a
row WB no longer keeps stays stored.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dashboards.services import (
    order_days,
    orders_rollup_refresh,
    sale_days,
    sales_rollup_refresh,
)
from sellers.models import Seller
from sync.registry import Counts, Dataset, SyncPass, register
from wbapi.methods.base import MethodSpec
from wbapi.methods.statistics import ORDERS_METHOD, SALES_METHOD, ChangesCursor, ChangesPager
from wbapi.moscow import MOSCOW

from .models import Order, Sale
from .services import orders_store, sales_store

# statistics-api keeps an order this long (and the sales of the orders it keeps).
KEPT = timedelta(days=90)


def changes_from(day: date) -> ChangesCursor:
    """The cursor of every change since the start of a Moscow day."""
    return ChangesCursor(datetime.combine(day, time.min, MOSCOW))


class Changes(Dataset):
    """What orders and sales have in common: one statistics-api method, paged by change."""

    category = "statistics"
    interval = timedelta(minutes=30)
    wb_refresh = timedelta(minutes=30)
    snapshot = False
    cursor_type = ChangesCursor
    method: ClassVar[MethodSpec]
    model: ClassVar[type[Model]]

    @property
    def limit_group(self) -> str:
        return self.method.limit_group

    def pager(self, seller: Seller, cursor: ChangesCursor) -> ChangesPager:
        # WB's page size, as the pager must know it: a shorter page is the last one.
        return ChangesPager(self.method, page_rows=settings.WB_STATISTICS_PAGE_ROWS)

    def first_cursor(self, seller: Seller) -> ChangesCursor:
        return changes_from((timezone.now() - KEPT).astimezone(MOSCOW).date())

    def backfill_cursor(self, seller: Seller, since: date) -> ChangesCursor:
        """From `since`, or from as far back as WB keeps (90 days) if that is later."""
        kept_since = (timezone.now() - KEPT).astimezone(MOSCOW).date()
        return changes_from(max(since, kept_since))

    def backfill_estimate(self, seller: Seller, since: date) -> int:
        """A page per 80,000 rows, at the cabinet's rate of the last week (none stored: one)."""
        now = timezone.now()
        days = (now - self.backfill_cursor(seller, since).date_from).days + 1
        last_week = self.model.objects.filter(seller=seller, date__gte=now - timedelta(days=7))
        return 1 + last_week.count() * days // 7 // settings.WB_STATISTICS_PAGE_ROWS

    def dump_cursor(self, cursor: ChangesCursor) -> dict:
        return {"date_from": cursor.date_from.isoformat()}

    def load_cursor(self, data: Any, seller: Seller) -> ChangesCursor:
        try:
            return ChangesCursor(datetime.fromisoformat(data["date_from"]))
        except (TypeError, KeyError, ValueError):
            return self.first_cursor(seller)


class Orders(Changes):
    name = "orders"
    label = _("Orders")
    method = ORDERS_METHOD
    model = Order

    def ingest(self, seller: Seller, batch: list, counts: Counts, sync_pass: SyncPass, cursor):
        days = order_days(seller, batch)  # before the store: the days the rows had too
        orders_store(seller=seller, records=batch, counts=counts)
        return days

    def page_stored(self, seller: Seller, touched: set, cursor) -> None:
        orders_rollup_refresh(seller=seller, days=touched)


class Sales(Changes):
    name = "sales"
    label = _("Sales and returns")
    method = SALES_METHOD
    model = Sale

    def ingest(self, seller: Seller, batch: list, counts: Counts, sync_pass: SyncPass, cursor):
        days = sale_days(seller, batch)
        sales_store(seller=seller, records=batch, counts=counts)
        return days

    def page_stored(self, seller: Seller, touched: set, cursor) -> None:
        sales_rollup_refresh(seller=seller, days=touched)


ORDERS = register(Orders())
SALES = register(Sales())
