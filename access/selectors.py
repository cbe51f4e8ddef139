"""The one door to "which cabinets may this user see": every page, htmx partial, API
endpoint, export, admin changelist and action, and command run with `--user` reads through
these functions, so that a cabinet outside a user's scope is never shown, counted or found.

An object outside the scope is answered as if it did not exist (404), never 403, so that a
user cannot learn that it does. Users who see all cabinets (the permission
`access.see_all_cabinets`; superusers hold it) read the tables unfiltered.
"""

from collections.abc import Iterable
from functools import reduce
from operator import or_

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.shortcuts import get_object_or_404

from sellers.models import Seller

from .models import Area, CabinetGrant, Level

SEE_ALL_CABINETS = "access.see_all_cabinets"

User = AbstractBaseUser | AnonymousUser


def sees_all_cabinets(user: User) -> bool:
    """Whether `user` sees every cabinet in every area (superusers do)."""
    return user.is_active and user.has_perm(SEE_ALL_CABINETS)


def grants_of(user: User) -> QuerySet[CabinetGrant]:
    """The grants that reach `user`: their own and those of their groups."""
    if not (user.is_authenticated and user.is_active):
        return CabinetGrant.objects.none()
    return CabinetGrant.objects.filter(Q(user=user) | Q(group__user=user))


def at_least(area: Area | str | None, *, change: bool) -> Q:
    """Grants that open `area` (any area, for None) for reading, or also for changing."""
    level = Level.CHANGE if change else Level.VIEW
    areas = Area.values if area is None else [Area(area)]
    return reduce(or_, (Q(**{f"{name}__gte": level}) for name in areas))


def visible_sellers(
    user: User, area: Area | str | None = None, *, change: bool = False
) -> QuerySet[Seller]:
    """The cabinets `user` may see in `area` (in any area, for None), or also change there."""
    if sees_all_cabinets(user):
        return Seller.objects.all()
    granted = grants_of(user).filter(at_least(area, change=change)).values("seller")
    return Seller.objects.filter(pk__in=granted)


def scoped(
    queryset: QuerySet,
    user: User,
    area: Area | str | None,
    *,
    change: bool = False,
    seller_field: str = "seller",
) -> QuerySet:
    """`queryset` narrowed to the rows of the cabinets `user` may see (or change) in `area`
    (in any area, for None); `seller_field` is the rows' path to their cabinet ("pk" for
    cabinets themselves). Rows of no cabinet are for users who see all cabinets only."""
    if sees_all_cabinets(user):
        return queryset
    allowed = visible_sellers(user, area, change=change).values("pk")
    return queryset.filter(**{f"{seller_field}__in": allowed})


def get_visible_or_404(
    queryset: QuerySet,
    user: User,
    area: Area | str | None,
    *,
    change: bool = False,
    seller_field: str = "seller",
    **lookup,
) -> Model:
    """The one object of `queryset` that `lookup` names, if `user` may see its cabinet in
    `area`; otherwise 404, as for an object that does not exist. With `change`, one they may
    only read is refused (403): they know of it already."""
    found = get_object_or_404(scoped(queryset, user, area, seller_field=seller_field), **lookup)
    if change and not sees_all_cabinets(user):
        changeable = scoped(queryset, user, area, change=True, seller_field=seller_field)
        if not changeable.filter(pk=found.pk).exists():
            raise PermissionDenied
    return found


def may_access(
    user: User, seller: Seller | None, area: Area | str | None, *, change: bool = False
) -> bool:
    """Whether `user` may see (or change) `seller`'s cabinet in `area`: for buttons and links
    on a page that already shows the cabinet."""
    if sees_all_cabinets(user):
        return True
    if seller is None:
        return False
    return grants_of(user).filter(at_least(area, change=change), seller=seller).exists()


def cabinet_levels(user: User, seller: Seller) -> dict[str, int]:
    """The level `user` holds in each area of `seller`'s cabinet: the highest any of their
    grants gives (every area at CHANGE for users who see all cabinets)."""
    if sees_all_cabinets(user):
        return dict.fromkeys(Area.values, Level.CHANGE)
    return levels_by_cabinet(user, [seller.pk]).get(seller.pk, NO_LEVELS)


NO_LEVELS = dict.fromkeys(Area.values, Level.NONE)


def levels_by_cabinet(user: User, seller_ids: list[int] | None = None) -> dict[int, dict]:
    """For each cabinet `user` is given (of `seller_ids`, if given), the level they hold in
    each area, read in one query; for users who see all cabinets, only their own grants."""
    grants = grants_of(user)
    if seller_ids is not None:
        grants = grants.filter(seller__in=seller_ids)
    held: dict[int, dict] = {}
    for grant in grants:
        levels = held.setdefault(grant.seller_id, dict(NO_LEVELS))
        for area, level in grant.levels.items():
            levels[area] = max(levels[area], level)
    return held


def visible_grants(user: User, *, query: str = "") -> QuerySet[CabinetGrant]:
    """The grants of the cabinets `user` sees (in any area), by cabinet, for managing them;
    `query` matches the cabinet's name, trade mark or seller ID, a username or a group."""
    grants = scoped(CabinetGrant.objects.select_related("seller", "user", "group"), user, None)
    if query:
        grants = grants.filter(
            Q(seller__name__icontains=query)
            | Q(seller__trade_mark__icontains=query)
            | Q(seller__sid=query)
            | Q(user__username__icontains=query)
            | Q(group__name__icontains=query)
        )
    return grants.order_by("seller__name", "seller__sid", "user__username", "group__name")


def held_at_least(user: User, grants: Iterable[CabinetGrant]) -> set[int]:
    """The ids of those `grants` that `user` holds at least as much as, in every area: those
    they may change or take back (see access.services)."""
    grants = list(grants)
    if sees_all_cabinets(user):
        return {grant.pk for grant in grants}
    held = levels_by_cabinet(user, [grant.seller_id for grant in grants])
    return {
        grant.pk
        for grant in grants
        if all(
            level <= held.get(grant.seller_id, NO_LEVELS)[area]
            for area, level in grant.levels.items()
        )
    }
