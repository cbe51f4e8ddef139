"""Reads of a cabinet's catalogue for its pages: products, a product, stocks.

Each list is one query, whatever its length: a product's price and stock are subqueries on
WB's ids (prices and stocks refer to sizes by chrtID, not by a foreign key), never a query per
row. Forms parse what people ask for into the plain values of the dataclasses here.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.expressions import OrderBy
from django.utils import timezone

from dashboards.models import OrderDay, SaleDay
from sellers.models import Seller
from wberp.periods import Period

from .models import Barcode, Price, PriceChange, Product, Size, Stock, StockKind, StockSnapshot

# Column -> ordering; a leading "-" in the `sort` parameter reverses it. The last field of
# each makes the order total, so that pages neither repeat nor skip a row.
PRODUCT_SORTS = {
    "vendor_code": ["vendor_code", "nm_id"],
    "nm_id": ["nm_id"],
    "title": ["title", "nm_id"],
    "brand": ["brand", "vendor_code", "nm_id"],
    "price": ["price_from", "nm_id"],
    "stock": ["stock_total", "nm_id"],
    "updated": ["wb_updated_at", "nm_id"],
}
STOCK_SORTS = {
    "warehouse": ["warehouse_name", "warehouse_id", "chrt_id"],
    "vendor_code": ["vendor_code", "chrt_id", "warehouse_id"],
    "quantity": ["quantity", "chrt_id", "warehouse_id"],
}
IN_STOCK, OUT_OF_STOCK = "in", "out"
# The daily stock chart of a product covers this many days up to today.
HISTORY_DAYS = 60


def ordering(sorts: dict[str, list[str]], sort: str) -> list[OrderBy]:
    """The order `sort` names; rows without a value (a product without a price) come last
    either way, on both databases."""
    descending = sort.startswith("-")
    return [
        OrderBy(F(field), descending=descending, nulls_last=True)
        for field in sorts[sort.removeprefix("-")]
    ]


# --- Products ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductFilters:
    """What the product list is narrowed to; empty values filter nothing."""

    query: str = ""
    brand: str = ""
    subject: str = ""
    stock: str = ""  # IN_STOCK, OUT_OF_STOCK or ""
    sort: str = "vendor_code"

    @property
    def active(self) -> bool:
        return bool(self.query or self.brand or self.subject or self.stock)


def total_of(rows: QuerySet, field: str, aggregate=Sum):
    """One aggregate over `rows` as a subquery (grouped by nothing but their seller)."""
    value = rows.order_by().values("seller_id").annotate(value=aggregate(field)).values("value")
    return Subquery(value)


def product_figures() -> dict:
    """A product's current prices (of its sizes: the lowest and highest with the discount,
    the lowest before it, the largest discount) and its stock on every warehouse, FBS and FBW,
    as subqueries on WB's ids."""
    prices = Price.objects.filter(seller_id=OuterRef("seller_id"), nm_id=OuterRef("nm_id"))
    return {
        "price_from": total_of(prices, "discounted_price", Min),
        "price_to": total_of(prices, "discounted_price", Max),
        "list_price": total_of(prices, "price", Min),
        "discount": total_of(prices, "discount", Max),
        "stock": F("stock_total"),
    }


def stock_totals_refresh(seller: Seller) -> int:
    """Each product's `stock_total` from its sizes' stock rows, where it differs: after a pass
    that changed the stocks or the sizes, in its transaction. How many products changed.

    One statement over joins grouped by product: a subquery per product scanned the seller's
    stock rows once for each of its products (seconds for a few thousand)."""
    product, size, stock = (quote_table(m) for m in (Product, Size, Stock))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {product} SET stock_total = totals.total FROM ("  # noqa: S608 - names
            "SELECT p.id AS product_id, COALESCE(SUM(st.quantity), 0) AS total "
            f"FROM {product} p LEFT JOIN {size} s ON s.product_id = p.id "
            f"LEFT JOIN {stock} st ON st.seller_id = p.seller_id AND st.chrt_id = s.chrt_id "
            "WHERE p.seller_id = %s GROUP BY p.id) AS totals "
            f"WHERE {product}.id = totals.product_id AND {product}.stock_total <> totals.total",
            [seller.pk],
        )
        return cursor.rowcount


