"""`manage.py db_worker`: django-tasks-db's worker, plus the tick of the periodic jobs.

The library's worker loop has no hook, so this command (the jobs app is listed before
django_tasks_db, and the first app's command wins) starts a tick thread beside it, with
its own database connection, and stops it when the worker stops. With --batch the
worker ticks once before it drains the queue, so that a batch run also runs due jobs.
Under --reload only the reloaded child ticks, never the process that watches the files.
"""

import math
import os
from argparse import ArgumentTypeError

from django.conf import settings
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django.utils.translation import gettext as _
from django_tasks_db.management.commands import db_worker

from jobs.tick import TickThread, run_tick
from wberp.startup import refuse_unsafe_configuration


class Command(db_worker.Command):
    help = _("Run a database background worker and, in a thread beside it, the periodic tick.")

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--tick-interval",
            type=positive_seconds,
            default=settings.JOBS_TICK_SECONDS,
            help=_("Seconds between two ticks (default: JOBS_TICK_SECONDS, %(default)s)."),
        )
        parser.add_argument(
            "--no-tick",
            action="store_false",
            dest="tick",
            help=_("Only run tasks; leave the periodic jobs to other workers."),
        )

    def handle(self, *, tick: bool, tick_interval: float, **options) -> None:
        # As gunicorn does: with DEBUG off, the deployment checks too, before any task runs.
        refuse_unsafe_configuration()
        if not tick or watches_for_reload(options):
            return super().handle(**options)
        if options["batch"]:
            run_tick()
            return super().handle(**options)
        thread = TickThread(interval=tick_interval)
        thread.start()
        try:
            return super().handle(**options)
        finally:
            thread.stop()


def positive_seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise ArgumentTypeError(_("Must be a number of seconds above 0."))
    return seconds


def watches_for_reload(options: dict) -> bool:
    """Whether this process is the autoreloader's parent, which only restarts the worker."""
    reloads = options["reload"] and not options["batch"]
    return reloads and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
