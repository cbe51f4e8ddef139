"""`python -m bench sync`: the sync of many cabinets, with 1 and with 4 workers.

On a throwaway PostgreSQL database, against the WB emulator sped up (`--speed`, and the app's
rate budget alike: WB_RATE_SPEED, so DEBUG is on for the workers), each round starts real
`manage.py db_worker` processes and lets them sync every cabinet from nothing: the catalogue's
five datasets (`--datasets catalogue`), or a backfill of orders, sales and the finance report
(`--datasets money`). Reported per round: the wall time from the first run's start to the last
one's end, as a ratio to the least time WB's limits allow for the pages the sync read (per
cabinet and limit group: the pages beyond the burst, one WB interval each; see `least_time`);
429 answers; the workers' peak RSS. And, once, for the catalogue: rows per second of the upsert
(COPY into staging, INSERT … ON CONFLICT) as a ratio to a raw COPY of the same rows.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import scaffold
from bench.run import BASE_DIR, cpu_model, load_average, log, log_step

# The tick at its production default (JOBS_TICK_SECONDS): it only starts the first passes
# here, as the pages re-enqueue themselves and a pass that ends starts the ones waiting for it.
# The queue polled every 0.02 s, not the library's 1 s, which at the emulator's speed would
# stand for more of WB's time after each deferred page's slot.
WORKER_OPTIONS = ("--no-reload", "--no-startup-delay", "--interval=0.02")
TARGET_RATIO = 1.2
ROUND_TIMEOUT = 900.0
# How far back the money datasets are backfilled: the emulator's history (120 days) and more;
# orders and sales start where WB's 90 days do.
BACKFILL_DAYS = 130
RATE_MARGIN = 0.05  # s, the app's default
# The upsert and the raw COPY are timed in turn this many times; the medians are compared.
COPY_ROUNDS = 3


@dataclass(frozen=True)
class Datasets:
    """What a `--datasets` choice syncs: the datasets, the categories the cabinets' tokens
    hold, the WB paths their pages come from (each with its limit group), the tables a round
    empties, and a cabinet's least time from the seconds each limit group needs."""

    title: str
    results_name: str
    names: tuple[str, ...]
    categories: str
    paths: Mapping[str, str]  # WB path (with `{name}` parameters) -> its limit group
    models: tuple[str, ...]  # "app.Model"
    cabinet_least: Callable[[Mapping[str, float]], float]
    backfill: bool = False
    world: Mapping[str, str] = field(default_factory=dict)  # world field -> its option


def catalogue_least(seconds: Mapping[str, float]) -> float:
    """Prices, FBW stocks and the cards go side by side; the seller's stocks start once the
    cards and the warehouses are done."""
    return max(
        seconds.get("prices", 0),
        seconds.get("analytics-stocks-report", 0),
        max(seconds.get("content", 0), seconds.get("marketplace-warehouses", 0))
        + seconds.get("marketplace-stocks", 0),
    )


def money_least(seconds: Mapping[str, float]) -> float:
    """Orders, sales and finance go side by side; a finance pass reads the list of reports,
    then their rows."""
    return max(
        seconds.get("statistics-orders", 0),
        seconds.get("statistics-sales", 0),
        seconds.get("finance-list", 0) + seconds.get("finance-detailed", 0),
    )


