"""The processes and the database the benchmark starts, and their clean-up."""

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import requests
from psycopg import sql

HOST = "127.0.0.1"
PR_SET_PDEATHSIG = 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the benchmark itself is killed (even with SIGKILL)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def start(argv: list[str], *, env: dict[str, str], log: Path, cwd: Path) -> subprocess.Popen:
    """A server in its own process group (Ctrl-C reaches only the benchmark, which stops it)."""
    with log.open("wb") as out:
        return subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,  # safe: the benchmark runs no threads
        )


def stop(process: subprocess.Popen, *, grace: float = 25.0) -> None:
    """SIGTERM to the whole group (gunicorn's master and workers), SIGKILL after `grace` s."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def wait_for(url: str, *, process: subprocess.Popen, log: Path, expect: int, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited: {tail(log)}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=2).status_code == expect:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer {expect} in {timeout:g} s: {tail(log)}")


def tail(log: Path, chars: int = 3000) -> str:
    return log.read_text(encoding="utf-8", errors="replace")[-chars:] if log.exists() else ""


def run_manage(*args: str, env: dict[str, str], cwd: Path, python: str) -> subprocess.Popen:
    return subprocess.Popen(
        [python, "manage.py", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(*processes: subprocess.Popen) -> None:
    for process in processes:
        output = process.communicate(timeout=300)[0]
        if process.returncode != 0:
            raise RuntimeError(f"{' '.join(map(str, process.args))} failed:\n{output[-3000:]}")


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            # The command name may hold spaces and parentheses: fields follow the last ")".
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def memory_of(pid: int) -> dict[str, int]:
    """VmHWM (peak resident set) and VmRSS of a process, in KiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _sep, rest = line.partition(":")
        if name in ("VmHWM", "VmRSS"):
            values[name.lower() + "_kib"] = int(rest.split()[0])
    return values


def cpu_seconds_of(pid: int) -> float:
    """The user and system CPU time a process has used so far (its own, not its children's)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, all) CPU seconds of the whole machine, every core, since it booted."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = ticks[3] + ticks[4]  # idle and iowait
    hertz = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - idle) / hertz, sum(ticks) / hertz


# --- The throwaway database -------------------------------------------------------------


def database_url(admin_url: str, name: str) -> str:
    parts = urlsplit(admin_url)
    return urlunsplit(parts._replace(scheme="postgres", path="/" + name))


def create_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_orphans(admin_url: str, prefix: str) -> list[str]:
    """Drop the databases of earlier runs that were killed outright (`<prefix><pid>_...`
    whose process is gone), which could not clean up after themselves."""
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", (prefix + "%",)
            )
        ]
    orphans = []
    for name in names:
        pid = name.removeprefix(prefix).split("_")[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            drop_database(admin_url, name)
            orphans.append(name)
    return orphans


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def server_version(admin_url: str) -> str:
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        return conn.execute("SELECT version()").fetchone()[0]


def emulator_start(
    state_dir: Path, *, env: dict[str, str], log: Path, cwd: Path, python: str, speed: float
) -> tuple[subprocess.Popen, str]:
    """The WB emulator on a free loopback port, once it answers; the process and its URL."""
    port = free_port()
    emulator = start(
        [
            *(python, "-m", "wbapi.emulator", "serve", "--state-dir", str(state_dir)),
            *("--host", HOST, "--port", str(port), "--speed", f"{speed:g}"),
        ],
        env=env,
        log=log,
        cwd=cwd,
    )
    url = f"http://{HOST}:{port}"
    wait_for(f"{url}/common-api/ping", process=emulator, log=log, expect=401)
    return emulator, url
