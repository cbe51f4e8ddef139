from django.db import migrations, models
from django.db.models import IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce


def fill_stock_totals(apps, schema_editor):
    """The products stored before: their totals now, not at their next stocks pass."""
    Product, Size, Stock = (apps.get_model("catalog", name) for name in ("Product", "Size", "Stock"))
    sizes = Size.objects.filter(product_id=OuterRef(OuterRef("pk"))).values("chrt_id")
    stock = (
        Stock.objects.filter(seller_id=OuterRef("seller_id"), chrt_id__in=sizes)
        .order_by()
        .values("seller_id")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    Product.objects.update(
        stock_total=Coalesce(Subquery(stock), Value(0), output_field=IntegerField())
    )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_price_changes"),
        ("sellers", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="product",
            name="stock_total",
            field=models.IntegerField(default=0, db_default=0, editable=False, verbose_name="stock"),
        ),
        migrations.AddIndex(
            model_name="product",
            index=models.Index(
                fields=["seller", "stock_total", "nm_id"], name="catalog_product_stock_idx"
            ),
        ),
        migrations.RunPython(fill_stock_totals, migrations.RunPython.noop),
    ]
