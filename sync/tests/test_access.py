"""Who may start a cabinet's sync: its sync area at "read and change", on the page and with
`wb_sync --user`; each action a person takes is in the admin history under their name."""

from datetime import date
from io import StringIO

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from access.models import CabinetGrant, Level
from conftest import client_for
from sellers.models import Seller
from sync.engine import streams_ensure
from sync.models import SyncRun, SyncStream

pytestmark = pytest.mark.django_db
RUN = ["sync.view_syncstream", "sync.change_syncstream"]


@pytest.fixture
def cabinets(db) -> dict[str, Seller]:
    sellers = {
        key: Seller.objects.create(sid=f"sid-{key.lower()}", name=f"Cabinet {key}") for key in "AB"
    }
    streams_ensure(now=timezone.now())
    return sellers


@pytest.fixture
def people(make_user, cabinets) -> dict:
    """Each with the sync's model permissions: a changer of A, a reader of A (who changes
    B's tokens only), and a user given nothing."""
    changer = make_user("changer", staff=True, perms=RUN)
    reader = make_user("reader", staff=True, perms=RUN)
    make_user("stranger", staff=True, perms=RUN)
    CabinetGrant.objects.create(seller=cabinets["A"], user=changer, sync=Level.CHANGE)
    CabinetGrant.objects.create(seller=cabinets["A"], user=reader, sync=Level.VIEW)
    CabinetGrant.objects.create(seller=cabinets["B"], user=reader, tokens=Level.CHANGE)
    return {"changer": changer, "reader": reader}


def english(user) -> Client:
    client = client_for(user)
    client.cookies["django_language"] = "en"
    return client


def history(stream: SyncStream) -> list[tuple[str, str]]:
    """The stream's admin history: (who, what), oldest first."""
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(SyncStream), object_id=str(stream.pk)
    ).order_by("action_time", "pk")
    return [(entry.user.username, entry.get_change_message()) for entry in entries]


def stream_of(seller: Seller, dataset: str = "cards") -> SyncStream:
    return SyncStream.objects.get(seller=seller, dataset=dataset)


# --- The page ------------------------------------------------------------------------------


def test_a_reader_of_the_sync_sees_it_without_the_button_and_may_not_start_it(cabinets, people):
    reader = english(people["reader"])
    page = reader.get(reverse("sync:cabinet", args=["sid-a"]))
    assert page.status_code == 200 and "Sync now" not in page.text
    assert reverse("sync:now", args=["sid-a"]) not in page.text
    assert reader.post(reverse("sync:now", args=["sid-a"]), {"dataset": "cards"}).status_code == 403
    assert not SyncRun.objects.exists()


def test_a_cabinet_whose_sync_is_not_given_answers_404_as_an_unknown_one(cabinets, people):
    reader = english(people["reader"])  # B is theirs, but not its sync
    for sid in ("sid-b", "no-such-seller"):
        assert reader.get(reverse("sync:cabinet", args=[sid])).status_code == 404
        assert reader.post(reverse("sync:now", args=[sid]), {"dataset": "cards"}).status_code == 404
    assert not SyncRun.objects.exists()


def test_who_starts_a_sync_on_the_page_is_in_the_streams_history(cabinets, people):
    changer = english(people["changer"])
    assert "Sync now" in changer.get(reverse("sync:cabinet", args=["sid-a"])).text
    changer.post(reverse("sync:now", args=["sid-a"]), {"dataset": "cards"})
    stream = stream_of(cabinets["A"])
    assert stream.state == SyncStream.State.RUNNING
    assert history(stream) == [("changer", "Sync now")]
    assert LogEntry.objects.get().action_flag == CHANGE


# --- wb_sync --user ------------------------------------------------------------------------


def wb_sync(*args: str) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("wb_sync", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.parametrize("sid", ["sid-b", "no-such-seller"])
@pytest.mark.parametrize("action", ["status", "run", "reset"])
def test_a_cabinet_outside_the_users_sync_is_no_cabinet_to_the_command(
    cabinets, people, action, sid
):
    args = [action, "--seller", sid, "--user", "reader"]
    if action == "reset":
        args += ["--dataset", "cards"]
    with pytest.raises(CommandError, match=f"^No cabinet has the seller ID {sid}.$"):
        wb_sync(*args)
    assert not SyncRun.objects.exists()


def test_a_reader_of_the_sync_may_see_its_status_but_not_start_reset_or_backfill_it(
    cabinets, people
):
    assert "Cabinet A · cards: Not synced yet" in wb_sync("status", "--user", "reader")
    for args in (
        ["run"],
        ["reset", "--dataset", "cards"],
        ["backfill", "--dataset", "orders", "--since", "2026-11-01"],
    ):
        with pytest.raises(CommandError, match="reader may only read the sync of sid-a"):
            wb_sync(*args, "--seller", "sid-a", "--user", "reader")
    assert not SyncRun.objects.exists()


def test_status_and_run_with_a_user_take_only_their_cabinets(cabinets, people):
    status = wb_sync("status", "--user", "changer")
    assert "Cabinet A" in status and "Cabinet B" not in status
    wb_sync("run", "--dataset", "cards", "--user", "changer")
    assert stream_of(cabinets["A"]).state == SyncStream.State.RUNNING
    assert stream_of(cabinets["B"]).state == SyncStream.State.IDLE
    assert SyncRun.objects.get().requested_by == people["changer"]


def test_without_the_permission_to_change_the_sync_a_user_may_not_run_it(
    cabinets, people, make_user
):
    viewer = make_user("viewer", staff=True, perms=["sync.view_syncstream"])
    CabinetGrant.objects.create(seller=cabinets["A"], user=viewer, sync=Level.CHANGE)
    with pytest.raises(CommandError, match="viewer may not do this to the sync"):
        wb_sync("run", "--seller", "sid-a", "--user", "viewer")
    with pytest.raises(CommandError, match="No active staff user nobody"):
        wb_sync("status", "--user", "nobody")


def test_each_command_action_of_a_user_is_in_the_streams_history(cabinets, people):
    wb_sync("run", "--seller", "sid-a", "--dataset", "cards", "--user", "changer")
    wb_sync("reset", "--seller", "sid-a", "--dataset", "cards", "--user", "changer")
    since = date(2026, 11, 1).isoformat()
    wb_sync(
        "backfill",
        "--seller",
        "sid-a",
        "--dataset",
        "orders",
        "--since",
        since,
        "--user",
        "changer",
    )
    assert history(stream_of(cabinets["A"])) == [
        ("changer", "Sync now"),
        ("changer", "Read again from the start"),
    ]
    assert history(stream_of(cabinets["A"], "orders")) == [("changer", "Backfill since 2026-11-01")]


def test_the_operators_actions_without_a_user_see_every_cabinet_and_leave_no_entry(cabinets):
    wb_sync("run", "--dataset", "cards")
    assert SyncStream.objects.filter(dataset="cards", state=SyncStream.State.RUNNING).count() == 2
    assert not LogEntry.objects.exists()
