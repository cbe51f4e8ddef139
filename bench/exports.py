"""`python -m bench exports`: the pages' CSV and XLSX exports at full scale, on a throwaway
PostgreSQL database.

1. CSV: the orders page's export (`?export=csv`, every order of WB's 90 days) of a cabinet of
   1,000,000 orders (`--orders`), in this process without HTTP, read to its end, and
   `COPY (SELECT …) TO STDOUT WITH (FORMAT csv)` of the same rows in the same order, in turn
   `--rounds` times (3): the median rows per second of each and their ratio (target >= 50%),
   and this process's resident memory while the exports stream (VmRSS sampled every 20 ms)
   against before the first (target: flat, under 50 MiB more).
2. XLSX: the same page's `?export=xlsx` of its newest `--xlsx-rows` orders (a date range that
   holds about that many). More rows than EXPORTS_XLSX_INLINE_ROWS, so the page hands them to
   a task; a `manage.py db_worker --batch` process of its own writes the file: its seconds and
   its peak resident memory (VmHWM, which the process reads as it ends), set against the peak
   of the same worker run with nothing to do (Django and the apps loaded).

`--only csv|xlsx` measures one of them (its results are then `exports-csv-…`/`exports-xlsx-…`).

The orders are the ones `bench money` makes (bench.money.trade), COPYed into the table.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import scaffold
from bench.money import KEPT_DAYS, cabinet, trade
from bench.run import cpu_model, load_average, log

TARGETS = {"csv_ratio_to_copy": 0.5, "csv_extra_rss_mib": 50}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = scaffold.parser("exports", __doc__)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3, help="CSV and COPY, each in turn")
    parser.add_argument("--only", choices=["csv", "xlsx"])
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    return scaffold.main(parse_args(sys.argv[2:] if argv is None else argv), run)


def run(args: argparse.Namespace, results: dict, cleanup: contextlib.ExitStack) -> None:
    tmp, env = scaffold.throwaway_database(args, cleanup, "exports")
    results["machine"] = {"cpu": cpu_model(), "cores": os.cpu_count(), "load": load_average()}
    results["setup"] = {"orders": args.orders, "xlsx_rows": args.xlsx_rows, "rounds": args.rounds}
    try:
        seller = cabinet("Export cabinet")
        log(f"COPYing {args.orders:,} orders into the table")
        seed_orders(seller, args.orders)
        client = export_client()
        if args.only in (None, "csv"):
            results["csv"] = csv_against_copy(client, seller, args.rounds)
        if args.only in (None, "xlsx"):
            worker_env = {**env, "EXPORTS_DIR": str(tmp / "exports")}
            results["xlsx"] = xlsx_export(client, seller, args.orders, args.xlsx_rows, worker_env)
    finally:
        results["finished_at"] = scaffold.now_text()
        results["machine"]["load_end"] = load_average()
        results["targets"] = targets(results)
        name = f"exports-{args.only}" if args.only else "exports"
        scaffold.write_results(args.results_dir, name, results, markdown)


def seed_orders(seller, count: int) -> None:
    from django.db import connection, transaction

    from sales.models import Order
    from sales.services import order_rows

    with transaction.atomic():
        scaffold.copy_rows(Order, order_rows(seller, trade(seller, count)[0]))
    table = connection.ops.quote_name(Order._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {table}")


class RSSSampler:
    """This process's resident memory, sampled in a thread while something runs."""

    def __init__(self) -> None:
        self.peak = self.before = rss_mib()
        self.running = True
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def sample(self) -> None:
        while self.running:
            self.peak = max(self.peak, rss_mib())
            time.sleep(0.02)

    def __enter__(self) -> RSSSampler:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.running = False
        self.thread.join()


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("No VmRSS in /proc/self/status")


def export_client():
    from django.contrib.auth import get_user_model

    from bench.inprocess import staff_client

    user = get_user_model().objects.create_superuser("bench-exports", password=None)
    return staff_client(user)


def orders_export(client, seller, query: dict) -> tuple[int, int]:
    """GET the orders page's export and read it to its end: (bytes, lines)."""
    from django.urls import reverse

    response = client.get(reverse("sales:orders", args=[seller.sid]), query, secure=True)
    if response.status_code != 200:
        raise RuntimeError(f"The export answered {response.status_code}")
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    return size, lines


