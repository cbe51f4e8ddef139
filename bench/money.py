"""`python -m bench money`: orders and sales at full scale, on a throwaway PostgreSQL database.

1. Upsert: 1,000,000 orders and their sales and returns (`--orders`) go through the upserts
   of `sales.services` (a page of 80,000 rows a transaction, in batches as the engine hands
   them over), first new, then all changed (a pass that reads them again); the same into a
   second cabinet through the datasets' whole `ingest` (the upserts and the dashboards' day
   rollups); and the same rows are COPYed straight into the same tables (rolled back): rows per
   second of each, as a ratio to the raw COPY (target for the upsert >= 50%).
2. Pages: the orders and sales pages of the cabinet of the whole ingest against those of a
   cabinet of 10,000 orders (`--small`, stored alike), in this process without HTTP: server
   time (median of `--rounds`) as a ratio (target <= 1.2) and the queries of each (target:
   the same). The pages show their default, the last 7 days, with their totals.
3. Memory: a real `manage.py db_worker` syncs the orders of a cabinet whose WB answers in pages
   of 80,000 rows from the emulator; its peak RSS (VmHWM, target < 250 MiB).

Orders are made here, not asked of WB (a million at WB's one request a minute is a day): each
a size of a catalogue of 2,000 products, spread over WB's 90 days. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from bench import scaffold
from bench.run import BASE_DIR, cpu_model, load_average, log

PAGE_ROWS = 80_000
PRODUCTS = 2_000
KEPT_DAYS = 90
TARGETS = {"upsert_ratio": 0.5, "page_ratio": 1.2, "worker_rss_mib": 250}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = scaffold.parser("money", __doc__)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000, help="orders of the small cabinet")
    parser.add_argument("--rounds", type=int, default=15, help="requests per page timed")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    return scaffold.main(parse_args(sys.argv[2:] if argv is None else argv), run)


def run(args: argparse.Namespace, results: dict, cleanup: contextlib.ExitStack) -> None:
    tmp, env = scaffold.throwaway_database(args, cleanup, "money", static=True, emulator=True)
    results["machine"] = {"cpu": cpu_model(), "cores": os.cpu_count(), "load": load_average()}
    results["setup"] = {"orders": args.orders, "small": args.small, "page_rows": PAGE_ROWS}
    try:
        upserted, big = cabinet("Upsert cabinet"), cabinet("Big cabinet")
        small = cabinet("Small cabinet")
        log(f"Ingest of {args.orders:,} orders and their sales, against raw COPY")
        results["ingest"] = ingest_against_copy(upserted, big, args.orders)
        log(f"{args.small:,} orders for the small cabinet")
        write_pages(small, *trade(small, args.small), True)
        log("Weekly finance reports over both cabinets' sales")
        results["finance"] = {
            size: finance_reports(c) for size, c in (("big", big), ("small", small))
        }
        log("Pages of the big and the small cabinet")
        results["pages"] = pages_against(big, small, args.rounds)
        log("A worker syncing pages of 80,000 orders from the emulator")
        results["worker"] = worker_memory(env, tmp)
    finally:
        results["finished_at"] = scaffold.now_text()
        results["machine"]["load_end"] = load_average()
        results["targets"] = targets(results)
        scaffold.write_results(args.results_dir, "money", results, markdown)


def cabinet(name: str):
    from sellers.models import Seller

    return Seller.objects.create(sid=f"bench-{name.split()[0].lower()}", name=name)


# --- Made-up trade: statistics records as WB's parser gives them ----------------------------


def trade(seller, count: int, *, changed: timedelta = timedelta(0)) -> tuple[list, list]:
    """`count` orders over WB's 90 days and the sales (S…) and returns (R…) of some, as
    wbapi's records; `changed` moves every lastChangeDate on (a pass that reads them again)."""
    from wbapi.methods.statistics import Order, Sale

    draw = random.Random(seller.sid)
    now = datetime.now(UTC)
    start = now - timedelta(days=KEPT_DAYS)
    step = timedelta(days=KEPT_DAYS) / count
    orders, sales = [], []
    for number in range(count):
        moment = start + number * step
        product = draw.randrange(PRODUCTS)
        common = {
            "date": moment,
            "last_change_date": moment + timedelta(minutes=20) + changed,
            "warehouse_name": f"Склад {product % 12}",
            "warehouse_type": "Склад WB",
            "country_name": "Россия",
            "oblast_okrug_name": "Центральный федеральный округ",
            "region_name": f"Область {product % 40}",
            "supplier_article": f"ART-{product:05d}",
            "nm_id": 10_000_000 + product,
            "barcode": f"46{product:08d}{number % 4}",
            "category": "Одежда",
            "subject": "Футболки",
            "brand": "Bench",
            "tech_size": ("S", "M", "L", "XL")[number % 4],
            "income_id": 0,
            "is_supply": False,
            "is_realization": True,
            "total_price": Decimal(1000 + product % 500),
            "discount_percent": 25,
            "spp": Decimal("10"),
            "finished_price": Decimal(675 + product % 300),
            "price_with_disc": Decimal(750 + product % 375),
            "sticker": "",
            "g_number": f"{number:020d}",
            "srid": f"{seller.pk}.{number:09d}.0.0",
            "extra": {},
        }
        cancelled = number % 10 == 0
        orders.append(
            Order(**common, is_cancel=cancelled, cancel_date=moment if cancelled else None)
        )
        if not cancelled and number % 10 < 8:
            kind = "R" if number % 10 == 7 else "S"
            sales.append(
                Sale(
                    **common,
                    payment_sale_amount=0,
                    for_pay=Decimal(600 + product % 250),
                    sale_id=f"{kind}{number:011d}",
                )
            )
    return orders, sales


