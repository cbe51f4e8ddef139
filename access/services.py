"""Writes to who sees which cabinet. Each change is refused if it would give more than its
author holds, and is recorded twice: a Django admin history entry (who, when, which areas)
and a line on the `wberp.security` logger with the levels themselves."""

import logging

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from sellers.models import Seller
from wberp.audit import ADDITION, CHANGE, DELETION, audit

from .models import Area, CabinetGrant, Level
from .selectors import cabinet_levels, held_at_least

security_log = logging.getLogger("wberp.security")


class AccessRefused(Exception):
    """A change of access that may not be made; `message` says why, `field` where."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def grant_create(
    *,
    by: AbstractBaseUser,
    seller: Seller,
    user: AbstractBaseUser | None = None,
    group: Group | None = None,
    levels: dict[str, int],
) -> CabinetGrant:
    """Give `seller`'s cabinet to a user or a group (exactly one) at `levels` per area."""
    if (user is None) == (group is None):
        raise AccessRefused(_("Give the cabinet to a user or to a group, not both."))
    refuse_nothing_given(levels)
    refuse_above_own(by, seller, levels)
    grant = CabinetGrant(seller=seller, user=user, group=group, **levels)
    try:
        with transaction.atomic():
            grant.save()
            audit(by, grant, ADDITION, [{"added": {}}])
    except IntegrityError:
        raise AccessRefused(
            _("%(grantee)s already has access to this cabinet: change it instead.")
            % {"grantee": grant.grantee}
        ) from None
    log_event("create", by, grant)
    return grant


def grant_update(
    *, by: AbstractBaseUser, grant: CabinetGrant, levels: dict[str, int]
) -> CabinetGrant:
    """Change the levels of a grant; a grant left with no area is refused (delete it)."""
    refuse_nothing_given(levels)
    refuse_above_own(by, grant.seller, grant.levels)
    refuse_above_own(by, grant.seller, levels)
    changed = [area for area in Area if grant.levels[area] != levels[area]]
    if not changed:
        return grant
    with transaction.atomic():
        for area in changed:
            setattr(grant, area, levels[area])
        grant.save(update_fields=[*changed, "updated_at"])
        # Untranslated labels, as the admin stores them: the history shows them in the
        # reader's language.
        with translation.override(None):
            fields = [str(Area(area).label) for area in changed]
        audit(by, grant, CHANGE, [{"changed": {"fields": fields}}])
    log_event("update", by, grant)
    return grant


def grant_delete(*, by: AbstractBaseUser, grant: CabinetGrant) -> None:
    refuse_above_own(by, grant.seller, grant.levels)
    with transaction.atomic():
        audit(by, grant, DELETION, "")
        grant.delete()
    log_event("delete", by, grant)


def refuse_nothing_given(levels: dict[str, int]) -> None:
    if not any(levels.get(area, Level.NONE) for area in Area.values):
        raise AccessRefused(_("Choose at least one area to give."))


def areas_above_own(by: AbstractBaseUser, seller: Seller, levels: dict[str, int]) -> list[str]:
    own = cabinet_levels(by, seller)
    return [area for area, level in levels.items() if level > own[area]]


def may_give(by: AbstractBaseUser, grant: CabinetGrant) -> bool:
    """Whether `by` holds at least what `grant` gives, and so may change or take it back."""
    return grant.pk in held_at_least(by, [grant])


def refuse_above_own(by: AbstractBaseUser, seller: Seller, levels: dict[str, int]) -> None:
    """Nobody gives (or takes back) more of a cabinet than they hold themselves."""
    above = [Area(area).label for area in areas_above_own(by, seller, levels)]
    if above:
        raise AccessRefused(
            _("You cannot give more than you hold yourself in: %(areas)s.")
            % {"areas": ", ".join(str(label) for label in above)}
        )


def log_event(action: str, by: AbstractBaseUser, grant: CabinetGrant) -> None:
    grantee = f"user:{grant.user.get_username()}" if grant.user_id else f"group:{grant.group}"
    levels = ",".join(f"{area}:{Level(level).name.lower()}" for area, level in grant.levels.items())
    security_log.info(
        "access %s user=%s seller=%s grantee=%s levels=%s",
        action,
        by.get_username(),
        grant.seller.sid,
        grantee,
        levels,
        extra={"event": f"access_{action}"},
    )
