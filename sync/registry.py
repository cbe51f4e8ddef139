"""The datasets the sync engine keeps: one small declarative object per dataset.

A dataset is what one `SyncStream` row per seller pulls from WB, page by page. An app declares
its datasets in its `datasets.py` (the sync app imports every installed app's one at start-up)
by subclassing `Dataset` and registering an instance:

    class Cards(Dataset):
        name = "cards"                     # the stream's key and the commands' name for it
        label = _("Product cards")         # for people
        category = "content"               # the WB token category it is read with
        interval = timedelta(hours=1)      # the default schedule; a cabinet may override it
        snapshot = False                   # incremental: a pass reads what changed since the last
        cursor_type = CardsCursor          # a frozen dataclass: stored as JSON (its fields)
        full_pass_every = timedelta(days=1)  # incremental datasets only: a full re-read so often

        def pager(self, seller, cursor): return CARDS
        def ingest(self, seller, batch, counts, sync_pass, cursor): ...  # upsert the records
        def page_stored(self, seller, touched, cursor): ...      # once a page, after its batches
        def end_pass(self, seller, sync_pass): ...                # a full pass ended

    register(Cards())

The engine calls, for each page, in one transaction (`ingest_page`): `ingest` once per batch of
records (the rows must be upserted by WB's natural key, so that reading a page twice is
harmless), then `page_stored` once with what the batches' `ingest` said they touched (the
orders', sales' and finance datasets recompute the dashboards' day rollups of those days there:
a day a page's 80 batches touch is recomputed once, not 80 times), then `advance` for the
cursor after the page (the pager's own turn unless the dataset walks several pagers, as the
stocks walk warehouses), and after the last page of a *full* pass (one that started from
`first_cursor`) `end_pass`. A *snapshot* dataset (prices, stocks: WB sends the
whole state every time) starts each pass from its first cursor, so each of its passes is full,
and its `end_pass` removes or zeroes what the pass did not see: every row `ingest` writes
carries `sync_pass.number`, and rows with an older number were not seen. An incremental dataset
(cards; orders) resumes each pass where the last one ended, and removes nothing then.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from sellers.models import Seller
from wbapi.limits import LIMIT_GROUPS
from wbapi.methods.base import Pager, Turn

NAME_MAX_LENGTH = 40


@dataclass
class Counts:
    """What a page's ingest did: rows inserted, updated (changed), removed."""

    inserted: int = 0
    updated: int = 0
    removed: int = 0

    def add(self, *, inserted: int = 0, updated: int = 0, removed: int = 0) -> None:
        self.inserted += inserted
        self.updated += updated
        self.removed += removed


@dataclass(frozen=True)
class SyncPass:
    """The pass a page belongs to: its number (stamped on every row it writes), when it
    started, and whether it started from the first cursor (so that it sees every row)."""

    number: int
    started_at: datetime
    full: bool


