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
    from wbapi.methods.finance import REPORT_ROWS, REPORTS, ReportRowsCursor, ReportsCursor
    from wbapi.methods.statistics import (
        ORDERS_METHOD,
        SALES_METHOD,
        ChangesCursor,
        ChangesPager,
    )

    seller, start = wb_cabinet.seller, ChangesCursor(WB_DATA_NOW - timedelta(days=365))
    wb_cabinet.wb.configure(wb_cabinet.sid, page_rows=SYNCED_PAGE_ROWS, orders_per_day=6)
    pager = ChangesPager(ORDERS_METHOD, page_rows=SYNCED_PAGE_ROWS)
    orders_store(seller=seller, records=wb_cabinet.records(pager, start)[0])
    pager = ChangesPager(SALES_METHOD, page_rows=SYNCED_PAGE_ROWS)
    sales_store(seller=seller, records=wb_cabinet.records(pager, start)[0])
    first, last = date(2024, 1, 29), WB_DATA_NOW.date()
    rows, _ = wb_cabinet.records(REPORT_ROWS, ReportRowsCursor(first, last, limit=5000))
    report_rows_store(seller=seller, records=rows, period="weekly")
    headers, _ = wb_cabinet.records(REPORTS, ReportsCursor(first, last))
    report_headers_store(seller=seller, records=headers, period="weekly")
    report_summaries_update(seller=seller, report_ids={row.report_id for row in rows})
    rollups_rebuild(seller=seller)
    return wb_cabinet
