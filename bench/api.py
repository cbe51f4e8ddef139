"""`python -m bench api`: the REST API's big lists at full scale, on a throwaway PostgreSQL
database, in this process without HTTP (Django's test client), signed in with a personal API
token (`Authorization: Bearer`), as a program would be.

1. WB tokens: `GET /api/v1/wb-tokens/?limit=100` with 1,000 tokens stored (`--small-tokens`),
   then with 100,000 (`--tokens`): the table grows between the two, so they are measured one
   after the other.
2. Orders: `GET /api/v1/sellers/<sid>/orders/?limit=100` and the page after it (its
   `next_cursor`), of a cabinet of 10,000 orders (`--small-orders`) and of one of 1,000,000
   (`--orders`), both in the table and measured in turn.

Each: the median server time (of `--rounds`) at the big size as a ratio to the small one's
(target <= 1.2) and the queries of one call (target: the same). See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import sys

from bench import scaffold
from bench.run import cpu_model, load_average, log

TARGET_RATIO = 1.2
SEED = 14
# A personal WB token's length: the stored ciphertexts are as long as real ones'.
TOKEN_LENGTH = 260


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = scaffold.parser("api", __doc__)
    parser.add_argument("--tokens", type=int, default=100_000)
    parser.add_argument("--small-tokens", type=int, default=1_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--small-orders", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=30, help="calls per list timed")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    return scaffold.main(parse_args(sys.argv[2:] if argv is None else argv), run)


def run(args: argparse.Namespace, results: dict, cleanup: contextlib.ExitStack) -> None:
    scaffold.throwaway_database(args, cleanup, "api")
    from django.conf import settings

    settings.API_TOKEN_RATE = "1000000/min"  # noqa: S105 - a rate; measured here, not throttled
    results["machine"] = {"cpu": cpu_model(), "cores": os.cpu_count(), "load": load_average()}
    results["setup"] = {key: getattr(args, key) for key in ("tokens", "small_tokens", "orders")}
    results["setup"]["small_orders"] = args.small_orders
    try:
        user, client = api_client()
        results["lists"] = {"wb-tokens": tokens_list(user, client, args)}
        results["lists"]["orders"] = orders_list(client, args)
    finally:
        results["finished_at"] = scaffold.now_text()
        results["machine"]["load_end"] = load_average()
        results["targets"] = targets(results)
        scaffold.write_results(args.results_dir, "api", results, markdown)


def api_client():
    """A superuser and a test client that carries one of their API tokens."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from api.services import api_token_create

    user = get_user_model().objects.create_superuser("bench-api", password=None)
    _token, text = api_token_create(user=user, name="Bench", days=30)
    return user, Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {text}")


def timing(client, paths: dict[str, str], rounds: int) -> dict:
    from bench.inprocess import page_timing, query_count

    times = page_timing(client, paths, rounds=rounds)
    return {
        size: {"median_ms": times[size]["median_ms"], "queries": query_count(client, path)}
        for size, path in paths.items()
    }


def compared(small: dict, big: dict) -> dict:
    return {
        "small": small,
        "big": big,
        "ratio": round(big["median_ms"] / small["median_ms"], 2),
    }


def tokens_list(user, client, args: argparse.Namespace) -> dict:
    from bench import seed

    rng = random.Random(SEED)
    path = {"list": "/api/v1/wb-tokens/?limit=100"}
    measured = []
    for size in (args.small_tokens, args.tokens):
        log(f"{size:,} WB tokens")
        seed.fill_to(size, owner_id=user.pk, rng=rng, token_length=TOKEN_LENGTH)
        seed.settle()
        measured.append(timing(client, path, args.rounds)["list"])
    return compared(*measured) | {"sizes": [args.small_tokens, args.tokens]}


def orders_list(client, args: argparse.Namespace) -> dict:
    from django.db import transaction

    from bench.money import cabinet, trade
    from sales.models import Order
    from sales.services import order_rows

    sellers = {}
    for size, name in ((args.small_orders, "Small cabinet"), (args.orders, "Big cabinet")):
        log(f"{size:,} orders for the {name.lower()}")
        seller = cabinet(name)
        with transaction.atomic():
            scaffold.copy_rows(Order, order_rows(seller, trade(seller, size)[0]))
        sellers[size] = seller
    scaffold.vacuum(Order, analyze=True)
    first = {
        size: f"/api/v1/sellers/{seller.sid}/orders/?limit=100" for size, seller in sellers.items()
    }
    following = {
        size: f"{path}&cursor={client.get(path, secure=True).json()['next_cursor']}"
        for size, path in first.items()
    }
    result = {}
    for page, paths in (("first page", first), ("next page", following)):
        log(f"Orders, {page}, both cabinets in turn")
        times = timing(
            client, {"small": paths[args.small_orders], "big": paths[args.orders]}, args.rounds
        )
        result[page] = compared(times["small"], times["big"])
    return result | {"sizes": [args.small_orders, args.orders]}


def targets(results: dict) -> list[dict]:
    found = []
    lists = results.get("lists", {})
    pairs = [("wb-tokens", lists["wb-tokens"])] if "wb-tokens" in lists else []
    pairs += [
        (f"orders, {page}", lists["orders"][page])
        for page in lists.get("orders", {})
        if page != "sizes"
    ]
    for name, figures in pairs:
        small, big = figures["small"], figures["big"]
        found.append(
            {
                "target": f"{name}: at the big size <= {TARGET_RATIO}x the small one",
                "value": f"{figures['ratio']}x ({big['median_ms']} ms / {small['median_ms']} ms)",
                "pass": figures["ratio"] <= TARGET_RATIO,
            }
        )
        found.append(
            {
                "target": f"{name}: the same queries at both sizes",
                "value": f"{big['queries']} / {small['queries']}",
                "pass": big["queries"] == small["queries"],
            }
        )
    return found


def markdown(results: dict) -> str:
    machine, setup = results["machine"], results["setup"]
    lines = [
        f"# The API's lists at full scale, {results['started_at']}",
        "",
        f"PostgreSQL; {machine['cores']} CPUs ({machine['cpu']}), load {machine['load']} at the "
        f"start, {machine.get('load_end')} at the end: a shared, noisy machine. In-process, "
        "median server time of each call, signed in with an API token.",
        "",
        "| list | small | big | small, ms | big, ms | ratio | queries |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    lists = results.get("lists", {})
    rows = []
    if "wb-tokens" in lists:
        rows.append(
            (
                "`/api/v1/wb-tokens/?limit=100`",
                setup["small_tokens"],
                setup["tokens"],
                lists["wb-tokens"],
            )
        )
    for page, figures in lists.get("orders", {}).items():
        if page != "sizes":
            rows.append((f"orders, {page}", setup["small_orders"], setup["orders"], figures))
    for name, small_size, big_size, figures in rows:
        small, big = figures["small"], figures["big"]
        lines.append(
            f"| {name} | {small_size:,} | {big_size:,} | {small['median_ms']} | "
            f"{big['median_ms']} | {figures['ratio']}x | {small['queries']} / {big['queries']} |"
        )
    lines += ["", "Targets:", ""]
    lines += [
        f"- {'met' if t['pass'] else 'MISSED'}: {t['target']}: {t['value']}"
        for t in results.get("targets", [])
    ]
    return "\n".join(lines) + "\n"
