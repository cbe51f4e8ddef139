"""/api/v1/sellers/{sid}/products/ and /stocks/: a cabinet's catalogue, as its pages show it.

The same selectors as the pages (catalog.selectors): a product comes with its figures (its
sizes' current prices and its stock) and its sizes, each with its barcodes, price and stock;
a stock row is one size on one warehouse. Both in cursor pages, or as CSV; `updated_since`
gives only the rows whose values wberp saw change after a moment.
"""

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.db.models import Prefetch, Sum
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from access.models import Area
from catalog.exports import FIGURES, PRODUCT_COLUMNS, PRODUCT_FIELDS, STOCK_COLUMNS
from catalog.forms import QUERY_MAX_LENGTH
from catalog.models import Price, Product, Size, Stock, StockKind
from catalog.selectors import (
    IN_STOCK,
    OUT_OF_STOCK,
    ProductFilters,
    StockFilters,
    products_matching,
    stocks_matching,
    with_figures,
    with_size_names,
)

from .auth import allowed
from .errors import DENIED, Error
from .export import CSV_ANSWER
from .lists import ListQuery, cabinet, list_answer, since, updated_since_field

router = Router()
PRODUCT_ORDER = ("nm_id",)
STOCK_ORDER = ("kind", "warehouse_id", "chrt_id")
UPDATED_SINCE = updated_since_field("whose values wberp saw change")


class SizePrice(Schema):
    currency: str
    price: Decimal | None
    discounted_price: Decimal | None
    club_discounted_price: Decimal | None
    discount: int | None
    club_discount: int | None


class SizePublic(Schema):
    chrt_id: int
    tech_size: str
    wb_size: str
    barcodes: list[str]
    price: SizePrice | None = Field(description="None until the prices sync has seen it.")
    stock: int = Field(description="Units on every warehouse, FBS and FBW.")


class ProductPublic(Schema):
    nm_id: int
    imt_id: int | None
    subject_id: int | None
    subject_name: str
    vendor_code: str
    brand: str
    title: str
    length_cm: int | None
    width_cm: int | None
    height_cm: int | None
    weight_kg: Decimal | None
    wb_created_at: datetime | None
    wb_updated_at: datetime | None
    changed_at: datetime = Field(description="When wberp last saw the card's values change.")
    price_from: Decimal | None = Field(description="The lowest price with discount of a size.")
    price_to: Decimal | None
    list_price: Decimal | None = Field(description="The lowest price before discount.")
    discount: int | None = Field(description="The largest discount of a size, %.")
    stock: int
    sizes: list[SizePublic]


class ProductsPage(Schema):
    data: list[ProductPublic]
    next_cursor: str | None


class StockPublic(Schema):
    kind: str
    warehouse_id: int
    warehouse_name: str
    region_name: str
    chrt_id: int
    nm_id: int | None
    vendor_code: str | None
    tech_size: str | None
    quantity: int
    in_way_to_client: int | None
    in_way_from_client: int | None
    changed_at: datetime


class StocksPage(Schema):
    data: list[StockPublic]
    next_cursor: str | None


class ProductQuery(ListQuery):
    search: str | None = Field(
        None, max_length=QUERY_MAX_LENGTH, description="Vendor code, title, nmID or a barcode."
    )
    brand: str | None = Field(None, max_length=255)
    subject: str | None = Field(None, max_length=255)
    stock: Literal[IN_STOCK, OUT_OF_STOCK] | None = Field(None, description="in or out of stock.")
    updated_since: datetime | None = UPDATED_SINCE


class StockQuery(ListQuery):
    search: str | None = Field(
        None, max_length=QUERY_MAX_LENGTH, description="Vendor code, title, nmID or a barcode."
    )
    kind: Literal[tuple(StockKind.values)] | None = None  # type: ignore[valid-type]
    warehouse: int | None = Field(None, ge=0, le=2**63 - 1)
    in_stock: bool = Field(False, description="Only rows with a unit on the warehouse.")
    updated_since: datetime | None = UPDATED_SINCE


def with_sizes(products: list[Product]) -> list[dict]:
    """The products of a page with their sizes, barcodes, prices and stocks: four queries
    for the page, whatever its length."""
    sizes = Size.objects.filter(product__in=products).prefetch_related(
        Prefetch("barcodes", to_attr="barcode_rows")
    )
    by_product = defaultdict(list)
    for size in sizes:
        by_product[size.product_id].append(size)
    chrt_ids = [size.chrt_id for size in sizes]
    seller_ids = {product.seller_id for product in products}
    prices = {
        price.chrt_id: price
        for price in Price.objects.filter(seller_id__in=seller_ids, chrt_id__in=chrt_ids)
    }
    stock_rows = (
        Stock.objects.filter(seller_id__in=seller_ids, chrt_id__in=chrt_ids)
        .order_by()
        .values("chrt_id")
        .annotate(units=Sum("quantity"))
    )
    stocks = {row["chrt_id"]: row["units"] for row in stock_rows}
    return [
        {
            **{name: getattr(product, name) for name in PRODUCT_FIELDS + FIGURES},
            "sizes": [
                size_public(size, prices.get(size.chrt_id), stocks.get(size.chrt_id, 0))
                for size in by_product[product.pk]
            ],
        }
        for product in products
    ]


def size_public(size: Size, price: Price | None, stock: int) -> dict:
    return {
        "chrt_id": size.chrt_id,
        "tech_size": size.tech_size,
        "wb_size": size.wb_size,
        "barcodes": [barcode.barcode for barcode in size.barcode_rows],
        "price": price,
        "stock": stock,
    }


@router.get(
    "{sid}/products/",
    response={200: ProductsPage, **DENIED, 400: Error, 404: Error},
    url_name="seller_products",
    auth=allowed("catalog.view_product"),
    openapi_extra=CSV_ANSWER,
)
def list_products(
    request: HttpRequest, sid: str, query: Query[ProductQuery]
) -> dict | HttpResponse:
    """The cabinet's products by nmID, each with its sizes, barcodes, prices and stock."""
    filters = ProductFilters(
        query=" ".join((query.search or "").split()),
        brand=query.brand or "",
        subject=query.subject or "",
        stock=query.stock or "",
    )
    products = products_matching(cabinet(request, sid, Area.CATALOGUE), filters)
    products = with_figures(since(products, "changed_at", query.updated_since))
    return list_answer(
        request,
        products,
        query,
        order=PRODUCT_ORDER,
        columns=PRODUCT_COLUMNS,
        filename="products.csv",
        shown=with_sizes,
    )


@router.get(
    "{sid}/stocks/",
    response={200: StocksPage, **DENIED, 400: Error, 404: Error},
    url_name="seller_stocks",
    auth=allowed("catalog.view_stock"),
    openapi_extra=CSV_ANSWER,
)
def list_stocks(request: HttpRequest, sid: str, query: Query[StockQuery]) -> dict | HttpResponse:
    """The cabinet's stock, one row per size and warehouse, FBS before FBW."""
    filters = StockFilters(
        query=" ".join((query.search or "").split()),
        kind=query.kind or "",
        warehouse=query.warehouse,
        in_stock=query.in_stock,
    )
    stocks = stocks_matching(cabinet(request, sid, Area.CATALOGUE), filters)
    stocks = with_size_names(since(stocks, "changed_at", query.updated_since))
    return list_answer(
        request,
        stocks,
        query,
        order=STOCK_ORDER,
        columns=STOCK_COLUMNS,
        filename="stocks.csv",
    )
