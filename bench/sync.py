"""`python -m bench sync`: the catalogue sync of many cabinets, with 1 and with 4 workers.

On a throwaway PostgreSQL database, against the WB emulator sped up (`--speed`, and the app's
rate budget alike: WB_RATE_SPEED, so DEBUG is on for the workers), each round starts real
`manage.py db_worker` processes and lets them sync every cabinet's five datasets from nothing.
Reported per round: the wall time from the first run's start to the last one's end, as a ratio
to the least time WB's buckets allow for the pages the sync read (per cabinet and limit
group: the requests beyond the burst, one WB interval each; the stocks wait for the cards and
warehouses); 429 answers; the workers' peak RSS. And, once: rows per second of the upsert
(COPY into staging, INSERT … ON CONFLICT) as a ratio to a raw COPY of the same rows.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path

from bench import scaffold
from bench.run import BASE_DIR, cpu_model, load_average, log, log_step

CATEGORIES = "content,prices,marketplace,analytics"
WORKER_OPTIONS = ("--no-reload", "--no-startup-delay", "--interval=0.02", "--tick-interval=0.2")
# A dataset's WB limit group (the one its pages draw on).
GROUPS = {
    "cards": "content",
    "prices": "prices",
    "warehouses": "marketplace-warehouses",
    "stocks": "marketplace-stocks",
    "fbw_stocks": "analytics-stocks-report",
}
TARGET_RATIO = 1.2
ROUND_TIMEOUT = 900.0


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = scaffold.parser("sync", __doc__)
    parser.add_argument("--cabinets", type=int, default=20)
    parser.add_argument("--products", type=int, default=1000, help="products per cabinet")
    parser.add_argument("--speed", type=float, default=2.0, help="emulator --speed = WB_RATE_SPEED")
    parser.add_argument("--workers", default="1,4", help="worker counts, one round each")
    parser.add_argument("--copy-rows", type=int, default=100_000, help="rows of the COPY test")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    return scaffold.main(parse_args(sys.argv[2:] if argv is None else argv), run)


def run(args: argparse.Namespace, results: dict, cleanup: contextlib.ExitStack) -> None:
    from bench import processes as proc

    tmp, env = scaffold.throwaway_database(args, cleanup, "sync", emulator=True)
    env |= sped_up(args.speed)  # the workers'
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
    results["machine"] = machine()
    results["setup"] = {
        "cabinets": args.cabinets,
        "products_per_cabinet": args.products,
        "speed": args.speed,
        "rate_margin_s": float(env["WB_RATE_MARGIN"]),
        "database": "PostgreSQL",
    }
    sellers = add_cabinets(args, state_dir)
    results["rounds"] = []
    try:
        for count in [int(n) for n in args.workers.split(",")]:
            reset_round(args.speed)
            log(f"Round: {count} worker(s), {args.cabinets} cabinets")
            before = throttled_by_path(emulator_url)
            results["rounds"].append(sync_round(count, env, tmp, sellers, args.speed))
            after = throttled_by_path(emulator_url)
            results["rounds"][-1]["throttled_by_path"] = {
                path: after[path] - before.get(path, 0)
                for path in after
                if after[path] > before.get(path, 0)
            }
        log(f"Upsert against raw COPY, {args.copy_rows:,} rows")
        results["upsert"] = upsert_against_copy(args.copy_rows)
    finally:
        results["finished_at"] = scaffold.now_text()
        results["machine"]["load_average_end"] = load_average()
        results["targets"] = targets(results)
        scaffold.write_results(args.results_dir, "sync", results, markdown)


def sped_up(speed: float) -> dict[str, str]:
    """What a worker's environment adds to sync from the emulator at `speed`."""
    return {
        "DEBUG": "true",  # WB_RATE_SPEED is for development only
        "WB_RATE_SPEED": f"{speed:g}",
        # The margin for a request's time on its way scales with WB's intervals.
        "WB_RATE_MARGIN": f"{0.05 / speed:g}",
        "WB_API_LOCAL_EMULATOR": "true",
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "60",
        # The catalogue's datasets only: the cabinets' tokens hold no other categories.
        "SYNC_DATASETS": ",".join(GROUPS),
    }


