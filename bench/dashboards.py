"""`python -m bench dashboards`: the dashboard's and the overview's server time at 1,000,000
orders (20 cabinets) as a ratio to the same pages at 10,000, in the same run.

On a throwaway PostgreSQL database (migrated with production settings, DEBUG off), 20
cabinets of 100 products each get orders over the last 90 Moscow days, their buyouts and
returns, and a week's report rows of service charges a day, written straight into the tables
with COPY (not through WB), then `rollups_rebuild` and VACUUM ANALYZE. The pages are measured
in this process with Django's test client (server time without HTTP: median of 30 GETs, after
one to warm up) and their queries counted; then the cabinets get the rest of the 1,000,000
orders over the same days and the pages are measured again. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as clock

from bench import scaffold
from bench.run import log
from bench.sync import machine

TARGET_RATIO = 1.2
DAYS = 90
REPEATS = 30
SEED = 15


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = scaffold.parser("dashboards", __doc__)
    parser.add_argument("--cabinets", type=int, default=20)
    parser.add_argument("--products", type=int, default=100, help="products per cabinet")
    parser.add_argument("--sizes", default="10000,1000000", help="orders in all, ascending")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    return scaffold.main(parse_args(sys.argv[2:] if argv is None else argv), run)


def run(args: argparse.Namespace, results: dict, cleanup: contextlib.ExitStack) -> None:
    scaffold.throwaway_database(args, cleanup, "dashboards", static=True)
    results["machine"] = machine()
    results["setup"] = {
        "cabinets": args.cabinets,
        "products_per_cabinet": args.products,
        "days": DAYS,
        "database": "PostgreSQL",
        "repeats": REPEATS,
    }
    results["sizes"] = []
    groups = []
    for size in (int(text) for text in args.sizes.split(",")):
        log(f"Seeding {args.cabinets} cabinets of {size:,} orders in all")
        sellers = add_cabinets(f"o{size}", args.cabinets, args.products)
        started = time.monotonic()
        seed_orders(sellers, args.products, size)
        seed_s = time.monotonic() - started
        started = time.monotonic()
        rebuild(sellers)
        rebuild_s = time.monotonic() - started
        groups.append((sellers, signed_in_client(f"bench-{size}", sellers)))
        results["sizes"].append(
            {
                "orders": size,
                "seed_s": round(seed_s, 1),
                "rollups_rebuild_s": round(rebuild_s, 1),
                **table_sizes(sellers),
            }
        )
    vacuum()
    log("Measuring every size in turn")
    for found, measured in zip(results["sizes"], measure(groups), strict=True):
        found.update(measured)
    results["machine"]["load_average_end"] = " ".join(f"{v:.2f}" for v in os.getloadavg())
    results["targets"] = targets(results)
    scaffold.write_results(args.results_dir, "dashboards", results, markdown)


# --- Seeding ------------------------------------------------------------------------------------


def add_cabinets(prefix: str, count: int, products: int) -> list:
    """Cabinets with a catalogue (a size, a price and a stock per product) and reports."""
    from django.utils import timezone

    from catalog.models import Price, Product, Size, Stock
    from sellers.models import Seller

    now = timezone.now()
    sellers = [
        Seller.objects.create(sid=f"{prefix}-{n:02}", name=f"Кабинет {prefix}-{n:02}")
        for n in range(count)
    ]
    rng = random.Random(SEED)
    for seller in sellers:
        cards = Product.objects.bulk_create(
            Product(seller=seller, nm_id=nm, vendor_code=f"V{nm}", changed_at=now)
            for nm in nm_ids(products)
        )
        Size.objects.bulk_create(
            Size(seller=seller, product=card, chrt_id=card.nm_id * 10) for card in cards
        )
        Price.objects.bulk_create(
            Price(
                seller=seller,
                nm_id=nm,
                chrt_id=nm * 10,
                price=2000,
                discounted_price=1500,
                changed_at=now,
            )
            for nm in nm_ids(products)
        )
        Stock.objects.bulk_create(
            Stock(
                seller=seller,
                kind="fbw",
                warehouse_id=507,
                chrt_id=nm * 10,
                quantity=rng.randrange(0, 60),
                changed_at=now,
            )
            for nm in nm_ids(products)
        )
    add_reports(sellers)
    return sellers


def nm_ids(products: int) -> range:
    return range(100_000, 100_000 + products)


def today() -> date:
    from wberp.periods import moscow_today

    return moscow_today()


def add_reports(sellers: list) -> None:
    """A weekly report for each of the last 13 weeks, its service rows one a day."""
    from django.db import connection

    from finance.models import Report

    monday = today() - timedelta(days=today().weekday())
    rrd = 1
    with connection.cursor() as cursor:
        for seller in sellers:
            for week in range(1, 14):
                start = monday - timedelta(weeks=week)
                report_id = seller.pk * 100 + week
                Report.objects.create(
                    seller=seller,
                    report_id=report_id,
                    date_from=start,
                    date_to=start + timedelta(days=6),
                    create_date=start + timedelta(days=8),
                    rows_created=start + timedelta(days=8),
                    rows_count=21,
                    listed=True,
                )
                columns = "seller_id, report_id, rrd_id, rr_date, create_date, " + TEXT_COLUMNS
                copy = f"COPY finance_reportrow ({columns}, {', '.join(CHARGES)}) FROM STDIN"
                with cursor.cursor.copy(copy) as rows:
                    for offset in range(7):
                        for charge in CHARGES:
                            values = {name: None for name in CHARGES}
                            values[charge] = 150 + rrd % 900
                            rows.write_row(
                                (
                                    seller.pk,
                                    report_id,
                                    rrd,
                                    start + timedelta(days=offset),
                                    start + timedelta(days=8),
                                    *([""] * len(TEXT_COLUMNS.split(", "))),
                                    *values.values(),
                                )
                            )
                            rrd += 1


CHARGES = ("delivery_service", "paid_storage", "penalty")
TEXT_COLUMNS = (
    "subject_name, brand_name, vendor_code, title, tech_size, sku, doc_type_name, office_name, "
    "seller_oper_name, acquiring_bank, ppvz_office_name, bonus_type_name, sticker_id, country, "
    "kiz, trbx_id, uuid_promocode, order_uid, srid"
)
ORDER_TEXT = (
    "warehouse_name, warehouse_type, country_name, oblast_okrug_name, region_name, "
    "supplier_article, category, subject, brand, tech_size, sticker, g_number"
)


def seed_orders(sellers: list, products: int, size: int) -> None:
    """`size` orders spread over the cabinets and the last DAYS days; a tenth cancelled,
    most of the rest bought out, some returned (COPY)."""
    from django.db import connection
    from django.db.transaction import atomic

    from wbapi.moscow import MOSCOW

    first = datetime.combine(today() - timedelta(days=DAYS - 1), clock.min, MOSCOW)
    span = DAYS * 86_400
    blanks = [""] * len(ORDER_TEXT.split(", "))
    order_copy = (
        "COPY sales_order (seller_id, srid, date, last_change_date, nm_id, barcode, "
        f"price_with_disc, finished_price, is_cancel, cancel_date, {ORDER_TEXT}) FROM STDIN"
    )
    sale_copy = (
        "COPY sales_sale (seller_id, srid, sale_id, is_return, date, last_change_date, nm_id, "
        f"barcode, price_with_disc, finished_price, for_pay, {ORDER_TEXT}) FROM STDIN"
    )
    with atomic(), connection.cursor() as cursor:
        events = []  # the sales and returns, copied after the orders (one COPY at a time)
        with cursor.cursor.copy(order_copy) as orders:
            for number in range(size):
                seller = sellers[number % len(sellers)]
                rng = random.Random(number)
                at = first + timedelta(seconds=rng.randrange(span))
                nm = 100_000 + rng.randrange(products)
                price = 500 + rng.randrange(3000)
                fate = rng.random()
                cancelled = at + timedelta(hours=rng.randrange(1, 72)) if fate < 0.1 else None
                orders.write_row(
                    (
                        seller.pk,
                        f"o{number}",
                        at,
                        cancelled or at,
                        nm,
                        f"b{nm}",
                        price,
                        price * 0.9,
                        cancelled is not None,
                        cancelled,
                        *blanks,
                    )
                )
                if fate >= 0.25:
                    sold = at + timedelta(days=rng.randrange(1, 8))
                    events.append((seller.pk, number, False, sold, nm, price))
                    if fate > 0.9:
                        events.append(
                            (seller.pk, number, True, sold + timedelta(days=3), nm, price)
                        )
        with cursor.cursor.copy(sale_copy) as sales:
            for seller_id, number, is_return, at, nm, price in events:
                sign = -1 if is_return else 1
                sales.write_row(
                    (
                        seller_id,
                        f"o{number}",
                        f"{'R' if is_return else 'S'}{number}",
                        is_return,
                        at,
                        at,
                        nm,
                        f"b{nm}",
                        sign * price,
                        sign * price * 0.9,
                        sign * price * 0.8,
                        *blanks,
                    )
                )


def rebuild(sellers: list) -> None:
    from dashboards.services import rollups_rebuild

    for seller in sellers:
        rollups_rebuild(seller=seller)


def vacuum() -> None:
    """The state autovacuum reaches soon after such a load: statistics, visibility map."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def table_sizes(sellers: list) -> dict:
    from dashboards.models import CabinetDay, FinanceDay, OrderDay, SaleDay
    from sales.models import Order, Sale

    rollups = (CabinetDay, FinanceDay, OrderDay, SaleDay)
    return {
        "orders_rows": Order.objects.filter(seller__in=sellers).count(),
        "sales_rows": Sale.objects.filter(seller__in=sellers).count(),
        "rollup_rows": sum(model.objects.filter(seller__in=sellers).count() for model in rollups),
    }