CATALOGUE = Datasets(
    title="Catalogue sync",
    results_name="sync",
    names=("cards", "prices", "warehouses", "stocks", "fbw_stocks"),
    categories="content,prices,marketplace,analytics",
    paths={
        "/content/v2/get/cards/list": "content",
        "/api/v2/list/goods/filter": "prices",
        "/api/v2/list/goods/size/nm": "prices",
        "/api/v3/warehouses": "marketplace-warehouses",
        "/api/v3/stocks/{warehouseId}": "marketplace-stocks",
        "/api/analytics/v1/stocks-report/wb-warehouses": "analytics-stocks-report",
    },
    models=(
        "catalog.Barcode",
        "catalog.Size",
        "catalog.Product",
        "catalog.Price",
        "catalog.Stock",
        "catalog.StockSnapshot",
        "catalog.Warehouse",
    ),
    cabinet_least=catalogue_least,
    world={"products": "products"},
)
MONEY = Datasets(
    title="Orders, sales and finance backfill",
    results_name="sync-money",
    names=("orders", "sales", "finance"),
    categories="statistics,finance",
    paths={
        "/api/v1/supplier/orders": "statistics-orders",
        "/api/v1/supplier/sales": "statistics-sales",
        "/api/finance/v1/sales-reports/list": "finance-list",
        "/api/finance/v1/sales-reports/detailed": "finance-detailed",
    },
    models=(
        "sales.Order",
        "sales.Sale",
        "finance.ReportRow",
        "finance.Report",
        "dashboards.OrderDay",
        "dashboards.SaleDay",
        "dashboards.CabinetDay",
        "dashboards.FinanceDay",
    ),
    cabinet_least=money_least,
    backfill=True,
    world={"products": "products", "orders_per_day": "orders_per_day", "page_rows": "page_rows"},
)
CHOICES = {"catalogue": CATALOGUE, "money": MONEY}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = scaffold.parser("sync", __doc__)
    parser.add_argument("--datasets", choices=CHOICES, default="catalogue")
    parser.add_argument("--cabinets", type=int, default=20)
    parser.add_argument("--products", type=int, default=1000, help="products per cabinet")
    parser.add_argument("--speed", type=float, default=2.0, help="emulator --speed = WB_RATE_SPEED")
    parser.add_argument("--workers", default="1,4", help="worker counts, one round each")
    parser.add_argument("--copy-rows", type=int, default=100_000, help="rows of the COPY test")
    money = parser.add_argument_group("money", "the emulator's trade, with --datasets money")
    money.add_argument("--orders-per-day", type=int, default=30, help="a cabinet's orders a day")
    money.add_argument("--page-rows", type=int, default=1000, help="orders or sales a WB page")
    money.add_argument("--finance-page-rows", type=int, default=2000, help="report rows a page")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    return scaffold.main(parse_args(sys.argv[2:] if argv is None else argv), run)


def run(args: argparse.Namespace, results: dict, cleanup: contextlib.ExitStack) -> None:
    from bench import processes as proc

    chosen = CHOICES[args.datasets]
    tmp, env = scaffold.throwaway_database(args, cleanup, chosen.results_name, emulator=True)
    env |= sped_up(args, chosen)  # the workers'
    state_dir = tmp / "emulator"
    emulator, emulator_url = proc.emulator_start(
        state_dir,
        env=env,
        log=tmp / "emulator.log",
        cwd=BASE_DIR,
        python=sys.executable,
        speed=args.speed,
    )
    cleanup.callback(log_step, "Stopping the emulator", proc.stop, emulator)
    from django.conf import settings

    # This process adds the cabinets' tokens, which are checked with the emulator too.
    env["WB_API_BASE_URL"] = settings.WB_API_BASE_URL = emulator_url + "/{host}"
    settings.SYNC_DATASETS = list(chosen.names)  # the streams this process makes
    results["machine"] = machine()
    results["setup"] = setup(args, chosen, env)
    sellers = add_cabinets(args, chosen, state_dir)
    results["rounds"] = []
    try:
        for count in [int(n) for n in args.workers.split(",")]:
            reset_round(args, chosen, state_dir, emulator_url, sellers)
            log(f"Round: {count} worker(s), {args.cabinets} cabinets")
            started = datetime.now(UTC)
            round_ = sync_round(count, env, tmp, sellers, chosen, emulator.pid)
            entries = requests_since(emulator_url, started)
            round_ |= limits_used(entries, args.speed, chosen)
            round_["timeline_s"] = timeline(entries, started, chosen)
            minimum = round_["minimum_s"]
            round_["ratio"] = round(round_["wall_s"] / minimum, 2) if minimum else None
            results["rounds"].append(round_)
        if chosen is CATALOGUE:
            log(f"Upsert against raw COPY, {args.copy_rows:,} rows")
            results["upsert"] = upsert_against_copy(args.copy_rows)
    finally:
        results["finished_at"] = scaffold.now_text()
        results["machine"]["load_average_end"] = load_average()
        results["targets"] = targets(results)
        scaffold.write_results(args.results_dir, chosen.results_name, results, markdown)