def add_cabinets(args: argparse.Namespace, state_dir: Path) -> list:
    """`cabinets` sellers, each with a personal token for the catalogue's categories."""
    from django.contrib.auth import get_user_model

    from tokens.services import token_create
    from wbapi.emulator.state import EmulatorState

    state = EmulatorState.open(state_dir)
    user = get_user_model().objects.create_superuser("bench", "bench@localhost", None)
    sellers = []
    for number in range(args.cabinets):
        raw = state.mint(categories=CATEGORIES, seller_name=f"Кабинет {number + 1:02d}")
        token = token_create(name=f"Bench {number + 1}", raw_token=raw, by=user)
        state.worlds.configure(token.seller.sid, {"products": args.products})
        sellers.append(token.seller)
    log(f"{len(sellers)} cabinets of {args.products:,} products each")
    return sellers


def reset_round(speed: float) -> None:
    """Nothing synced, WB's buckets full again: every round starts alike."""
    from catalog.models import Barcode, Price, Product, Size, Stock, StockSnapshot, Warehouse
    from gateway.models import RateBucket
    from sync.models import SyncRun, SyncStream

    for model in (
        SyncStream,
        SyncRun,
        Barcode,
        Size,
        Product,
        Price,
        Stock,
        StockSnapshot,
        Warehouse,
    ):
        model.objects.all().delete()
    RateBucket.objects.all().delete()
    time.sleep(20 / speed + 1)  # the slowest bucket (FBW stocks, 20 s a request) refills


def sync_round(count: int, env: dict, tmp: Path, sellers: list, speed: float) -> dict:
    from bench import processes as proc
    from sync.models import SyncRun, SyncStream

    workers = []
    for number in range(count):
        log_path = tmp / f"worker-{count}-{number}.log"
        workers.append(
            proc.start(
                [sys.executable, "manage.py", "db_worker", *WORKER_OPTIONS],
                env=env,
                log=log_path,
                cwd=BASE_DIR,
            )
        )
    expected = len(sellers) * len(GROUPS)
    deadline = time.monotonic() + ROUND_TIMEOUT
    peak = 0
    try:
        while time.monotonic() < deadline:
            peak = max(peak, *(proc.memory_of(w.pid).get("vmhwm_kib", 0) for w in workers))
            done = SyncStream.objects.filter(last_success_at__isnull=False).count()
            if done == expected:
                break
            time.sleep(0.2)
        else:
            raise RuntimeError("the round did not finish in time")
        peak = max(peak, *(proc.memory_of(w.pid).get("vmhwm_kib", 0) for w in workers))
    finally:
        for worker in workers:
            proc.stop(worker)
    runs = list(SyncRun.objects.select_related("stream"))
    first = min(run.started_at for run in runs)
    last = max(run.finished_at for run in runs)
    wall = (last - first).total_seconds()
    minimum = least_time(runs, speed)
    return {
        "workers": count,
        "wall_s": round(wall, 2),
        "minimum_s": round(minimum, 2),
        "ratio": round(wall / minimum, 2) if minimum else None,
        "requests": sum(run.requests for run in runs),
        "pages": sum(run.pages for run in runs),
        "rows_inserted": sum(run.rows_inserted for run in runs),
        "throttled_429": sum(run.throttled for run in runs),
        "errors": sum(run.errors for run in runs),
        "worker_peak_rss_mib": round(peak / 1024, 1),
    }


def throttled_by_path(emulator_url: str) -> dict[str, int]:
    """The 429s so far by WB path, from the emulator's log: which limit group they came from."""
    import requests

    answer = requests.get(f"{emulator_url}/__emulator__/log", {"status": 429}, timeout=30)
    entries = answer.json()["requests"]
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry["path"]] = counts.get(entry["path"], 0) + 1
    return counts


