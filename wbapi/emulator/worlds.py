"""The worlds of all sellers: their configurations, finance revisions, and a cache of built
worlds.

Configurations and revisions live in the state directory (`worlds.json`, `revisions.json`),
shared with the CLI like `sellers.json`; a world is rebuilt when its configuration changes what
it holds (not when only its page size does).
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from wbapi.emulator.clock import EmulatorClock
from wbapi.emulator.sellers import SellerRegistry
from wbapi.emulator.storage import SharedJson
from wbapi.emulator.world import World
from wbapi.emulator.world.basis import MOSCOW
from wbapi.emulator.world.config import DEFAULT_HISTORY_DAYS, FINANCE_START, WorldConfig

CONFIG_FILE = "worlds.json"
REVISIONS_FILE = "revisions.json"


class WorldRegistry:
    def __init__(
        self,
        *,
        state_dir: Path | None,
        sellers: SellerRegistry,
        clock: EmulatorClock,
        defaults: WorldConfig | None = None,
    ) -> None:
        self.sellers = sellers
        self.clock = clock
        self.defaults = defaults or WorldConfig()
        self._configs = SharedJson(state_dir / CONFIG_FILE if state_dir else None)
        self._revisions = SharedJson(state_dir / REVISIONS_FILE if state_dir else None)
        self._lock = threading.Lock()
        self._built: dict[str, World] = {}

    def config(self, sid: str) -> WorldConfig:
        """The seller's configuration: its own fields over the server's defaults."""
        return self.defaults.updated(self._configs.read().get(sid, {}))

    def configure(self, sid: str, changes: dict) -> WorldConfig:
        """Change some of the seller's configuration fields; ValueError if one is bad."""
        config = self.config(sid).updated(changes)  # validates before anything is stored
        stored = config.as_dict()
        own = {**self._configs.read().get(sid, {}), **{name: stored[name] for name in changes}}
        self._configs.update(lambda configs: configs.__setitem__(sid, own))
        return config

    def world(self, sid: str) -> World:
        """The seller's world, built on first use; the history start is then fixed."""
        with self._lock:
            config = self.config(sid)
            if config.history_start is None:
                config = self._fix_history_start(sid, config)
            built = self._built.get(sid)
            if built is None or not built.config.holds_same_world_as(config):
                seller = self.sellers.get(sid)
                built = World(sid, config, seller_name=seller.name, seller_tin=seller.tin)
                self._built[sid] = built
            # A new page size serves the same orders: drawing them again would only cost time.
            built.config = config
            return built

    def revisions(self, sid: str) -> dict[int, list[float]]:
        """Report id -> the times it was revised at."""
        stored = self._revisions.read().get(sid, {})
        return {int(report_id): times for report_id, times in stored.items()}

    def revise(self, sid: str, report_id: int) -> float:
        """Record a revision of a report at the clock's time; ValueError for a report the
        seller does not have."""
        if self.world(sid).finance.locate(report_id) is None:
            raise ValueError(f"Seller {sid} has no report {report_id}")
        at = self.clock.timestamp()

        def add(revisions: dict) -> None:
            reports = revisions.setdefault(sid, {})
            reports.setdefault(str(report_id), []).append(at)

        self._revisions.update(add)
        return at

    def reset(self) -> None:
        """Forget every configuration, revision and built world."""
        with self._lock:
            self._configs.update(dict.clear)
            self._revisions.update(dict.clear)
            self._built.clear()

    def _fix_history_start(self, sid: str, config: WorldConfig) -> WorldConfig:
        today = self.clock.now().astimezone(MOSCOW).date()
        start = today - timedelta(days=DEFAULT_HISTORY_DAYS)
        start = max(FINANCE_START, start - timedelta(days=start.weekday()))
        own = {**self._configs.read().get(sid, {}), "history_start": start.isoformat()}
        self._configs.update(lambda configs: configs.__setitem__(sid, own))
        return replace(config, history_start=start)
