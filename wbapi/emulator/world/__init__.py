"""A seller's world: catalogue, prices, warehouses, stock, orders, sales and finance reports.

Everything follows from the seller's sid and configuration: the same sid, configuration and
clock give the same data on any machine. Every event has its own time and shows once the
emulator's clock has reached it. The methods here give the data in WB's shapes; the endpoint
modules page and filter it, and the truth (`truth.py`) is the same data in full.
"""

from __future__ import annotations

from wbapi.emulator.world.basis import (
    DAY,
    day_of_date,
    day_start,
    mix,
    seed_of,
    utc_time,
)
from wbapi.emulator.world.catalogue import Catalogue, Product, Size
from wbapi.emulator.world.config import WorldConfig
from wbapi.emulator.world.finance import Finance
from wbapi.emulator.world.stock import WB_POOL_ID, WB_POOL_NAME, Stock, Warehouse
from wbapi.emulator.world.trade import Trade

RETENTION = 90 * DAY  # statistics-api keeps an order 90 days after it was placed
CHARACTERISTIC_IDS = {"Цвет": 14_177_449, "Страна производства": 14_177_451, "Комплектация": 37_853}
CardKey = tuple[int, int]  # (updatedAt in microseconds, nmID): the cards list's order


class World:
    def __init__(self, sid: str, config: WorldConfig, *, seller_name: str, seller_tin: str) -> None:
        if config.history_start is None:
            raise ValueError("A world needs its history start fixed")
        self.sid = sid
        self.config = config
        self.seed = seed_of(sid)
        history_start_ts = day_start(day_of_date(config.history_start))
        self.catalogue = Catalogue(self.seed, config.products, history_start_ts)
        self.stock = Stock(self.seed, self.catalogue)
        self.trade = Trade(
            self.seed, self.catalogue, self.stock, config.orders_per_day, history_start_ts
        )
        self.finance = Finance(
            self.seed, seller_name, seller_tin, self.catalogue, self.trade, history_start_ts
        )

    # --- Cards (content-api) --------------------------------------------------------------

    def cards(self, now: float) -> list[tuple[CardKey, Product, int]]:
        """Every card outside the trash at `now`, by (updatedAt, nmID) ascending."""
        found = []
        for product in self.catalogue.products():
            if product.exists_at(now):
                version = product.version_at(now)
                found.append(((product.updated_us(version), product.nm_id), product, version))
        found.sort(key=lambda card: card[0])
        return found

    def card(self, product: Product, version: int) -> dict:
        """A card as POST /content/v2/get/cards/list gives it."""
        subject = product.subject
        length, width, height = (
            max(1, side + (mix(product.seed, 40 + n) % 5) - 2) for n, side in enumerate(subject.box)
        )
        characteristics = {
            "Цвет": [product.colour],
            "Страна производства": ["Россия"],
            "Комплектация": [f"{subject.name}, {1 + version % 2} шт."],
        }
        return {
            "nmID": product.nm_id,
            "imtID": product.imt_id,
            "nmUUID": product.nm_uuid,
            "subjectID": subject.id,
            "subjectName": subject.name,
            "vendorCode": product.vendor_code,
            "brand": product.brand,
            "title": product.title,
            "description": product.description(version),
            "needKiz": product.needs_kiz,
            "photos": product.photo_urls(version),
            "video": self._video_url(product),
            "wholesale": {
                "enabled": product.wholesale_quantum > 0,
                "quantum": product.wholesale_quantum,
            },
            "dimensions": {
                "length": length,
                "width": width,
                "height": height,
                "weightBrutto": round(subject.weight * (0.9 + 0.2 * (product.seed % 100) / 100), 3),
                "isValid": True,
            },
            "characteristics": [
                {"id": CHARACTERISTIC_IDS[name], "name": name, "value": value}
                for name, value in characteristics.items()
            ],
            "sizes": [
                {
                    "chrtID": size.chrt_id,
                    "techSize": size.tech_size,
                    "wbSize": size.wb_size,
                    "skus": [size.barcode],
                }
                for size in product.sizes
            ],
            "tags": [self.catalogue.tag(tag_id) for tag_id in product.tag_ids],
            "createdAt": utc_time(product.created_ts, mix(product.seed, 50) % 1_000_000),
            "updatedAt": _utc_us(product.updated_us(version)),
        }

    @staticmethod
    def _video_url(product: Product) -> str:
        if not product.has_video:
            return ""
        basket = 1 + product.nm_id % 20
        return (
            f"https://videonme-basket-{basket:02d}.wbbasket.ru/vol{product.nm_id // 100_000}"
            f"/part{product.nm_id // 1000}/{product.nm_id}/hls/1440p/index.m3u8"
        )

    # --- Prices (discounts-prices-api) ----------------------------------------------------

    def goods(self, now: float) -> list[Product]:
        """Products with a price at `now` (outside the trash), by nmID."""
        return [p for p in self.catalogue.products() if p.exists_at(now)]

    def goods_item(self, product: Product, now: float) -> dict:
        """A product as GET /api/v2/list/goods/filter lists it."""
        epoch = product.price_epoch(now)
        discount, club = product.discount(epoch), product.club_discount(epoch)
        item = {
            "nmID": product.nm_id,
            "vendorCode": product.vendor_code,
            "sizes": [
                {
                    "sizeID": size.chrt_id,
                    **_prices(product.price(epoch, size), discount, club),
                    "techSizeName": size.tech_size,
                }
                for size in product.sizes
            ],
            "currencyIsoCode4217": "RUB",
            "discount": discount,
            "clubDiscount": club,
            "editableSizePrice": product.subject.editable_size_price,
        }
        if product.bad_turnover:
            item["isBadTurnover"] = True
        return item

    def size_items(self, product: Product, now: float) -> list[dict]:
        """A product's sizes as GET /api/v2/list/goods/size/nm lists them."""
        epoch = product.price_epoch(now)
        discount, club = product.discount(epoch), product.club_discount(epoch)
        items = []
        for size in product.sizes:
            prices = _prices(product.price(epoch, size), discount, club)
            item = {
                "nmID": product.nm_id,
                "sizeID": size.chrt_id,
                "vendorCode": product.vendor_code,
                "price": prices["price"],
                "currencyIsoCode4217": "RUB",
                "discountedPrice": prices["discountedPrice"],
                "clubDiscountedPrice": prices["clubDiscountedPrice"],
                "discount": discount,
                "clubDiscount": club,
                "techSizeName": size.tech_size,
                "editableSizePrice": True,
            }
            if product.bad_turnover:
                item["isBadTurnover"] = True
            items.append(item)
        return items

    # --- Warehouses and stock (marketplace-api, seller-analytics-api) ---------------------

    def warehouse_list(self) -> list[dict]:
        """GET /api/v3/warehouses."""
        return [
            {
                "name": warehouse.name,
                "officeId": warehouse.office_id,
                "id": warehouse.id,
                "cargoType": 1,
                "deliveryType": 1,
                "isDeleting": False,
                "isProcessing": False,
            }
            for warehouse in self.stock.warehouses
        ]

    def fbs_stocks(self, warehouse: Warehouse, chrt_ids: list[int], now: float) -> list[dict]:
        """POST /api/v3/stocks/{warehouseId}: the requested sizes the warehouse carries."""
        stocks = []
        for chrt_id in chrt_ids:
            found = self.catalogue.by_chrt_id(chrt_id)
            if found is None or not found[0].exists_at(now):
                continue
            product, size = found
            if self.stock.carries(warehouse, product, size):
                amount = self.stock.fbs_amount(warehouse, product, size, now)
                stocks.append({"chrtId": chrt_id, "amount": amount})
        return stocks

    def sizes_on_sale(self, now: float) -> list[tuple[Product, Size]]:
        return [
            (product, size)
            for product in self.catalogue.products()
            if product.sellable and product.exists_at(now)
            for size in product.sizes
        ]

    def fbw_item(self, product: Product, size: Size, now: float) -> dict:
        """A size's row in the WB-warehouses stock report (sizes on sale are on 1-3 of them)."""
        quantity, to_client, from_client = self.stock.fbw_levels(product, size, now)
        return {
            "nmId": product.nm_id,
            "chrtId": size.chrt_id,
            "warehouseId": WB_POOL_ID,
            "warehouseName": WB_POOL_NAME,
            "regionName": WB_POOL_NAME,
            "quantity": quantity,
            "inWayToClient": to_client,
            "inWayFromClient": from_client,
        }

    def kept_from(self, now: float) -> float:
        """The oldest order time statistics-api still shows at `now`."""
        return now - RETENTION


def _prices(price: int, discount: int, club: int) -> dict:
    discounted = round(price * (100 - discount) / 100, 2)
    return {
        "price": price,
        "discountedPrice": discounted,
        "clubDiscountedPrice": round(discounted * (100 - club) / 100, 2),
    }


def _utc_us(micros: int) -> str:
    return utc_time(micros // 1_000_000, micros % 1_000_000)
