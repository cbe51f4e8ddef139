"""A seller's catalogue as WB knows it: products and their sizes and barcodes, prices,
warehouses, stocks, and a daily stock snapshot (WB keeps no stock history; wberp does).

Every row is keyed by WB's own ids, unique per seller, so that the sync upserts: reading a page
twice changes nothing. Prices and stocks refer to a size by its chrtID and to a product by its
nmID, not by a foreign key: WB may list them before the cards that describe those sizes.
Each synced row carries `sync_pass`, the number of the pass that last saw it (a snapshot pass
removes the rows it did not see), and `changed_at`, when wberp last saw its values change.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SyncedRow(models.Model):
    """What every synced row has: its seller, the pass that last saw it, when it changed."""

    seller = models.ForeignKey("sellers.Seller", on_delete=models.CASCADE, related_name="+")
    sync_pass = models.PositiveIntegerField(_("sync pass"), default=0)
    changed_at = models.DateTimeField(_("changed"))

    class Meta:
        abstract = True


class Product(SyncedRow):
    nm_id = models.BigIntegerField(_("nmID"))
    imt_id = models.BigIntegerField(_("imtID"), null=True, blank=True)
    nm_uuid = models.CharField(_("nmUUID"), max_length=64, blank=True)
    subject_id = models.BigIntegerField(_("subject ID"), null=True, blank=True)
    subject_name = models.CharField(_("subject"), max_length=255, blank=True)
    vendor_code = models.CharField(_("vendor code"), max_length=255, blank=True)
    brand = models.CharField(_("brand"), max_length=255, blank=True)
    title = models.CharField(_("title"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    # WB's photo URLs, one {big, c246x328, c516x688, square, tm} object a photo.
    photos = models.JSONField(_("photos"), default=list, blank=True)
    video = models.CharField(_("video"), max_length=500, blank=True)
    length_cm = models.IntegerField(_("length, cm"), null=True, blank=True)
    width_cm = models.IntegerField(_("width, cm"), null=True, blank=True)
    height_cm = models.IntegerField(_("height, cm"), null=True, blank=True)
    weight_kg = models.DecimalField(
        _("weight, kg"), max_digits=12, decimal_places=3, null=True, blank=True
    )
    wb_created_at = models.DateTimeField(_("created on WB"), null=True, blank=True)
    wb_updated_at = models.DateTimeField(_("updated on WB"), null=True, blank=True)
    # Units on every warehouse, FBS and FBW, as the last stocks or cards pass left them
    # (catalog.datasets): here, so that the list sorts and filters by it on an index.
    stock_total = models.IntegerField(_("stock"), default=0, db_default=0, editable=False)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["seller", "nm_id"]
        constraints = [
            models.UniqueConstraint(fields=["seller", "nm_id"], name="catalog_product_unique")
        ]
        indexes = [
            models.Index(fields=["seller", "vendor_code"], name="catalog_product_vendor_idx"),
            models.Index(fields=["seller", "brand"], name="catalog_product_brand_idx"),
            models.Index(fields=["seller", "sync_pass"], name="catalog_product_pass_idx"),
            models.Index(
                fields=["seller", "stock_total", "nm_id"], name="catalog_product_stock_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.nm_id} {self.vendor_code}".strip()


class Size(models.Model):
    seller = models.ForeignKey("sellers.Seller", on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="sizes", verbose_name=_("product")
    )
    chrt_id = models.BigIntegerField(_("chrtID"))
    tech_size = models.CharField(_("size"), max_length=100, blank=True)
    wb_size = models.CharField(_("WB size"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("size")
        verbose_name_plural = _("sizes")
        ordering = ["product", "chrt_id"]
        constraints = [
            models.UniqueConstraint(fields=["seller", "chrt_id"], name="catalog_size_unique")
        ]

    def __str__(self) -> str:
        return f"{self.chrt_id} {self.tech_size}".strip()


class Barcode(models.Model):
    seller = models.ForeignKey("sellers.Seller", on_delete=models.CASCADE, related_name="+")
    size = models.ForeignKey(
        Size, on_delete=models.CASCADE, related_name="barcodes", verbose_name=_("size")
    )
    barcode = models.CharField(_("barcode"), max_length=64)

    class Meta:
        verbose_name = _("barcode")
        verbose_name_plural = _("barcodes")
        ordering = ["size", "barcode"]
        constraints = [
            models.UniqueConstraint(fields=["seller", "barcode"], name="catalog_barcode_unique")
        ]

    def __str__(self) -> str:
        return self.barcode


class Price(SyncedRow):
    """A size's price and the product's discounts, as WB's prices list gives them."""

    nm_id = models.BigIntegerField(_("nmID"))
    chrt_id = models.BigIntegerField(_("chrtID"))
    vendor_code = models.CharField(_("vendor code"), max_length=255, blank=True)
    tech_size = models.CharField(_("size"), max_length=100, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=2, null=True)
    discounted_price = models.DecimalField(
        _("price with discount"), max_digits=14, decimal_places=2, null=True
    )
    club_discounted_price = models.DecimalField(
        _("price with WB Club discount"), max_digits=14, decimal_places=2, null=True
    )
    discount = models.IntegerField(_("discount, %"), null=True)
    club_discount = models.IntegerField(_("WB Club discount, %"), null=True)
    editable_size_price = models.BooleanField(_("priced per size"), null=True)

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        ordering = ["seller", "nm_id", "chrt_id"]
        constraints = [
            models.UniqueConstraint(fields=["seller", "chrt_id"], name="catalog_price_unique")
        ]
        indexes = [
            models.Index(fields=["seller", "nm_id"], name="catalog_price_nm_idx"),
            models.Index(fields=["seller", "sync_pass"], name="catalog_price_pass_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.chrt_id}: {self.price}"


class PriceChange(models.Model):
    """A size's price and discount as the prices sync first saw them, and each time either
    changed since: WB's prices list has none of its own history."""

    seller = models.ForeignKey("sellers.Seller", on_delete=models.CASCADE, related_name="+")
    nm_id = models.BigIntegerField(_("nmID"))
    chrt_id = models.BigIntegerField(_("chrtID"))
    tech_size = models.CharField(_("size"), max_length=100, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=2, null=True)
    discount = models.IntegerField(_("discount, %"), null=True)
    discounted_price = models.DecimalField(
        _("price with discount"), max_digits=14, decimal_places=2, null=True
    )
    seen_at = models.DateTimeField(_("seen"))

    class Meta:
        verbose_name = _("price change")
        verbose_name_plural = _("price changes")
        ordering = ["seller", "nm_id", "-seen_at", "chrt_id"]
        indexes = [
            models.Index(fields=["seller", "nm_id", "seen_at"], name="catalog_pricechange_nm_idx")
        ]

    def __str__(self) -> str:
        return f"{self.chrt_id}: {self.price} −{self.discount}% @ {self.seen_at:%Y-%m-%d %H:%M}"


class Warehouse(SyncedRow):
    """One of the seller's own warehouses (FBS/DBS)."""

    warehouse_id = models.BigIntegerField(_("warehouse ID"))
    name = models.CharField(_("name"), max_length=255, blank=True)
    office_id = models.BigIntegerField(_("WB office"), null=True, blank=True)
    cargo_type = models.IntegerField(_("cargo type"), null=True, blank=True)
    delivery_type = models.IntegerField(_("delivery type"), null=True, blank=True)
    is_deleting = models.BooleanField(_("being deleted"), null=True)
    is_processing = models.BooleanField(_("being processed"), null=True)

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["seller", "name", "warehouse_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "warehouse_id"], name="catalog_warehouse_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name or str(self.warehouse_id)


class StockKind(models.TextChoices):
    FBS = "fbs", _("Seller's warehouse (FBS)")
    FBW = "fbw", _("WB warehouse (FBW)")


class Stock(SyncedRow):
    """A size's stock on one warehouse: the seller's own (FBS) or WB's (FBW)."""

    kind = models.CharField(_("kind"), max_length=3, choices=StockKind.choices)
    warehouse_id = models.BigIntegerField(_("warehouse ID"))
    warehouse_name = models.CharField(_("warehouse"), max_length=255, blank=True)
    region_name = models.CharField(_("region"), max_length=255, blank=True)
    chrt_id = models.BigIntegerField(_("chrtID"))
    nm_id = models.BigIntegerField(_("nmID"), null=True, blank=True)
    quantity = models.IntegerField(_("quantity"))
    in_way_to_client = models.IntegerField(_("on the way to customers"), null=True, blank=True)
    in_way_from_client = models.IntegerField(_("on the way back"), null=True, blank=True)

    class Meta:
        verbose_name = _("stock")
        verbose_name_plural = _("stocks")
        ordering = ["seller", "kind", "warehouse_id", "chrt_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "kind", "warehouse_id", "chrt_id"], name="catalog_stock_unique"
            )
        ]
        indexes = [
            models.Index(fields=["seller", "chrt_id"], name="catalog_stock_chrt_idx"),
            models.Index(fields=["seller", "kind", "sync_pass"], name="catalog_stock_pass_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.chrt_id} @ {self.warehouse_id}: {self.quantity}"


class StockSnapshot(models.Model):
    """A size's stock on a warehouse as a day's last full stocks pass found it."""

    seller = models.ForeignKey("sellers.Seller", on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=3, choices=StockKind.choices)
    warehouse_id = models.BigIntegerField(_("warehouse ID"))
    chrt_id = models.BigIntegerField(_("chrtID"))
    nm_id = models.BigIntegerField(_("nmID"), null=True, blank=True)
    quantity = models.IntegerField(_("quantity"))

    class Meta:
        verbose_name = _("daily stock")
        verbose_name_plural = _("daily stocks")
        ordering = ["seller", "-day", "kind", "warehouse_id", "chrt_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "day", "kind", "warehouse_id", "chrt_id"],
                name="catalog_snapshot_unique",
            )
        ]
        indexes = [models.Index(fields=["seller", "chrt_id", "day"], name="catalog_snap_chrt_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.chrt_id} @ {self.warehouse_id}: {self.quantity}"
