"""manage.py wb_sync status|run|reset — the sync from a terminal or cron.

`run` enqueues passes: a worker (`manage.py db_worker`) reads their pages. With --wait it
follows them until they end, printing each dataset's progress, and exits non-zero if any
failed or was blocked.
"""

import json
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sellers.models import Seller
from sync.models import SyncRun, SyncStream
from sync.registry import dataset_named, registered
from sync.selectors import StreamStatus, sync_status
from sync.services import sync_now, sync_reset

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

        reset = actions.add_parser("reset", help=_("Read a dataset again from the start."))
        reset.add_argument("--seller", metavar="SID", required=True)
        reset.add_argument("--dataset", metavar="NAME", required=True)

    def handle(self, *, action: str, **options) -> None:
        if options.get("dataset"):
            try:
                dataset_named(options["dataset"])
            except LookupError:
                raise CommandError(
                    _("No dataset is named %(name)s; one of: %(names)s.")
                    % {"name": options["dataset"], "names": ", ".join(registered())}
                ) from None
        seller = seller_named(options["seller"]) if options.get("seller") else None
        if action == "status":
            self.status(seller, as_json=options["json"])
        elif action == "run":
            self.run(seller, options["dataset"], wait=options["wait"], timeout=options["timeout"])
        else:
            stream = sync_reset(seller=seller, dataset=options["dataset"], by=None)
            self.stdout.write(
                _("%(seller)s · %(dataset)s: read again from the start.")
                % {"seller": stream.seller.display_name, "dataset": stream.dataset}
            )

    # --- status --------------------------------------------------------------------------

    def status(self, seller: Seller | None, *, as_json: bool) -> None:
        rows = sync_status(command_user(), seller=seller)
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

    def run(self, seller: Seller | None, dataset: str | None, *, wait: bool, timeout: float):
        sellers = [seller] if seller is not None else list(Seller.objects.order_by("name", "sid"))
        if not sellers:
            raise CommandError(_("There is no cabinet to sync: add a token first."))
        streams = [s for one in sellers for s in sync_now(seller=one, dataset=dataset, by=None)]
        count = len(streams)
        self.stdout.write(
            ngettext("Sync started: %(count)d dataset.", "Sync started: %(count)d datasets.", count)
            % {"count": count}
        )
        if wait and not self.follow({s.pk: s.run_id for s in streams}, timeout):
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


def seller_named(sid: str) -> Seller:
    seller = Seller.objects.filter(sid=sid.strip()).first()
    if seller is None:
        raise CommandError(_("No cabinet has the seller ID %(sid)s.") % {"sid": sid})
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
