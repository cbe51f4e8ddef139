"""A cabinet's "Sync" page: each dataset's state, "Sync now", the progress and the runs."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from catalog.models import Product
from conftest import client_for
from sellers.models import Seller
from sync.cabinet import as_of_text, duration_text
from sync.engine import streams_ensure
from sync.models import SyncRun, SyncStream
from sync.registry import names
from sync.testing import run_sync

State = SyncStream.State
VIEW = ["access.see_all_cabinets", "sync.view_syncstream"]
RUN = ["access.see_all_cabinets", "sync.view_syncstream", "sync.change_syncstream"]


@pytest.fixture
def seller(db):
    return Seller.objects.create(sid="seller-a", name="Cabinet A")


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def watcher(make_user):
    return english(client_for(make_user("sync-watcher", staff=True, perms=VIEW)))


@pytest.fixture
def operator(make_user):
    return english(client_for(make_user("sync-operator", staff=True, perms=RUN)))


def page_url(seller) -> str:
    return reverse("sync:cabinet", args=[seller.sid])


def now_url(seller) -> str:
    return reverse("sync:now", args=[seller.sid])


# --- The page ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_before_the_first_tick_the_page_says_the_datasets_come_with_it(watcher, seller):
    response = watcher.get(page_url(seller))
    assert response.status_code == 200
    assert "appear here at the next tick of a worker" in response.text


@pytest.mark.django_db
def test_every_dataset_is_listed_even_before_its_first_run(watcher, seller):
    streams_ensure(now=timezone.now())
    response = watcher.get(page_url(seller))
    assert response.status_code == 200
    assert [status.stream.dataset for status in response.context["statuses"]] == names()
    assert "Product cards" in response.text
    assert "not synced yet" in response.text
    assert "No runs yet" in response.text
    assert reverse("sync:now", args=[seller.sid]) not in response.text  # a watcher may not


@pytest.mark.django_db
def test_a_blocked_dataset_says_why_in_words_and_when_it_resumes(watcher, seller):
    SyncStream.objects.create(
        seller=seller,
        dataset="prices",
        state=State.BLOCKED,
        error_code="no_token",
        error_detail="prices",
        blocked_at=timezone.now(),
    )
    response = watcher.get(page_url(seller))
    assert "Stopped: No valid token of this seller has the “prices” category" in response.text
    assert "when a token of the cabinet changes" in response.text


@pytest.mark.django_db
def test_the_runs_are_listed_newest_first_with_their_figures(watcher, seller):
    stream = SyncStream.objects.create(seller=seller, dataset="cards")
    start = timezone.now() - timedelta(hours=2)
    SyncRun.objects.create(
        stream=stream,
        trigger=SyncRun.Trigger.SCHEDULE,
        started_at=start,
        finished_at=start + timedelta(seconds=75),
        outcome=SyncRun.Outcome.SUCCEEDED,
        pages=3,
        rows_inserted=250,
        requests=3,
    )
    SyncRun.objects.create(
        stream=stream,
        trigger=SyncRun.Trigger.RETRY,
        started_at=start + timedelta(hours=1),
        finished_at=start + timedelta(hours=1, seconds=5),
        outcome=SyncRun.Outcome.FAILED,
        error_code="wb_unavailable",
    )
    response = watcher.get(page_url(seller))
    runs = response.context["runs"].object_list
    assert [run.outcome for run in runs] == ["failed", "succeeded"]
    assert "WB did not answer in time or is unavailable." in response.text
    assert "1 min 15 s" in response.text
    assert "250 / 0 / 0" in response.text


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["abc", "0", "-1", "99999999999"])
def test_a_bad_page_number_shows_the_page(watcher, seller, page):
    assert watcher.get(page_url(seller), {"page": page}).status_code == 200


@pytest.mark.django_db
def test_the_table_polls_for_progress_only_while_a_pass_goes_on(watcher, seller):
    stream = SyncStream.objects.create(seller=seller, dataset="cards")
    htmx = {"HX-Request": "true"}
    idle = watcher.get(page_url(seller), {"part": "streams"}, headers=htmx)
    assert idle.text.lstrip().startswith('<div id="sync-streams"')
    assert "hx-trigger" not in idle.text.split(">", 1)[0]
    run = SyncRun.objects.create(
        stream=stream, trigger="manual", started_at=timezone.now(), pages=2, rows_inserted=150
    )
    SyncStream.objects.filter(pk=stream.pk).update(state=State.RUNNING, run=run)
    busy = watcher.get(page_url(seller), {"part": "streams"}, headers=htmx)
    assert 'hx-trigger="every 2s"' in busy.text.split(">", 1)[0]
    assert "Syncing: 2 pages so far" in busy.text
    assert "<html" not in busy.text


# --- Sync now ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_sync_now_starts_a_pass_once_however_often_it_is_asked(operator, seller):
    response = operator.post(now_url(seller), {"dataset": "cards"})
    assert response.status_code == 302
    stream = SyncStream.objects.get(seller=seller, dataset="cards")
    assert stream.state == State.RUNNING and stream.lease_until is not None
    run = SyncRun.objects.get(stream=stream)
    assert (run.trigger, run.requested_by.username) == ("manual", "sync-operator")
    again = operator.post(now_url(seller), {"dataset": "cards"}, follow=True)
    assert "Product cards is being synced already." in again.text
    assert SyncRun.objects.filter(stream=stream).count() == 1


@pytest.mark.django_db
def test_sync_now_from_htmx_gives_the_table_and_a_note(operator, seller):
    response = operator.post(now_url(seller), {"dataset": "cards"}, headers={"HX-Request": "true"})
    assert response.text.lstrip().startswith('<div id="sync-streams"')
    assert "the sync has started" in response["HX-Trigger"]
    assert 'hx-trigger="every 2s"' in response.text


@pytest.mark.django_db
def test_a_blocked_stream_resumes_from_its_cursor(operator, seller):
    cursor = {"updated_at": "2026-01-01T00:00:00", "nm_id": 5}
    SyncStream.objects.create(
        seller=seller,
        dataset="cards",
        state=State.BLOCKED,
        cursor=cursor,
        blocked_at=timezone.now(),
    )
    operator.post(now_url(seller), {"dataset": "cards"})
    stream = SyncStream.objects.get(seller=seller, dataset="cards")
    assert (stream.state, stream.cursor) == (State.RUNNING, cursor)
    assert stream.run.trigger == SyncRun.Trigger.MANUAL


@pytest.mark.django_db
def test_sync_now_needs_its_permission_csrf_a_known_dataset_and_a_post(
    make_user, watcher, operator, seller
):
    assert watcher.post(now_url(seller), {"dataset": "cards"}).status_code == 403
    assert operator.post(now_url(seller), {"dataset": "evil"}).status_code == 404
    assert operator.post(now_url(seller), {}).status_code == 404
    assert operator.get(now_url(seller)).status_code == 405
    other = reverse("sync:now", args=["no-such-seller"])
    assert operator.post(other, {"dataset": "cards"}).status_code == 404
    checked = Client(enforce_csrf_checks=True)
    checked.force_login(make_user("csrf-operator", staff=True, perms=RUN))
    assert checked.post(now_url(seller), {"dataset": "cards"}).status_code == 403
    assert not SyncRun.objects.exists()


@pytest.mark.django_db
def test_an_unknown_cabinet_answers_404(watcher):
    assert watcher.get(reverse("sync:cabinet", args=["nobody"])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_pass_someone_asked_for_runs_to_its_end_and_is_recorded(catalogue_seller, make_user, wb):
    seller = catalogue_seller(products=20)
    operator = english(client_for(make_user("sync-operator", staff=True, perms=RUN)))
    SyncStream.objects.create(
        seller=seller, dataset="cards", next_run_at=timezone.now() + timedelta(days=1)
    )
    operator.post(now_url(seller), {"dataset": "cards"})
    run_sync(until=lambda: SyncStream.objects.get(dataset="cards").state == State.IDLE)
    run = SyncRun.objects.get(stream__dataset="cards")
    assert (run.trigger, run.outcome) == ("manual", "succeeded")
    assert run.requested_by.username == "sync-operator"
    assert Product.objects.filter(seller=seller).count() == 20
    page = operator.get(page_url(seller))
    assert "Succeeded" in page.text and "Sync now" in page.text


# --- Words -------------------------------------------------------------------------------------


@translation.override("en")
def test_freshness_and_durations_are_said_in_words():
    now = timezone.now().replace(hour=12, minute=0)
    assert as_of_text(None) == "not synced yet"
    assert as_of_text(now - timedelta(hours=1), now=now).startswith("as of ")
    assert as_of_text(now - timedelta(days=1), now=now).endswith(" yesterday")
    assert duration_text(timedelta(milliseconds=300)) == "under a second"
    assert duration_text(timedelta(seconds=42)) == "42 s"
    assert duration_text(timedelta(hours=2, minutes=10, seconds=5)) == "2 h 10 min"


@pytest.mark.django_db
def test_the_page_takes_as_many_queries_for_many_runs_as_for_one(watcher, seller, make_user):
    streams_ensure(now=timezone.now())
    stream = SyncStream.objects.get(seller=seller, dataset="cards")
    person = make_user("asker", staff=True)

    def run_made(minutes_ago: int) -> None:
        started = timezone.now() - timedelta(minutes=minutes_ago)
        SyncRun.objects.create(
            stream=stream, trigger="manual", started_at=started, requested_by=person
        )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert watcher.get(page_url(seller)).status_code == 200
        return len(captured.captured_queries)

    run_made(1)
    one = queries()
    for minutes in range(2, 30):
        run_made(minutes)
    assert queries() == one
