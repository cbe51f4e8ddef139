"""Warehouses and stock: the seller's own (FBS) and WB's (FBW), per size and warehouse.

A size is carried by each seller warehouse with probability one half, and by one to three WB
warehouses. Its amount on a warehouse holds for an epoch of 6 to 48 hours (each pair of size
and warehouse has its own length and phase) and is redrawn for the next: a fifth of epochs
are empty. Products bound for the trash hold no stock; products appear in stock once created.
"""

from __future__ import annotations

from dataclasses import dataclass

from wbapi.emulator.world.basis import HOUR, mix
from wbapi.emulator.world.catalogue import Catalogue, Product, Size

FBS, FBW, EPOCH, AMOUNT = range(11, 15)
MIN_EPOCH, EPOCH_SPREAD = 6 * HOUR, 42 * HOUR
# WB aggregates its own warehouses in the stocks report (release note 570): one pseudo-
# warehouse with this id and name.
WB_POOL_ID = -999_999
WB_POOL_NAME = "Склад WB"
# City of a seller warehouse, and the WB office it is bound to.
SELLER_CITIES = (("Подольск", 15), ("Казань", 117_986), ("Екатеринбург", 1_733))


@dataclass(frozen=True)
class Warehouse:
    id: int
    name: str
    office_id: int


@dataclass(frozen=True)
class WBWarehouse:
    id: int
    name: str
    region: str


WB_WAREHOUSES = (
    WBWarehouse(507, "Коледино", "Центральный федеральный округ"),
    WBWarehouse(117_501, "Подольск", "Центральный федеральный округ"),
    WBWarehouse(120_762, "Электросталь", "Центральный федеральный округ"),
    WBWarehouse(117_986, "Казань", "Приволжский федеральный округ"),
    WBWarehouse(130_744, "Краснодар", "Южный федеральный округ"),
    WBWarehouse(1_733, "Екатеринбург - Испытателей 14г", "Уральский федеральный округ"),
    WBWarehouse(686, "Новосибирск", "Сибирский федеральный округ"),
    WBWarehouse(2_737, "Санкт-Петербург Уткина Заводь", "Северо-Западный федеральный округ"),
)


class Stock:
    def __init__(self, seed: int, catalogue: Catalogue) -> None:
        self.seed = seed
        self.catalogue = catalogue
        count = 1 + mix(seed, FBS) % 3
        base = 1_000_000 + mix(seed, FBS, 1) % 8_000_000
        self.warehouses = tuple(
            Warehouse(
                id=base + n,
                name=f"Склад продавца {SELLER_CITIES[n][0]}",
                office_id=SELLER_CITIES[n][1],
            )
            for n in range(count)
        )
        self._by_id = {w.id: w for w in self.warehouses}
        # chrtID -> its warehouses: every order asks, and each answer costs hashes to draw.
        self._fbs_carriers: dict[int, tuple[Warehouse, ...]] = {}
        self._wb_warehouses: dict[int, tuple[WBWarehouse, ...]] = {}

    def warehouse(self, warehouse_id: int) -> Warehouse | None:
        return self._by_id.get(warehouse_id)

    # --- Seller warehouses (FBS) --------------------------------------------------------

    def carries(self, warehouse: Warehouse, product: Product, size: Size) -> bool:
        return product.sellable and mix(self.seed, FBS, size.chrt_id, warehouse.id) % 2 == 0

    def fbs_carriers(self, product: Product, size: Size) -> tuple[Warehouse, ...]:
        """The seller warehouses that carry the size."""
        found = self._fbs_carriers.get(size.chrt_id)
        if found is None:
            found = tuple(w for w in self.warehouses if self.carries(w, product, size))
            self._fbs_carriers[size.chrt_id] = found
        return found

    def fbs_amount(self, warehouse: Warehouse, product: Product, size: Size, ts: float) -> int:
        if ts < product.created_ts:
            return 0
        return self._amount(FBS, size.chrt_id, warehouse.id, ts, 60)

    # --- WB warehouses (FBW) ------------------------------------------------------------

    def wb_warehouses_of(self, product: Product, size: Size) -> tuple[WBWarehouse, ...]:
        found = self._wb_warehouses.get(size.chrt_id)
        if found is None:
            found = self._wb_warehouses[size.chrt_id] = self._draw_wb_warehouses(product, size)
        return found

    def _draw_wb_warehouses(self, product: Product, size: Size) -> tuple[WBWarehouse, ...]:
        if not product.sellable:
            return ()
        draw = mix(self.seed, FBW, size.chrt_id)
        first = draw % len(WB_WAREHOUSES)
        return tuple(
            WB_WAREHOUSES[(first + 3 * n) % len(WB_WAREHOUSES)] for n in range(1 + draw % 3)
        )

    def fbw_levels(self, product: Product, size: Size, ts: float) -> tuple[int, int, int]:
        """(quantity, in way to client, in way from client) over all WB warehouses."""
        if ts < product.created_ts:
            return 0, 0, 0
        quantity = to_client = from_client = 0
        for warehouse in self.wb_warehouses_of(product, size):
            quantity += self._amount(FBW, size.chrt_id, warehouse.id, ts, 200)
            to_client += self._amount(FBW + 100, size.chrt_id, warehouse.id, ts, 8)
            from_client += self._amount(FBW + 200, size.chrt_id, warehouse.id, ts, 3)
        return quantity, to_client, from_client

    def _amount(self, kind: int, chrt_id: int, warehouse_id: int, ts: float, top: int) -> int:
        pair = mix(self.seed, kind, chrt_id, warehouse_id)
        length = MIN_EPOCH + pair % EPOCH_SPREAD
        epoch = int((ts + pair % length) // length)
        draw = mix(pair, EPOCH, epoch)
        return 0 if draw % 5 == 0 else 1 + (draw >> 8) % top