def csv_against_copy(client, seller, rounds: int) -> dict:
    """The page's export and COPY in turn, `rounds` times each, so that the shared machine's
    load weighs on both alike: the median of each."""
    every_day = {
        "date_from": (datetime.now(UTC) - timedelta(days=KEPT_DAYS + 1)).date().isoformat(),
        "date_to": (datetime.now(UTC) + timedelta(days=1)).date().isoformat(),
    }
    today = datetime.now(UTC).date().isoformat()
    # A first request pays for what Django loads once: not part of any round.
    orders_export(client, seller, {"date_from": today, "date_to": today, "export": "csv"})
    copies, exports = [], []
    with RSSSampler() as memory:
        for number in range(1, rounds + 1):
            log(f"CSV, round {number} of {rounds}: COPY … TO STDOUT, then the page's export")
            copies.append(timed_copy(seller))
            started = time.perf_counter()
            size, lines = orders_export(client, seller, {**every_day, "export": "csv"})
            exports.append(time.perf_counter() - started)
    rows = lines - 1
    copy_seconds, seconds = statistics.median(copies), statistics.median(exports)
    return {
        "rows": rows,
        "rounds": rounds,
        "copy_seconds_each": [round(each, 2) for each in copies],
        "export_seconds_each": [round(each, 2) for each in exports],
        "copy_seconds": round(copy_seconds, 2),
        "copy_rows_per_s": round(rows / copy_seconds),
        "export_seconds": round(seconds, 2),
        "export_rows_per_s": round(rows / seconds),
        "export_mib": round(size / 2**20, 1),
        "ratio_to_copy": round(copy_seconds / seconds, 2),
        "rss_before_mib": round(memory.before, 1),
        "rss_peak_mib": round(memory.peak, 1),
    }


def timed_copy(seller) -> float:
    """Seconds of COPY … TO STDOUT of the export's columns, rows and order, read to its end."""
    from django.db import connection

    from sales.models import Order

    names = ", ".join(connection.ops.quote_name(column.attname) for column in fields(Order))
    table = connection.ops.quote_name(Order._meta.db_table)
    # Names from the model, the seller a parameter.
    select = f"SELECT {names} FROM {table} WHERE seller_id = %s ORDER BY date DESC, id DESC"  # noqa: S608
    copy_out = f"COPY ({select}) TO STDOUT WITH (FORMAT csv, HEADER)"
    started = time.perf_counter()
    with connection.cursor() as cursor, cursor.cursor.copy(copy_out, [seller.pk]) as copy:
        for _block in copy:
            pass
    return time.perf_counter() - started


def fields(model) -> list:
    from wberp.exports import HIDDEN_FIELDS

    return [field for field in model._meta.concrete_fields if field.name not in HIDDEN_FIELDS]


def xlsx_export(client, seller, orders: int, wanted: int, worker_env: dict[str, str]) -> dict:
    """The newest `wanted` orders or so (the days that hold them: orders are even over 90),
    asked for on the page and written by a worker process of their own."""
    from django.conf import settings
    from django.urls import reverse

    from exports.models import Export
    from sales.models import Order

    days = max(1, round(KEPT_DAYS * wanted / orders))
    today = datetime.now(UTC).date()
    query = {
        "date_from": (today - timedelta(days=days - 1)).isoformat(),
        "date_to": (today + timedelta(days=1)).isoformat(),
        "export": "xlsx",
    }
    rows = Order.objects.filter(seller=seller, date__date__gte=query["date_from"]).count()
    log("XLSX: a worker with nothing to do, for its own memory")
    idle_mib, _seconds = worker_run(worker_env)
    log(f"XLSX: the orders page's export of {rows:,} orders, written by a worker")
    # Handed to a task however few rows a quick look asks for: the task is what is measured.
    settings.EXPORTS_XLSX_INLINE_ROWS = 0
    response = client.get(reverse("sales:orders", args=[seller.sid]), query, secure=True)
    if response.status_code != 302:
        raise RuntimeError(f"The page wrote the XLSX itself ({response.status_code})")
    peak_mib, seconds = worker_run(worker_env)
    export = Export.objects.get()
    if export.state != Export.State.DONE:
        raise RuntimeError(f"The export ended {export.state}: {export.get_error_display()}")
    size = (Path(worker_env["EXPORTS_DIR"]) / export.file).stat().st_size
    return {
        "rows": export.rows_done,
        "seconds": round(seconds, 2),
        "rows_per_s": round(export.rows_done / seconds),
        "file_mib": round(size / 2**20, 1),
        "worker_idle_peak_mib": round(idle_mib, 1),
        "worker_peak_mib": round(peak_mib, 1),
    }


