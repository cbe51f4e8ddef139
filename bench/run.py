"""`make bench`: load-test the production server on a throwaway PostgreSQL database.

Starts the WB emulator and gunicorn (production command and config, DEBUG off,
generated secrets) over loopback, fills the token table to each size in turn,
drives the pages with wrk from this process, measures query counts, decryption
and memory in-process, writes bench/results/<UTC time>.json and latest.md, and
stops everything it started, also on Ctrl-C or failure. See bench/README.md.
"""

import argparse
import contextlib
import json
import os
import platform
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS_DIR = BASE_DIR / "bench" / "results"
GUNICORN_COMMAND = "gunicorn --config python:wberp.gunicorn wberp.wsgi"
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
USERNAME = "bench"
DB_PREFIX = "wberp_bench_"
HISTORY_ROWS = 30
# Every environment variable a child gets; nothing else leaks in from the shell.
PASSED_THROUGH = ("PATH", "LANG", "LC_ALL", "TZ", "GUNICORN_CMD_ARGS")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target fails")
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario")
    parser.add_argument("--warmup", type=int, default=2, help="seconds, thrown away (0: none)")
    parser.add_argument("--slice", type=int, default=2, help="seconds per turn of a scenario")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--timeout", type=float, default=5.0, help="wrk's request timeout, s")
    parser.add_argument("--sizes", default="10,1000,100000", help="token counts, ascending")
    parser.add_argument(
        "--pool", type=int, default=200, help="real tokens to check, one seller each"
    )
    parser.add_argument("--speed", type=float, default=10000.0, help="the emulator's --speed")
    parser.add_argument("--workers", type=int, help="WEB_CONCURRENCY (default: gunicorn.py's)")
    parser.add_argument("--gunicorn-threads", type=int, help="GUNICORN_THREADS")
    parser.add_argument(
        "--pg-admin-url",
        default=os.environ.get("BENCH_PG_ADMIN_URL", DEFAULT_ADMIN_URL),
        help="a role that may create databases ($BENCH_PG_ADMIN_URL)",
    )
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument("--seed", type=int, default=1, help="random seed of the generated rows")
    args = parser.parse_args(argv)
    args.sizes = sorted(int(size.replace("_", "")) for size in args.sizes.split(","))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk (as root).", file=sys.stderr)
        return 2
    # SIGTERM and SIGHUP stop the run like Ctrl-C does, through the clean-up below.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.default_int_handler)
    started = datetime.now(UTC)
    results = {"started_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"), "notes": []}
    try:
        with contextlib.ExitStack() as cleanup:
            try:
                run(args, results, cleanup)
            finally:
                # A second Ctrl-C must not cut the clean-up short.
                signal.signal(signal.SIGINT, signal.SIG_IGN)
    except KeyboardInterrupt:
        print("\nInterrupted; everything the benchmark started is stopped.", file=sys.stderr)
        return 130
    signal.signal(signal.SIGINT, signal.default_int_handler)
    failed = [target for target in results["targets"] if not target["pass"]]
    print(f"\n{len(results['targets']) - len(failed)} of {len(results['targets'])} targets met.")
    for target in failed:
        print(f"  FAIL  {target['target']}: {target['value']}")
    return 1 if failed and args.strict else 0