def least_time(runs: list, speed: float) -> float:
    """The least wall time WB's buckets allow for these runs' pages: for each cabinet, the
    pages of each limit group beyond its burst take one interval each; the stocks start
    once the cards and the warehouses are done; cabinets and groups go on side by side."""
    from wbapi.limits import LIMIT_GROUPS

    per_cabinet: dict[int, dict[str, float]] = {}
    for run in runs:
        group = LIMIT_GROUPS[GROUPS[run.stream.dataset]].for_token_type("personal")
        # Its pages, not its requests: a request WB refused (a 429) was not one it needed.
        seconds = max(0, run.pages - group.burst) * group.interval / speed
        per_cabinet.setdefault(run.stream.seller_id, {})[run.stream.dataset] = seconds
    return max(
        max(
            times.get("prices", 0),
            times.get("fbw_stocks", 0),
            max(times.get("cards", 0), times.get("warehouses", 0)) + times.get("stocks", 0),
        )
        for times in per_cabinet.values()
    )


def upsert_against_copy(count: int) -> dict:
    """Rows per second: the sync's upsert of `count` new stock rows, then of the same rows all
    changed, against a raw COPY of the same rows into the same table, in one transaction each."""
    from django.db import connection, transaction
    from django.utils import timezone

    from catalog.models import Stock
    from sellers.models import Seller
    from sync.ingest import upsert
    from sync.registry import Counts

    seller = Seller.objects.create(sid=f"bench-copy-{os.getpid()}", name="COPY")
    now = timezone.now()

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

    columns = list(rows(0)[0])
    timings = {}
    for name, quantity in (("upsert_insert", 10), ("upsert_update", 20)):
        batch = rows(quantity)
        started = time.perf_counter()
        with transaction.atomic():
            upsert(
                Stock, batch, keys=("seller_id", "kind", "warehouse_id", "chrt_id"), counts=Counts()
            )
        timings[name] = time.perf_counter() - started
    Stock.objects.filter(seller=seller).delete()
    # The same rows COPYed straight into the same table (its indexes, its WAL), which then
    # holds none of them: the least any way of writing them could cost.
    batch = [tuple(row.values()) for row in rows(30)]
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY catalog_stock ({', '.join(columns)}) FROM STDIN") as copy:
            for row in batch:
                copy.write_row(row)
        timings["raw_copy"] = time.perf_counter() - started
        transaction.set_rollback(True)
    seller.delete()
    rates = {name: round(count / seconds) for name, seconds in timings.items()}
    return {
        "rows": count,
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
    lines = [
        f"# Catalogue sync benchmark, {results['started_at']}",
        "",
        f"{setup.get('cabinets')} cabinets of {setup.get('products_per_cabinet'):,} products, "
        f"emulator and rate budget at speed {setup.get('speed')}, PostgreSQL; "
        f"{machine_.get('cpus')} CPUs ({machine_.get('cpu_model')}), load "
        f"{machine_.get('load_average_start')} at the start, {machine_.get('load_average_end')} "
        "at the end: a shared, noisy machine.",
        "",
        "| workers | wall, s | least, s | ratio | requests | pages | rows inserted | 429 "
        "| errors | worker peak RSS, MiB |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results.get("rounds", []):
        lines.append(
            f"| {r['workers']} | {r['wall_s']} | {r['minimum_s']} | {r['ratio']} | {r['requests']} "
            f"| {r['pages']} | {r['rows_inserted']:,} | {r['throttled_429']} | {r['errors']} "
            f"| {r['worker_peak_rss_mib']} |"
        )
    if upsert := results.get("upsert"):
        rates = upsert["rows_per_s"]
        lines += [
            "",
            f"Upsert of {upsert['rows']:,} stock rows: {rates['upsert_insert']:,} rows/s inserting "
            f"({upsert['insert_ratio_to_copy']}x raw COPY), {rates['upsert_update']:,} rows/s "
            f"updating ({upsert['update_ratio_to_copy']}x); raw COPY {rates['raw_copy']:,} rows/s.",
        ]
    lines += ["", "Targets:", ""]
    for target in results.get("targets", []):
        lines.append(
            f"- {'met' if target['pass'] else 'MISSED'}: {target['target']}: {target['value']}"
        )
    return "\n".join(lines) + "\n"
