from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import responses

from wbapi.claims import decode_token
from wbapi.client import WBClient
from wbapi.emulator.testing import EmulatorServer
from wbapi.tests.helpers import HISTORY_START, NOW, FakeSleep, offline_token


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


@pytest.fixture
def emulator(emulator_server: EmulatorServer) -> EmulatorServer:
    """The session's emulator, with a clean log, buckets, faults and revocations."""
    emulator_server.reset()
    return emulator_server


@pytest.fixture
def private_emulator() -> Iterator[EmulatorServer]:
    """An emulator of the test's own, for faults that keep server threads busy afterwards."""
    with EmulatorServer() as server:
        yield server


@pytest.fixture
def fake_sleep() -> FakeSleep:
    return FakeSleep()


@pytest.fixture
def make_client(emulator: EmulatorServer, fake_sleep: FakeSleep) -> Callable[..., WBClient]:
    """WBClient against the session emulator; waits are recorded in `fake_sleep`, not slept."""

    def make(token: str, **options: object) -> WBClient:
        options.setdefault("base_url", emulator.base_url)
        client = WBClient(token, **options)
        client.sleep = fake_sleep
        return client

    return make


@pytest.fixture
def wb_mock() -> Iterator[responses.RequestsMock]:
    """WB's production hosts mocked at the client seam; nothing leaves the machine."""
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def mock_client(wb_mock, fake_sleep: FakeSleep) -> Callable[..., WBClient]:
    """WBClient with an offline token, talking to `wb_mock`."""

    def make(token: str | None = None, **options: object) -> WBClient:
        client = WBClient(token or offline_token(), **options)
        client.sleep = fake_sleep
        return client

    return make


@pytest.fixture(scope="session")
def fast_emulator_server() -> Iterator[EmulatorServer]:
    """An emulator whose rate-limit periods are a millionth of WB's, for tests that page."""
    with EmulatorServer(speed=1_000_000) as server:
        yield server


@pytest.fixture
def world_emulator(fast_emulator_server: EmulatorServer) -> Iterator[EmulatorServer]:
    """The fast emulator, reset, its clock frozen at NOW (see helpers)."""
    fast_emulator_server.reset()
    fast_emulator_server.freeze_clock(NOW)
    yield fast_emulator_server
    fast_emulator_server.reset()


@pytest.fixture
def seller(world_emulator: EmulatorServer):
    """A small seller of the fast emulator: (token, sid), a world of 60 products, 40 orders a
    day since HISTORY_START, statistics pages of 50 rows."""
    token = world_emulator.mint(seller_name="ООО «Тестовый мир»", tin="7707083893")
    sid = decode_token(token).seller_sid
    world_emulator.configure(
        sid, products=60, orders_per_day=40, page_rows=50, history_start=HISTORY_START
    )
    return token, sid
