"""The catalogue's datasets: cards, prices, warehouses and stocks (see sync.registry).

cards are incremental: a pass reads the cards changed since the last one (WB's cursor on
updatedAt), and once a day a full pass reads them all and removes those WB no longer lists (in
the trash). Prices, warehouses and stocks are snapshots: every pass reads them all and removes
what it did not see; a full stocks pass also writes the day's stock snapshot.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sellers.models import Seller
from sync.ingest import insert, upsert
from sync.registry import Counts, Dataset, SyncPass, register
from wbapi.methods.analytics import WB_STOCKS, WBStock, WBStocksCursor
from wbapi.methods.base import Pager, Turn
from wbapi.methods.content import CARDS, Card, CardsCursor
from wbapi.methods.marketplace import (
    STOCKS_BATCH,
    WAREHOUSES,
    SellerStock,
    SellerStocksPager,
    StocksCursor,
)
from wbapi.methods.marketplace import Warehouse as WBWarehouse
from wbapi.methods.prices import PRICES, GoodPrices, PricesCursor

from .models import (
    Barcode,
    Price,
    PriceChange,
    Product,
    Size,
    Stock,
    StockKind,
    StockSnapshot,
    Warehouse,
)
from .selectors import stock_totals_refresh


def text(value: str | None) -> str:
    return value or ""


def synced(seller: Seller, sync_pass: SyncPass) -> dict[str, Any]:
    """The columns every synced row carries; `changed_at` is now, for the rows that change."""
    return {"seller_id": seller.pk, "sync_pass": sync_pass.number, "changed_at": timezone.now()}


def remove_unseen(model, seller: Seller, sync_pass: SyncPass, counts: Counts, **scope) -> None:
    """Remove the seller's rows of `model` (within `scope`) that the pass did not see."""
    unseen = model.objects.filter(seller=seller, sync_pass__lt=sync_pass.number, **scope)
    removed, _by_model = unseen.delete()
    counts.add(removed=removed)


# --- Cards -------------------------------------------------------------------------------------


class Cards(Dataset):
    name = "cards"
    label = _("Product cards")
    category = "content"
    limit_group = "content"
    interval = timedelta(hours=1)
    snapshot = False
    cursor_type = CardsCursor
    full_pass_every = timedelta(days=1)

    def pager(self, seller: Seller, cursor: CardsCursor) -> Pager:
        return CARDS

    def ingest(
        self, seller: Seller, batch: list[Card], counts: Counts, sync_pass: SyncPass, cursor
    ):
        stamp = synced(seller, sync_pass)
        upsert(Product, [product_row(card, stamp) for card in batch], keys=KEYS_NM, counts=counts)
        products = dict(
            Product.objects.filter(seller=seller, nm_id__in=[c.nm_id for c in batch]).values_list(
                "nm_id", "pk"
            )
        )
        sizes = [
            {
                "seller_id": seller.pk,
                "product_id": products[card.nm_id],
                "chrt_id": size.chrt_id,
                "tech_size": text(size.tech_size),
                "wb_size": text(size.wb_size),
            }
            for card in batch
            for size in card.sizes
        ]
        upsert(Size, sizes, keys=KEYS_CHRT, counts=counts)
        chrt_ids = [row["chrt_id"] for row in sizes]
        gone = Size.objects.filter(product_id__in=products.values()).exclude(chrt_id__in=chrt_ids)
        counts.add(removed=gone.delete()[0])
        size_ids = dict(
            Size.objects.filter(seller=seller, chrt_id__in=chrt_ids).values_list("chrt_id", "pk")
        )
        barcodes = [
            {"seller_id": seller.pk, "size_id": size_ids[size.chrt_id], "barcode": sku}
            for card in batch
            for size in card.sizes
            for sku in size.skus
        ]
        upsert(Barcode, barcodes, keys=("seller_id", "barcode"), counts=counts)
        stale = Barcode.objects.filter(size_id__in=size_ids.values()).exclude(
            barcode__in=[row["barcode"] for row in barcodes]
        )
        counts.add(removed=stale.delete()[0])

    def end_pass(self, seller: Seller, sync_pass: SyncPass, counts: Counts) -> None:
        remove_unseen(Product, seller, sync_pass, counts)  # in the trash, or deleted
        stock_totals_refresh(seller)  # sizes came or went


KEYS_NM = ("seller_id", "nm_id")
KEYS_CHRT = ("seller_id", "chrt_id")


def product_row(card: Card, stamp: dict) -> dict:
    dimensions = card.dimensions
    return {
        **stamp,
        "nm_id": card.nm_id,
        "imt_id": card.imt_id,
        "nm_uuid": text(card.nm_uuid),
        "subject_id": card.subject_id,
        "subject_name": text(card.subject_name),
        "vendor_code": text(card.vendor_code),
        "brand": text(card.brand),
        "title": text(card.title),
        "description": text(card.description),
        "photos": [
            {size: getattr(photo, size) for size in PHOTO_SIZES if getattr(photo, size)}
            for photo in card.photos
        ],
        "video": text(card.video),
        "length_cm": dimensions.length if dimensions else None,
        "width_cm": dimensions.width if dimensions else None,
        "height_cm": dimensions.height if dimensions else None,
        "weight_kg": dimensions.weight_brutto if dimensions else None,
        "wb_created_at": card.created_at,
        "wb_updated_at": card.updated_at,
    }


