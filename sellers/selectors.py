"""Reads of seller cabinets, as a user may see them (see access.selectors)."""

from dataclasses import dataclass

from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q, QuerySet

from access.models import Area
from access.selectors import User, scoped, visible_sellers
from tokens.models import EXPIRY_WARNING_DAYS, WBToken, WBTokenCheck
from tokens.selectors import PROBLEM_STATUSES, tokens_per_status, visible_tokens, with_key_id

from .models import Seller


def tokens_shown(user: User) -> QuerySet[WBToken]:
    """What a cabinet's pages show of each token `user` sees: never the secret, but the id
    of its key, so that one no configured key can read is shown as such."""
    return with_key_id(visible_tokens(user).order_by("name", "pk"))


def sellers_with_tokens(user: User, *, query: str = "") -> QuerySet[Seller]:
    """The list of cabinets `user` sees in any area: each with the tokens they see (for
    their states and coverage) and `shows_tokens`, whether they see its tokens area."""
    in_tokens_area = Q(pk__in=visible_sellers(user, Area.TOKENS).values("pk"))
    sellers = visible_sellers(user).annotate(
        shows_tokens=ExpressionWrapper(in_tokens_area, output_field=BooleanField())
    )
    if query:
        sellers = sellers.filter(
            Q(name__icontains=query)
            | Q(trade_mark__icontains=query)
            | Q(tin__startswith=query)
            | Q(sid=query)
        )
    return sellers.prefetch_related(Prefetch("tokens", queryset=tokens_shown(user))).order_by(
        "name", "sid"
    )


def seller_tokens(seller: Seller, user: User) -> QuerySet[WBToken]:
    return tokens_shown(user).filter(seller=seller)


@dataclass(frozen=True)
class Overview:
    """The home page's headline figures about the cabinets a user sees and their tokens."""

    cabinets: int
    tokens: int
    valid: int
    expiring: int
    problems: int
    recent_checks: list[WBTokenCheck]


RECENT_CHECKS = 10


def overview(user: User) -> Overview:
    per_status = tokens_per_status(user)
    checks = scoped(
        WBTokenCheck.objects.select_related("token__seller"),
        user,
        Area.TOKENS,
        seller_field="token__seller",
    ).order_by("-checked_at", "-id")
    return Overview(
        cabinets=visible_sellers(user).count(),
        tokens=sum(per_status.values()),
        valid=per_status.get(WBToken.Status.VALID, 0),
        expiring=visible_tokens(user).expiring_within(EXPIRY_WARNING_DAYS).count(),
        problems=sum(per_status.get(status, 0) for status in PROBLEM_STATUSES),
        recent_checks=list(checks[:RECENT_CHECKS]),
    )
