"""manage.py wb_sync status|run|backfill|reset — the sync from a terminal or cron.

`run` enqueues passes: a worker (`manage.py db_worker`) reads their pages. With --wait it
follows them until they end, printing each dataset's progress, and exits non-zero if any
failed or was blocked. `backfill` starts a pass of one dataset from a day in its history
(orders, sales, finance) and says how long WB's limits make it take at the least.

With `--user NAME` a command works within NAME's cabinets, as the pages do: `status` shows
the cabinets whose sync they see, `run`, `backfill` and `reset` need their permission to
change the sync and the cabinet's sync area at "read and change"; a cabinet they do not see
is "no cabinet has the seller ID", as an unknown one. Their actions go to the admin history
under their name. Without `--user` a command is the operator's and sees every cabinet.
"""

import argparse
import json
import time
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from access.models import Area
from access.selectors import may_access, visible_sellers
from sellers.models import Seller
from sync.models import SyncRun, SyncStream
from sync.registry import dataset_named, registered
from sync.selectors import StreamStatus, sync_status
from sync.services import SyncError, sync_backfill, sync_now, sync_reset
from tokens.management.commands.wb_tokens import find_user
from wbapi.limits import LIMIT_GROUPS

POLL_SECONDS = 1.0
DEFAULT_TIMEOUT = 3600.0
FAILED = (SyncRun.Outcome.FAILED, SyncRun.Outcome.BLOCKED, SyncRun.Outcome.CANCELLED)


