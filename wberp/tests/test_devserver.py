"""`make run` and `make demo`: one command starts the web server and a worker (and, for
the demo, the WB emulator), prefixes their output, and stops them all together.

The runner (`python -m wberp.devserver`) runs here as make runs it, in a process of its
own, against a migrated SQLite file, in DEBUG so that both children run autoreloaders.
"""

import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from wberp.devserver import port_in_use

from .production import HOST, free_port

TIMEOUT = 60.0
STARTED = re.compile(r"^devserver \| started (\w+) \(pid (\d+)\)", re.MULTILINE)
# A copy of the database as migrated, before any test's demo stored tokens in it.
PRISTINE = "migrated.sqlite3"
WORKER_STARTED = re.compile(r"^worker +\| .*Starting worker", re.MULTILINE)


def dev_env(database: Path, home: Path) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "PYTHONDONTWRITEBYTECODE": "1",
        "WBERP_ENV_FILE": os.devnull,
        "DEBUG": "true",
        "LANGUAGE_CODE": "en",
        "LOG_LEVEL": "INFO",
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SUPERUSER_USERNAME": "admin",
        "DJANGO_SUPERUSER_PASSWORD": "devserver-test-password",
        "WB_EMULATOR_STATE_DIR": str(home / "emulator"),
        "HOME": str(home),
    }


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> Path:
    """A migrated database, so that the runner's own migrate has nothing to do."""
    home = tmp_path_factory.mktemp("devserver")
    path = home / "wberp.sqlite3"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=settings.BASE_DIR,
        env=dev_env(path, home),
        check=True,
        timeout=120,
    )
    shutil.copyfile(path, home / PRISTINE)
    return path


@dataclass
class Run:
    process: subprocess.Popen
    log: Path
    port: int

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def children(self) -> dict[str, int]:
        return {name: int(pid) for name, pid in STARTED.findall(self.output())}

    def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        while not condition():
            assert self.process.poll() is None, f"the runner ended:\n{self.output()}"
            if time.monotonic() > deadline:
                pytest.fail(f"Timed out waiting for {what}:\n{self.output()}")
            time.sleep(0.1)

    def wait_until_serving(self, expected: set[str]) -> None:
        self.wait_for(lambda: set(self.children()) == expected, "every child to start")
        self.wait_for(lambda: answers(self.port), "the web server to answer")
        self.wait_for(lambda: WORKER_STARTED.search(self.output()), "the worker to start")


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def gone(pid: int) -> bool:
    """Whether every process of the group that `pid` leads has exited."""
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture
def run_devserver(database, tmp_path) -> Iterator[Callable[..., Run]]:
    runs: list[Run] = []

    def start(*args: str, port: int | str | None = None, env: dict | None = None) -> Run:
        port = free_port() if port is None else port
        log = tmp_path / f"devserver-{len(runs)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "wberp.devserver", "--port", str(port), *args],
                cwd=settings.BASE_DIR,
                env={**dev_env(database, database.parent), **(env or {})},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        runs.append(Run(process, log, port))
        return runs[-1]

    yield start
    for run in runs:  # whatever a test left running
        for pid in [run.process.pid, *run.children().values()]:
            if not gone(pid):
                os.killpg(pid, signal.SIGKILL)
        run.process.wait(timeout=10)


def test_ctrl_c_stops_the_web_server_and_the_worker(run_devserver):
    run = run_devserver()
    run.wait_until_serving({"web", "worker"})
    assert re.search(r"^web +\| .*Starting development server", run.output(), re.MULTILINE)
    os.kill(run.process.pid, signal.SIGINT)
    assert run.process.wait(timeout=TIMEOUT) == 0, run.output()
    assert all(gone(pid) for pid in run.children().values()), run.output()
    assert not port_in_use(HOST, run.port)


def test_a_child_that_dies_stops_the_others(run_devserver):
    emulator_port = free_port()
    run = run_devserver("--emulator-port", str(emulator_port))
    run.wait_until_serving({"wb", "web", "worker"})
    assert "Demo tokens from the WB emulator" in run.output()
    os.killpg(run.children()["worker"], signal.SIGKILL)
    assert run.process.wait(timeout=TIMEOUT) != 0
    assert "worker exited with status -9; stopping the rest" in run.output()
    assert all(gone(pid) for pid in run.children().values()), run.output()
    assert not port_in_use(HOST, run.port)
    assert not port_in_use(HOST, emulator_port)


@pytest.mark.parametrize(
    ("variable", "message"),
    [
        ("PORT", "Port {port} is in use: stop the other server or run `make demo PORT={next}`"),
        (
            "EMULATOR_PORT",
            "Port {port} is in use: stop the other server or run `make demo EMULATOR_PORT={next}`",
        ),
    ],
)
def test_a_busy_port_is_named_and_nothing_starts(run_devserver, tmp_path, variable, message):
    web_port, emulator_port = free_port(), free_port()
    busy = web_port if variable == "PORT" else emulator_port
    untouched = tmp_path / "not-created.sqlite3"
    with socket.create_server((HOST, busy)):
        run = run_devserver(
            "--emulator-port",
            str(emulator_port),
            port=web_port,
            env={"DATABASE_URL": f"sqlite:///{untouched}"},
        )
        assert run.process.wait(timeout=TIMEOUT) == 1
    assert run.output().strip() == message.format(port=busy, next=busy + 1)
    assert not untouched.exists()  # not even migrate ran


def test_make_run_names_its_own_target_for_a_busy_port(run_devserver):
    port = free_port()
    with socket.create_server((HOST, port)):
        run = run_devserver(port=port)
        assert run.process.wait(timeout=TIMEOUT) == 1
    assert f"run `make run PORT={port + 1}`" in run.output()


@pytest.mark.parametrize("port", ["0", "65536", "eighty", ""])
def test_a_port_that_is_no_port_is_refused_plainly(run_devserver, port):
    run = run_devserver(port=port)
    assert run.process.wait(timeout=TIMEOUT) == 2
    assert "a port is a number from 1 to 65535" in run.output()
    assert "Traceback" not in run.output()


def test_the_demo_starts_with_its_cabinets_stored_and_validated(run_devserver, database, tmp_path):
    own = tmp_path / "demo.sqlite3"
    shutil.copyfile(database.parent / PRISTINE, own)  # without another demo's tokens
    run = run_devserver(
        "--emulator-port", str(free_port()), env={"DATABASE_URL": f"sqlite:///{own}"}
    )
    run.wait_until_serving({"wb", "web", "worker"})
    assert "demo cabinets: 6 of 6 demo tokens added now" in run.output()
    with closing(sqlite3.connect(own)) as db:
        sellers = {name for (name,) in db.execute("SELECT name FROM sellers_seller")}
        statuses = [status for (status,) in db.execute("SELECT status FROM tokens_wbtoken")]
    assert sellers == {"ООО «Демо Маркет»", "ИП Соколова А. В.", "ООО «Светлая кухня»"}
    assert statuses == ["valid"] * 6
