"""Reads of a cabinet's cost prices and of what its catalogue knows, for the pages."""

from django.db.models import Q, QuerySet

from catalog.models import Barcode, Size
from sellers.models import Seller

from .models import CabinetEconomics, CostPrice, CostUpload
from .upload import Catalogue


def cost_prices(seller: Seller, *, query: str = "") -> QuerySet[CostPrice]:
    """The cabinet's cost prices in the list's order; `query` finds a vendor code, size or
    barcode containing it."""
    prices = CostPrice.objects.filter(seller=seller)
    if query:
        prices = prices.filter(
            Q(vendor_code__icontains=query) | Q(tech_size__iexact=query) | Q(barcode=query)
        )
    return prices.order_by("vendor_code", "tech_size", "barcode", "-valid_from", "pk")


def catalogue_of(seller: Seller) -> Catalogue:
    """Each vendor code of the cabinet with its sizes, and each barcode's vendor code: two
    queries, whatever the file's length."""
    sizes: dict[str, set[str]] = {}
    for vendor_code, tech_size in Size.objects.filter(seller=seller).values_list(
        "product__vendor_code", "tech_size"
    ):
        sizes.setdefault(vendor_code, set()).add(tech_size)
    barcodes = dict(
        Barcode.objects.filter(seller=seller).values_list("barcode", "size__product__vendor_code")
    )
    return Catalogue(sizes=sizes, barcodes=barcodes)


def pending_upload(seller: Seller, user, upload_id) -> CostUpload | None:
    """The user's own upload of this cabinet that waits to be saved, if any."""
    return CostUpload.objects.filter(
        pk=upload_id, seller=seller, uploaded_by=user, saved_at__isnull=True
    ).first()


def economics_of(seller: Seller) -> CabinetEconomics:
    """The cabinet's tax settings (none set: no tax), unsaved when it has none yet."""
    return CabinetEconomics.objects.filter(seller=seller).first() or CabinetEconomics(seller=seller)