def setup(args: argparse.Namespace, chosen: Datasets, env: dict[str, str]) -> dict:
    found = {
        "datasets": list(chosen.names),
        "cabinets": args.cabinets,
        "products_per_cabinet": args.products,
        "speed": args.speed,
        "rate_margin_s": float(env["WB_RATE_MARGIN"]),
        "database": "PostgreSQL",
    }
    if chosen.backfill:
        found |= {
            "orders_per_day": args.orders_per_day,
            "statistics_page_rows": args.page_rows,
            "finance_page_rows": args.finance_page_rows,
            "backfill_days": BACKFILL_DAYS,
        }
    return found


def sped_up(args: argparse.Namespace, chosen: Datasets) -> dict[str, str]:
    """What a worker's environment adds to sync from the emulator at `speed`."""
    return {
        "DEBUG": "true",  # WB_RATE_SPEED is for development only
        "WB_RATE_SPEED": f"{args.speed:g}",
        # The margin for a request's time on its way is real time, whatever the speed: a
        # margin divided by it let two requests reach WB closer than its interval (429s).
        "WB_RATE_MARGIN": str(RATE_MARGIN),
        "WB_API_LOCAL_EMULATOR": "true",
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "60",
        # The chosen datasets only: the cabinets' tokens hold no other categories.
        "SYNC_DATASETS": ",".join(chosen.names),
        # The pager knows WB's page size (a shorter page is the last): the emulator's.
        "WB_STATISTICS_PAGE_ROWS": str(args.page_rows),
        "WB_FINANCE_PAGE_ROWS": str(args.finance_page_rows),
    }


def add_cabinets(args: argparse.Namespace, chosen: Datasets, state_dir: Path) -> list:
    """`cabinets` sellers, each with a personal token for the datasets' categories."""
    from django.contrib.auth import get_user_model

    from tokens.services import token_create
    from wbapi.emulator.state import EmulatorState

    state = EmulatorState.open(state_dir)
    user = get_user_model().objects.create_superuser("bench", "bench@localhost", None)
    sellers = []
    for number in range(args.cabinets):
        raw = state.mint(categories=chosen.categories, seller_name=f"Кабинет {number + 1:02d}")
        token = token_create(name=f"Bench {number + 1}", raw_token=raw, by=user)
        sellers.append(token.seller)
    log(f"{len(sellers)} cabinets of {args.products:,} products each")
    return sellers


def configure_worlds(args: argparse.Namespace, chosen: Datasets, state_dir: Path, sellers) -> None:
    from wbapi.emulator.state import EmulatorState

    world = {name: getattr(args, option) for name, option in chosen.world.items()}
    state = EmulatorState.open(state_dir)
    for seller in sellers:
        state.worlds.configure(seller.sid, world)


def reset_round(
    args: argparse.Namespace, chosen: Datasets, state_dir: Path, emulator_url: str, sellers
) -> None:
    """Nothing synced, WB's buckets full again (the emulator's and the app's): every round
    starts alike."""
    import requests
    from django.apps import apps

    from gateway.models import RateBucket
    from sync.models import SyncRun, SyncStream

    for model in (SyncStream, SyncRun, *(apps.get_model(name) for name in chosen.models)):
        model.objects.all().delete()
    RateBucket.objects.all().delete()
    # The emulator forgets its buckets, and its worlds' sizes with them.
    requests.post(f"{emulator_url}/__emulator__/reset", timeout=30).raise_for_status()
    configure_worlds(args, chosen, state_dir, sellers)