class Command(BaseCommand):
    help = _("Show the sync of WB data, start it now, or read a dataset again from the start.")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        status = actions.add_parser("status", help=_("Show each dataset's sync."))
        status.add_argument("--seller", metavar="SID", help=_("Only this cabinet."))
        status.add_argument("--json", action="store_true", help=_("Print JSON."))

        run = actions.add_parser("run", help=_("Start a sync now (a worker reads the pages)."))
        run.add_argument("--seller", metavar="SID", help=_("Only this cabinet."))
        run.add_argument("--dataset", metavar="NAME", help=_("Only this dataset."))
        run.add_argument(
            "--wait",
            action="store_true",
            help=_("Wait until the runs end, printing progress; exit non-zero if any failed."),
        )
        run.add_argument(
            "--timeout",
            type=float,
            default=DEFAULT_TIMEOUT,
            metavar="SECONDS",
            help=_("With --wait: give up after this long (default %(default)s)."),
        )

        backfill = actions.add_parser(
            "backfill",
            help=_(
                "Read a dataset's history from a day on, resuming one going on (finance "
                "first: WB keeps orders and sales 90 days)."
            ),
        )
        backfill.add_argument("--seller", metavar="SID", required=True)
        backfill.add_argument("--dataset", metavar="NAME", required=True)
        backfill.add_argument("--since", metavar="YYYY-MM-DD", required=True, type=day)
        backfill.add_argument(
            "--wait",
            action="store_true",
            help=_("Wait until it ends, printing progress; exit non-zero if it failed."),
        )
        backfill.add_argument(
            "--timeout",
            type=float,
            default=DEFAULT_TIMEOUT,
            metavar="SECONDS",
            help=argparse.SUPPRESS,
        )

        reset = actions.add_parser("reset", help=_("Read a dataset again from the start."))
        reset.add_argument("--seller", metavar="SID", required=True)
        reset.add_argument("--dataset", metavar="NAME", required=True)
        for command in (status, run, backfill, reset):
            command.add_argument(
                "--user",
                metavar="NAME",
                help=_("Work within this staff user's cabinets, recorded under their name."),
            )

    def handle(self, *, action: str, **options) -> None:
        if options.get("dataset"):
            try:
                dataset_named(options["dataset"])
            except LookupError:
                raise CommandError(
                    _("No dataset is named %(name)s; one of: %(names)s.")
                    % {"name": options["dataset"], "names": ", ".join(registered())}
                ) from None
        actor = find_user(options["user"])
        change = action != "status"
        if actor is not None:
            refuse_without_permission(actor, change=change)
        seller = None
        if options.get("seller"):
            seller = seller_named(options["seller"], actor, change=change)
        if action == "status":
            self.status(seller, actor, as_json=options["json"])
        elif action == "run":
            self.run(seller, options["dataset"], actor, options)
        elif action == "backfill":
            self.backfill(seller, actor, options)
        else:
            stream = sync_reset(seller=seller, dataset=options["dataset"], by=actor)
            self.stdout.write(
                _("%(seller)s · %(dataset)s: read again from the start.")
                % {"seller": stream.seller.display_name, "dataset": stream.dataset}
            )

    # --- status --------------------------------------------------------------------------

    def status(
        self, seller: Seller | None, actor: AbstractBaseUser | None, *, as_json: bool
    ) -> None:
        rows = sync_status(actor or command_user(), seller=seller)
        if as_json:
            self.stdout.write(json.dumps([status_dict(row) for row in rows], ensure_ascii=False))
            return
        if not rows:
            self.stdout.write(_("No cabinet has a sync yet: add a token first."))
            return
        for row in rows:
            self.stdout.write(
                f"{row.stream.seller.display_name} · {row.dataset.name}: {row.state_text}"
            )
            if row.error_text and row.stream.state == SyncStream.State.IDLE:
                self.stdout.write("    " + _("Last error: %(error)s") % {"error": row.error_text})

    # --- run -----------------------------------------------------------------------------

    def run(
        self,
        seller: Seller | None,
        dataset: str | None,
        actor: AbstractBaseUser | None,
        options: dict,
    ) -> None:
        if seller is not None:
            sellers = [seller]
        else:
            changeable = visible_sellers(actor or command_user(), Area.SYNC, change=True)
            sellers = list(changeable.order_by("name", "sid"))
        if not sellers:
            raise CommandError(_("There is no cabinet to sync: add a token first."))
        streams = [s for one in sellers for s in sync_now(seller=one, dataset=dataset, by=actor)]
        count = len(streams)
        self.stdout.write(
            ngettext("Sync started: %(count)d dataset.", "Sync started: %(count)d datasets.", count)
            % {"count": count}
        )
        runs = {s.pk: s.run_id for s in streams}
        if options["wait"] and not self.follow(runs, options["timeout"]):
            raise CommandError(_("Some datasets did not sync; see wb_sync status."))

    def follow(self, first_runs: dict[int, int | None], timeout: float) -> bool:
        """Print progress until each stream's run (the one going on when asked, or a later
        one that took over) has ended; whether all went well. Gives up after `timeout` s."""
        deadline = time.monotonic() + timeout
        shown: dict[int, str] = {}
        stream_ids = list(first_runs)
        while True:
            runs = latest_runs(first_runs)
            for stream_id, run in runs.items():
                line = run_line(run)
                if shown.get(stream_id) != line:
                    shown[stream_id] = line
                    self.stdout.write(line)
            ongoing = [run for run in runs.values() if run.outcome == SyncRun.Outcome.RUNNING]
            if len(runs) == len(stream_ids) and not ongoing:
                return not any(run.outcome in FAILED for run in runs.values())
            if time.monotonic() > deadline:
                self.stderr.write(_("Gave up waiting; is a worker (manage.py db_worker) running?"))
                return False
            time.sleep(POLL_SECONDS)

    # --- backfill ------------------------------------------------------------------------

    def backfill(self, seller: Seller, actor: AbstractBaseUser | None, options: dict) -> None:
        name, since = options["dataset"], options["since"]
        try:
            stream, fresh = sync_backfill(seller=seller, dataset=name, since=since, by=actor)
        except SyncError as exc:
            raise CommandError(str(exc)) from None
        if fresh:
            self.stdout.write(backfill_plan(seller, name, since))
        else:
            self.stdout.write(
                _("A pass of %(dataset)s is going on: it goes on from where it is.")
                % {"dataset": name}
            )
        if options["wait"] and not self.follow({stream.pk: stream.run_id}, options["timeout"]):
            raise CommandError(_("The backfill did not end well; see wb_sync status."))


