"""For tests of any app: run a worker in the test process, as `db_worker --batch` does."""

import signal

from django.core.management import call_command

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)


def run_worker_batch(*, tick: bool = True) -> None:
    """Tick once (unless `tick` is false), run every task that is queued, return.

    The worker closes its database connection as it goes: call this from a test marked
    `django_db(transaction=True)`. It installs its own signal handlers; pytest's are put
    back afterwards, so that Ctrl-C still stops the test run.
    """
    saved = {number: signal.getsignal(number) for number in SIGNALS}
    try:
        call_command("db_worker", batch=True, tick=tick, startup_delay=False, verbosity=0)
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)