def quote_table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def with_figures(products: QuerySet[Product]) -> QuerySet[Product]:
    """`products` as the list shows them: with their figures, without their long texts."""
    return products.defer("description", "photos").annotate(**product_figures())


def products_matching(seller: Seller, filters: ProductFilters) -> QuerySet[Product]:
    """The product list's rows in its order: search and filters applied; of the figures,
    only the one it is sorted by (the page's rows get all of theirs: `with_figures`)."""
    products = Product.objects.filter(seller=seller)
    if filters.query:
        products = products.filter(product_search(seller, filters.query))
    if filters.brand:
        products = products.filter(brand=filters.brand)
    if filters.subject:
        products = products.filter(subject_name=filters.subject)
    if filters.stock == IN_STOCK:
        products = products.filter(stock_total__gt=0)
    elif filters.stock:
        products = products.filter(stock_total__lte=0)
    sorted_by = PRODUCT_SORTS[filters.sort.removeprefix("-")][0]
    figures = product_figures()
    if sorted_by in figures:
        products = products.annotate(**{sorted_by: figures[sorted_by]})
    return products.order_by(*ordering(PRODUCT_SORTS, filters.sort))


def product_search(seller: Seller, query: str) -> Q:
    """A vendor code or title containing the query, or exactly its nmID or a barcode."""
    condition = Q(vendor_code__icontains=query) | Q(title__icontains=query)
    barcodes = Barcode.objects.filter(seller=seller, barcode=query, size__product=OuterRef("pk"))
    condition |= Exists(barcodes)
    if query.isdigit() and len(query) <= 18:  # an nmID fits a bigint
        condition |= Q(nm_id=int(query))
    return condition


def product_facets(seller: Seller) -> dict[str, list[str]]:
    """The brands and subjects the seller's products have, for the filters' choices."""
    products = Product.objects.filter(seller=seller).order_by()

    def distinct(field: str) -> list[str]:
        values = products.exclude(**{field: ""}).values_list(field, flat=True).distinct()
        return sorted(values)

    return {"brands": distinct("brand"), "subjects": distinct("subject_name")}


def has_products(seller: Seller) -> bool:
    return Product.objects.filter(seller=seller).exists()


# --- A product ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SizeRow:
    size: Size
    price: Price | None
    stocks: list[Stock]

    @property
    def quantity(self) -> int:
        return sum(stock.quantity for stock in self.stocks)


@dataclass(frozen=True)
class WarehouseStock:
    kind: str
    warehouse_id: int
    warehouse_name: str
    quantity: int


@dataclass(frozen=True)
class DayStock:
    day: date
    quantity: int


@dataclass(frozen=True)
class ProductView:
    product: Product
    sizes: list[SizeRow]
    warehouses: list[WarehouseStock]
    history: list[DayStock]

    @property
    def quantity(self) -> int:
        return sum(row.quantity for row in self.sizes)


def product_view(product: Product, *, today: date | None = None) -> ProductView:
    """Everything the product's page shows, in five queries."""
    sizes = list(
        Size.objects.filter(product=product)
        .order_by("chrt_id")
        .prefetch_related(Prefetch("barcodes", queryset=Barcode.objects.order_by("barcode")))
    )
    chrt_ids = [size.chrt_id for size in sizes]
    mine = {"seller_id": product.seller_id, "chrt_id__in": chrt_ids}
    prices = {price.chrt_id: price for price in Price.objects.filter(**mine)}
    stocks = list(Stock.objects.filter(**mine).order_by("kind", "warehouse_name", "warehouse_id"))
    rows = [
        SizeRow(
            size=size,
            price=prices.get(size.chrt_id),
            stocks=[stock for stock in stocks if stock.chrt_id == size.chrt_id],
        )
        for size in sizes
    ]
    return ProductView(
        product=product,
        sizes=rows,
        warehouses=stock_by_warehouse(stocks),
        history=stock_history(product.seller_id, chrt_ids, today=today),
    )


