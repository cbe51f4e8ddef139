"""The agency overview: every cabinet a user sees, side by side, with the dashboard's headline
figures, the health of its tokens and sync, and what needs attention.

Each part is one query over all the cabinets at once (grouped by cabinet), so the page reads
the same number of queries for one cabinet or a hundred; each part is read only for the
cabinets whose area (and the model permission behind it) the user holds.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from access.models import Area
from access.selectors import User, scoped, visible_sellers
from finance.models import Report
from sellers.models import Seller
from sync.models import SyncStream
from sync.registry import registered
from tokens.models import WBToken
from tokens.selectors import PROBLEM_STATUSES, visible_tokens

from .presentation import FIGURES, FigureView, figure_views
from .selectors import (
    Headline,
    Period,
    Sight,
    cover_window,
    headlines,
    out_of_stock,
    sights_of,
    sold_by_product,
    stock_by_product,
)

# Stock-outs: products bought out in this many last days, none on hand now.
STOCK_OUT_DAYS = 14
# The headline figures side by side, in the dashboard's order.
COLUMNS = (
    "orders",
    "orders_sum",
    "buyouts",
    "cancellations",
    "returns",
    "buyout_percent",
    "revenue",
    "to_pay",
    "commission",
    "logistics",
    "storage",
    "penalties",
    "deductions",
    "acceptance",
)


@dataclass(frozen=True)
class Attention:
    """Something about a cabinet that wants a person: what, and where to see it."""

    kind: str  # "token", "sync", "stock" or "finance"
    text: str
    url: str


@dataclass
class TokenHealth:
    total: int = 0
    valid: int = 0
    problems: int = 0
    expiring: int = 0


@dataclass
class SyncHealth:
    streams: int = 0
    blocked: int = 0
    synced_at: object = None  # the oldest last success among its streams; None: not all synced


@dataclass
class CabinetRow:
    seller: Seller
    sight: Sight
    headline: Headline
    tokens: TokenHealth | None = None  # None: not theirs to see
    sync: SyncHealth | None = None
    attention: list[Attention] = field(default_factory=list)

    @property
    def cells(self) -> list[tuple[str, FigureView | None]]:
        """(column label, figure or None where the user may not see it), in COLUMNS order."""
        views = {view.figure.name: view for view in figure_views(self.headline)}
        return [(column_label(name), views.get(name)) for name in COLUMNS]


def column_label(name: str):
    return FIGURES[name][0]


def columns() -> list:
    return [column_label(name) for name in COLUMNS]


def overview_rows(user: User, period: Period, *, today: date) -> list[CabinetRow]:
    """A row for each cabinet `user` sees, by name."""
    sellers = list(visible_sellers(user).order_by("name", "sid"))
    ids = [seller.pk for seller in sellers]
    sights = sights_of(user, ids)
    figures = headlines(sights, period)
    rows = {
        seller.pk: CabinetRow(seller, sights[seller.pk], figures[seller.pk]) for seller in sellers
    }
    if user.has_perm("tokens.view_wbtoken"):
        add_token_health(user, rows)
    if user.has_perm("sync.view_syncstream"):
        add_sync_health(user, rows)
    add_stock_outs(rows, today)
    add_unreconciled(rows)
    return list(rows.values())


def add_token_health(user: User, rows: dict[int, CabinetRow]) -> None:
    """Each cabinet's tokens by state, those expiring soon or failing as things to see to."""
    in_area = visible_sellers(user, Area.TOKENS).filter(pk__in=list(rows))
    seen = set(in_area.values_list("pk", flat=True))
    for pk in seen:
        rows[pk].tokens = TokenHealth()
    now = timezone.now()
    tokens = (
        visible_tokens(user)
        .filter(seller_id__in=seen)
        .only("id", "name", "seller_id", "status", "expires_at")
    )
    for token in tokens:
        health, row = rows[token.seller_id].tokens, rows[token.seller_id]
        health.total += 1
        health.valid += token.status == WBToken.Status.VALID
        if token.status in PROBLEM_STATUSES:
            health.problems += 1
            row.attention.append(
                Attention(
                    "token",
                    _("Token “%(name)s”: %(status)s.")
                    % {"name": token.name, "status": token.get_status_display()},
                    token.get_absolute_url(),
                )
            )
        elif not token.is_expired(now) and token.expires_soon(now):
            health.expiring += 1
            days = token.days_left(now)
            row.attention.append(
                Attention(
                    "token",
                    ngettext(
                        "Token “%(name)s” expires in %(days)d day.",
                        "Token “%(name)s” expires in %(days)d days.",
                        days,
                    )
                    % {"name": token.name, "days": days},
                    token.get_absolute_url(),
                )
            )