def day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("a day as YYYY-MM-DD, not %r") % text) from None


def backfill_plan(seller: Seller, name: str, since: date) -> str:
    """What the backfill will ask of WB, and the least time WB's limits allow for it."""
    dataset = dataset_named(name)
    requests = dataset.backfill_estimate(seller, since)
    limit = LIMIT_GROUPS[first_limit_group(seller, dataset)].default
    minutes = max(0, requests - limit.burst) * limit.interval / 60
    return ngettext(
        "Backfill of %(dataset)s since %(since)s started: about %(requests)d request to WB, "
        "which its limits allow in %(minutes)d minutes at the least.",
        "Backfill of %(dataset)s since %(since)s started: about %(requests)d requests to WB, "
        "which its limits allow in %(minutes)d minutes at the least.",
        requests,
    ) % {
        "dataset": name,
        "since": since.isoformat(),
        "requests": requests,
        "minutes": round(minutes),
    }


def first_limit_group(seller: Seller, dataset) -> str:
    """The WB limit group of the dataset's first request, which paces its pages."""
    return dataset.pager(seller, dataset.first_cursor(seller)).spec.limit_group


def latest_runs(first_runs: dict[int, int | None]) -> dict[int, SyncRun]:
    """Each stream's latest run from its first one on."""
    since = min((run_id for run_id in first_runs.values() if run_id), default=0)
    runs = (
        SyncRun.objects.filter(stream_id__in=list(first_runs), pk__gte=since)
        .select_related("stream__seller")
        .order_by("id")
    )
    return {run.stream_id: run for run in runs if run.pk >= (first_runs[run.stream_id] or 0)}


def run_line(run: SyncRun) -> str:
    return _(
        "%(seller)s · %(dataset)s: %(outcome)s; pages: %(pages)d, rows added: %(inserted)d, "
        "changed: %(updated)d"
    ) % {
        "seller": run.stream.seller.display_name,
        "dataset": run.stream.dataset,
        "outcome": run.get_outcome_display(),
        "pages": run.pages,
        "inserted": run.rows_inserted,
        "updated": run.rows_updated,
    }


def refuse_without_permission(actor: AbstractBaseUser, *, change: bool) -> None:
    """The model permission the sync's pages ask for, to read it or to change it."""
    needed = "sync.change_syncstream" if change else "sync.view_syncstream"
    if not actor.has_perm(needed):
        raise CommandError(
            _("%(user)s may not do this to the sync.") % {"user": actor.get_username()}
        )


def seller_named(sid: str, actor: AbstractBaseUser | None, *, change: bool) -> Seller:
    """The cabinet of seller ID `sid`, if `actor` (the operator, for None) sees its sync:
    another is "no cabinet", as an unknown one; one whose sync they only read is refused."""
    seller = visible_sellers(actor or command_user(), Area.SYNC).filter(sid=sid.strip()).first()
    if seller is None:
        raise CommandError(_("No cabinet has the seller ID %(sid)s.") % {"sid": sid})
    if change and actor is not None and not may_access(actor, seller, Area.SYNC, change=True):
        raise CommandError(
            _("%(user)s may only read the sync of %(sid)s.")
            % {"user": actor.get_username(), "sid": seller.sid}
        )
    return seller


def command_user():
    """Commands run as the operator of the machine: every cabinet is in view."""
    return get_user_model()(is_staff=True, is_superuser=True)


def status_dict(row: StreamStatus) -> dict:
    stream = row.stream

    def moment(value):
        return value.isoformat() if value else None

    return {
        "seller": stream.seller.sid,
        "seller_name": stream.seller.display_name,
        "dataset": stream.dataset,
        "state": stream.state,
        "state_text": row.state_text,
        "as_of": moment(row.as_of),
        "next_run": moment(row.next_run),
        "interval_seconds": int(row.interval.total_seconds()),
        "error_code": stream.error_code,
        "error": row.error_text,
        "pages": stream.pages,
        "requests": stream.requests,
        "rows_inserted": stream.rows_inserted,
        "rows_updated": stream.rows_updated,
    }