def pages(records: list) -> list[list]:
    return [records[start : start + PAGE_ROWS] for start in range(0, len(records), PAGE_ROWS)]


def write_pages(seller, orders: list, sales: list, rollups: bool) -> None:
    """A page a transaction and a batch a call, as sync.engine does: the datasets' whole ingest
    (the upsert and the day rollups), or without `rollups` the upserts alone."""
    from django.db import transaction

    from sales.datasets import ORDERS, SALES
    from sales.services import orders_store, sales_store
    from sync.registry import Counts, SyncPass
    from wbapi.streaming import BATCH_ROWS

    sync_pass = SyncPass(number=1, started_at=datetime.now(UTC), full=True)
    for dataset, store, records in ((ORDERS, orders_store, orders), (SALES, sales_store, sales)):
        for page in pages(records):
            batches = [
                page[start : start + BATCH_ROWS] for start in range(0, len(page), BATCH_ROWS)
            ]
            with transaction.atomic():
                if rollups:
                    dataset.ingest_page(seller, batches, Counts(), sync_pass, None)
                else:
                    for batch in batches:
                        store(seller=seller, records=batch)


def ingest_against_copy(upserted, ingested, count: int) -> dict:
    """The upserts alone into one cabinet, the whole ingest into another (whose pages are
    measured: it has its day rollups, as a synced cabinet has), each of new rows then of the
    same rows changed; a raw COPY of the same rows into the same tables. Each write starts on
    vacuumed tables and from WB's records, which it turns into rows as the sync does."""
    from sales.models import Order, Sale

    timings = {}
    for name, target, rollups in (("upsert", upserted, False), ("ingest", ingested, True)):
        for step, changed in (("new", timedelta(0)), ("changed", timedelta(hours=1))):
            orders, sales = trade(target, count, changed=changed)
            scaffold.vacuum(Order, Sale)
            timings[f"{name}_{step}"] = timed(write_pages, target, orders, sales, rollups)
    scaffold.vacuum(Order, Sale)
    timings["raw_copy"] = timed(copy_rolled_back, cabinet("Copy cabinet"), orders, sales)
    rows = len(orders) + len(sales)
    rates = {name: round(rows / seconds) for name, seconds in timings.items()}
    return {
        "rows": rows,
        "orders": len(orders),
        "sales": len(sales),
        "seconds": {name: round(seconds, 1) for name, seconds in timings.items()},
        "rows_per_s": rates,
        "ratio_to_copy": {
            name: round(rate / rates["raw_copy"], 2)
            for name, rate in rates.items()
            if name != "raw_copy"
        },
    }


