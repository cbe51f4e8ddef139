"""An emulator in a background thread, for tests.

    server = EmulatorServer(speed=100)          # or: with running_emulator() as server:
    token = server.mint(categories="content,statistics", seller_name="Test Seller")
    client = WBClient(token, base_url=server.base_url)
    server.set_fault("status", status=503, times=1)
    assert server.request_count(host="common-api", path="/ping") == 1
    server.reset()                               # between tests
    server.stop()

Starting one takes milliseconds; one per test session plus `reset()` per test is the intended
use. All methods are thread-safe.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from wbapi.emulator.app import EmulatorApp
from wbapi.emulator.faults import Fault
from wbapi.emulator.minting import load_key
from wbapi.emulator.server import make_server
from wbapi.emulator.state import EmulatorState, LogEntry


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
    ) -> None:
        directory = Path(state_dir) if state_dir is not None else None
        if key is None:
            key = load_key(directory) if directory else secrets.token_bytes(32)
        self.state = EmulatorState(key=key, state_dir=directory, speed=speed)
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

    def reset(self) -> None:
        """Clear the request log, rate-limit buckets, faults and revocations."""
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
