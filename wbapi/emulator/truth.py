"""Ground truth: what a perfect sync of a seller holds at the emulator's current clock, in the
API's own field names, every page of every method put together.

cards: every card outside the trash, by (updatedAt, nmID); prices: goods/filter's items, by
nmID; warehouses: the seller's; stocks: {warehouseId, chrtId, amount} for every size a seller
warehouse carries; fbw_stocks: the WB-warehouses report's items; orders and sales: the current
row of every order and sale or return that statistics-api keeps (orders placed in the last 90
days), by lastChangeDate; finance_reports and finance_rows: the headers and rows of every
published report (weekly, or `period="daily"`).
"""

from __future__ import annotations

from collections.abc import Callable

from wbapi.emulator.world import World
from wbapi.emulator.world.basis import day_of
from wbapi.emulator.world.finance import PERIOD_DAYS

# Every report from WB's first (2024-01-29) to the clock's day is in range.
FIRST_DAY = 0


def truth(world: World, dataset: str, now: float, revisions: dict, period: str = "weekly"):
    """The dataset's rows; ValueError for an unknown dataset or period."""
    if dataset not in DATASETS:
        raise ValueError(f"Unknown dataset {dataset!r}; one of {sorted(DATASETS)}")
    if period not in PERIOD_DAYS:
        raise ValueError("period must be weekly or daily")
    return DATASETS[dataset](world, now, revisions, period)


def _cards(world: World, now: float, revisions: dict, period: str) -> list[dict]:
    return [world.card(product, version) for _, product, version in world.cards(now)]


def _prices(world: World, now: float, revisions: dict, period: str) -> list[dict]:
    return [world.goods_item(product, now) for product in world.goods(now)]


def _warehouses(world: World, now: float, revisions: dict, period: str) -> list[dict]:
    return world.warehouse_list()


def _stocks(world: World, now: float, revisions: dict, period: str) -> list[dict]:
    chrt_ids = [size.chrt_id for _, size in world.sizes_on_sale(now)]
    return [
        {"warehouseId": warehouse.id, **stock}
        for warehouse in world.stock.warehouses
        for stock in world.fbs_stocks(warehouse, chrt_ids, now)
    ]


def _fbw_stocks(world: World, now: float, revisions: dict, period: str) -> list[dict]:
    return [world.fbw_item(product, size, now) for product, size in world.sizes_on_sale(now)]


def _orders(world: World, now: float, revisions: dict, period: str) -> list[dict]:
    changes = world.trade.order_changes(0, now, None, world.kept_from(now))
    return [order.order_row(changed, cancelled) for changed, _, order, cancelled in changes]


def _sales(world: World, now: float, revisions: dict, period: str) -> list[dict]:
    changes = world.trade.sale_changes(0, now, None, world.kept_from(now))
    return [order.sale_row(changed, is_return) for changed, _, order, is_return in changes]


def _reports(world: World, now: float, revisions: dict, period: str):
    return world.finance.reports(period, now, revisions, FIRST_DAY, day_of(now))


def _finance_reports(world: World, now: float, revisions: dict, period: str) -> list[dict]:
    return [world.finance.header(report) for report in _reports(world, now, revisions, period)]


def _finance_rows(world: World, now: float, revisions: dict, period: str) -> list[dict]:
    return [
        row
        for report in _reports(world, now, revisions, period)
        for row in world.finance.rows(report)
    ]


DATASETS: dict[str, Callable[[World, float, dict, str], list[dict]]] = {
    "cards": _cards,
    "prices": _prices,
    "warehouses": _warehouses,
    "stocks": _stocks,
    "fbw_stocks": _fbw_stocks,
    "orders": _orders,
    "sales": _sales,
    "finance_reports": _finance_reports,
    "finance_rows": _finance_rows,
}