def run(args: argparse.Namespace, results: dict, cleanup: contextlib.ExitStack) -> None:
    from bench import processes as proc

    tmp = Path(tempfile.mkdtemp(prefix="wberp-bench-"))
    cleanup.callback(shutil.rmtree, tmp, ignore_errors=True)
    python = sys.executable
    for orphan in proc.drop_orphans(args.pg_admin_url, DB_PREFIX):
        log(f"Dropped {orphan}, left by a run that was killed")
    db_name = f"{DB_PREFIX}{os.getpid()}_{random.randrange(16**6):06x}"
    log(f"Creating database {db_name}")
    proc.create_database(args.pg_admin_url, db_name)
    cleanup.callback(log_step, "Dropping database", proc.drop_database, args.pg_admin_url, db_name)

    env = production_env(tmp, proc.database_url(args.pg_admin_url, db_name))
    log("collectstatic and migrate (DEBUG off; system checks run)")
    proc.finish(
        proc.run_manage("collectstatic", "--noinput", "-v0", env=env, cwd=BASE_DIR, python=python),
        proc.run_manage("migrate", "--noinput", "-v0", env=env, cwd=BASE_DIR, python=python),
    )
    django_in_process(env)
    from django.contrib.auth import get_user_model
    from django.db import connections

    cleanup.callback(connections.close_all)  # before the database is dropped
    from bench import seed

    password = secrets.token_urlsafe(16)
    user = get_user_model().objects.create_superuser(USERNAME, "bench@localhost", password)

    state_dir = tmp / "emulator"
    token_length = seed.minted_token_length(state_dir)  # also creates the emulator's key
    port = proc.free_port()
    emulator_log, server_log = tmp / "emulator.log", tmp / "gunicorn.log"
    emulator, emulator_url = proc.emulator_start(
        state_dir, env=env, log=emulator_log, cwd=BASE_DIR, python=python, speed=args.speed
    )
    cleanup.callback(log_step, "Stopping the emulator", proc.stop, emulator)

    server_env = {
        **env,
        "WB_API_BASE_URL": emulator_url + "/{host}",
        "WB_API_LOCAL_EMULATOR": "true",
        # As behind the TLS proxy whose X-Forwarded-Proto the requests carry.
        "TRUSTED_PROXY_COUNT": "1",
        "GUNICORN_BIND": f"{proc.HOST}:{port}",
        "GUNICORN_MAX_REQUESTS": "0",
    }
    if args.workers:
        server_env["WEB_CONCURRENCY"] = str(args.workers)
    if args.gunicorn_threads:
        server_env["GUNICORN_THREADS"] = str(args.gunicorn_threads)
    gunicorn = Path(python).with_name("gunicorn")
    log(f"Starting {GUNICORN_COMMAND} on port {port}")
    server = proc.start(
        [str(gunicorn), *GUNICORN_COMMAND.split()[1:]], env=server_env, log=server_log, cwd=BASE_DIR
    )
    cleanup.callback(log_step, "Stopping gunicorn", proc.stop, server)
    cleanup.callback(keep_logs, args.results_dir, results, server_log, emulator_log)
    base_url = f"http://{proc.HOST}:{port}"
    proc.wait_for(f"{base_url}/readyz", process=server, log=server_log, expect=200)

    describe(results, args, server_env, server)
    results["notes"] = [*NOTES, f"The emulator runs with --speed {args.speed:g}; {SPEED_NOTE}"]
    try:
        measure_all(
            args, results, base_url, emulator_url, (user, password), state_dir, token_length, server
        )
    finally:
        results["machine"]["load_average_end"] = load_average()
        results["finished_at"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        write_results(args.results_dir, results)


NOTES = [
    "The server runs the production command and config with DEBUG off; requests carry "
    "X-Forwarded-Proto: https, so SSL redirect, Secure cookies and HSTS stay on.",
    "WB_API_BASE_URL points at the emulator; gunicorn runs no system checks, so gateway.E002 "
    "does not stop it (migrate runs without it and passes every check).",
    "GUNICORN_MAX_REQUESTS=0: no worker restarts during a scenario.",
    "Display-only tokens hold a random secret of a real token's length, really encrypted; "
    "the pages measured never decrypt it. The checked tokens are real, minted by the emulator.",
    "VACUUM ANALYZE after each load: the state autovacuum reaches soon after it.",
]
SPEED_NOTE = (
    "every checked token has its own seller, so no rate limit or circuit breaker is involved."
)
PAGES = {"floor": "/whoami", "list": "/tokens/", "changelist": "/admin/tokens/wbtoken/"}
# The list with every row rendered anew, as on a first view (in-process only).
COLD_PAGES = {"list, rows not cached": "/tokens/"}
# For scale: the cheapest pages with the site's layout and with the admin's, and no rows.
REFERENCE_PAGES = {
    "floor": "/whoami",
    "layout": "/accounts/password/",
    "admin index": "/admin/",
}
HTMX_SUMMARY = {"HX-Request": "true", "HX-Target": "token-summary"}


def measure_all(args, results, base_url, emulator_url, login, state_dir, token_length, server):
    from django.db import connections

    from bench import inprocess, seed
    from bench.load import LoadSettings, Target, log_in, measure_together
    from bench.processes import children_of, memory_of

    settings = LoadSettings(
        args.duration, args.warmup, args.slice, args.connections, args.threads, args.timeout
    )
    results["load"] = settings.describe()
    rng = random.Random(args.seed)
    user, password = login
    session = log_in(base_url, USERNAME, password)
    client = inprocess.staff_client(user)
    results["scenarios"], results["queries"] = [], {name: {} for name in PAGES}

    def page(name: str, path: str) -> Target:
        return Target(name, base_url + path, session.headers())

    def record(measured: dict, rows: int, size: int, paths: dict, floor: str | None = "floor"):
        for name, path in paths.items():
            queries = results["queries"].get(name, {}).get(str(size))
            of_app = not name.startswith("emulator")  # the emulator has no token table
            row = {
                "scenario": name,
                "page": path,
                "size": size if of_app else 0,
                "rows": rows if of_app else 0,
                "queries": queries,
                **measured[name],
            }
            if floor and name != floor and floor in measured:
                row["floor_p95_ms"] = measured[floor]["p95_ms"]
                row["ratio_to_floor"] = round(row["p95_ms"] / row["floor_p95_ms"], 2)
            add(results, row)

    pool: list = []
    for index, size in enumerate(args.sizes):
        last = index == len(args.sizes) - 1
        started = time.monotonic()
        connections.close_all()  # a fresh connection per step outlives a database restart
        base = size - args.pool if last else size
        seed.fill_to(base, owner_id=user.pk, rng=rng, token_length=token_length)
        if last:
            pool = seed.add_check_pool(args.pool, state_dir=state_dir, owner_id=user.pk, rng=rng)
            seed.add_history(pool[0][0], count=HISTORY_ROWS, by_id=user.pk, rng=rng)
        seed.settle()
        rows = seed.token_count()
        log(f"{rows:,} tokens ({time.monotonic() - started:.1f} s to add and vacuum)")
        for name, path in PAGES.items():
            results["queries"][name][str(size)] = inprocess.query_count(client, path)
        timings = inprocess.page_timing(client, PAGES | REFERENCE_PAGES)
        timings |= inprocess.page_timing(client, COLD_PAGES, cold=True)
        for name, timing in timings.items():
            results.setdefault("server_time", {}).setdefault(name, {})[str(size)] = timing
        measured = measure_together([page(name, path) for name, path in PAGES.items()], settings)
        record(measured, rows, size, PAGES)

    size = args.sizes[-1]
    results["rows_shown"] = rows_per_page()
    for name, path in REFERENCE_PAGES.items():
        results["queries"].setdefault(name, {})[str(size)] = inprocess.query_count(client, path)
    measured = measure_together(
        [page(name, path) for name, path in REFERENCE_PAGES.items()], settings
    )
    record(measured, rows, size, REFERENCE_PAGES)

    connections.close_all()
    detail = f"/tokens/{pool[0][0]}/"
    results["queries"]["detail"] = {str(size): inprocess.query_count(client, detail)}
    check = Target(
        "check",
        base_url + "/tokens/",
        session.post_headers("/tokens/"),
        [("POST", f"/tokens/{pk}/check/", HTMX_SUMMARY) for pk, _raw in pool],
    )
    before = checks_by_outcome()
    measured = measure_together([page("floor", "/whoami"), page("detail", detail), check], settings)
    record(
        measured,
        rows,
        size,
        {"floor": "/whoami", "detail": detail, "check": "POST /tokens/<id>/check/"},
    )

    # The check's own cost: the app's check and the emulator's two answers, one at a time.
    direct = {"ping": "/common-api/ping", "seller-info": "/common-api/api/v1/seller-info"}
    single = [Target("check (c=1)", check.url, check.headers, check.lines, connections=1)]
    for name, path in direct.items():
        lines = [("GET", path, {"Authorization": f"Bearer {raw}"}) for _pk, raw in pool]
        single.append(Target(f"emulator {name} (c=1)", emulator_url + path, {}, lines, 1))
    measured = measure_together(single, settings)
    record(
        measured,
        rows,
        size,
        {
            "check (c=1)": "POST /tokens/<id>/check/",
            **{f"emulator {name} (c=1)": path for name, path in direct.items()},
        },
        floor=None,
    )
    results["checks_recorded"] = dict(checks_by_outcome() - before)
    app = measured["check (c=1)"]["p50_ms"]
    ping = measured["emulator ping (c=1)"]["p50_ms"]
    seller_info = measured["emulator seller-info (c=1)"]["p50_ms"]
    results["check_overhead"] = {
        "app_p50_ms": app,
        "ping_p50_ms": ping,
        "seller_info_p50_ms": seller_info,
        "overhead_ms": round(app - ping - seller_info, 2),
        "connections": 1,
    }
    connections.close_all()
    in_process = attempt(
        results, "check_in_process", inprocess.check_timing, client, pool, emulator_url
    )
    for row in results["scenarios"]:
        if row["scenario"].startswith("check") and "queries" in in_process:
            row["queries"] = in_process["queries"]
    attempt(results, "decrypt", inprocess.decrypt_timing, pool[0][0])
    workers = children_of(server.pid)
    results["rss"] = {
        "master": memory_of(server.pid),
        "workers": [{"pid": pid, **memory_of(pid)} for pid in workers],
    }
    results["server"]["workers_running"] = len(workers)


def rows_per_page() -> dict[str, int]:
    from django.contrib import admin

    from tokens.models import WBToken
    from tokens.selectors import PAGE_SIZE

    return {"list": PAGE_SIZE, "changelist": admin.site.get_model_admin(WBToken).list_per_page}


def attempt(results: dict, key: str, function, *args) -> dict:
    """results[key] = function(*args); a failure is recorded there and the run goes on."""
    try:
        results[key] = function(*args)
    except Exception as exc:  # e.g. the database restarted under the run
        results[key] = {"error": f"{type(exc).__name__}: {exc}"}
        log(f"{key} failed: {results[key]['error']}")
    return results[key]


def add(results: dict, row: dict) -> None:
    results["scenarios"].append(row)
    ratio = f"  {row['ratio_to_floor']:.2f}x floor" if row.get("ratio_to_floor") else ""
    log(
        f"{row['scenario']:<26} {row['size']:>7,}  p50 {row['p50_ms']:7.2f}  p95 "
        f"{row['p95_ms']:7.2f}  p99 {row['p99_ms']:7.2f} ms  {row['rps']:7.1f} req/s  "
        f"errors {row['errors']}{ratio}"
    )


def checks_by_outcome() -> Counter:
    from django.db.models import Count

    from tokens.models import WBTokenCheck

    rows = WBTokenCheck.objects.values("outcome").annotate(n=Count("pk")).order_by()
    return Counter({row["outcome"]: row["n"] for row in rows})


# --- Set-up helpers -------------------------------------------------------------------------


def production_env(tmp: Path, database_url: str) -> dict[str, str]:
    from wberp.envfile import production_secrets

    return {
        **{name: os.environ[name] for name in PASSED_THROUGH if name in os.environ},
        "HOME": str(tmp),  # gunicorn's control socket goes under $HOME
        "PYTHONDONTWRITEBYTECODE": "1",
        "WBERP_ENV_FILE": os.devnull,
        "DJANGO_SETTINGS_MODULE": "wberp.settings",
        "DEBUG": "false",
        **production_secrets(),
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "STATIC_ROOT": str(tmp / "static"),
    }


def django_in_process(env: dict[str, str]) -> None:
    """This process uses the same settings and keys as the server, WB's real address aside."""
    os.environ.update(env)
    os.environ.pop("WB_API_BASE_URL", None)
    os.environ["LOG_LEVEL"] = "WARNING"  # this process's own log lines are not measured
    import django

    django.setup()


def describe(results: dict, args, server_env: dict[str, str], server) -> None:
    from bench.processes import server_version

    config = load_gunicorn_config(server_env)
    results["machine"] = {
        "cpu_model": cpu_model(),
        "cores": os.cpu_count(),
        "ram_gib": round(meminfo_kib("MemTotal") / 1024**2, 1),
        "kernel": platform.release(),
        "os": os_name(),
        "python": platform.python_version(),
        "django": metadata.version("Django"),
        "gunicorn": metadata.version("gunicorn"),
        "psycopg": metadata.version("psycopg"),
        "postgresql": server_version(args.pg_admin_url).split(" on ")[0],
        "load_average_start": load_average(),
    }
    results["server"] = {
        "command": GUNICORN_COMMAND,
        "workers": config["workers"],
        "threads": config["threads"],
        "worker_class": config["worker_class"],
        "keepalive_s": config["keepalive"],
        "max_requests": 0,
        "env": "DEBUG=false, generated SECRET_KEY and token keys, ALLOWED_HOSTS=127.0.0.1, "
        "requests carry X-Forwarded-Proto: https (SECURE_SSL_REDIRECT and Secure cookies on), "
        "WB_API_BASE_URL=the emulator, CONN_MAX_AGE default (60 s), LOG_LEVEL default (INFO)",
        "pid": server.pid,
    }
    results["emulator"] = {"speed": args.speed, "pool_tokens": args.pool}


def load_gunicorn_config(env: dict[str, str]) -> dict:
    """wberp/gunicorn.py's values under the server's environment (a fresh interpreter)."""
    code = (
        "import json, wberp.gunicorn as g; print(json.dumps({k: getattr(g, k) for k in "
        "('workers', 'threads', 'worker_class', 'keepalive')}))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output)


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def meminfo_kib(name: str) -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return 0


def os_name() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    return platform.platform()


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def write_results(directory: Path, results: dict) -> None:
    from bench.report import evaluate, markdown

    results.setdefault("scenarios", [])
    results.setdefault("queries", {})
    results.setdefault("load", {})
    results["targets"] = evaluate(results)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = results["started_at"].replace("-", "").replace(":", "")
    (directory / f"{stamp}.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
    )
    if results["scenarios"] and results["load"]:
        text = markdown(results)
        (directory / f"{stamp}.md").write_text(text, encoding="utf-8")
        (directory / "latest.md").write_text(text, encoding="utf-8")
    log(f"Results: {directory / (stamp + '.json')}, {directory / 'latest.md'}")


def keep_logs(directory: Path, results: dict, *logs: Path) -> None:
    """The server's and emulator's logs, for a look after the run (not committed)."""
    raw = directory / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    stamp = results["started_at"].replace("-", "").replace(":", "")
    for path in logs:
        if path.exists():
            shutil.copyfile(path, raw / f"{stamp}-{path.name}")


def log(message: str) -> None:
    # Progress only: a closed stdout (e.g. piped into `head`) must not stop the clean-up.
    with contextlib.suppress(OSError):
        print(f"[bench {datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def log_step(message: str, function, *args) -> None:
    log(message)
    try:
        function(*args)
    except Exception as exc:  # clean-up goes on with the next step
        log(f"{message} failed: {exc}")
