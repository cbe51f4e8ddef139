"""Reads of the token desk: what the list, the detail page, the admin and the commands show.

Forms parse what people ask for into plain values; these functions turn them into queries.
"""

from collections import Counter
from dataclasses import dataclass

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet, Value
from django.db.models.functions import Substr
from django.shortcuts import get_object_or_404

from access.models import Area
from access.selectors import (
    User,
    get_visible_or_404,
    scoped,
    sees_all_cabinets,
    visible_sellers,
)
from wbapi.claims import HINT_LENGTH

from .crypto import KEY_ID_LENGTH, VERSION, envelope_key_id
from .models import EXPIRY_WARNING_DAYS, CheckBatch, StatusTally, WBToken
from .pagination import TalliedPaginator

PAGE_SIZE = 25
# Where an envelope `v1:<key id>:<body>` has its key id (SQL counts from 1).
KEY_ID_START = len(VERSION) + 2
HISTORY_LENGTH = 20
# Column -> ordering; a leading "-" in the `sort` parameter reverses it.
SORT_FIELDS = {
    "name": ["name", "id"],
    "seller": ["seller__name", "name", "id"],
    "type": ["token_type", "name", "id"],
    "status": ["status", "name", "id"],
    "expires": ["expires_at", "id"],
    "checked": ["last_checked_at", "id"],
}
DEFAULT_SORT = "name"
PROBLEM_STATUSES = [
    WBToken.Status.INVALID,
    WBToken.Status.EXPIRED,
    WBToken.Status.ACCESS_DENIED,
]


@dataclass(frozen=True)
class TokenFilters:
    """What a list of tokens is narrowed to; empty values filter nothing."""

    query: str = ""
    statuses: tuple[str, ...] = ()
    token_type: str = ""
    category: str = ""
    expiring: str = ""
    sort: str = DEFAULT_SORT

    @property
    def active(self) -> list[str]:
        names = ("query", "statuses", "token_type", "category", "expiring")
        return [name for name in names if getattr(self, name)]

    @property
    def ordering(self) -> list[str]:
        fields = SORT_FIELDS[self.sort.removeprefix("-")]
        return [f"-{field}" for field in fields] if self.sort.startswith("-") else fields


def visible_tokens(user: User, *, change: bool = False) -> QuerySet[WBToken]:
    """The tokens `user` may see (or change): those of the tokens area of their cabinets."""
    return scoped(WBToken.objects.all(), user, Area.TOKENS, change=change)


def with_changeable(tokens: QuerySet[WBToken], user: User) -> QuerySet[WBToken]:
    """`tokens`, each with `changeable`: whether `user` may change, check or delete it (the
    pages show those buttons only then)."""
    if sees_all_cabinets(user):
        return tokens.annotate(changeable=Value(True))
    ours = Q(seller__in=visible_sellers(user, Area.TOKENS, change=True).values("pk"))
    return tokens.annotate(changeable=ExpressionWrapper(ours, output_field=BooleanField()))


def visible_token_or_404(user: User, pk, *, change: bool = False) -> WBToken:
    """A token of `user`'s cabinets, with its seller; 404 for any other (see
    access.selectors.get_visible_or_404)."""
    tokens = with_changeable(WBToken.objects.select_related("seller"), user)
    return get_visible_or_404(tokens, user, Area.TOKENS, change=change, pk=pk)


def visible_batches(user: User) -> QuerySet[CheckBatch]:
    """The bulk checks `user` may follow: for those who see every cabinet, all of them;
    otherwise those they started themselves of tokens all still in their cabinets."""
    if sees_all_cabinets(user):
        return CheckBatch.objects.all()
    others = WBToken.objects.exclude(pk__in=visible_tokens(user).values("pk"))
    return CheckBatch.objects.filter(created_by=user).exclude(items__token__in=others)


def visible_batch_or_404(user: User, pk) -> CheckBatch:
    return get_object_or_404(visible_batches(user), pk=pk)