def timed(function, *args) -> float:
    started = time.perf_counter()
    function(*args)
    return time.perf_counter() - started


def copy_rolled_back(seller, orders: list, sales: list) -> None:
    """COPY the records, as rows of `seller`, into their tables, then roll back: the least
    writing them can cost."""
    from django.db import transaction

    from sales.models import Order, Sale
    from sales.services import order_rows, sale_rows

    with transaction.atomic():
        scaffold.copy_rows(Order, order_rows(seller, orders))
        scaffold.copy_rows(Sale, sale_rows(seller, sales))
        transaction.set_rollback(True)


# --- Pages ---------------------------------------------------------------------------------


# --- Made-up finance reports -----------------------------------------------------------------

RETURNED = "s.sale_id LIKE 'R%%'"  # WB's saleID of a return starts with R
OPERATION = f"CASE WHEN {RETURNED} THEN 'Возврат' ELSE 'Продажа' END"
REPORT_ROW_SQL = {  # a report row of each stored sale or return: column -> SQL over sales_sale
    "seller_id": "s.seller_id",
    "report_id": "{report_id}",
    "rrd_id": "row_number() OVER (ORDER BY s.date, s.id)",
    "create_date": "{date_to} + 1",
    "nm_id": "s.nm_id",
    "vendor_code": "s.supplier_article",
    "sku": "s.barcode",
    "tech_size": "s.tech_size",
    "doc_type_name": OPERATION,
    "seller_oper_name": OPERATION,
    "quantity": "1",
    "retail_amount": "s.price_with_disc",
    "for_pay": f"CASE WHEN {RETURNED} THEN -s.for_pay ELSE s.for_pay END",
    "sale_dt": "s.date",
    "rr_date": "s.date::date",
    "srid": "s.srid",
}
WEEK = "date_trunc('week', s.date AT TIME ZONE 'Europe/Moscow')::date"


def finance_reports(seller) -> dict[str, int]:
    """A weekly realization report over the cabinet's stored sales and returns, as the finance
    sync leaves it: a row per sale or return (rrdIds in order), and each week's header with the
    totals and the row count the sync sums into it."""
    from django.db import connection

    from finance.models import Report, ReportRow

    given = {
        column: sql.format(
            report_id=f"{seller.pk} * 100000 + ({WEEK} - DATE '2024-01-29') / 7",
            date_to=f"({WEEK} + 6)",
        )
        for column, sql in REPORT_ROW_SQL.items()
    }
    blank = [  # the other columns that take no NULL: text, empty
        field.column
        for field in ReportRow._meta.concrete_fields
        if not (field.primary_key or field.null or field.column in given)
    ]
    columns = [*given, *blank]
    values = [*given.values(), *["''"] * len(blank)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO finance_reportrow ({', '.join(columns)}) "  # noqa: S608
            f"SELECT {', '.join(values)} FROM sales_sale s WHERE s.seller_id = %s",
            [seller.pk],
        )
        cursor.execute(
            "INSERT INTO finance_report (seller_id, report_id, period, date_from, date_to,"
            " create_date, currency, retail_amount_sum, for_pay_sum, returns_sum,"
            " bank_payment_sum, rows_count, rows_created, listed)"
            " SELECT r.seller_id, r.report_id, 'weekly', min(r.rr_date), min(r.create_date) - 1,"
            " min(r.create_date), 'RUB', sum(r.retail_amount), sum(r.for_pay),"
            " sum(CASE WHEN r.for_pay < 0 THEN -r.for_pay ELSE 0 END), sum(r.for_pay), count(*),"
            " min(r.create_date), TRUE FROM finance_reportrow r WHERE r.seller_id = %s"
            " GROUP BY r.seller_id, r.report_id",
            [seller.pk],
        )
    scaffold.vacuum(ReportRow, analyze=True)
    return {
        "reports": Report.objects.filter(seller=seller).count(),
        "rows": ReportRow.objects.filter(seller=seller).count(),
    }