def sync_round(
    count: int, env: dict, tmp: Path, sellers: list, chosen: Datasets, emulator_pid: int
) -> dict:
    from bench import processes as proc
    from sync.models import SyncRun, SyncStream

    streams_not_due()
    workers = []
    for number in range(count):
        log_path = tmp / f"worker-{count}-{number}.log"
        workers.append(
            proc.start(
                [sys.executable, "manage.py", "db_worker", *WORKER_OPTIONS],
                env=env | {"PGAPPNAME": worker_name(count, number)},
                log=log_path,
                cwd=BASE_DIR,
            )
        )
    expected = len(sellers) * len(chosen.names)
    deadline = time.monotonic() + ROUND_TIMEOUT
    peak = 0
    try:
        workers_connected(count, deadline=deadline)
        if chosen.backfill:
            before = cpu_now(workers, emulator_pid)
            backfill_all(sellers, chosen, after=datetime.now(UTC), deadline=deadline)
        else:
            streams_due()
            first_pass_started(deadline=deadline)
            before = cpu_now(workers, emulator_pid)
        while time.monotonic() < deadline:
            peak = max(peak, *(proc.memory_of(w.pid).get("vmhwm_kib", 0) for w in workers))
            done = SyncStream.objects.filter(last_success_at__isnull=False).count()
            if done == expected:
                break
            time.sleep(0.2)
        else:
            raise RuntimeError("the round did not finish in time")
        peak = max(peak, *(proc.memory_of(w.pid).get("vmhwm_kib", 0) for w in workers))
        cpu = cpu_used(before, cpu_now(workers, emulator_pid))
    finally:
        for worker in workers:
            proc.stop(worker)
    runs = list(SyncRun.objects.select_related("stream"))
    first = min(run.started_at for run in runs)
    last = max(run.finished_at for run in runs)
    return {
        "workers": count,
        "wall_s": round((last - first).total_seconds(), 2),
        "by_dataset": by_dataset(runs),
        "requests": sum(run.requests for run in runs),
        "pages": sum(run.pages for run in runs),
        "rows_inserted": sum(run.rows_inserted for run in runs),
        "throttled_429": sum(run.throttled for run in runs),
        "errors": sum(run.errors for run in runs),
        "worker_peak_rss_mib": round(peak / 1024, 1),
        **cpu,
    }


def cpu_now(workers: list, emulator_pid: int) -> dict:
    """CPU seconds so far: of the workers together, the emulator, the machine (busy, all)."""
    from bench import processes as proc

    return {
        "workers": sum(proc.cpu_seconds_of(w.pid) for w in workers),
        "emulator": proc.cpu_seconds_of(emulator_pid),
        "machine": proc.machine_cpu_seconds(),
    }


def cpu_used(before: dict, after: dict) -> dict:
    """Where the round's CPU went between two readings of `cpu_now` (the round's start, as
    `sync_round` takes it, and the end of its last run): the workers' own, the emulator's (WB's
    servers, in production), and how busy the whole machine was (PostgreSQL and all else)."""
    (busy_then, every_then), (busy_now, every_now) = before["machine"], after["machine"]
    busy, every = busy_now - busy_then, every_now - every_then
    return {
        "workers_cpu_s": round(after["workers"] - before["workers"], 1),
        "emulator_cpu_s": round(after["emulator"] - before["emulator"], 1),
        "machine_busy_pct": round(100 * busy / every) if every else None,
    }


def by_dataset(runs: list) -> dict[str, dict[str, int]]:
    """Pages and rows inserted per dataset, over every cabinet."""
    found: dict[str, dict[str, int]] = {}
    for run in runs:
        totals = found.setdefault(run.stream.dataset, {"pages": 0, "rows_inserted": 0})
        totals["pages"] += run.pages
        totals["rows_inserted"] += run.rows_inserted
    return found


def streams_not_due() -> None:
    """Every cabinet's streams, none due: no worker starts a pass before every worker is up
    (the money's backfill starts them itself)."""
    from django.utils import timezone

    from sync.engine import streams_ensure

    streams_ensure(now=timezone.now() + timedelta(days=1))


