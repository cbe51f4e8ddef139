"""For tests of any app: a cabinet's catalogue written straight into the tables, as a sync
would leave it, without the emulator."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone

from sellers.models import Seller

from .models import Barcode, Price, Product, Size, Stock, StockKind, StockSnapshot
from .selectors import stock_totals_refresh


@dataclass
class SizeSpec:
    chrt_id: int
    tech_size: str = "M"
    barcodes: tuple[str, ...] = ()
    price: Decimal | None = Decimal("1000")
    discount: int = 0
    # (kind, warehouse id, warehouse name) -> quantity
    stocks: dict[tuple[str, int, str], int] = field(default_factory=dict)


FBS_HOME = (StockKind.FBS, 1, "Home warehouse")
FBW_KOLEDINO = (StockKind.FBW, 507, "Коледино")


def product_make(
    seller: Seller,
    nm_id: int,
    *,
    vendor_code: str = "",
    title: str = "",
    brand: str = "",
    subject: str = "",
    sizes: list[SizeSpec] = (),
) -> Product:
    now = timezone.now()
    product = Product.objects.create(
        seller=seller,
        nm_id=nm_id,
        vendor_code=vendor_code or f"VC-{nm_id}",
        title=title,
        brand=brand,
        subject_name=subject,
        changed_at=now,
        wb_updated_at=now,
    )
    for spec in sizes:
        size = Size.objects.create(
            seller=seller, product=product, chrt_id=spec.chrt_id, tech_size=spec.tech_size
        )
        Barcode.objects.bulk_create(
            Barcode(seller=seller, size=size, barcode=barcode) for barcode in spec.barcodes
        )
        if spec.price is not None:
            discounted = spec.price * (100 - spec.discount) / 100
            Price.objects.create(
                seller=seller,
                nm_id=nm_id,
                chrt_id=spec.chrt_id,
                vendor_code=product.vendor_code,
                tech_size=spec.tech_size,
                currency="RUB",
                price=spec.price,
                discounted_price=discounted,
                discount=spec.discount,
                changed_at=now,
            )
        Stock.objects.bulk_create(
            Stock(
                seller=seller,
                kind=kind,
                warehouse_id=warehouse_id,
                warehouse_name=name,
                chrt_id=spec.chrt_id,
                nm_id=nm_id if kind == StockKind.FBW else None,
                quantity=quantity,
                changed_at=now,
            )
            for (kind, warehouse_id, name), quantity in spec.stocks.items()
        )
    stock_totals_refresh(seller)  # as the stocks pass that stored them would
    product.refresh_from_db()
    return product


def snapshot_make(seller: Seller, day: date, chrt_id: int, quantity: int, *, nm_id=None) -> None:
    StockSnapshot.objects.create(
        seller=seller,
        day=day,
        kind=StockKind.FBS,
        warehouse_id=FBS_HOME[1],
        chrt_id=chrt_id,
        nm_id=nm_id,
        quantity=quantity,
    )