def stock_by_warehouse(stocks: list[Stock]) -> list[WarehouseStock]:
    totals: dict[tuple, int] = {}
    for stock in stocks:
        key = (stock.kind, stock.warehouse_id, stock.warehouse_name)
        totals[key] = totals.get(key, 0) + stock.quantity
    return [WarehouseStock(*key, quantity) for key, quantity in totals.items()]


def stock_history(seller_id: int, chrt_ids: list[int], *, today: date | None) -> list[DayStock]:
    """The sizes' stock on every warehouse, day by day, for the last HISTORY_DAYS days that
    have a snapshot (WB keeps no stock history: these are wberp's own daily snapshots)."""
    today = today or timezone.localdate()
    days = (
        StockSnapshot.objects.filter(
            seller_id=seller_id,
            chrt_id__in=chrt_ids,
            day__gt=today - timedelta(days=HISTORY_DAYS),
            day__lte=today,
        )
        .order_by("day")
        .values("day")
        .annotate(quantity=Sum("quantity"))
    )
    return [DayStock(row["day"], row["quantity"]) for row in days]


# At most this many of a product's price changes are listed, the latest first.
PRICE_CHANGES_SHOWN = 200


def price_changes(product: Product) -> list[PriceChange]:
    """The product's price changes, the latest first (one indexed query on its nmID)."""
    changes = PriceChange.objects.filter(seller_id=product.seller_id, nm_id=product.nm_id)
    return list(changes.order_by("-seen_at", "chrt_id")[:PRICE_CHANGES_SHOWN])


@dataclass(frozen=True)
class DayPrice:
    day: date
    price: Decimal | None  # the lowest price with discount of the product's sizes that day


def daily_prices(changes: list[PriceChange], *, today: date | None = None) -> list[DayPrice]:
    """The product's lowest price with discount at the end of each day, from the day of its
    first recorded price (at most HISTORY_DAYS days ago) to today."""
    if not changes:
        return []
    today = today or timezone.localdate()
    ordered = sorted(changes, key=lambda change: change.seen_at)
    first = max(timezone.localdate(ordered[0].seen_at), today - timedelta(days=HISTORY_DAYS - 1))
    current: dict[int, Decimal | None] = {}
    days, pending = [], iter(ordered)
    change = next(pending, None)
    for offset in range((today - first).days + 1):
        day = first + timedelta(days=offset)
        while change is not None and timezone.localdate(change.seen_at) <= day:
            current[change.chrt_id] = change.discounted_price
            change = next(pending, None)
        prices = [price for price in current.values() if price is not None]
        days.append(DayPrice(day, min(prices, default=None)))
    return days


# --- A product's trade -------------------------------------------------------------------------


@dataclass
class SizeTrade:
    """A size's trade in a period: orders, cancellations, buyouts, returns and revenue."""

    barcode: str
    tech_size: str = ""
    orders: int = 0
    orders_sum: Decimal = Decimal(0)
    cancelled: int = 0
    buyouts: int = 0
    returns: int = 0
    revenue: Decimal = Decimal(0)  # at the price with the seller's discount: buyouts less returns


@dataclass(frozen=True)
class ProductTrade:
    sizes: list[SizeTrade]

    @property
    def total(self) -> SizeTrade:
        total = SizeTrade("")
        for trade in self.sizes:
            for name in TRADE_FIGURES:
                setattr(total, name, getattr(total, name) + getattr(trade, name))
        return total


TRADE_FIGURES = ("orders", "orders_sum", "cancelled", "buyouts", "returns", "revenue")


def product_trade(product: Product, period: Period) -> ProductTrade:
    """Per size (WB's rows name it by barcode), the product's orders, cancellations, buyouts,
    returns and revenue in `period`, from the daily rollups (dashboards.models) of this one
    product: a few rows a day, never the raw orders."""
    mine = {
        "seller_id": product.seller_id,
        "nm_id": product.nm_id,
        "day__gte": period.first,
        "day__lte": period.last,
    }
    sizes: dict[str, SizeTrade] = {}
    figures = [
        (
            OrderDay,
            {
                "orders": Sum("orders"),
                "orders_sum": Sum("orders_sum"),
                "cancelled": Sum("cancellations"),
            },
        ),
        (
            SaleDay,
            {
                "buyouts": Sum("buyouts"),
                "returns": Sum("returns"),
                "revenue": Sum("buyouts_sum") - Sum("returns_sum"),
            },
        ),
    ]
    for model, sums in figures:
        for row in model.objects.filter(**mine).order_by().values("barcode").annotate(**sums):
            trade = sizes.setdefault(row["barcode"], SizeTrade(row["barcode"]))
            for name in sums:
                setattr(trade, name, row[name])
    names = dict(
        Barcode.objects.filter(seller_id=product.seller_id, barcode__in=list(sizes)).values_list(
            "barcode", "size__tech_size"
        )
    )
    for trade in sizes.values():
        trade.tech_size = names.get(trade.barcode, "")
    return ProductTrade(sorted(sizes.values(), key=lambda trade: (trade.tech_size, trade.barcode)))