def streams_due() -> None:
    """Every stream due now: the workers' next tick starts their first passes."""
    from django.utils import timezone

    from sync.models import SyncStream

    SyncStream.objects.update(next_run_at=timezone.now())


def first_pass_started(*, deadline: float) -> None:
    """Wait for a worker's tick to start the first pass (the tick runs every
    JOBS_TICK_SECONDS): the round's CPU is counted from then, as its wall time is."""
    from sync.models import SyncRun

    while not SyncRun.objects.exists():
        if time.monotonic() > deadline:
            raise RuntimeError("no worker ticked in time")
        time.sleep(0.05)


def worker_name(count: int, number: int) -> str:
    """The application name a round's worker gives PostgreSQL (libpq's PGAPPNAME)."""
    return f"bench-worker-{count}-{number}"


def workers_connected(count: int, *, deadline: float) -> None:
    """Wait until each of the round's `count` workers has connected to the database, that is
    has started up (Django set up, its modules imported: about a second of CPU each) and polls the
    queue: a round measures the sync of running workers, not their start-up, which on a
    machine of fewer cores than workers would otherwise slow the first ones' pages."""
    from django.db import connection

    names = [worker_name(count, number) for number in range(count)]
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(DISTINCT application_name) FROM pg_stat_activity"
                " WHERE application_name = ANY(%s)",
                [names],
            )
            (connected,) = cursor.fetchone()
        if connected == count:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{count - connected} worker(s) did not start in time")
        time.sleep(0.1)


def backfill_all(sellers: list, chosen: Datasets, *, after: datetime, deadline: float) -> None:
    """Once a worker's tick has finished after `after`, a backfill of each dataset of each
    cabinet, as `manage.py wb_sync backfill` starts it."""
    from django.utils import timezone

    from jobs.models import PeriodicJob
    from sync.services import sync_backfill

    while not PeriodicJob.objects.filter(last_finished_at__gt=after).exists():
        if time.monotonic() > deadline:
            raise RuntimeError("no worker ran its tick in time")
        time.sleep(0.1)
    since = timezone.now().date() - timedelta(days=BACKFILL_DAYS)
    for seller in sellers:
        for name in chosen.names:
            sync_backfill(seller=seller, dataset=name, since=since)


def requests_since(emulator_url: str, started: datetime) -> list[dict]:
    """The emulator's log of WB requests that arrived after `started`."""
    import requests

    answer = requests.get(f"{emulator_url}/__emulator__/log", timeout=30)
    entries = answer.json()["requests"]
    return [e for e in entries if datetime.fromisoformat(e["at"]) >= started]


def limits_used(entries: list[dict], speed: float, chosen: Datasets) -> dict:
    """The least time WB's limits allow for the pages these requests read, and the 429s by
    path."""
    throttled: dict[str, int] = {}
    pages: dict[str, dict[str, int]] = {}
    for entry in entries:
        if entry["status"] == 429:
            throttled[entry["path"]] = throttled.get(entry["path"], 0) + 1
        # Its pages, not its requests: a request WB refused (a 429) was not one it needed.
        elif entry["status"] is not None and entry["status"] < 400 and entry["sid"]:
            group = group_of(entry["path"], chosen.paths)
            cabinet = pages.setdefault(entry["sid"], {})
            cabinet[group] = cabinet.get(group, 0) + 1
    minimum = least_time(pages, speed, chosen.cabinet_least)
    return {"minimum_s": round(minimum, 2), "throttled_by_path": throttled}


def timeline(entries: list[dict], started: datetime, chosen: Datasets) -> dict[str, list]:
    """Per limit group, the seconds from the round's start to its first and its last request
    (over every cabinet): where a round's wall time went."""
    found: dict[str, list[float]] = {}
    for entry in entries:
        if not entry["sid"]:
            continue
        at = (datetime.fromisoformat(entry["at"]) - started).total_seconds()
        span = found.setdefault(group_of(entry["path"], chosen.paths), [at, at])
        span[0], span[1] = min(span[0], at), max(span[1], at)
    return {group: [round(first, 1), round(last, 1)] for group, (first, last) in found.items()}


