"""Figures are right however many processes make them: a gunicorn of two workers serves the
pages and the scrapes, two task workers make the WB requests."""

import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families

from jobs.testing import WorkerProcesses, worker_database_url
from tokens.batches import check_batch_start
from tokens.models import CheckBatch, WBTokenCheck
from wberp.tests.production import free_port, server_env, start_gunicorn, stop
from wberp.tests.test_gunicorn_smoke import Server, wait_until_healthy

from .conftest import METRICS_TOKEN, parsed, total

HTTPS = {"X-Forwarded-Proto": "https"}
PAGE_REQUESTS = 40  # a round of requests
ROUNDS_AT_MOST = 25


@pytest.fixture
def gunicorn(tmp_path):
    metrics_dir = tmp_path / "metrics"
    env = server_env(
        tmp_path,
        free_port(),
        DATABASE_URL=worker_database_url(),
        CONN_MAX_AGE="0",
        METRICS_TOKEN=METRICS_TOKEN,
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
    )
    env.update(WEB_CONCURRENCY="2", GUNICORN_THREADS="1")
    log = tmp_path / "gunicorn.log"
    process = start_gunicorn(env, log)
    server = Server(int(env["GUNICORN_BIND"].rsplit(":", 1)[1]), env, log)
    try:
        wait_until_healthy(process, server)
        yield server, metrics_dir
    finally:
        stop(process)


def scrape(server: Server) -> dict[tuple, float]:
    reply = server.get("/metrics", {"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert reply.status == 200, server.log_tail()
    text = reply.body.decode()
    assert list(text_string_to_metric_families(text))
    return parsed(text)


def task_workers(tmp_path: Path, wb) -> WorkerProcesses:
    return WorkerProcesses(
        tmp_path,
        DEBUG="true",  # the emulator's address and its speed are for development only
        SYNC_DATASETS="none",  # only the checks' requests: no sync beside them
        WB_API_BASE_URL=wb.base_url,
        WB_RATE_SPEED=str(settings.WB_RATE_SPEED),
        WB_API_READ_TIMEOUT="5",
        WB_API_DEADLINE="10",
        WB_TOKEN_KEYS=",".join(settings.WB_TOKEN_KEYS),
        WB_TOKEN_FINGERPRINT_KEY=settings.WB_TOKEN_FINGERPRINT_KEY,
        HOME=str(tmp_path),
    )


def load(server: Server, requests: int) -> None:
    """`requests` anonymous GETs of /whoami (a redirect to the login), eight at a time."""

    def client(count: int) -> None:
        for _ in range(count):
            assert server.get("/whoami", HTTPS).status == 302

    threads = [threading.Thread(target=client, args=(requests // 8,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)


def load_both_workers(server: Server, metrics_dir: Path) -> int:
    """Rounds of `load` until both web workers have counted a request (a worker that booted
    first may take a whole round alone); how many requests were sent."""
    sent = 0
    for _ in range(ROUNDS_AT_MOST):
        load(server, PAGE_REQUESTS)
        sent += PAGE_REQUESTS
        if len(list(metrics_dir.glob("counter_*.db"))) == 2:
            return sent
        time.sleep(0.2)
    return sent


@pytest.mark.django_db(transaction=True)  # the other processes read what this test writes
def test_every_process_adds_to_the_same_figures(gunicorn, make_token, wb, tmp_path):
    server, metrics_dir = gunicorn
    tokens = [make_token(f"Shop {n}", seller_name=f"ООО Shop {n}") for n in range(6)]
    batch = check_batch_start(tokens=tokens, by=None, trigger=WBTokenCheck.Trigger.BULK)
    workers = task_workers(tmp_path, wb)
    try:
        workers.start()
        workers.start()
        sent = load_both_workers(server, metrics_dir)
        workers.wait_for(
            lambda: CheckBatch.objects.get(pk=batch.pk).finished_at is not None, "the batch"
        )
    finally:
        workers.kill_all()

    # Both web workers counted pages: each wrote its own file, and any of them sums them all.
    assert len(list(metrics_dir.glob("counter_*.db"))) == 2, server.log_tail()
    for _ in range(4):  # a scrape may be answered by either worker: every one says the same
        samples = scrape(server)
        served = total(samples, "wberp_http_requests_total", view="whoami", status="302")
        assert served == sent
        assert total(samples, "wberp_http_request_duration_seconds_count", view="whoami") == sent
        # The checks on adding the tokens (this process) and the batch's (the task workers).
        assert total(samples, "wberp_wb_requests_total") == len(wb.request_log)
        assert total(samples, "wberp_tokens", status="valid") == 6
        time.sleep(0.05)
