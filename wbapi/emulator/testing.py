"""An emulator in a background thread, for tests.

    server = EmulatorServer(speed=100)          # or: with running_emulator() as server:
    token = server.mint(categories="content,statistics", seller_name="Test Seller")
    client = WBClient(token, base_url=server.base_url)
    server.set_fault("status", status=503, times=1)
    assert server.request_count(host="common-api", path="/ping") == 1
    server.reset()                               # between tests
    server.stop()

The world's clock is real time unless a test freezes, sets or advances it:

    server.freeze_clock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    server.configure(sid, products=50, orders_per_day=40, page_rows=100)
    server.advance_clock(timedelta(days=1))
    assert server.truth(sid, "orders") == rows_the_sync_stored

Starting one takes milliseconds; one per test session plus `reset()` per test is the intended
use. All methods are thread-safe.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from wbapi.emulator.app import EmulatorApp
from wbapi.emulator.faults import Fault
from wbapi.emulator.minting import load_key
from wbapi.emulator.server import make_server
from wbapi.emulator.state import EmulatorState, LogEntry
from wbapi.emulator.world.config import WorldConfig


class EmulatorServer:
    """A running emulator on 127.0.0.1 and a free port.

    Without `state_dir` everything is in memory and the key is random (unless `key` is given);
    with it, the key, sellers and revocations are shared with the CLI through that directory.
    """

    def __init__(
        self,
        *,
        speed: float = 1.0,
        key: bytes | None = None,
        state_dir: str | Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        world_defaults: WorldConfig | None = None,
    ) -> None:
        directory = Path(state_dir) if state_dir is not None else None
        if key is None:
            key = load_key(directory) if directory else secrets.token_bytes(32)
        self.state = EmulatorState(
            key=key, state_dir=directory, speed=speed, world_defaults=world_defaults
        )
        self._server = make_server(EmulatorApp(self.state), host, port)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="wb-emulator",
            daemon=True,
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return self._server.server_port

    @property
    def base_url(self) -> str:
        """Base-URL template for WBClient: `http://127.0.0.1:<port>/{host}`."""
        return f"http://{self._server.server_name}:{self.port}/{{host}}"

    def mint(self, **options: object) -> str:
        """A token this emulator accepts; options as EmulatorState.mint: type, categories,
        days, expires_at, seller_name, tin, trade_mark, country, read_only, test, sid, now."""
        return self.state.mint(**options)

    def revoke(self, token: str) -> None:
        self.state.revoke(token)

    def set_fault(self, kind: str, **options: object) -> Fault:
        """Add a fault (see wbapi.emulator.faults.KINDS); options as Fault's fields."""
        return self.state.faults.add(Fault(kind, **options))

    def clear_faults(self) -> None:
        self.state.faults.clear()

    @property
    def request_log(self) -> list[LogEntry]:
        return self.state.log.entries()

    def request_count(
        self, host: str | None = None, path: str | None = None, status: int | None = None
    ) -> int:
        return len(self.state.log.select(host=host, path=path, status=status))

    # --- The world ------------------------------------------------------------------------

    def configure(self, sid: str, **fields: object) -> WorldConfig:
        """Change a seller's world: products, orders_per_day, page_rows, history_start."""
        return self.state.worlds.configure(sid, fields)

    def world_config(self, sid: str) -> WorldConfig:
        return self.state.worlds.config(sid)

    def truth(self, sid: str, dataset: str, period: str = "weekly") -> list[dict]:
        """What a perfect sync of the seller holds now (see wbapi.emulator.truth)."""
        return self.state.truth(sid, dataset, period)[1]

    def revise_report(self, sid: str, report_id: int) -> datetime:
        """WB revises a finance report now: new rows, createDate today."""
        return datetime.fromtimestamp(self.state.worlds.revise(sid, report_id), UTC)

    # --- The clock ------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.state.clock.now()

    def freeze_clock(self, at: datetime | None = None) -> None:
        self.state.clock.freeze(at)

    def set_clock(self, at: datetime) -> None:
        self.state.clock.set(at)

    def advance_clock(self, by: timedelta | float) -> None:
        """Move the clock on by a timedelta or a number of seconds."""
        self.state.clock.advance(by.total_seconds() if isinstance(by, timedelta) else by)

    def resume_clock(self) -> None:
        self.state.clock.resume()

    def reset(self) -> None:
        """Clear the request log, rate-limit buckets, faults, revocations, world
        configurations and finance revisions; the clock runs in real time again."""
        self.state.reset()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> EmulatorServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@contextmanager
def running_emulator(**options: object) -> Iterator[EmulatorServer]:
    """An EmulatorServer for the duration of a `with` block; options as EmulatorServer's."""
    server = EmulatorServer(**options)
    try:
        yield server
    finally:
        server.stop()
