from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from wbapi.client import WBClient
from wbapi.emulator.testing import EmulatorServer
from wbapi.tests.helpers import FakeSleep


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
