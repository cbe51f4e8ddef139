"""Cost prices and a cabinet's economics settings: what wberp needs, besides WB's finance
report, to compute margin and profit.

A cost price belongs to a vendor code of a cabinet, optionally narrowed to one of its sizes
or one barcode, and is valid from a date until the next one of the same key: the cost of a
sale is the one valid on the sale's date, so that entering a new cost never rewrites the
profit of months past.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sellers.models import Seller

MONEY = {"max_digits": 14, "decimal_places": 2}


class CostPrice(models.Model):
    seller = models.ForeignKey(
        Seller, on_delete=models.CASCADE, related_name="+", verbose_name=_("seller")
    )
    vendor_code = models.CharField(_("vendor code"), max_length=255)
    # Empty: every size (and barcode) of the vendor code.
    tech_size = models.CharField(_("size"), max_length=100, blank=True)
    barcode = models.CharField(_("barcode"), max_length=64, blank=True)
    valid_from = models.DateField(_("valid from"))
    cost = models.DecimalField(_("cost price"), validators=[MinValueValidator(0)], **MONEY)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("cost price")
        verbose_name_plural = _("cost prices")
        ordering = ["seller", "vendor_code", "tech_size", "barcode", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "vendor_code", "tech_size", "barcode", "valid_from"],
                name="costprice_key_uniq",
            ),
            models.CheckConstraint(condition=Q(cost__gte=0), name="costprice_cost_not_negative"),
        ]

    def __str__(self) -> str:
        scope = " ".join(part for part in (self.vendor_code, self.tech_size, self.barcode) if part)
        return f"{scope} {self.valid_from:%Y-%m-%d}: {self.cost}"


class CostUpload(models.Model):
    """A file of cost prices between its preview and its saving, and then the record of who
    saved how many rows when (its content dropped)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    seller = models.ForeignKey(
        Seller, on_delete=models.CASCADE, related_name="+", verbose_name=_("seller")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    file_name = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("content"), blank=True)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    saved_at = models.DateTimeField(_("saved"), null=True, blank=True)
    rows_saved = models.PositiveIntegerField(_("rows saved"), default=0)

    class Meta:
        verbose_name = _("cost price upload")
        verbose_name_plural = _("cost price uploads")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.file_name


class TaxBase(models.TextChoices):
    REVENUE = "revenue", _("Revenue (income)")
    PROFIT = "profit", _("Profit (income less expenses)")


class CabinetEconomics(models.Model):
    """A cabinet's tax: a rate of its revenue, or of its profit before tax when positive."""

    seller = models.OneToOneField(
        Seller, on_delete=models.CASCADE, related_name="economics", verbose_name=_("seller")
    )
    tax_rate = models.DecimalField(
        _("tax rate, %"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    tax_base = models.CharField(
        _("tax base"), max_length=8, choices=TaxBase, default=TaxBase.REVENUE
    )

    class Meta:
        verbose_name = _("cabinet economics")
        verbose_name_plural = _("cabinet economics")
        constraints = [
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0, tax_rate__lte=100), name="economics_tax_rate_range"
            )
        ]

    def __str__(self) -> str:
        return str(self.seller)  # one a cabinet