# --- Stocks ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StockFilters:
    query: str = ""
    kind: str = ""
    warehouse: int | None = None
    in_stock: bool = False
    sort: str = "warehouse"

    @property
    def active(self) -> bool:
        return bool(self.query or self.kind or self.warehouse is not None or self.in_stock)


def size_field(field: str) -> Subquery:
    sizes = Size.objects.filter(seller_id=OuterRef("seller_id"), chrt_id=OuterRef("chrt_id"))
    return Subquery(sizes.values(field)[:1])


def stocks_matching(seller: Seller, filters: StockFilters) -> QuerySet[Stock]:
    """The stock rows (one per warehouse and size) the filters leave."""
    stocks = Stock.objects.filter(seller=seller)
    if filters.kind:
        stocks = stocks.filter(kind=filters.kind)
    if filters.warehouse is not None:
        stocks = stocks.filter(warehouse_id=filters.warehouse)
    if filters.in_stock:
        stocks = stocks.filter(quantity__gt=0)
    if filters.query:
        stocks = stocks.filter(chrt_id__in=sizes_found(seller, filters.query))
    return stocks


def stocks_ordered(stocks: QuerySet[Stock], sort: str) -> QuerySet[Stock]:
    """`stocks` in the order asked for (by vendor code: the size's product's)."""
    if sort.removeprefix("-") == "vendor_code":
        stocks = stocks.annotate(vendor_code=size_field("product__vendor_code"))
    return stocks.order_by(OrderBy(F("kind")), *ordering(STOCK_SORTS, sort))


def with_size_names(stocks: QuerySet[Stock]) -> QuerySet[Stock]:
    """`stocks`, each with its size's and its product's names."""
    return stocks.annotate(
        tech_size=size_field("tech_size"),
        product_nm_id=size_field("product__nm_id"),
        vendor_code=size_field("product__vendor_code"),
    )


def sizes_found(seller: Seller, query: str) -> QuerySet:
    """The chrtIDs of the sizes whose product a search finds, or whose barcode it is."""
    products = Product.objects.filter(seller=seller).filter(product_search(seller, query))
    return Size.objects.filter(seller=seller, product__in=products.values("pk")).values("chrt_id")


@dataclass(frozen=True)
class StockTotal:
    kind: str
    warehouse_id: int
    warehouse_name: str
    sizes: int
    quantity: int

    @property
    def kind_label(self) -> str:
        return StockKind(self.kind).label


def stock_totals(stocks: QuerySet[Stock]) -> list[StockTotal]:
    """Per warehouse, of the rows `stocks` matches: how many sizes, how many units."""
    rows = (
        stocks.order_by()
        .values("kind", "warehouse_id")
        .annotate(name=Max("warehouse_name"), sizes=Count("pk"), quantity=Sum("quantity"))
        .order_by("kind", "name", "warehouse_id")
    )
    return [
        StockTotal(row["kind"], row["warehouse_id"], row["name"], row["sizes"], row["quantity"])
        for row in rows
    ]


def stock_warehouses(seller: Seller) -> list[tuple[int, str]]:
    """Every warehouse the seller has stock rows on: (id, name), for the filter."""
    rows = (
        Stock.objects.filter(seller=seller)
        .order_by()
        .values("warehouse_id")
        .annotate(name=Max("warehouse_name"))
        .order_by("name", "warehouse_id")
    )
    return [(row["warehouse_id"], row["name"] or str(row["warehouse_id"])) for row in rows]