# manage.py db_worker, which says its own peak resident memory (VmHWM, in KiB) as it ends: the
# kernel's maximum RSS of a child (wait4) would also count the parent it was forked from.
WORKER = """
import sys
from pathlib import Path
sys.argv[0] = "manage.py"
try:
    import manage
    manage.main()
finally:
    status = Path("/proc/self/status").read_text().splitlines()
    print(next(line for line in status if line.startswith("VmHWM:")).split()[1])
"""


def worker_run(env: dict[str, str]) -> tuple[float, float]:
    """Run every queued task in a `db_worker --batch` process: its peak resident memory in MiB
    and its seconds."""
    from bench.run import BASE_DIR

    arguments = ["db_worker", "--batch", "--no-tick", "--no-reload", "--no-startup-delay"]
    started = time.perf_counter()
    worker = subprocess.run(
        [sys.executable, "-c", WORKER, *arguments],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if worker.returncode != 0:
        raise RuntimeError(f"db_worker --batch failed:\n{worker.stderr[-3000:]}")
    return int(worker.stdout.split()[-1]) / 1024, seconds


def targets(results: dict) -> list[dict]:
    found = []
    if csv := results.get("csv"):
        extra = round(csv["rss_peak_mib"] - csv["rss_before_mib"], 1)
        found += [
            {
                "target": "CSV export rows/s >= 50% of COPY TO STDOUT",
                "value": f"{csv['ratio_to_copy']:.0%}",
                "pass": csv["ratio_to_copy"] >= TARGETS["csv_ratio_to_copy"],
            },
            {
                "target": "CSV export memory flat (< 50 MiB over its start)",
                "value": f"+{extra} MiB",
                "pass": extra < TARGETS["csv_extra_rss_mib"],
            },
        ]
    return found


def markdown(results: dict) -> str:
    machine = results["machine"]
    lines = [
        f"# Exports at full scale, {results['started_at']}",
        "",
        f"PostgreSQL; {machine['cores']} CPUs ({machine['cpu']}), load {machine['load']} at the "
        f"start, {machine.get('load_end')} at the end: a shared, noisy machine.",
        "",
    ]
    if csv := results.get("csv"):
        lines += [
            f"CSV of the orders page, {csv['rows']:,} orders ({csv['export_mib']} MiB), in-process "
            "without HTTP, against `COPY (SELECT …) TO STDOUT WITH (FORMAT csv)` of the same "
            f"rows in the same order, in turn {csv['rounds']} times (medians; each: COPY "
            f"{csv['copy_seconds_each']} s, export {csv['export_seconds_each']} s):",
            "",
            "| | seconds | rows/s |",
            "|---|---:|---:|",
            f"| COPY TO STDOUT | {csv['copy_seconds']} | {csv['copy_rows_per_s']:,} |",
            f"| the page's CSV export | {csv['export_seconds']} | {csv['export_rows_per_s']:,} |",
            "",
            f"Ratio: {csv['ratio_to_copy']:.0%} of COPY. Resident memory {csv['rss_before_mib']} "
            f"MiB before, {csv['rss_peak_mib']} MiB at most while they streamed.",
            "",
        ]
    if xlsx := results.get("xlsx"):
        lines += [
            f"XLSX of the orders page, {xlsx['rows']:,} orders ({xlsx['file_mib']} MiB), "
            f"written by a `db_worker --batch` process: {xlsx['seconds']} s with its start "
            f"({xlsx['rows_per_s']:,} rows/s). Peak resident memory of that process "
            f"{xlsx['worker_peak_mib']} MiB, against {xlsx['worker_idle_peak_mib']} MiB for "
            "the same worker with nothing to do: "
            f"+{round(xlsx['worker_peak_mib'] - xlsx['worker_idle_peak_mib'], 1)} MiB.",
            "",
        ]
    lines += ["Targets:", ""]
    lines += [
        f"- {'met' if t['pass'] else 'MISSED'}: {t['target']}: {t['value']}"
        for t in results.get("targets", [])
    ]
    return "\n".join(lines) + "\n"
