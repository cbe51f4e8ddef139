"""The columns of the catalogue's exports, for its pages and the API alike (wberp.exports)."""

from wberp.exports import FieldValue, columns_of

from .models import Stock

# A product's long texts and photos are on WB's card; the lists and exports leave them out.
PRODUCT_FIELDS = [
    "nm_id",
    "imt_id",
    "subject_id",
    "subject_name",
    "vendor_code",
    "brand",
    "title",
    "length_cm",
    "width_cm",
    "height_cm",
    "weight_kg",
    "wb_created_at",
    "wb_updated_at",
    "changed_at",
]
# A product's figures (catalog.selectors.product_figures): prices of its sizes, its stock.
FIGURES = ["price_from", "price_to", "list_price", "discount", "stock"]
PRODUCT_COLUMNS = [(name, FieldValue(name)) for name in PRODUCT_FIELDS + FIGURES]
# A stock row with its size's names (catalog.selectors.with_size_names).
STOCK_COLUMNS = [
    *columns_of(Stock, hidden=["id", "seller", "sync_pass"]),
    ("vendor_code", FieldValue("vendor_code")),
    ("tech_size", FieldValue("tech_size")),
]