def add_sync_health(user: User, rows: dict[int, CabinetRow]) -> None:
    """Each cabinet's streams: how many, blocked ones (things to see to), the oldest data."""
    streams = scoped(SyncStream.objects.filter(seller_id__in=list(rows)), user, Area.SYNC).only(
        "seller_id", "dataset", "state", "last_success_at"
    )
    oldest: dict[int, list] = defaultdict(list)
    labels = {name: dataset.label for name, dataset in registered().items()}
    for stream in streams:
        row = rows[stream.seller_id]
        row.sync = row.sync or SyncHealth()
        row.sync.streams += 1
        oldest[stream.seller_id].append(stream.last_success_at)
        if stream.state == SyncStream.State.BLOCKED:
            row.sync.blocked += 1
            row.attention.append(
                Attention(
                    "sync",
                    _("The sync of %(dataset)s is blocked.")
                    % {"dataset": labels.get(stream.dataset, stream.dataset)},
                    reverse("sync:cabinet", args=[row.seller.sid]),
                )
            )
    for pk, moments in oldest.items():
        rows[pk].sync.synced_at = None if None in moments else min(moments)


def add_stock_outs(rows: dict[int, CabinetRow], today: date) -> None:
    """Products bought out in the last days and out of stock now (two queries), for the
    cabinets whose stock and sales the user sees."""
    ids = [pk for pk, row in rows.items() if row.sight.stock and row.sight.sales]
    if not ids:
        return
    stocks = stock_by_product(ids)
    sold = sold_by_product(ids, cover_window(today, STOCK_OUT_DAYS))
    for pk in ids:
        count = len(out_of_stock(stocks[pk], sold[pk]))
        if count:
            rows[pk].attention.append(
                Attention(
                    "stock",
                    ngettext(
                        "%(count)d product bought out in the last %(days)d days is out of stock.",
                        "%(count)d products bought out in the last %(days)d days are out of stock.",
                        count,
                    )
                    % {"count": count, "days": STOCK_OUT_DAYS},
                    rows[pk].seller.get_absolute_url(),
                )
            )


def add_unreconciled(rows: dict[int, CabinetRow]) -> None:
    """Reports WB lists whose rows are not stored, or older than WB's latest version of the
    report: their totals cannot be checked against their rows yet (one query)."""
    ids = [pk for pk, row in rows.items() if row.sight.finance]
    if not ids:
        return
    pending = Report.objects.filter(seller_id__in=ids, listed=True).filter(
        Q(rows_created__isnull=True) | Q(create_date__gt=F("rows_created"))
    )
    counts: dict[int, int] = defaultdict(int)
    for pk in pending.values_list("seller_id", flat=True):
        counts[pk] += 1
    for pk, count in counts.items():
        rows[pk].attention.append(
            Attention(
                "finance",
                ngettext(
                    "%(count)d finance report is not reconciled: its rows are not read yet "
                    "or WB revised it since.",
                    "%(count)d finance reports are not reconciled: their rows are not read "
                    "yet or WB revised them since.",
                    count,
                )
                % {"count": count},
                reverse("finance:reports", args=[rows[pk].seller.sid]),
            )
        )
