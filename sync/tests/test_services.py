"""What people ask of the sync: a pass now, a full re-read, a cabinet's own schedule; and the
commands that ask it from a terminal."""

import json
import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import translation

from catalog.models import Product
from sync.models import SyncRun, SyncStream
from sync.services import SyncError, stream_schedule_set, sync_now, sync_reset
from sync.testing import run_sync

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def synced(catalogue_seller, wb):
    seller = catalogue_seller(products=120, categories="content")
    run_sync()
    return seller


def cards(seller) -> SyncStream:
    return SyncStream.objects.get(seller=seller, dataset="cards")


def test_sync_now_starts_an_incremental_pass_recorded_as_asked_for(synced, superuser, wb):
    sent = wb.request_count(path="/content/v2/get/cards/list")
    [stream] = sync_now(seller=synced, dataset="cards", by=superuser)
    assert stream.state == SyncStream.State.RUNNING
    run_sync()
    run = SyncRun.objects.filter(stream=stream).latest("started_at")
    assert (run.trigger, run.requested_by, run.full) == (SyncRun.Trigger.MANUAL, superuser, False)
    assert run.outcome == SyncRun.Outcome.SUCCEEDED and run.rows_inserted == run.rows_updated == 0
    assert wb.request_count(path="/content/v2/get/cards/list") == sent + 1  # nothing changed


def test_sync_now_tries_a_blocked_stream_again(synced):
    prices = SyncStream.objects.get(seller=synced, dataset="prices")
    assert prices.state == SyncStream.State.BLOCKED
    sync_now(seller=synced, dataset="prices")
    run_sync()
    prices.refresh_from_db()
    assert prices.state == SyncStream.State.BLOCKED and prices.error_code == "no_token"
    assert SyncRun.objects.filter(stream=prices).count() == 2


def test_sync_now_waits_for_a_stream_a_worker_holds_rather_than_skip_it(synced):
    """A worker storing a page of the stream holds its row until it commits: the sync asked for
    meanwhile starts once it has, instead of leaving the stream out."""
    prices = SyncStream.objects.get(seller=synced, dataset="prices")
    held, release = threading.Event(), threading.Event()

    def worker_holds_the_row():
        try:
            with transaction.atomic():
                SyncStream.objects.select_for_update().filter(pk=prices.pk).update(pages=1)
                held.set()
                release.wait(5)
        finally:
            connection.close()

    worker = threading.Thread(target=worker_holds_the_row)
    worker.start()
    assert held.wait(5)
    threading.Timer(0.3, release.set).start()
    try:
        streams = sync_now(seller=synced, dataset="prices")
    finally:
        release.set()
        worker.join()
    assert [stream.pk for stream in streams] == [prices.pk]
    prices.refresh_from_db()
    assert prices.state == SyncStream.State.RUNNING and prices.pages == 1


def test_a_reset_reads_everything_again_and_removes_what_wb_no_longer_lists(synced, wb):
    Product.objects.create(seller=synced, nm_id=1, changed_at=cards(synced).last_success_at)
    sync_reset(seller=synced, dataset="cards")
    run_sync()
    run = SyncRun.objects.filter(stream=cards(synced)).latest("started_at")
    assert run.trigger == SyncRun.Trigger.RESET and run.full and run.pages == 2
    assert run.rows_removed == 1 and not Product.objects.filter(nm_id=1).exists()


def test_a_cabinet_may_have_its_own_interval_within_bounds(synced):
    stream = stream_schedule_set(seller=synced, dataset="cards", interval=timedelta(minutes=10))
    assert stream.next_run_at == stream.last_success_at + timedelta(minutes=10)
    for wrong in (timedelta(minutes=1), timedelta(days=8)):
        with pytest.raises(SyncError):
            stream_schedule_set(seller=synced, dataset="cards", interval=wrong)
    stream = stream_schedule_set(seller=synced, dataset="cards", interval=None)
    assert stream.next_run_at == stream.last_success_at + timedelta(hours=1)


def command(*args) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("wb_sync", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_status_says_each_datasets_state_in_words_and_as_json(synced):
    text = command("status", "--seller", synced.sid)
    assert f"{synced.display_name} · cards: Up to date as of" in text
    assert f"{synced.display_name} · prices: Stopped: No valid token" in text
    rows = json.loads(command("status", "--json"))
    assert {row["dataset"]: row["state"] for row in rows} == {
        "cards": "idle",
        "prices": "blocked",
        "warehouses": "blocked",
        "stocks": "idle",
        "fbw_stocks": "blocked",
    }


def test_run_starts_a_pass_and_reset_one_from_the_start(synced):
    assert "Sync started: 1 dataset." in command(
        "run", "--seller", synced.sid, "--dataset", "cards"
    )
    assert cards(synced).state == SyncStream.State.RUNNING
    assert "read again from the start" in command(
        "reset", "--seller", synced.sid, "--dataset", "cards"
    )
    assert SyncRun.objects.filter(outcome=SyncRun.Outcome.CANCELLED).count() == 1


def test_bad_names_are_refused_with_a_message(synced):
    with pytest.raises(CommandError, match="No dataset is named nothing; one of: cards"):
        command("run", "--dataset", "nothing")
    with pytest.raises(CommandError, match="No cabinet has the seller ID nope"):
        command("status", "--seller", "nope")
