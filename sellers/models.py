"""Seller cabinets: the WB seller profiles whose tokens wberp keeps and whose data it pulls.

A seller is known by WB's seller UUID (`sid`), which every token of the cabinet carries in its
claims; its name, INN, trade mark and country come from WB's seller-info.
"""

from datetime import timedelta

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# WB's seller-info is asked when a token is added or replaced, and at most this often after.
SELLER_INFO_MAX_AGE = timedelta(days=1)


class Seller(models.Model):
    sid = models.CharField(_("seller ID"), max_length=64, unique=True)
    oid = models.BigIntegerField(_("seller number"), null=True, blank=True)
    name = models.CharField(_("name"), max_length=255, blank=True)
    tin = models.CharField(_("INN"), max_length=20, blank=True)
    trade_mark = models.CharField(_("trade mark"), max_length=255, blank=True)
    country = models.CharField(_("country"), max_length=64, blank=True)
    # When WB's seller-info last answered for this seller.
    info_checked_at = models.DateTimeField(_("seller info from WB"), null=True, blank=True)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("seller cabinet")
        verbose_name_plural = _("seller cabinets")
        ordering = ["name", "sid"]
        indexes = [models.Index(fields=["name", "sid"], name="seller_name_idx")]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("sellers:detail", args=[self.sid])

    @property
    def display_name(self) -> str:
        """The name WB gave, or the seller ID until WB has been asked."""
        return self.name or self.sid

    def info_is_due(self, now=None) -> bool:
        """Whether WB's seller-info should be asked again."""
        checked = self.info_checked_at
        return checked is None or checked <= (now or timezone.now()) - SELLER_INFO_MAX_AGE
