"""What every `python -m bench <name>` shares: its options, its run, its throwaway database
and its results.

A benchmark module gives `main()` the function that measures (`run(args, results, cleanup)`),
its markdown and its targets; this module handles the signals, the clean-up (also on Ctrl-C or
a failure), the database, and the files `bench/results/<name>-<UTC time>.json`, `.md` and
`<name>-latest.md`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench.run import BASE_DIR, DB_PREFIX, django_in_process, log, production_env

RESULTS_DIR = BASE_DIR / "bench" / "results"
Run = Callable[[argparse.Namespace, dict, contextlib.ExitStack], None]


def parser(prog: str, doc: str) -> argparse.ArgumentParser:
    """The options every benchmark takes; the module adds its own."""
    found = argparse.ArgumentParser(prog=f"python -m bench {prog}", description=doc.split("\n")[0])
    found.add_argument(
        "--pg-admin-url",
        default=os.environ.get(
            "BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    found.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    found.add_argument("--strict", action="store_true", help="exit 1 if a target fails")
    return found


def main(args: argparse.Namespace, run: Run) -> int:
    """Run the benchmark; its targets printed; 1 with --strict if one failed, 130 on Ctrl-C."""
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.default_int_handler)
    results: dict = {"started_at": now_text()}
    try:
        with contextlib.ExitStack() as cleanup:
            try:
                run(args, results, cleanup)
            finally:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # the clean-up runs to its end
    except KeyboardInterrupt:
        print("\nInterrupted; everything the benchmark started is stopped.", file=sys.stderr)
        return 130
    for target in results.get("targets", []):
        print(f"  {'ok  ' if target['pass'] else 'FAIL'}  {target['target']}: {target['value']}")
    failed = [t for t in results.get("targets", []) if not t["pass"]]
    return 1 if failed and args.strict else 0


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def throwaway_database(
    args: argparse.Namespace,
    cleanup: contextlib.ExitStack,
    name: str,
    *,
    static: bool = False,
    emulator: bool = False,
) -> tuple[Path, dict[str, str]]:
    """A temporary directory and a new database, migrated (and the static files collected, for
    pages rendered as in production), both removed at the end; this process's Django set up on
    it (allowed to ask the WB emulator on loopback, with `emulator`). The directory and the
    environment the app's processes get."""
    from bench import processes as proc

    tmp = Path(tempfile.mkdtemp(prefix=f"wberp-bench-{name}-"))
    cleanup.callback(shutil.rmtree, tmp, ignore_errors=True)
    db_name = f"{DB_PREFIX}{os.getpid()}_{random.randrange(16**6):06x}"
    for orphan in proc.drop_orphans(args.pg_admin_url, DB_PREFIX):
        log(f"Dropped {orphan}, left by a run that was killed")
    log(f"Creating database {db_name}")
    proc.create_database(args.pg_admin_url, db_name)
    cleanup.callback(proc.drop_database, args.pg_admin_url, db_name)
    env = production_env(tmp, proc.database_url(args.pg_admin_url, db_name))
    if emulator:
        env["WB_API_LOCAL_EMULATOR"] = "true"
    commands = [("collectstatic",)] if static else []
    proc.finish(
        *(
            proc.run_manage(
                *command, "--noinput", "-v0", env=env, cwd=BASE_DIR, python=sys.executable
            )
            for command in [*commands, ("migrate",)]
        )
    )
    django_in_process(env)
    from django.db import connections

    cleanup.callback(connections.close_all)
    return tmp, env


def write_results(directory: Path, name: str, results: dict, markdown: Callable[[dict], str]):
    """`<name>-<time>.json` and `.md`, and `<name>-latest.md`."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = results["started_at"].replace("-", "").replace(":", "")
    data = directory / f"{name}-{stamp}.json"
    data.write_text(
        json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
    )
    text = markdown(results)
    (directory / f"{name}-{stamp}.md").write_text(text, encoding="utf-8")
    (directory / f"{name}-latest.md").write_text(text, encoding="utf-8")
    log(f"Results: {data}, {directory / f'{name}-latest.md'}")


def copy_rows(model, rows: list[dict]) -> None:
    """COPY rows (dicts of a model's columns) into its table, their values prepared for the
    driver as the sync's upsert prepares them (sync.ingest.Upsert)."""
    from django.db import connection

    from sync.ingest import Upsert

    columns = list(rows[0])
    prepared = Upsert(model, columns, keys=())
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {prepared.q_table} ({prepared.q_columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(prepared.prepare(row))


def vacuum(*models, analyze: bool = False) -> None:
    """VACUUM (and with `analyze` ANALYZE) the models' tables, outside any transaction: a timed
    write starts from a table without the dead rows the one before left, and a page measured
    after a bulk load has the planner statistics and visibility map autovacuum would soon make."""
    from django.db import connection

    command = "VACUUM ANALYZE" if analyze else "VACUUM"
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