def tokens_matching(filters: TokenFilters, user: User, *, change: bool = False) -> QuerySet:
    """The tokens a list shows `user`, in its order, without their secrets."""
    # Without the secret, but with its key's id; every row shows its seller.
    tokens = visible_tokens(user, change=change).select_related("seller")
    tokens = with_changeable(with_key_id(tokens), user)
    if filters.query:
        tokens = tokens.filter(search_condition(filters.query))
    if filters.statuses:
        tokens = tokens.filter(status__in=filters.statuses)
    if filters.token_type:
        tokens = tokens.filter(token_type=filters.token_type)
    if filters.category:
        tokens = tokens.allowing(filters.category)
    return tokens.by_expiry(filters.expiring).order_by(*filters.ordering)


def search_condition(query: str) -> Q:
    condition = (
        Q(name__icontains=query)
        | Q(seller__name__icontains=query)
        | Q(seller__trade_mark__icontains=query)
        | Q(seller__tin__startswith=query)
        | Q(seller__sid=query)
    )
    # The token's last characters, as its pages show them ("…a1B2"), or the end of them.
    tail = query.lstrip("….").strip()
    if 0 < len(tail) <= HINT_LENGTH:
        condition |= Q(hint__iendswith=tail)
    return condition


def token_list_page(filters: TokenFilters, *, user: User, page_number: str | None) -> dict:
    """One page of the token list `user` sees, with the counts above it."""
    per_status = tokens_per_status(user)  # read once: counts and pages use it
    paginator = TalliedPaginator(
        tokens_matching(filters, user),
        PAGE_SIZE,
        statuses=countable_statuses(filters),
        per_status=per_status,
    )
    page = paginator.get_page(page_number)
    return {
        "page": page,
        "tokens": page.object_list,
        "counts": status_counts(per_status, user),
        "sort": filters.sort,
        "filtered": bool(filters.active),
    }


def countable_statuses(filters: TokenFilters) -> list[str] | None:
    """The statuses whose tally counts the list, when they are all it is filtered by."""
    return list(filters.statuses) if filters.active == ["statuses"] else None


def tokens_per_status(user: User) -> dict[str, int]:
    """How many tokens `user` sees of each status: from the tally (see StatusTally) for
    those who see every cabinet, otherwise counted among the tokens of their cabinets."""
    if sees_all_cabinets(user):
        return StatusTally.objects.per_status()
    counted = visible_tokens(user).values_list("status").annotate(tokens=Count("pk"))
    return dict(counted.order_by())


def status_counts(per_status: dict[str, int], user: User) -> dict[str, int]:
    """Counts for the summary above the list, from `tokens_per_status` and, for tokens
    expiring soon, their range of the expiry index: short at any table size."""
    return {
        "total": sum(per_status.values()),
        "valid": per_status.get(WBToken.Status.VALID, 0),
        "expiring": visible_tokens(user).expiring_within(EXPIRY_WARNING_DAYS).count(),
        "problems": sum(per_status.get(status, 0) for status in PROBLEM_STATUSES),
        "unchecked": per_status.get(WBToken.Status.UNCHECKED, 0),
    }


def recent_checks(token: WBToken) -> QuerySet:
    """The latest checks of a token, newest first, for its page."""
    return token.checks.select_related("checked_by")[:HISTORY_LENGTH]


def with_key_id(tokens: QuerySet) -> QuerySet:
    """`tokens` without their secrets, but with the id of the key that sealed each one, so
    that a list can show those no configured key can read (WBToken.is_readable)."""
    return tokens.defer("ciphertext").annotate(
        stored_key_id=Substr("ciphertext", KEY_ID_START, KEY_ID_LENGTH)
    )


def tokens_per_key() -> Counter:
    """How many tokens each key has sealed, counted by the database (no secret is read)."""
    prefixes = (
        WBToken.objects.annotate(prefix=Substr("ciphertext", 1, KEY_ID_START + KEY_ID_LENGTH))
        .values_list("prefix")
        .annotate(tokens=Count("pk"))
        .order_by()
    )
    counts = Counter()
    for prefix, tokens in prefixes:
        counts[envelope_key_id(prefix + ":")] += tokens
    return counts


def not_under_key(key_id: str) -> QuerySet:
    """Tokens sealed with any key but `key_id`."""
    return WBToken.objects.exclude(ciphertext__startswith=f"{VERSION}:{key_id}:")