def group_of(path: str, paths: Mapping[str, str]) -> str:
    """The limit group of a WB path; KeyError for a path the datasets do not read."""
    from wbapi.emulator.protocol import match_path

    for pattern, group in paths.items():
        if match_path(pattern, path) is not None:
            return group
    raise KeyError(path)


def least_time(
    pages: Mapping[str, Mapping[str, int]],
    speed: float,
    cabinet_least: Callable[[Mapping[str, float]], float],
) -> float:
    """The least wall time WB's limits allow for these pages (cabinet -> limit group -> pages
    read): in each group of a cabinet, the pages beyond the burst take one WB interval each
    (divided by `speed`); `cabinet_least` adds a cabinet's groups up; cabinets go side by side."""
    from wbapi.limits import LIMIT_GROUPS

    def seconds(group: str, count: int) -> float:
        limit = LIMIT_GROUPS[group].for_token_type("personal")
        return max(0, count - limit.burst) * limit.interval / speed

    return max(
        (
            cabinet_least({group: seconds(group, count) for group, count in groups.items()})
            for groups in pages.values()
        ),
        default=0.0,
    )


def upsert_against_copy(count: int, rounds: int = COPY_ROUNDS) -> dict:
    """Rows per second: the sync's upsert of `count` new stock rows, then of the same rows all
    changed, against a raw COPY of the same rows into the same table, in one transaction each;
    `rounds` times in turn, each write on a vacuumed table, the median of each kept."""
    from django.db import transaction
    from django.utils import timezone

    from catalog.models import Stock
    from sellers.models import Seller
    from sync.ingest import upsert
    from sync.registry import Counts

    seller = Seller.objects.create(sid=f"bench-copy-{os.getpid()}", name="COPY")
    now = timezone.now()
    keys = ("seller_id", "kind", "warehouse_id", "chrt_id")

    def rows(quantity: int) -> list[dict]:
        return [
            {
                "seller_id": seller.pk,
                "sync_pass": 1,
                "changed_at": now,
                "kind": "fbw",
                "warehouse_id": -999999,
                "warehouse_name": "Склад WB",
                "region_name": "Склад WB",
                "chrt_id": 100_000_000 + n,
                "nm_id": 10_000_000 + n // 3,
                "quantity": quantity + n % 50,
                "in_way_to_client": n % 7,
                "in_way_from_client": n % 3,
            }
            for n in range(count)
        ]

    def upserted(batch: list[dict]) -> None:
        with transaction.atomic():
            upsert(Stock, batch, keys=keys, counts=Counts())

    def copied(batch: list[dict]) -> None:
        # The same rows COPYed straight into the same table (its indexes, its WAL), which then
        # holds none of them: the least any way of writing them could cost.
        with transaction.atomic():
            scaffold.copy_rows(Stock, batch)
            transaction.set_rollback(True)

    timings: dict[str, list[float]] = {"upsert_insert": [], "upsert_update": [], "raw_copy": []}
    for _round in range(rounds):
        for name, write, quantity in (
            ("upsert_insert", upserted, 10),
            ("upsert_update", upserted, 20),
            ("raw_copy", copied, 30),
        ):
            if name != "upsert_update":  # an update rewrites the rows the insert left
                Stock.objects.filter(seller=seller).delete()
            scaffold.vacuum(Stock)
            batch = rows(quantity)
            started = time.perf_counter()
            write(batch)
            timings[name].append(time.perf_counter() - started)
    seller.delete()
    rates = {name: round(count / statistics.median(times)) for name, times in timings.items()}
    return {
        "rows": count,
        "rounds": rounds,
        "rows_per_s": rates,
        "insert_ratio_to_copy": round(rates["upsert_insert"] / rates["raw_copy"], 2),
        "update_ratio_to_copy": round(rates["upsert_update"] / rates["raw_copy"], 2),
    }


