"""The least time WB's limits allow for a sync's pages (bench.sync), which the benchmark's
ratios divide by: per cabinet and limit group, the pages beyond the burst take one interval
each (divided by the speed), the groups add up as the datasets wait for one another, and
cabinets go side by side."""

from datetime import UTC, datetime, timedelta

import pytest

from bench.sync import CATALOGUE, MONEY, group_of, least_time, limits_used, timeline


def catalogue(pages: dict[str, int], speed: float = 1.0) -> float:
    return least_time({"seller-1": pages}, speed, CATALOGUE.cabinet_least)


def money(pages: dict[str, int], speed: float = 1.0) -> float:
    return least_time({"seller-1": pages}, speed, MONEY.cabinet_least)


def test_pages_within_the_burst_take_no_time():
    assert catalogue({"content": 5, "prices": 5, "marketplace-stocks": 20}) == 0
    assert money({"statistics-orders": 10, "statistics-sales": 1, "finance-detailed": 1}) == 0


def test_each_page_beyond_the_burst_takes_one_interval_divided_by_the_speed():
    # orders: 1 a minute after a burst of 10
    assert money({"statistics-orders": 13}) == pytest.approx(3 * 60)
    assert money({"statistics-orders": 13}, speed=4) == pytest.approx(3 * 60 / 4)


def test_the_catalogue_stocks_wait_for_the_cards_and_the_warehouses():
    # cards: 0.6 s a page after 5; seller stocks: 0.2 s after 20; prices: 0.6 s after 5
    pages = {"content": 105, "marketplace-warehouses": 1, "marketplace-stocks": 25, "prices": 10}
    assert catalogue(pages) == pytest.approx(100 * 0.6 + 5 * 0.2)


def test_the_slowest_catalogue_dataset_binds_when_it_waits_for_none():
    # FBW stocks: 3 a minute after 1
    pages = {"content": 10, "analytics-stocks-report": 11}
    assert catalogue(pages) == pytest.approx(10 * 20)


def test_money_datasets_go_side_by_side_and_finance_reads_its_list_then_its_rows():
    pages = {
        "statistics-orders": 12,  # 2 minutes
        "statistics-sales": 3,  # 2 minutes
        "finance-list": 2,  # 1 minute, then
        "finance-detailed": 3,  # 2 minutes
    }
    assert money(pages) == pytest.approx(3 * 60)


def test_cabinets_go_side_by_side():
    pages = {"a": {"statistics-sales": 3}, "b": {"statistics-sales": 5}, "c": {}}
    assert least_time(pages, 2.0, MONEY.cabinet_least) == pytest.approx(4 * 60 / 2)
    assert least_time({}, 2.0, MONEY.cabinet_least) == 0


def test_a_path_is_matched_to_its_limit_group_with_its_parameters():
    assert group_of("/api/v3/stocks/507", CATALOGUE.paths) == "marketplace-stocks"
    assert group_of("/api/finance/v1/sales-reports/list", MONEY.paths) == "finance-list"
    with pytest.raises(KeyError):
        group_of("/api/v1/supplier/orders", CATALOGUE.paths)


def test_the_emulators_log_gives_pages_without_the_refused_or_unanswered_requests():
    def entry(path: str, status: int | None, sid: str = "s1") -> dict:
        return {"path": path, "status": status, "sid": sid}

    sales = "/api/v1/supplier/sales"
    entries = [
        *(entry(sales, 200) for _ in range(3)),
        entry(sales, 429),
        entry(sales, None),  # a reset connection
        entry("/api/finance/v1/sales-reports/detailed", 204),
        entry(sales, 200, sid="s2"),
    ]
    used = limits_used(entries, 1.0, MONEY)
    assert used == {"minimum_s": 2 * 60, "throttled_by_path": {sales: 1}}


def test_the_timeline_gives_each_limit_groups_first_and_last_request_over_every_cabinet():
    started = datetime(2026, 3, 2, 9, tzinfo=UTC)

    def entry(path: str, seconds: float, sid: str | None = "s1") -> dict:
        at = (started + timedelta(seconds=seconds)).isoformat(timespec="milliseconds")
        return {"path": path, "status": 200, "sid": sid, "at": at.replace("+00:00", "Z")}

    orders, sales = "/api/v1/supplier/orders", "/api/v1/supplier/sales"
    entries = [
        entry(orders, 1.3),
        entry(sales, 2.0),
        entry(orders, 61.5, sid="s2"),
        entry(orders, 30.0),
        entry(orders, 99.0, sid=None),  # not a cabinet's (a seller-info check)
    ]
    assert timeline(entries, started, MONEY) == {
        "statistics-orders": [1.3, 61.5],
        "statistics-sales": [2.0, 2.0],
    }
