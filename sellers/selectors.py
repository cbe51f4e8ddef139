"""Reads of seller cabinets, as a user may see them."""

from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Prefetch, Q, QuerySet

from tokens.models import EXPIRY_WARNING_DAYS, StatusTally, WBToken, WBTokenCheck
from tokens.selectors import PROBLEM_STATUSES, with_key_id

from .models import Seller

# What a cabinet's pages show of each token: never the secret, but the id of its key, so that
# one no configured key can read is shown as such.
TOKEN_FIELDS_SHOWN = with_key_id(WBToken.objects.order_by("name", "pk"))


def visible_sellers(user: AbstractBaseUser) -> QuerySet[Seller]:
    """The cabinets `user` may see (every one, for the staff this site is for)."""
    return Seller.objects.all()


def sellers_with_tokens(user: AbstractBaseUser, *, query: str = "") -> QuerySet[Seller]:
    """The list of cabinets: each with its tokens (for their states and coverage)."""
    sellers = visible_sellers(user)
    if query:
        sellers = sellers.filter(
            Q(name__icontains=query)
            | Q(trade_mark__icontains=query)
            | Q(tin__startswith=query)
            | Q(sid=query)
        )
    return sellers.prefetch_related(Prefetch("tokens", queryset=TOKEN_FIELDS_SHOWN)).order_by(
        "name", "sid"
    )


def seller_tokens(seller: Seller) -> QuerySet[WBToken]:
    return TOKEN_FIELDS_SHOWN.filter(seller=seller)


@dataclass(frozen=True)
class Overview:
    """The home page's headline figures about cabinets and their tokens."""

    cabinets: int
    tokens: int
    valid: int
    expiring: int
    problems: int
    recent_checks: list[WBTokenCheck]


RECENT_CHECKS = 10


def overview(user: AbstractBaseUser) -> Overview:
    per_status = StatusTally.objects.per_status()  # one row per status, kept by triggers
    checks = WBTokenCheck.objects.select_related("token__seller").order_by("-checked_at", "-id")
    return Overview(
        cabinets=visible_sellers(user).count(),
        tokens=sum(per_status.values()),
        valid=per_status.get(WBToken.Status.VALID, 0),
        expiring=WBToken.objects.expiring_within(EXPIRY_WARNING_DAYS).count(),
        problems=sum(per_status.get(status, 0) for status in PROBLEM_STATUSES),
        recent_checks=list(checks[:RECENT_CHECKS]),
    )