# --- Measuring ----------------------------------------------------------------------------------


def signed_in_client(username: str, sellers: list):
    """A client signed in as staff who see these cabinets, every area, read only."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.test import Client

    from access.models import CabinetGrant

    user = get_user_model().objects.create_user(username, is_staff=True)
    for codename in PERMISSIONS:
        app_label, name = codename.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=name)
        )
    areas = dict.fromkeys(("tokens", "catalogue", "sales", "finance", "sync"), 1)
    CabinetGrant.objects.bulk_create(
        CabinetGrant(seller=seller, user=user, **areas) for seller in sellers
    )
    # As the TLS proxy in front of gunicorn sends them: production redirects plain HTTP.
    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    client.force_login(user)
    return client


PERMISSIONS = (
    "sellers.view_seller",
    "sales.view_order",
    "sales.view_sale",
    "finance.view_report",
    "catalog.view_stock",
    "catalog.view_product",
    "tokens.view_wbtoken",
    "sync.view_syncstream",
)


def measure(groups: list) -> list[dict]:
    """Each page of each size: server time (median and minimum of REPEATS, ms, the sizes
    in turn, so that the machine's load weighs on each alike) and queries."""
    from bench.inprocess import query_count

    pages = {
        "dashboard": lambda sellers: f"/sellers/{sellers[0].sid}/?period=30",
        "overview": lambda sellers: "/?period=30",
    }
    found: list[dict] = [{} for _ in groups]
    for name, url_of in pages.items():
        urls = [(client, url_of(sellers)) for sellers, client in groups]
        # After a first GET, as the other benchmarks count.
        queries = [query_count(client, url) for client, url in urls]
        times: list[list[float]] = [[] for _ in groups]
        for _ in range(REPEATS):
            for index, (client, url) in enumerate(urls):
                started = time.perf_counter()
                client.get(url, secure=True)
                times[index].append((time.perf_counter() - started) * 1000)
        for index, measured in enumerate(times):
            found[index][name] = {
                "median_ms": round(statistics.median(measured), 1),
                "min_ms": round(min(measured), 1),
                "queries": queries[index],
            }
    return found


def targets(results: dict) -> list[dict]:
    small, large = results["sizes"][0], results["sizes"][-1]
    found = []
    for page in ("dashboard", "overview"):
        ratio = round(large[page]["median_ms"] / small[page]["median_ms"], 2)
        found.append(
            {
                "target": f"{page} at {large['orders']:,} orders / at {small['orders']:,} "
                f"<= {TARGET_RATIO}x",
                "value": f"{ratio}x",
                "ratio": ratio,
                "pass": ratio <= TARGET_RATIO,
            }
        )
        same = large[page]["queries"] == small[page]["queries"]
        found.append(
            {
                "target": f"{page}: the same queries at both sizes",
                "value": f"{small[page]['queries']} and {large[page]['queries']}",
                "pass": same,
            }
        )
    return found


def markdown(results: dict) -> str:
    setup, machine_ = results["setup"], results["machine"]
    lines = [
        f"# Dashboards benchmark, {results['started_at']}",
        "",
        f"{setup['cabinets']} cabinets of {setup['products_per_cabinet']} products, orders over "
        f"the last {setup['days']} days, PostgreSQL; server time in-process (Django's test "
        f"client), median of {setup['repeats']}; {machine_['cpus']} CPUs "
        f"({machine_['cpu_model']}), load {machine_['load_average_start']} at the start, "
        f"{machine_.get('load_average_end')} at the end: a shared, noisy machine.",
        "",
        "| orders | sales rows | rollup rows | dashboard, ms (min) | queries | overview, ms (min) "
        "| queries | seed, s | rollups_rebuild, s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for size in results["sizes"]:
        d, o = size["dashboard"], size["overview"]
        lines.append(
            f"| {size['orders']:,} | {size['sales_rows']:,} | {size['rollup_rows']:,} "
            f"| {d['median_ms']} ({d['min_ms']}) | {d['queries']} | {o['median_ms']} "
            f"({o['min_ms']}) | {o['queries']} | {size['seed_s']} | {size['rollups_rebuild_s']} |"
        )
    lines += ["", "Targets:", ""]
    for target in results["targets"]:
        lines.append(
            f"- {'met' if target['pass'] else 'MISSED'}: {target['target']}: {target['value']}"
        )
    return "\n".join(lines) + "\n"
