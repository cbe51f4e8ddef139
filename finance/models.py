"""The realization report (finance-api): report headers with WB's totals, and their rows.

A report is keyed per seller by WB's `reportId`, a row by its `rrdId`. Rows name their report
by `report_id` rather than a foreign key: rows may come before their header (the list of
reports is for personal and service tokens only), and a header is made from them then. When
WB revises a report, it sends the report again with a later `createDate` and new `rrdId`s: the
rows of the earlier version are removed as the new ones are stored. Money is Decimal.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sellers.models import Seller

MONEY = {"max_digits": 16, "decimal_places": 2, "null": True, "blank": True}
PERCENT = {"max_digits": 9, "decimal_places": 4, "null": True, "blank": True}


class Report(models.Model):
    class Period(models.TextChoices):
        WEEKLY = "weekly", _("weekly")
        DAILY = "daily", _("daily")

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, verbose_name=_("seller"))
    report_id = models.BigIntegerField(_("report ID"))
    period = models.CharField(_("period"), max_length=8, choices=Period, default=Period.WEEKLY)
    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"))
    create_date = models.DateField(_("created"), null=True, blank=True)
    report_type = models.IntegerField(_("report type"), null=True, blank=True)
    # Defaults in the database too: a header made from rows gives neither.
    seller_finance_name = models.TextField(_("legal entity"), blank=True, db_default="")
    currency = models.TextField(_("currency"), blank=True)
    retail_amount_sum = models.DecimalField(_("sales"), **MONEY)
    for_pay_sum = models.DecimalField(_("for goods sold"), **MONEY)
    delivery_service_sum = models.DecimalField(_("logistics"), **MONEY)
    penalty_sum = models.DecimalField(_("penalties"), **MONEY)
    paid_storage_sum = models.DecimalField(_("storage"), **MONEY)
    deduction_sum = models.DecimalField(_("deductions"), **MONEY)
    paid_acceptance_sum = models.DecimalField(_("acceptance"), **MONEY)
    additional_payment_sum = models.DecimalField(_("additional payments"), **MONEY)
    cashback_amount_sum = models.DecimalField(_("cashback"), **MONEY)
    cashback_discount_sum = models.DecimalField(_("cashback discount"), **MONEY)
    cashback_commission_change_sum = models.DecimalField(_("cashback commission"), **MONEY)
    bank_payment_sum = models.DecimalField(_("to pay"), **MONEY)
    avg_sale_percent = models.DecimalField(_("average discount, %"), **PERCENT)
    payment_schedule = models.TextField(_("payment schedule"), blank=True, db_default="")
    # Whether WB's list of reports has given the header (and its totals) or only rows have.
    listed = models.BooleanField(_("listed by WB"), default=False, db_default=False)
    # Figures the header lacks, summed from the stored rows once a page of them is stored,
    # so that the list of reports never adds up rows.
    returns_sum = models.DecimalField(_("returns"), **MONEY)
    commission_sum = models.DecimalField(_("commission"), **MONEY)
    rows_count = models.IntegerField(_("rows"), default=0, db_default=0)
    # The creation date of the stored rows: older than `create_date` once WB revised it.
    rows_created = models.DateField(_("rows created"), null=True, blank=True)
    # WB's list gave other totals for the same createDate as the stored rows: WB revised the
    # report the same day. It is read again, and its first rows read replace the stored ones.
    rows_outdated = models.BooleanField(
        _("revised since its rows were read"), default=False, db_default=False
    )

    class Meta:
        verbose_name = _("finance report")
        verbose_name_plural = _("finance reports")
        constraints = [
            models.UniqueConstraint(fields=["seller", "report_id"], name="report_seller_id_uniq")
        ]
        indexes = [
            models.Index(
                fields=["seller", "-date_from", "-report_id"], name="report_seller_date_idx"
            )
        ]

    def __str__(self) -> str:
        return str(self.report_id)


class ReportRow(models.Model):
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, verbose_name=_("seller"))
    report_id = models.BigIntegerField(_("report ID"))
    rrd_id = models.BigIntegerField(_("row ID (rrdId)"))
    create_date = models.DateField(_("report created"), null=True, blank=True)
    gi_id = models.BigIntegerField(_("supply"), null=True, blank=True)
    subject_name = models.TextField(_("subject"), blank=True)
    nm_id = models.BigIntegerField(_("nmID"), null=True, blank=True)
    brand_name = models.TextField(_("brand"), blank=True)
    vendor_code = models.TextField(_("vendor code"), blank=True)
    title = models.TextField(_("title"), blank=True)
    tech_size = models.TextField(_("size"), blank=True)
    sku = models.TextField(_("barcode"), blank=True)
    doc_type_name = models.TextField(_("document type"), blank=True)
    quantity = models.IntegerField(_("quantity"), null=True, blank=True)
    retail_price = models.DecimalField(_("retail price"), **MONEY)
    retail_amount = models.DecimalField(_("sold for"), **MONEY)
    sale_percent = models.DecimalField(_("discount, %"), **PERCENT)
    commission_percent = models.DecimalField(_("commission, %"), **PERCENT)
    office_name = models.TextField(_("warehouse"), blank=True)
    seller_oper_name = models.TextField(_("operation"), blank=True)
    order_dt = models.DateTimeField(_("ordered"), null=True, blank=True)
    sale_dt = models.DateTimeField(_("sold"), null=True, blank=True)
    rr_date = models.DateField(_("operation date"), null=True, blank=True)
    shk_id = models.BigIntegerField(_("item code (shk)"), null=True, blank=True)
    retail_price_with_disc = models.DecimalField(_("price with discount"), **MONEY)
    delivery_amount = models.IntegerField(_("deliveries"), null=True, blank=True)
    return_amount = models.IntegerField(_("returns"), null=True, blank=True)
    delivery_service = models.DecimalField(_("logistics"), **MONEY)
    spp = models.DecimalField(_("WB discount (SPP), %"), **PERCENT)
    kvw = models.DecimalField(_("commission rate, %"), **PERCENT)
    kvw_base = models.DecimalField(_("base commission rate, %"), **PERCENT)
    ppvz_sales_commission = models.DecimalField(_("commission"), **MONEY)
    for_pay = models.DecimalField(_("for goods sold"), **MONEY)
    ppvz_reward = models.DecimalField(_("pickup point reward"), **MONEY)
    acquiring_fee = models.DecimalField(_("acquiring fee"), **MONEY)
    acquiring_percent = models.DecimalField(_("acquiring, %"), **PERCENT)
    acquiring_bank = models.TextField(_("acquiring bank"), blank=True)
    vw = models.DecimalField(_("WB's reward"), **MONEY)
    vw_nds = models.DecimalField(_("VAT on WB's reward"), **MONEY)
    ppvz_office_id = models.BigIntegerField(_("pickup point"), null=True, blank=True)
    ppvz_office_name = models.TextField(_("pickup point name"), blank=True)
    bonus_type_name = models.TextField(_("reason"), blank=True)
    sticker_id = models.TextField(_("sticker"), blank=True)
    country = models.TextField(_("country"), blank=True)
    penalty = models.DecimalField(_("penalty"), **MONEY)
    additional_payment = models.DecimalField(_("additional payment"), **MONEY)
    rebill_logistic_cost = models.DecimalField(_("logistics rebilled"), **MONEY)
    paid_storage = models.DecimalField(_("storage"), **MONEY)
    deduction = models.DecimalField(_("deduction"), **MONEY)
    paid_acceptance = models.DecimalField(_("acceptance"), **MONEY)
    order_id = models.BigIntegerField(_("assembly task"), null=True, blank=True)
    kiz = models.TextField(_("marking code"), blank=True)
    is_b2b = models.BooleanField(_("business buyer"), null=True, blank=True)
    trbx_id = models.TextField(_("box"), blank=True)
    cashback_amount = models.DecimalField(_("cashback"), **MONEY)
    cashback_discount = models.DecimalField(_("cashback discount"), **MONEY)
    cashback_commission_change = models.DecimalField(_("cashback commission"), **MONEY)
    seller_promo_id = models.BigIntegerField(_("promotion"), null=True, blank=True)
    uuid_promocode = models.TextField(_("promo code"), blank=True)
    order_uid = models.TextField(_("basket"), blank=True)
    srid = models.TextField(_("srid"), blank=True)

    class Meta:
        verbose_name = _("finance report row")
        verbose_name_plural = _("finance report rows")
        constraints = [
            models.UniqueConstraint(fields=["seller", "rrd_id"], name="reportrow_seller_rrd_uniq")
        ]
        indexes = [
            models.Index(fields=["seller", "report_id", "rrd_id"], name="reportrow_report_idx"),
            models.Index(fields=["seller", "srid"], name="reportrow_seller_srid_idx"),
        ]

    def __str__(self) -> str:
        return str(self.rrd_id)
