"""Orders, cancellations, buyouts (sales `S…`) and returns (`R…`), and their statistics rows.

A day's orders are drawn from that day's own generator, so any day is at hand without the
others. Each order is of a size on sale at that moment, at the size's price then; its fate is
drawn with it: a tenth are cancelled within three days (the order's row changes then), most of
the rest are bought out within one to eight days, and some buyouts come back within two weeks.
statistics-api shows each change once its `lastChangeDate` (the event plus WB's processing lag
of up to half an hour) has come.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from wbapi.emulator.world.basis import (
    DAY,
    NOT_CANCELLED,
    day_of,
    day_start,
    mix,
    moscow_time,
    percent_of,
    rng,
    rub,
)
from wbapi.emulator.world.catalogue import Catalogue, Product, Size
from wbapi.emulator.world.stock import WB_WAREHOUSES, Stock, Warehouse, WBWarehouse

TRADE, IDS, INCOME = range(21, 24)
ORDERS_A_DAY_SLOTS = 1_000_000  # an order's number is day * slots + its place in the day
MAX_LAG = 30 * 60
CANCEL_WITHIN = 3 * DAY
SALE_WITHIN = 8 * DAY
RETURN_WITHIN = 14 * DAY
ORDER_LOOKBACK = CANCEL_WITHIN + MAX_LAG
SALE_LOOKBACK = SALE_WITHIN + RETURN_WITHIN + MAX_LAG
CACHED_ORDERS = 400_000
BUYER_REGIONS = (
    ("Россия", "Центральный федеральный округ", "Москва"),
    ("Россия", "Центральный федеральный округ", "Московская область"),
    ("Россия", "Северо-Западный федеральный округ", "Санкт-Петербург"),
    ("Россия", "Приволжский федеральный округ", "Республика Татарстан"),
    ("Россия", "Южный федеральный округ", "Краснодарский край"),
    ("Россия", "Уральский федеральный округ", "Свердловская область"),
    ("Россия", "Сибирский федеральный округ", "Новосибирская область"),
    ("Казахстан", "", "Алматы"),
    ("Беларусь", "", "Минская область"),
)
ACQUIRING_PERCENT = 1.5


@dataclass(slots=True)
class Order:
    number: int
    ts: int
    lag: int
    product: Product
    size: Size
    fbs: Warehouse | None
    wb_warehouse: WBWarehouse
    region: tuple[str, str, str]
    price: int  # roubles, the size's price when ordered
    discount: int
    spp: int
    basket: int  # number of the basket's first order
    wallet: int  # kopecks off for paying with WB's wallet
    cancel_ts: int | None
    cancel_lag: int
    sale_ts: int | None
    sale_lag: int
    return_ts: int | None
    return_lag: int
    srid: str
    sticker: str
    income_id: int
    id_base: int  # the seller's, so that sale and basket ids are unique per seller
    # The row fields that the warehouse and region, or the size, decide: one dict for all the
    # orders that share them, copied into each row rather than formed again for each.
    place: dict[str, str]
    article: dict[str, str | int]

    # --- Money, in kopecks --------------------------------------------------------------

    @property
    def price_with_discount(self) -> int:
        return percent_of(self.price * 100, 100 - self.discount)

    @property
    def finished_price(self) -> int:
        return percent_of(self.price_with_discount, 100 - self.spp)

    @property
    def commission(self) -> int:
        return percent_of(self.price_with_discount, self.product.subject.commission)

    @property
    def acquiring_fee(self) -> int:
        return percent_of(self.finished_price, ACQUIRING_PERCENT)

    @property
    def for_pay(self) -> int:
        return self.price_with_discount - self.commission - self.acquiring_fee

    # --- Rows ---------------------------------------------------------------------------

    def current_change(self, now: float) -> tuple[int, bool] | None:
        """(lastChangeDate, cancelled) of the order's row at `now`; None before it shows."""
        if self.cancel_ts is not None and self.cancel_ts + self.cancel_lag <= now:
            return self.cancel_ts + self.cancel_lag, True
        changed = self.ts + self.lag
        return (changed, False) if changed <= now else None

    def sale_changes(self, now: float) -> Iterator[tuple[int, bool]]:
        """(lastChangeDate, is a return) of the order's sales rows shown at `now`."""
        if self.sale_ts is not None and self.sale_ts + self.sale_lag <= now:
            yield self.sale_ts + self.sale_lag, False
            if self.return_ts is not None and self.return_ts + self.return_lag <= now:
                yield self.return_ts + self.return_lag, True

    def sale_id(self, is_return: bool) -> str:
        digits = (self.id_base + self.number) % 10**10
        return f"{'R' if is_return else 'S'}{digits:010d}"

    def g_number(self) -> str:
        return f"{mix(self.id_base, self.basket) % 10**20:020d}"

    def _common(self) -> dict:
        return {
            **self.place,
            **self.article,
            "incomeID": self.income_id,
            "isSupply": False,
            "isRealization": True,
            "totalPrice": self.price,
            "discountPercent": self.discount,
            "spp": self.spp,
        }

    def order_row(self, changed: int, cancelled: bool) -> dict:
        """The row of GET /api/v1/supplier/orders (OrdersItem)."""
        return {
            "date": moscow_time(self.ts),
            "lastChangeDate": moscow_time(changed),
            **self._common(),
            "finishedPrice": rub(self.finished_price),
            "priceWithDisc": rub(self.price_with_discount),
            "isCancel": cancelled,
            "cancelDate": moscow_time(self.cancel_ts) if cancelled else NOT_CANCELLED,
            "sticker": self.sticker,
            "gNumber": self.g_number(),
            "srid": self.srid,
        }

    def sale_row(self, changed: int, is_return: bool) -> dict:
        """The row of GET /api/v1/supplier/sales (SalesItem); a return carries the sale's
        amounts negated."""
        sign = -1 if is_return else 1
        return {
            "date": moscow_time(self.return_ts if is_return else self.sale_ts),
            "lastChangeDate": moscow_time(changed),
            **self._common(),
            "paymentSaleAmount": sign * (self.wallet // 100),
            "forPay": rub(sign * self.for_pay),
            "finishedPrice": rub(sign * self.finished_price),
            "priceWithDisc": rub(sign * self.price_with_discount),
            "saleID": self.sale_id(is_return),
            "sticker": self.sticker,
            "gNumber": self.g_number(),
            "srid": self.srid,
        }


Change = tuple[int, int, Order, bool]  # (lastChangeDate, order number, order, flag)


class Trade:
    def __init__(
        self,
        seed: int,
        catalogue: Catalogue,
        stock: Stock,
        orders_per_day: int,
        history_start_ts: int,
    ) -> None:
        self.seed = seed
        self.catalogue = catalogue
        self.stock = stock
        self.orders_per_day = orders_per_day
        self.history_start_ts = history_start_ts
        self.first_day = day_of(history_start_ts)
        self.id_base = mix(seed, IDS)
        self._days: OrderedDict[int, list[Order]] = OrderedDict()
        self._cached = 0
        self._places: dict[tuple[str, str, tuple[str, str, str]], dict[str, str]] = {}
        self._articles: dict[int, dict[str, str | int]] = {}
        # Hashed values that hold for weeks, kept for the next order: chrtID -> (price epoch,
        # price, discount); (WB warehouse id, month) -> income id.
        self._terms: dict[int, tuple[int, int, int]] = {}
        self._income_ids: dict[tuple[int, int], int] = {}

    def orders_of_day(self, day: int) -> list[Order]:
        """The orders placed on a Moscow day, in order of time (a cache keeps recent days)."""
        orders = self._days.get(day)
        if orders is not None:
            self._days.move_to_end(day)
            return orders
        orders = self._draw_day(day)
        self._days[day] = orders
        self._cached += len(orders)
        while self._cached > CACHED_ORDERS and len(self._days) > 1:
            _, dropped = self._days.popitem(last=False)
            self._cached -= len(dropped)
        return orders

    def orders_between(self, start: float, end: float) -> Iterator[Order]:
        """Orders placed at `start` <= ts < `end`."""
        for day in range(max(self.first_day, day_of(start)), day_of(end) + 1):
            for order in self.orders_of_day(day):
                if start <= order.ts < end:
                    yield order

    # --- statistics-api -----------------------------------------------------------------

    def order_changes(self, after: float, now: float, limit: int | None, kept_from: float):
        """Orders rows with after < lastChangeDate <= now, in its order, at most `limit`."""
        return self._changes(after, now, limit, kept_from, ORDER_LOOKBACK, _order_changes)

    def sale_changes(self, after: float, now: float, limit: int | None, kept_from: float):
        return self._changes(after, now, limit, kept_from, SALE_LOOKBACK, Order.sale_changes)

    def orders_placed_on(self, day: int, now: float, kept_from: float) -> list[Change]:
        """flag=1: orders whose `date` is on the day, as they stand at `now`."""
        rows = []
        for order in self.orders_of_day(day):
            if order.ts >= kept_from:
                for changed, cancelled in _order_changes(order, now):
                    rows.append((changed, order.number, order, cancelled))
        return rows

    def sales_on(self, day: int, now: float, kept_from: float) -> list[Change]:
        """flag=1: sales and returns whose `date` is on the day."""
        start, end = day_start(day), day_start(day + 1)
        rows = []
        for order in self.orders_between(start - SALE_WITHIN - RETURN_WITHIN, end):
            if order.ts < kept_from:
                continue
            for changed, is_return in order.sale_changes(now):
                event = order.return_ts if is_return else order.sale_ts
                if start <= event < end:
                    rows.append((changed, order.number, order, is_return))
        return sorted(rows, key=_change_key)

    def _changes(
        self,
        after: float,
        now: float,
        limit: int | None,
        kept_from: float,
        lookback: int,
        changes_of: Callable[[Order, float], Iterator[tuple[int, bool]]],
    ) -> list[Change]:
        found: list[Change] = []
        first = max(self.first_day, day_of(max(after, kept_from) - lookback))
        for day in range(first, day_of(now) + 1):
            for order in self.orders_of_day(day):
                if order.ts < kept_from:
                    continue
                for changed, flag in changes_of(order, now):
                    if changed > after:
                        found.append((changed, order.number, order, flag))
            # Rows of later days change at or after the next midnight: once enough rows lie
            # before it, the first `limit` rows are known.
            boundary = day_start(day + 1)
            if limit is not None and sum(1 for row in found if row[0] < boundary) >= limit:
                break
        found.sort(key=_change_key)
        return found if limit is None else found[:limit]

    # --- Drawing a day ------------------------------------------------------------------

    def _draw_day(self, day: int) -> list[Order]:
        start = day_start(day)
        draw = rng(self.seed, TRADE, day)
        count = round(self.orders_per_day * (0.8 + 0.4 * draw.random()))
        times = sorted(start + draw.randrange(DAY) for _ in range(count))
        orders: list[Order] = []
        for place, ts in enumerate(times):
            if ts < self.history_start_ts:
                continue
            previous = orders[-1] if orders else None
            in_basket = previous is not None and draw.random() < 0.15
            product = self.catalogue.pick_sellable(ts, draw.random())
            if product is None:
                continue
            order = self._draw_order(
                draw, day * ORDERS_A_DAY_SLOTS + place, previous.ts if in_basket else ts, product
            )
            if in_basket:
                order.basket = previous.basket
            orders.append(order)
        return orders

    def _draw_order(self, draw, number: int, ts: int, product: Product) -> Order:
        size = product.sizes[draw.randrange(len(product.sizes))]
        carriers = self.stock.fbs_carriers(product, size)
        fbs = carriers[draw.randrange(len(carriers))] if carriers and draw.random() < 0.25 else None
        wb_choices = self.stock.wb_warehouses_of(product, size) or WB_WAREHOUSES[:1]
        wb_warehouse = wb_choices[draw.randrange(len(wb_choices))]
        fate = draw.random()
        cancel_ts = sale_ts = return_ts = None
        if fate < 0.1:
            cancel_ts = ts + draw.randrange(10 * 60, CANCEL_WITHIN)
        elif fate < 0.97:
            sale_ts = ts + draw.randrange(DAY, SALE_WITHIN)
            if draw.random() < 0.07:
                return_ts = sale_ts + draw.randrange(DAY, RETURN_WITHIN)
        price, discount = self._price_and_discount(product, size, ts)
        lag = draw.randrange(60, MAX_LAG)  # drawn in this order: a world is its sequence of draws
        region = BUYER_REGIONS[draw.randrange(len(BUYER_REGIONS))]
        return Order(
            number=number,
            ts=ts,
            lag=lag,
            product=product,
            size=size,
            fbs=fbs,
            wb_warehouse=wb_warehouse,
            region=region,
            price=price,
            discount=discount,
            spp=draw.randrange(0, 31),
            basket=number,
            wallet=percent_of(price * 100, 2) if draw.random() < 0.3 else 0,
            cancel_ts=cancel_ts,
            cancel_lag=draw.randrange(60, MAX_LAG),
            sale_ts=sale_ts,
            sale_lag=draw.randrange(60, MAX_LAG),
            return_ts=return_ts,
            return_lag=draw.randrange(60, MAX_LAG),
            srid=f"{draw.getrandbits(64):016x}{draw.getrandbits(64):016x}{number % 2**32:08x}",
            sticker=str(10**9 + draw.randrange(9 * 10**9)) if fbs else "",
            income_id=0 if fbs else self._income_id(wb_warehouse, ts),
            id_base=self.id_base,
            place=self._place(fbs, wb_warehouse, region),
            article=self._article(product, size),
        )

    def _place(
        self, fbs: Warehouse | None, wb_warehouse: WBWarehouse, region: tuple[str, str, str]
    ) -> dict[str, str]:
        kind, name = ("Склад продавца", fbs.name) if fbs else ("Склад WB", wb_warehouse.name)
        key = (kind, name, region)
        found = self._places.get(key)
        if found is None:
            country, okrug, region_name = region
            found = self._places[key] = {
                "warehouseName": name,
                "warehouseType": kind,
                "countryName": country,
                "oblastOkrugName": okrug,
                "regionName": region_name,
            }
        return found

    def _article(self, product: Product, size: Size) -> dict[str, str | int]:
        found = self._articles.get(size.chrt_id)
        if found is None:
            found = self._articles[size.chrt_id] = {
                "supplierArticle": product.vendor_code,
                "nmId": product.nm_id,
                "barcode": size.barcode,
                "category": product.subject.category,
                "subject": product.subject.name,
                "brand": product.brand,
                "techSize": size.tech_size,
            }
        return found

    def _price_and_discount(self, product: Product, size: Size, ts: int) -> tuple[int, int]:
        """The size's price in roubles and the product's discount at `ts`."""
        epoch = product.price_epoch(ts)
        kept = self._terms.get(size.chrt_id)
        if kept is None or kept[0] != epoch:
            kept = (epoch, product.price(epoch, size), product.discount(epoch))
            self._terms[size.chrt_id] = kept
        return kept[1], kept[2]

    def _income_id(self, warehouse: WBWarehouse, ts: int) -> int:
        """The supply that brought the goods: one a month per WB warehouse."""
        key = (warehouse.id, ts // (30 * DAY))
        found = self._income_ids.get(key)
        if found is None:
            found = self._income_ids[key] = 10_000_000 + mix(self.seed, INCOME, *key) % 90_000_000
        return found


def _order_changes(order: Order, now: float) -> Iterator[tuple[int, bool]]:
    change = order.current_change(now)
    if change is not None:
        yield change


def _change_key(change: Change) -> tuple[int, int, bool]:
    return change[0], change[1], change[3]
