"""A cabinet's WB data, read straight from an emulator: for the tests of storing WB rows
(sales, finance). The rows are parsed by wbapi exactly as the sync gets them, from an emulator
of their own whose rate limits pass in milliseconds."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from conftest import SELLER
from wbapi.claims import decode_token
from wbapi.client import WBClient
from wbapi.emulator.testing import EmulatorServer

WB_DATA_NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WB_DATA_SPEED = 20_000


@dataclass
class WBCabinet:
    """A seller cabinet, its emulated world (clock frozen) and a WB client of its data."""

    seller: object
    wb: object
    client: object

    @property
    def sid(self) -> str:
        return self.seller.sid

    def records(self, pager, cursor) -> tuple[list, object]:
        """Every record from `cursor` until the pages end, and the cursor they end at."""
        records = []
        for page in self.client.pages(pager, cursor):
            records.extend(page)
            cursor = page.turn.cursor
        return records, cursor

    def truth(self, dataset: str, period: str = "weekly") -> list[dict]:
        return self.wb.truth(self.sid, dataset, period)


@pytest.fixture(scope="session")
def wb_data_emulator():
    server = EmulatorServer(speed=WB_DATA_SPEED)
    yield server
    server.stop()


@pytest.fixture
def wb_cabinet(wb_data_emulator, db):
    """A cabinet of 20 products and about 12 orders a day, the clock at WB_DATA_NOW."""
    from sellers.services import seller_for_token  # once Django is set up

    wb_data_emulator.reset()
    wb_data_emulator.freeze_clock(WB_DATA_NOW)
    token = wb_data_emulator.mint(categories="statistics,finance", seller_name=SELLER)
    seller = seller_for_token(sid=decode_token(token).seller_sid, oid=None)
    wb_data_emulator.configure(seller.sid, products=20, orders_per_day=12)
    client = WBClient(token, base_url=wb_data_emulator.base_url, max_retry_wait=1.0)
    yield WBCabinet(seller=seller, wb=wb_data_emulator, client=client)
    wb_data_emulator.reset()


SYNCED_PAGE_ROWS = 2000
# What WB gives of a cabinet, by the world it was read from: the emulator's data is a function
# of the seller, its world and its clock, so the tests of a synced cabinet, which all read the
# same, read it once a session. (The records are frozen: no test can change them.)
_read_records: dict[tuple, tuple[list, list, list, list]] = {}


def synced_records(cabinet: WBCabinet) -> tuple[list, list, list, list]:
    """The cabinet's orders, sales, finance report rows and report headers, every page."""
    key = (cabinet.sid, cabinet.wb.world_config(cabinet.sid), cabinet.wb.now())
    if key not in _read_records:
        _read_records[key] = read_records(cabinet)
    return _read_records[key]


def read_records(cabinet: WBCabinet) -> tuple[list, list, list, list]:
    from wbapi.methods.finance import REPORT_ROWS, REPORTS, ReportRowsCursor, ReportsCursor
    from wbapi.methods.statistics import ORDERS_METHOD, SALES_METHOD, ChangesCursor, ChangesPager

    start = ChangesCursor(WB_DATA_NOW - timedelta(days=365))
    orders, _ = cabinet.records(ChangesPager(ORDERS_METHOD, page_rows=SYNCED_PAGE_ROWS), start)
    sales, _ = cabinet.records(ChangesPager(SALES_METHOD, page_rows=SYNCED_PAGE_ROWS), start)
    first, last = date(2024, 1, 29), WB_DATA_NOW.date()
    rows, _ = cabinet.records(REPORT_ROWS, ReportRowsCursor(first, last, limit=5000))
    headers, _ = cabinet.records(REPORTS, ReportsCursor(first, last))
    return orders, sales, rows, headers


@pytest.fixture
def synced_cabinet(wb_cabinet):
    """The cabinet (6 orders a day) with its orders, sales, report rows, headers, the
    reports' summaries and the day rollups all stored, as a finished sync leaves them."""
    from dashboards.services import rollups_rebuild
    from finance.services import (
        report_headers_store,
        report_rows_store,
        report_summaries_update,
    )
    from sales.services import orders_store, sales_store

    wb_cabinet.wb.configure(wb_cabinet.sid, page_rows=SYNCED_PAGE_ROWS, orders_per_day=6)
    orders, sales, rows, headers = synced_records(wb_cabinet)
    seller = wb_cabinet.seller
    orders_store(seller=seller, records=orders)
    sales_store(seller=seller, records=sales)
    report_rows_store(seller=seller, records=rows, period="weekly")
    report_headers_store(seller=seller, records=headers, period="weekly")
    report_summaries_update(seller=seller, report_ids={row.report_id for row in rows})
    rollups_rebuild(seller=seller)
    return wb_cabinet
