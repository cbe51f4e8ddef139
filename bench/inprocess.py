"""Measurements taken inside the benchmark's own Django process, not over the network."""

import statistics
import time
import timeit
import uuid

import requests
from django.conf import settings
from django.core.cache import caches
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tokens.crypto import get_cipher
from tokens.models import WBToken


def staff_client(user) -> Client:
    # The production settings redirect plain HTTP and allow only real host names.
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def query_count(client: Client, path: str) -> int:
    """Queries of one GET of a page, after a first GET has filled the per-process caches."""
    response = client.get(path, secure=True)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code} in-process")
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, secure=True)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code} in-process")
    return len(queries)


def query_texts(client: Client, path: str) -> list[str]:
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        client.get(path, secure=True)
    return [query["sql"] for query in queries.captured_queries]


def decrypt_timing(token_id: uuid.UUID, *, number: int = 2000, repeat: int = 7) -> dict:
    """µs per `get_cipher().decrypt` of a stored token, as token_check calls it."""
    token = WBToken.objects.get(pk=token_id)
    cipher = get_cipher()
    cipher.decrypt(token.ciphertext, row_id=token.pk)  # the key objects are built once
    runs = timeit.repeat(
        lambda: get_cipher().decrypt(token.ciphertext, row_id=token.pk),
        number=number,
        repeat=repeat,
    )
    per_call = [run / number * 1e6 for run in runs]
    return {
        "median_us": round(statistics.median(per_call), 2),
        "min_us": round(min(per_call), 2),
        "max_us": round(max(per_call), 2),
        "calls": number * repeat,
        "ciphertext_chars": len(token.ciphertext),
    }


def check_timing(client: Client, pool: list, emulator_url: str, *, rounds: int = 60) -> dict:
    """A check through the app (test client, no HTTP server) against the emulator's own
    two answers fetched directly with `requests`, alternately, one at a time.

    Fewer processes take part than over gunicorn, so this shows the app's own cost
    with less of the machine's scheduling noise; the target uses the wrk numbers.
    """
    settings.WB_API_BASE_URL = emulator_url + "/{host}"  # this process only
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "token-summary"}

    def via_app(pk) -> None:
        response = client.post(f"/tokens/{pk}/check/", secure=True, **htmx)
        if response.status_code != 200 or "error" in response.headers.get("HX-Trigger", ""):
            raise RuntimeError(f"The in-process check answered {response.status_code}")

    def direct(raw: str) -> None:
        with requests.Session() as session:  # as the app's client: a session per check
            for path in ("/common-api/ping", "/common-api/api/v1/seller-info"):
                answer = session.get(
                    emulator_url + path, headers={"Authorization": f"Bearer {raw}"}, timeout=5
                )
                answer.raise_for_status()

    via_app(pool[0][0])
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        via_app(pool[1][0])
    queries = len(captured)  # now: the next request clears the log it reads from
    app, emulator = [], []
    for n in range(rounds):
        pk, raw = pool[n % len(pool)]
        started = time.perf_counter()
        via_app(pk)
        app.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        direct(raw)
        emulator.append((time.perf_counter() - started) * 1000)
    return {
        "app_p50_ms": round(statistics.median(app), 2),
        "emulator_p50_ms": round(statistics.median(emulator), 2),
        "overhead_ms": round(statistics.median(app) - statistics.median(emulator), 2),
        "checks": rounds,
        "queries": queries,
    }


def page_timing(
    client: Client, paths: dict[str, str], *, rounds: int = 30, cold: bool = False
) -> dict[str, dict]:
    """Server time of each page without HTTP, gunicorn or wrk: the pages in turn, `rounds`
    times; the minimum is the cost with the least interference from the rest of the machine.

    `cold`: the rendered fragments are dropped before each request (not timed), so that
    every row is rendered as on a page's first view.
    """
    times: dict[str, list[float]] = {name: [] for name in paths}
    for path in paths.values():
        client.get(path, secure=True)
    for _round in range(rounds):
        for name, path in paths.items():
            if cold:
                caches["template_fragments"].clear()
            started = time.perf_counter()
            response = client.get(path, secure=True)
            times[name].append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"GET {path} answered {response.status_code} in-process")
    return {
        name: {"median_ms": round(statistics.median(values), 2), "min_ms": round(min(values), 2)}
        for name, values in times.items()
    }
