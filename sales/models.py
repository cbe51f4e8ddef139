"""Orders, sales and returns as statistics-api reports them, one row per WB row.

An order is one unit, keyed per seller by WB's `srid`; its row changes when it is cancelled
(WB moves its `lastChangeDate`). A sale (`saleID` S…) or a return (R…) is keyed by `saleID`
and carries the `srid` of its order. Products and sizes are WB's `nmId` and barcode, so a row
needs no catalogue to be stored. They link to the catalogue by these natural keys (indexed),
not by foreign keys: statistics-api may list an order before the card of its product is
synced, and a foreign key would make storing an order wait for, or fail without, the
catalogue; the rollups and pages join by (seller, nmID) and (seller, barcode). WB's text
has no documented length: text columns are unbounded so that no WB value can fail a page.
Money is Decimal.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sellers.models import Seller

MONEY = {"max_digits": 14, "decimal_places": 2}


class TradeRow(models.Model):
    """What WB's orders and sales rows have in common."""

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, verbose_name=_("seller"))
    srid = models.TextField(_("srid"))
    date = models.DateTimeField(_("date"))
    last_change_date = models.DateTimeField(_("last changed"))
    warehouse_name = models.TextField(_("warehouse"), blank=True)
    warehouse_type = models.TextField(_("warehouse type"), blank=True)
    country_name = models.TextField(_("country"), blank=True)
    oblast_okrug_name = models.TextField(_("federal district"), blank=True)
    region_name = models.TextField(_("region"), blank=True)
    supplier_article = models.TextField(_("vendor code"), blank=True)
    nm_id = models.BigIntegerField(_("nmID"), null=True, blank=True)
    barcode = models.TextField(_("barcode"), blank=True)
    category = models.TextField(_("category"), blank=True)
    subject = models.TextField(_("subject"), blank=True)
    brand = models.TextField(_("brand"), blank=True)
    tech_size = models.TextField(_("size"), blank=True)
    income_id = models.BigIntegerField(_("supply"), null=True, blank=True)
    is_supply = models.BooleanField(_("supply contract"), null=True, blank=True)
    is_realization = models.BooleanField(_("realization contract"), null=True, blank=True)
    total_price = models.DecimalField(_("price before discounts"), null=True, **MONEY)
    discount_percent = models.IntegerField(_("discount, %"), null=True, blank=True)
    spp = models.DecimalField(_("WB discount (SPP), %"), null=True, **MONEY)
    finished_price = models.DecimalField(_("price paid by the buyer"), null=True, **MONEY)
    price_with_disc = models.DecimalField(_("price with discount"), null=True, **MONEY)
    sticker = models.TextField(_("sticker"), blank=True)
    g_number = models.TextField(_("basket (gNumber)"), blank=True)

    class Meta:
        abstract = True


class Order(TradeRow):
    is_cancel = models.BooleanField(_("cancelled"), default=False)
    cancel_date = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.UniqueConstraint(fields=["seller", "srid"], name="order_seller_srid_uniq")
        ]
        indexes = [
            models.Index(fields=["seller", "-date", "-id"], name="order_seller_date_idx"),
            models.Index(fields=["seller", "nm_id"], name="order_seller_nm_idx"),
            models.Index(fields=["seller", "barcode"], name="order_seller_barcode_idx"),
            models.Index(fields=["seller", "supplier_article"], name="order_seller_article_idx"),
            # The daily rollups find a day's cancellations by it.
            models.Index(fields=["seller", "cancel_date"], name="order_seller_cancel_idx"),
        ]

    def __str__(self) -> str:
        return self.srid


class Sale(TradeRow):
    sale_id = models.TextField(_("sale ID"))
    # WB's saleID says it: S… a sale, R… a return; kept as a column to filter and sum by.
    is_return = models.BooleanField(_("return"), default=False)
    payment_sale_amount = models.IntegerField(_("paid with WB's wallet"), null=True, blank=True)
    for_pay = models.DecimalField(_("to pay the seller"), null=True, **MONEY)

    class Meta:
        verbose_name = _("sale or return")
        verbose_name_plural = _("sales and returns")
        constraints = [
            models.UniqueConstraint(fields=["seller", "sale_id"], name="sale_seller_saleid_uniq")
        ]
        indexes = [
            models.Index(fields=["seller", "-date", "-id"], name="sale_seller_date_idx"),
            models.Index(fields=["seller", "srid"], name="sale_seller_srid_idx"),
            models.Index(fields=["seller", "nm_id"], name="sale_seller_nm_idx"),
            models.Index(fields=["seller", "barcode"], name="sale_seller_barcode_idx"),
            models.Index(fields=["seller", "supplier_article"], name="sale_seller_article_idx"),
        ]

    def __str__(self) -> str:
        return self.sale_id