PHOTO_SIZES = ("big", "c246x328", "c516x688", "square", "tm")


# --- Prices ------------------------------------------------------------------------------------


class Prices(Dataset):
    name = "prices"
    label = _("Prices and discounts")
    category = "prices"
    limit_group = "prices"
    interval = timedelta(hours=1)
    cursor_type = PricesCursor

    def pager(self, seller: Seller, cursor: PricesCursor) -> Pager:
        return PRICES

    def ingest(
        self, seller: Seller, batch: list[GoodPrices], counts: Counts, sync_pass: SyncPass, cursor
    ):
        stamp = synced(seller, sync_pass)
        rows = [
            {
                **stamp,
                "nm_id": good.nm_id,
                "chrt_id": size.size_id,
                "vendor_code": text(good.vendor_code),
                "tech_size": text(size.tech_size_name),
                "currency": text(good.currency),
                "price": size.price,
                "discounted_price": size.discounted_price,
                "club_discounted_price": size.club_discounted_price,
                "discount": good.discount,
                "club_discount": good.club_discount,
                "editable_size_price": good.editable_size_price,
            }
            for good in batch
            for size in good.sizes
        ]
        price_changes_record(seller, rows, seen_at=stamp["changed_at"])
        upsert(Price, rows, keys=KEYS_CHRT, counts=counts)

    def end_pass(self, seller: Seller, sync_pass: SyncPass, counts: Counts) -> None:
        remove_unseen(Price, seller, sync_pass, counts)


# What a price change is: any of these differs from the stored price (or there is none).
PRICE_HISTORY_FIELDS = ("price", "discount", "discounted_price")


def price_changes_record(seller: Seller, rows: list[dict], *, seen_at) -> None:
    """A PriceChange for each row whose price or discount differs from the stored one, and
    for each size seen for the first time; none for a price that has not changed. Called in
    the page's transaction, before the upsert, so that it compares with what was stored."""
    latest = {row["chrt_id"]: row for row in rows}  # as the upsert keeps a size listed twice
    stored = {
        values[0]: values[1:]
        for values in Price.objects.filter(seller=seller, chrt_id__in=list(latest)).values_list(
            "chrt_id", *PRICE_HISTORY_FIELDS
        )
    }
    changes = []
    for chrt_id, row in latest.items():
        values = {field: row[field] for field in PRICE_HISTORY_FIELDS}
        if stored.get(chrt_id) != tuple(values.values()):
            changes.append(
                {
                    "seller_id": seller.pk,
                    "nm_id": row["nm_id"],
                    "chrt_id": chrt_id,
                    "tech_size": row["tech_size"],
                    "currency": row["currency"],
                    "seen_at": seen_at,
                    **values,
                }
            )
    insert(PriceChange, changes)  # columns, not models: a first pass records every size


# --- Warehouses --------------------------------------------------------------------------------


class Warehouses(Dataset):
    name = "warehouses"
    label = _("Seller warehouses")
    category = "marketplace"
    limit_group = "marketplace-warehouses"
    interval = timedelta(days=1)

    def pager(self, seller: Seller, cursor: None) -> Pager:
        return WAREHOUSES

    def ingest(self, seller: Seller, batch: list[WBWarehouse], counts: Counts, sync_pass, cursor):
        stamp = synced(seller, sync_pass)
        rows = [
            {
                **stamp,
                "warehouse_id": warehouse.id,
                "name": text(warehouse.name),
                "office_id": warehouse.office_id,
                "cargo_type": warehouse.cargo_type,
                "delivery_type": warehouse.delivery_type,
                "is_deleting": warehouse.is_deleting,
                "is_processing": warehouse.is_processing,
            }
            for warehouse in batch
        ]
        upsert(Warehouse, rows, keys=("seller_id", "warehouse_id"), counts=counts)

    def end_pass(self, seller: Seller, sync_pass: SyncPass, counts: Counts) -> None:
        remove_unseen(Warehouse, seller, sync_pass, counts)


# --- Stocks ------------------------------------------------------------------------------------


STOCK_KEYS = ("seller_id", "kind", "warehouse_id", "chrt_id")


