"""Who sees which cabinet: grants of seller cabinets to a user or a group, area by area.

A user sees the cabinets granted to them or to one of their groups, in the areas and at the
level each grant gives; one who holds the permission "can see all cabinets" (superusers hold
every permission) sees every cabinet in every area. Django's model permissions still say
which actions a user may take at all: a grant only narrows them to some cabinets.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Area(models.TextChoices):
    """The parts of a cabinet a grant opens; each is a column of CabinetGrant."""

    TOKENS = "tokens", _("Tokens")
    CATALOGUE = "catalogue", _("Catalogue")
    SALES = "sales", _("Sales")
    FINANCE = "finance", _("Finance")
    SYNC = "sync", _("Sync")


class Level(models.IntegerChoices):
    """Ordered: a level includes every one below it."""

    NONE = 0, _("No access")
    VIEW = 1, _("Read only")
    CHANGE = 2, _("Read and change")


def level_field(area: Area) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(area.label, choices=Level.choices, default=Level.NONE)


class CabinetGrant(models.Model):
    """One cabinet given to one user or one group, with a level for each area."""

    seller = models.ForeignKey(
        "sellers.Seller",
        on_delete=models.CASCADE,
        related_name="grants",
        verbose_name=_("cabinet"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="cabinet_grants",
        verbose_name=_("user"),
    )
    group = models.ForeignKey(
        Group,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="cabinet_grants",
        verbose_name=_("group"),
    )
    tokens = level_field(Area.TOKENS)
    catalogue = level_field(Area.CATALOGUE)
    sales = level_field(Area.SALES)
    finance = level_field(Area.FINANCE)
    sync = level_field(Area.SYNC)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("access to a cabinet")
        verbose_name_plural = _("access to cabinets")
        ordering = ["seller__name", "seller__sid", "pk"]
        permissions = [("see_all_cabinets", _("Can see all cabinets"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, group__isnull=True)
                | Q(user__isnull=True, group__isnull=False),
                name="cabinetgrant_user_or_group",
                violation_error_message=_("Give the cabinet to a user or to a group, not both."),
            ),
            models.CheckConstraint(
                condition=Q(tokens__gt=0)
                | Q(catalogue__gt=0)
                | Q(sales__gt=0)
                | Q(finance__gt=0)
                | Q(sync__gt=0),
                name="cabinetgrant_some_area",
                violation_error_message=_("Choose at least one area to give."),
            ),
            # NULLs are distinct in a unique constraint: each holds for the grants it names.
            models.UniqueConstraint(fields=["seller", "user"], name="cabinetgrant_seller_user"),
            models.UniqueConstraint(fields=["seller", "group"], name="cabinetgrant_seller_group"),
        ]

    def __str__(self) -> str:
        return f"{self.seller} → {self.grantee}"

    @property
    def grantee(self):
        """The user or the group the cabinet is given to."""
        return self.user if self.user_id else self.group

    @property
    def levels(self) -> dict[str, int]:
        return {area: getattr(self, area) for area in Area.values}

    @property
    def level_labels(self) -> list[tuple[str, str, int]]:
        """(area, level in words, level) for each area, for a page's columns."""
        return [(area.label, Level(self.levels[area]).label, self.levels[area]) for area in Area]