# --- Pages ----------------------------------------------------------------------------------

# The lists of a cabinet's orders, sales and finance reports (each its default view).
PAGES = ("sales:orders", "sales:sales", "finance:reports")


def pages_against(big, small, rounds: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from bench.inprocess import page_timing, query_count, staff_client

    user = get_user_model().objects.create_superuser("bench-money", password=None)
    client = staff_client(user)
    result = {}
    for page in PAGES:
        paths = {
            size: reverse(page, args=[seller.sid])
            for size, seller in (("big", big), ("small", small))
        }
        timing = page_timing(client, paths, rounds=rounds)
        result[page] = {
            "median_ms": {size: timing[size]["median_ms"] for size in paths},
            "ratio": round(timing["big"]["median_ms"] / timing["small"]["median_ms"], 2),
            "queries": {size: query_count(client, path) for size, path in paths.items()},
        }
    return result


# --- A worker's memory -----------------------------------------------------------------------

WORKER_SPEED = 60.0  # WB's one request a minute for orders: one a second
WORKER_ORDERS_PER_DAY = 1_000  # 90 days: a page of 80,000 rows and one of the rest


def worker_memory(env: dict, tmp: Path) -> dict:
    """A real worker syncs a cabinet's orders, which WB answers in pages of 80,000 rows, from
    the emulator; its peak RSS."""
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from bench import processes as proc
    from bench.sync import MONEY, WORKER_OPTIONS, sped_up
    from sync.models import SyncRun, SyncStream
    from tokens.services import token_create
    from wbapi.emulator.state import EmulatorState

    state_dir = tmp / "emulator"
    emulator, url = proc.emulator_start(
        state_dir,
        env=env,
        log=tmp / "emulator.log",
        cwd=BASE_DIR,
        python=sys.executable,
        speed=WORKER_SPEED,
    )
    worker = None
    try:
        settings.WB_API_BASE_URL = url + "/{host}"
        state = EmulatorState.open(state_dir)
        raw = state.mint(categories="statistics", seller_name="Память")
        user = get_user_model().objects.create_superuser("bench-worker", password=None)
        seller = token_create(name="Bench worker", raw_token=raw, by=user).seller
        state.worlds.configure(seller.sid, {"orders_per_day": WORKER_ORDERS_PER_DAY})
        pages = argparse.Namespace(
            speed=WORKER_SPEED, page_rows=PAGE_ROWS, finance_page_rows=PAGE_ROWS
        )
        worker_env = env | sped_up(pages, MONEY)
        worker_env |= {
            "WB_API_BASE_URL": url + "/{host}",
            "SYNC_DATASETS": "orders",
            "WB_API_DATA_READ_TIMEOUT": "120",
            "WB_API_DATA_DEADLINE": "180",
            "SYNC_LEASE_SECONDS": "300",
        }
        started = time.monotonic()
        worker = proc.start(
            [sys.executable, "manage.py", "db_worker", *WORKER_OPTIONS],
            env=worker_env,
            log=tmp / "worker.log",
            cwd=BASE_DIR,
        )
        done = SyncStream.objects.filter(
            seller=seller, dataset="orders", last_success_at__isnull=False
        )
        peak = 0
        while not done.exists():
            if worker.poll() is not None or time.monotonic() - started > 900:
                raise RuntimeError(
                    f"the worker's sync did not end: {proc.tail(tmp / 'worker.log')}"
                )
            peak = max(peak, proc.memory_of(worker.pid).get("vmhwm_kib", 0))
            time.sleep(0.5)
        peak = max(peak, proc.memory_of(worker.pid).get("vmhwm_kib", 0))
        run = SyncRun.objects.filter(stream__seller=seller).latest("started_at")
        return {
            "orders": run.rows_inserted,
            "pages": run.pages,
            "seconds": round(time.monotonic() - started, 1),
            "peak_rss_mib": round(peak / 1024, 1),
        }
    finally:
        if worker is not None:
            proc.stop(worker)
        proc.stop(emulator)


# --- Results ---------------------------------------------------------------------------------


def targets(results: dict) -> list[dict]:
    found = []
    if ingest := results.get("ingest"):
        for kind in ("new", "changed"):
            ratio = ingest["ratio_to_copy"][f"upsert_{kind}"]
            found.append(
                {
                    "target": f"upsert of {kind} rows >= 50% of raw COPY",
                    "value": f"{ratio:.0%}",
                    "pass": ratio >= TARGETS["upsert_ratio"],
                }
            )
    for page, figures in results.get("pages", {}).items():
        found.append(
            {
                "target": f"{page} at {results['setup']['orders']:,} orders <= 1.2x of "
                f"{results['setup']['small']:,}",
                "value": f"{figures['ratio']}x ({figures['median_ms']['big']} ms / "
                f"{figures['median_ms']['small']} ms)",
                "pass": figures["ratio"] <= TARGETS["page_ratio"],
            }
        )
        queries = figures["queries"]
        found.append(
            {
                "target": f"{page}: the same queries whatever the rows",
                "value": f"{queries['big']} / {queries['small']}",
                "pass": queries["big"] == queries["small"],
            }
        )
    if worker := results.get("worker"):
        found.append(
            {
                "target": "worker peak RSS with pages of 80,000 orders < 250 MiB",
                "value": f"{worker['peak_rss_mib']} MiB",
                "pass": worker["peak_rss_mib"] < TARGETS["worker_rss_mib"],
            }
        )
    return found


def markdown(results: dict) -> str:
    machine = results["machine"]
    lines = [
        f"# Orders and sales at full scale, {results['started_at']}",
        "",
        f"PostgreSQL; {machine['cores']} CPUs ({machine['cpu']}), load {machine['load']} at the "
        f"start, {machine.get('load_end')} at the end: a shared, noisy machine.",
        "",
    ]
    if ingest := results.get("ingest"):
        seconds, rates, ratios = ingest["seconds"], ingest["rows_per_s"], ingest["ratio_to_copy"]
        lines += [
            f"{ingest['orders']:,} orders and {ingest['sales']:,} sales and returns, pages of "
            f"{PAGE_ROWS:,} rows; the upserts alone (`sales.services`), and the datasets' whole "
            "ingest (the upserts and the day rollups of the dashboards):",
            "",
            "| | seconds | rows/s | ratio to raw COPY |",
            "|---|---:|---:|---:|",
        ]
        for name, label in (
            ("upsert_new", "upsert, new rows"),
            ("upsert_changed", "upsert, all changed"),
            ("ingest_new", "whole ingest, new rows"),
            ("ingest_changed", "whole ingest, all changed"),
        ):
            lines.append(f"| {label} | {seconds[name]} | {rates[name]:,} | {ratios[name]:.0%} |")
        lines += [
            f"| raw COPY, same rows, same tables | {seconds['raw_copy']} | "
            f"{rates['raw_copy']:,} | 100% |",
            "",
        ]
    if finance := results.get("finance"):
        lines += [
            "Weekly finance reports made of each cabinet's stored sales and returns: "
            + ", ".join(
                f"{size} {counts['reports']} reports of {counts['rows']:,} rows"
                for size, counts in finance.items()
            )
            + ".",
            "",
        ]
    if pages_ := results.get("pages"):
        lines += ["| page | big, ms | small, ms | ratio | queries |", "|---|---:|---:|---:|---:|"]
        for page, figures in pages_.items():
            times, queries = figures["median_ms"], figures["queries"]
            lines.append(
                f"| {page} | {times['big']} | {times['small']} | {figures['ratio']}x "
                f"| {queries['big']} / {queries['small']} |"
            )
        lines.append("")
    if worker := results.get("worker"):
        lines += [
            f"A worker synced {worker['orders']:,} orders in {worker['pages']} pages in "
            f"{worker['seconds']} s; its peak RSS: {worker['peak_rss_mib']} MiB.",
            "",
        ]
    lines += ["Targets:", ""]
    lines += [
        f"- {'met' if t['pass'] else 'MISSED'}: {t['target']}: {t['value']}"
        for t in results.get("targets", [])
    ]
    return "\n".join(lines) + "\n"