def targets(results: dict) -> list[dict]:
    found = []
    for round_ in results.get("rounds", []):
        who = f"{round_['workers']} worker(s)"
        found.append(
            {
                "target": f"{who}: wall time <= {TARGET_RATIO}x the least WB allows",
                "value": f"{round_['ratio']}x ({round_['wall_s']} s / {round_['minimum_s']} s)",
                "pass": round_["ratio"] is not None and round_["ratio"] <= TARGET_RATIO,
            }
        )
        found.append(
            {
                "target": f"{round_['workers']} worker(s): no 429",
                "value": str(round_["throttled_429"]),
                "pass": round_["throttled_429"] == 0,
            }
        )
    return found


def machine() -> dict:
    return {
        "cpu_model": cpu_model(),
        "cpus": os.cpu_count(),
        "load_average_start": load_average(),
        "note": "a shared, noisy machine: other processes run beside the benchmark",
    }


def markdown(results: dict) -> str:
    setup, machine_ = results.get("setup", {}), results.get("machine", {})
    chosen = MONEY if setup.get("backfill_days") else CATALOGUE
    trade = (
        f", {setup['orders_per_day']:,} orders a day (WB pages of {setup['statistics_page_rows']:,}"
        f" orders or sales and of {setup['finance_page_rows']:,} report rows), backfilled since "
        f"{setup['backfill_days']} days back"
        if chosen.backfill
        else ""
    )
    lines = [
        f"# {chosen.title} benchmark, {results['started_at']}",
        "",
        f"{setup.get('cabinets')} cabinets of {setup.get('products_per_cabinet'):,} products"
        f"{trade}, "
        f"emulator and rate budget at speed {setup.get('speed')}, PostgreSQL; "
        f"{machine_.get('cpus')} CPUs ({machine_.get('cpu_model')}), load "
        f"{machine_.get('load_average_start')} at the start, {machine_.get('load_average_end')} "
        "at the end: a shared, noisy machine.",
        "",
        "| workers | wall, s | least, s | ratio | requests | pages | rows inserted | 429 "
        "| errors | worker peak RSS, MiB | workers' CPU, s | emulator's CPU, s | machine busy |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results.get("rounds", []):
        lines.append(
            f"| {r['workers']} | {r['wall_s']} | {r['minimum_s']} | {r['ratio']} | {r['requests']} "
            f"| {r['pages']} | {r['rows_inserted']:,} | {r['throttled_429']} | {r['errors']} "
            f"| {r['worker_peak_rss_mib']} | {r.get('workers_cpu_s')} | {r.get('emulator_cpu_s')} "
            f"| {r.get('machine_busy_pct')}% |"
        )
    lines.append("")
    for r in results.get("rounds", []):
        datasets = ", ".join(
            f"{name} {totals['pages']} ({totals['rows_inserted']:,} rows)"
            for name, totals in r.get("by_dataset", {}).items()
        )
        throttled = ", ".join(f"{path} {n}" for path, n in r.get("throttled_by_path", {}).items())
        who = f"{r['workers']} worker(s)"
        lines.append(f"- {who}: pages by dataset: {datasets}; 429s: {throttled or 'none'}.")
        spans = ", ".join(
            f"{group} {first}–{last}" for group, (first, last) in r.get("timeline_s", {}).items()
        )
        if spans:
            lines.append(f"  Requests by limit group, seconds from the round's start: {spans}.")
    if upsert := results.get("upsert"):
        rates = upsert["rows_per_s"]
        lines += [
            "",
            f"Upsert of {upsert['rows']:,} stock rows (median of {upsert.get('rounds', 1)} rounds, "
            f"in turn with the raw COPY): {rates['upsert_insert']:,} rows/s inserting "
            f"({upsert['insert_ratio_to_copy']}x raw COPY), {rates['upsert_update']:,} rows/s "
            f"updating ({upsert['update_ratio_to_copy']}x); raw COPY {rates['raw_copy']:,} rows/s.",
        ]
    lines += ["", "Targets:", ""]
    for target in results.get("targets", []):
        lines.append(
            f"- {'met' if target['pass'] else 'MISSED'}: {target['target']}: {target['value']}"
        )
    return "\n".join(lines) + "\n"
