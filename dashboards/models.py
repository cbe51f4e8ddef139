"""Daily rollups: what the dashboards read instead of the raw orders, sales and report rows.

A row is one Moscow day of one cabinet (and, for trade, one product size: WB's nmID and
barcode, the natural keys the raw rows carry; 0 and "" when WB gave none). Ingest keeps them
equal to the raw rows in the transaction that stores those (dashboards.services), and
`manage.py rollups_rebuild` recomputes them. Nothing else writes them.

- OrderDay: the orders placed that day, and the cancellations made that day (by WB's
  cancelDate), each with its sum at the price with the seller's discount (priceWithDisc); of
  the orders placed that day also how many are cancelled by now and what the buyers paid for
  them (finishedPrice), the figures of the Orders page.
- SaleDay: the buyouts (saleID S…) and returns (R…) dated that day, their sums at the price
  with discount (returns as positive amounts), what WB said it pays for them (forPay, net) and
  what the buyers paid (finishedPrice, net), the figures of the Sales page.
- CabinetDay: OrderDay and SaleDay of a day summed over the cabinet's products, so that the
  headline figures and the charts read a row a day whatever the number of products.
- FinanceDay: the realization report rows of that operation day (rr_dt), summed by kind.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sellers.models import Seller

MONEY = {"max_digits": 16, "decimal_places": 2, "default": 0}


class TradeDay(models.Model):
    seller = models.ForeignKey(
        Seller, on_delete=models.CASCADE, related_name="+", verbose_name=_("seller")
    )
    day = models.DateField(_("day"))
    nm_id = models.BigIntegerField(_("nmID"), default=0)
    barcode = models.TextField(_("barcode"), blank=True, default="")

    class Meta:
        abstract = True


class OrderDay(TradeDay):
    orders = models.IntegerField(_("orders"), default=0)
    orders_sum = models.DecimalField(_("ordered for"), **MONEY)
    orders_cancelled = models.IntegerField(_("of them cancelled"), default=0)
    orders_finished_sum = models.DecimalField(_("buyers paid for them"), **MONEY)
    cancellations = models.IntegerField(_("cancellations"), default=0)
    cancellations_sum = models.DecimalField(_("cancelled for"), **MONEY)

    class Meta:
        verbose_name = _("orders of a day")
        verbose_name_plural = _("orders by day")
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "day", "nm_id", "barcode"], name="orderday_key_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.nm_id} {self.barcode}"


class SaleDay(TradeDay):
    buyouts = models.IntegerField(_("buyouts"), default=0)
    buyouts_sum = models.DecimalField(_("bought out for"), **MONEY)
    returns = models.IntegerField(_("returns"), default=0)
    returns_sum = models.DecimalField(_("returned for"), **MONEY)
    for_pay = models.DecimalField(_("to pay the seller"), **MONEY)
    sales_finished_sum = models.DecimalField(_("buyers paid, net"), **MONEY)

    class Meta:
        verbose_name = _("sales of a day")
        verbose_name_plural = _("sales by day")
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "day", "nm_id", "barcode"], name="saleday_key_uniq"
            )
        ]
        # A product's days: its history, and whether a product out of stock sold lately.
        indexes = [models.Index(fields=["seller", "nm_id", "day"], name="saleday_product_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.nm_id} {self.barcode}"


class CabinetDay(models.Model):
    seller = models.ForeignKey(
        Seller, on_delete=models.CASCADE, related_name="+", verbose_name=_("seller")
    )
    day = models.DateField(_("day"))
    orders = models.IntegerField(_("orders"), default=0)
    orders_sum = models.DecimalField(_("ordered for"), **MONEY)
    orders_cancelled = models.IntegerField(_("of them cancelled"), default=0)
    orders_finished_sum = models.DecimalField(_("buyers paid for them"), **MONEY)
    cancellations = models.IntegerField(_("cancellations"), default=0)
    cancellations_sum = models.DecimalField(_("cancelled for"), **MONEY)
    buyouts = models.IntegerField(_("buyouts"), default=0)
    buyouts_sum = models.DecimalField(_("bought out for"), **MONEY)
    returns = models.IntegerField(_("returns"), default=0)
    returns_sum = models.DecimalField(_("returned for"), **MONEY)
    for_pay = models.DecimalField(_("to pay the seller"), **MONEY)
    sales_finished_sum = models.DecimalField(_("buyers paid, net"), **MONEY)

    class Meta:
        verbose_name = _("trade of a day")
        verbose_name_plural = _("trade by day")
        constraints = [models.UniqueConstraint(fields=["seller", "day"], name="cabinetday_uniq")]

    def __str__(self) -> str:
        return str(self.day)


class FinanceDay(models.Model):
    seller = models.ForeignKey(
        Seller, on_delete=models.CASCADE, related_name="+", verbose_name=_("seller")
    )
    day = models.DateField(_("day"))
    sales = models.DecimalField(_("sales"), **MONEY)
    returns = models.DecimalField(_("returns"), **MONEY)
    for_pay = models.DecimalField(_("for goods sold"), **MONEY)
    commission = models.DecimalField(_("commission"), **MONEY)
    logistics = models.DecimalField(_("logistics"), **MONEY)
    storage = models.DecimalField(_("storage"), **MONEY)
    penalties = models.DecimalField(_("penalties"), **MONEY)
    deductions = models.DecimalField(_("deductions"), **MONEY)
    acceptance = models.DecimalField(_("acceptance"), **MONEY)
    additional = models.DecimalField(_("additional payments"), **MONEY)

    class Meta:
        verbose_name = _("finance of a day")
        verbose_name_plural = _("finance by day")
        constraints = [models.UniqueConstraint(fields=["seller", "day"], name="financeday_uniq")]

    def __str__(self) -> str:
        return str(self.day)