class Dataset:
    """One kind of WB data a seller's stream pulls; subclass, set the attributes, register."""

    name: ClassVar[str]
    label: ClassVar[Any]  # a lazily translated name
    category: ClassVar[str]
    interval: ClassVar[timedelta]
    snapshot: ClassVar[bool] = True
    cursor_type: ClassVar[type | None] = None
    full_pass_every: ClassVar[timedelta | None] = None
    # How often WB itself refreshes the data, for "as of" notes on pages (None: at once).
    wb_refresh: ClassVar[timedelta | None] = None
    # Datasets whose rows this one reads (stocks ask about the sizes the cards brought).
    needs: ClassVar[tuple[str, ...]] = ()
    # The WB limit group (wbapi.limits) that paces its passes: that of its pages' method, the
    # slowest one where its pages call several.
    limit_group: ClassVar[str]

    def pager(self, seller: Seller, cursor: Any) -> Pager:
        """The pager that reads the page at `cursor`."""
        raise NotImplementedError

    def limit_group_at(self, cursor: Any) -> str:
        """The limit group of the page at `cursor`: the dataset's, unless its pages call
        methods of different limits (finance: the list, then the rows)."""
        return self.limit_group

    def first_cursor(self, seller: Seller) -> Any:
        """Where a full pass starts: the cursor type's defaults."""
        return self.cursor_type() if self.cursor_type is not None else None

    def backfill_cursor(self, seller: Seller, since: date) -> Any:
        """Where a pass that reads the dataset's history from the day `since` starts; None
        (the default) for a dataset WB keeps no history of: a full pass reads all there is."""
        return None

    def backfill_estimate(self, seller: Seller, since: date) -> int:
        """How many WB requests a backfill from `since` is likely to take, at least one."""
        return 1

    def advance(self, seller: Seller, cursor: Any, turn: Turn) -> Turn:
        """The cursor after the page read at `cursor`, given the pager's turn."""
        return turn

    def ingest(
        self, seller: Seller, batch: list, counts: Counts, sync_pass: SyncPass, cursor: Any
    ) -> Iterable[Hashable] | None:
        """Upsert one batch of the records of the page read at `cursor`; add to `counts`.
        What it returns (such as the days the batch touched) goes to `page_stored`."""
        raise NotImplementedError

    def page_stored(self, seller: Seller, touched: set[Hashable], cursor: Any) -> None:
        """Every batch of the page read at `cursor` is stored (in the page's transaction):
        `touched` holds what their `ingest` calls returned, together. Nothing by default."""

    def ingest_page(
        self,
        seller: Seller,
        batches: Iterable[list],
        counts: Counts,
        sync_pass: SyncPass,
        cursor: Any,
    ) -> None:
        """Store a page: `ingest` each batch, then `page_stored` once (call it in the page's
        transaction, so that nothing reads its rows without what `page_stored` adds)."""
        touched: set[Hashable] = set()
        for batch in batches:
            touched.update(self.ingest(seller, batch, counts, sync_pass, cursor) or ())
        self.page_stored(seller, touched, cursor)

    def end_pass(self, seller: Seller, sync_pass: SyncPass, counts: Counts) -> None:
        """A full pass ended (in the transaction of its last page): a snapshot dataset removes
        what the pass did not see. Nothing by default."""

    # --- Cursors as JSON -----------------------------------------------------------------

    def dump_cursor(self, cursor: Any) -> Any:
        return None if cursor is None else dataclasses.asdict(cursor)

    def load_cursor(self, data: Any, seller: Seller) -> Any:
        """The stored cursor; the first one when none is stored (or it no longer fits)."""
        if data is None or self.cursor_type is None:
            return self.first_cursor(seller)
        try:
            return self.cursor_type(**data)
        except (TypeError, ValueError):
            return self.first_cursor(seller)  # a cursor of an older shape: read it all again


@dataclass
class Registry:
    datasets: dict[str, Dataset] = field(default_factory=dict)

    def register(self, dataset: Dataset) -> Dataset:
        name = getattr(dataset, "name", "")
        if not 0 < len(name) <= NAME_MAX_LENGTH or not name.replace("_", "").isalnum():
            raise ImproperlyConfigured(f"A dataset needs a name of letters and _, not {name!r}.")
        known = self.datasets.get(name)
        if known is not None and type(known) is not type(dataset):
            raise ImproperlyConfigured(f"Two datasets are named {name!r}.")
        if dataset.interval <= timedelta(0):
            raise ImproperlyConfigured(f"Dataset {name!r}: the interval must be positive.")
        if getattr(dataset, "limit_group", None) not in LIMIT_GROUPS:
            raise ImproperlyConfigured(f"Dataset {name!r}: no WB limit group is named so.")
        self.datasets[name] = dataset
        return dataset


REGISTRY = Registry()


def register(dataset: Dataset) -> Dataset:
    return REGISTRY.register(dataset)


def registered() -> dict[str, Dataset]:
    """Every dataset, in the order registered."""
    return dict(REGISTRY.datasets)


def enabled() -> dict[str, Dataset]:
    """The datasets this deployment syncs: those SYNC_DATASETS names, or every one."""
    chosen = settings.SYNC_DATASETS
    datasets = registered()
    if chosen is None:
        return datasets
    return {name: dataset for name, dataset in datasets.items() if name in chosen}


def dataset_named(name: str) -> Dataset:
    """The dataset `name`; LookupError naming the known ones if there is none."""
    try:
        return REGISTRY.datasets[name]
    except KeyError:
        known = ", ".join(REGISTRY.datasets) or "none"
        raise LookupError(f"No dataset is named {name!r} (known: {known}).") from None


def names(datasets: Iterable[Dataset] | None = None) -> list[str]:
    return [dataset.name for dataset in (datasets or REGISTRY.datasets.values())]
