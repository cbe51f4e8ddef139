"""A small JSON object shared between the emulator CLI and running servers through a file.

`mint` and `revoke` run as separate processes from the server they affect, so what they record
lives in the state directory; the server re-reads a file whenever it has changed. Without a
file (the in-process test server) the object lives in memory only.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path


class SharedJson:
    """A JSON object, kept in `path` if given; safe to use from several threads."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._data: dict = {}
        self._stamp: tuple[int, int, int] | None = None

    def read(self) -> dict:
        """A snapshot of the current content."""
        with self._lock:
            return dict(self._load())

    def update(self, change: Callable[[dict], None]) -> None:
        """Apply `change` to the content and store the result."""
        with self._lock:
            data = dict(self._load())
            change(data)
            self._store(data)

    def _load(self) -> dict:
        if self.path is None:
            return self._data
        try:
            stamp = _stamp(self.path)
        except FileNotFoundError:
            self._data, self._stamp = {}, None
            return self._data
        if stamp != self._stamp:
            self._data, self._stamp = json.loads(self.path.read_text("utf-8")), stamp
        return self._data

    def _store(self, data: dict) -> None:
        self._data = data
        if self.path is None:
            return
        # Write a sibling file and rename it over the old one, so readers never see half a file.
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}")
        partial.write_text(json.dumps(data, ensure_ascii=False, indent=1), "utf-8")
        os.replace(partial, self.path)
        self._stamp = _stamp(self.path)


def _stamp(path: Path) -> tuple[int, int, int]:
    """Changes with every replacement of the file, even within one tick of the file clock."""
    stat = path.stat()
    return stat.st_ino, stat.st_mtime_ns, stat.st_size
