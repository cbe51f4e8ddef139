"""A cabinet's WB data, read straight from an emulator: for the tests of storing WB rows
(sales, finance). The rows are parsed by wbapi exactly as the sync gets them, from an emulator
of their own whose rate limits pass in milliseconds."""

from dataclasses import dataclass
from datetime import UTC, datetime

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