class SellerStocks(Dataset):
    """The stock of every size (from the cards) on each of the seller's warehouses, warehouse
    after warehouse, 1000 sizes a request."""

    name = "stocks"
    label = _("Stocks on the seller's warehouses")
    category = "marketplace"
    limit_group = "marketplace-stocks"
    interval = timedelta(minutes=30)
    cursor_type = StocksCursor
    needs = ("cards", "warehouses")

    def first_cursor(self, seller: Seller) -> StocksCursor | None:
        first = warehouse_after(seller, None)
        return None if first is None else StocksCursor(first)

    def pager(self, seller: Seller, cursor: StocksCursor | None) -> Pager | None:
        """The sizes after the cursor's, and one more to tell whether more follow; None when
        there is nothing to ask about (no warehouse, or no size after the cursor)."""
        if cursor is None:
            return None
        chrt_ids = list(
            Size.objects.filter(seller=seller, chrt_id__gt=cursor.after_chrt_id)
            .order_by("chrt_id")
            .values_list("chrt_id", flat=True)[: STOCKS_BATCH + 1]
        )
        return SellerStocksPager(chrt_ids) if chrt_ids else None

    def advance(self, seller: Seller, cursor: StocksCursor, turn: Turn) -> Turn:
        """When a warehouse's sizes are done, the next warehouse's begin."""
        if not turn.done:
            return turn
        following = warehouse_after(seller, cursor.warehouse_id)
        if following is None:
            return Turn(self.first_cursor(seller), done=True)
        return Turn(StocksCursor(following), done=False)

    def ingest(self, seller: Seller, batch: list[SellerStock], counts, sync_pass, cursor):
        stamp = synced(seller, sync_pass)
        name = text(
            Warehouse.objects.filter(seller=seller, warehouse_id=cursor.warehouse_id)
            .values_list("name", flat=True)
            .first()
        )
        rows = [
            {
                **stamp,
                "kind": StockKind.FBS,
                "warehouse_id": cursor.warehouse_id,
                "warehouse_name": name,
                "region_name": "",
                "chrt_id": stock.chrt_id,
                "nm_id": None,
                "quantity": stock.amount,
                "in_way_to_client": None,
                "in_way_from_client": None,
            }
            for stock in batch
        ]
        upsert(Stock, rows, keys=STOCK_KEYS, counts=counts)

    def end_pass(self, seller: Seller, sync_pass: SyncPass, counts: Counts) -> None:
        remove_unseen(Stock, seller, sync_pass, counts, kind=StockKind.FBS)
        snapshot_today(seller, StockKind.FBS)
        stock_totals_refresh(seller)


def warehouse_after(seller: Seller, warehouse_id: int | None) -> int | None:
    """The seller's next warehouse id after `warehouse_id` (the first for None)."""
    warehouses = Warehouse.objects.filter(seller=seller).order_by("warehouse_id")
    if warehouse_id is not None:
        warehouses = warehouses.filter(warehouse_id__gt=warehouse_id)
    return warehouses.values_list("warehouse_id", flat=True).first()


class WBStocks(Dataset):
    """The stock of every size on WB's own warehouses (FBW), WB's stocks report."""

    name = "fbw_stocks"
    label = _("Stocks on WB's warehouses")
    category = "analytics"
    limit_group = "analytics-stocks-report"
    interval = timedelta(minutes=30)
    cursor_type = WBStocksCursor
    wb_refresh = timedelta(minutes=30)

    def pager(self, seller: Seller, cursor: WBStocksCursor) -> Pager:
        return WB_STOCKS

    def ingest(
        self, seller: Seller, batch: list[WBStock], counts: Counts, sync_pass: SyncPass, cursor
    ):
        stamp = synced(seller, sync_pass)
        rows = [
            {
                **stamp,
                "kind": StockKind.FBW,
                "warehouse_id": stock.warehouse_id,
                "warehouse_name": text(stock.warehouse_name),
                "region_name": text(stock.region_name),
                "chrt_id": stock.chrt_id,
                "nm_id": stock.nm_id,
                "quantity": stock.quantity,
                "in_way_to_client": stock.in_way_to_client,
                "in_way_from_client": stock.in_way_from_client,
            }
            for stock in batch
        ]
        upsert(Stock, rows, keys=STOCK_KEYS, counts=counts)

    def end_pass(self, seller: Seller, sync_pass: SyncPass, counts: Counts) -> None:
        remove_unseen(Stock, seller, sync_pass, counts, kind=StockKind.FBW)
        snapshot_today(seller, StockKind.FBW)
        stock_totals_refresh(seller)


def snapshot_today(seller: Seller, kind: str) -> None:
    """Today's stock snapshot of one kind: the stock as this full pass left it."""
    day = timezone.localdate()
    StockSnapshot.objects.filter(seller=seller, day=day, kind=kind).delete()
    quote = connection.ops.quote_name
    columns = ("seller_id", "day", "kind", "warehouse_id", "chrt_id", "nm_id", "quantity")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(StockSnapshot._meta.db_table)} "  # noqa: S608 - names, quoted
            f"({', '.join(quote(c) for c in columns)}) "
            "SELECT seller_id, %s, kind, warehouse_id, chrt_id, nm_id, quantity "
            f"FROM {quote(Stock._meta.db_table)} WHERE seller_id = %s AND kind = %s",
            [connection.ops.adapt_datefield_value(day), seller.pk, kind],
        )


CARDS_DATASET = register(Cards())
register(Prices())
register(Warehouses())
register(SellerStocks())
register(WBStocks())
