"""Run wberp for development: the web server and a background worker, in one command.

    python -m wberp.devserver [--host 127.0.0.1] [--port 8000] [--emulator-port 8010]

`make run` and `make demo` (which adds --emulator-port) call this. First every port it
needs is checked: a busy one gets one clear message and nothing starts. Then it migrates
the database and creates the superuser named in .env, and starts its children: the WB
emulator (demo only, with WB's clock sped up in it and in the app alike; its demo tokens are
printed once it answers), `manage.py runserver` and `manage.py db_worker` (which syncs each
cabinet once a token is added), every line of their output prefixed with the child's name.
Ctrl-C (SIGINT) or SIGTERM stops them all, and so does any one of them ending.

Standard library only, and no Django: it only starts processes. Each child runs in a
process group of its own, so that a stop reaches the processes it starts in turn (those
of the autoreloaders), and Ctrl-C reaches the children only through the runner. In DEBUG
the worker reloads on code changes as runserver does; a stop may then cut its current
task short, which is safe: the job's lease runs out and the task is run again.
"""

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

MANAGE = (sys.executable, "manage.py")
EMULATOR = (sys.executable, "-m", "wbapi.emulator")
RUNNER = "devserver"
# Seconds the children get to exit after SIGTERM before they are killed.
STOP_GRACE = 10.0
EMULATOR_STARTUP = 15.0
POLL = 0.1
# The demo runs WB's clock this much faster, in the emulator (--speed) and in the app's rate
# budget alike (WB_RATE_SPEED, development only): a demo cabinet syncs in seconds. Its worker
# ticks often, so that a pasted token's cabinet starts syncing at once.
DEMO_SPEED = "20"
DEMO_TICK_SECONDS = "2"
# A token's name is at most this long (tokens.WBToken.name).
NAME_LENGTH = 100


class Output:
    """Lines from several processes, whole and prefixed with who wrote them."""

    def __init__(self, stream: IO[str], width: int = len(RUNNER)) -> None:
        self.stream = stream
        self.width = width
        self.lock = threading.Lock()

    def line(self, name: str, text: str) -> None:
        with self.lock:
            self.stream.write(f"{name:<{self.width}} | {text}\n")
            self.stream.flush()

    def relay(self, name: str, pipe: IO[bytes]) -> None:
        with pipe:
            for raw in pipe:
                self.line(name, raw.decode("utf-8", errors="replace").rstrip("\r\n"))


@dataclass
class Child:
    name: str
    argv: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None
    relay: threading.Thread | None = None

    def start(self, output: Output) -> None:
        self.process = subprocess.Popen(
            self.argv,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **self.env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.relay = threading.Thread(
            target=output.relay, args=(self.name, self.process.stdout), daemon=True
        )
        self.relay.start()
        output.line(RUNNER, f"started {self.name} (pid {self.process.pid}): {' '.join(self.argv)}")

    def ended(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def signal_group(self, number: int) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):  # the whole group has exited
                os.killpg(self.process.pid, number)

    def group_gone(self) -> bool:
        """Whether every process of the child's group has exited."""
        if self.process is None:
            return True
        self.process.poll()  # reap the leader, so that it no longer counts
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return True
        return False


class Runner:
    """Starts children one after another; stops them all on a signal or when one ends."""

    def __init__(self, output: Output) -> None:
        self.output = output
        self.children: list[Child] = []
        self.stopping = threading.Event()
        self.forced = False

    def on_signal(self, number: int, frame: object) -> None:
        if self.stopping.is_set():  # asked twice: no more waiting
            self.forced = True
            for child in self.children:
                child.signal_group(signal.SIGKILL)
        self.stopping.set()

    def start(self, child: Child) -> None:
        """Start `child`, unless a stop was asked for or a child has already ended."""
        if self.stopping.is_set() or self.ended() is not None:
            return
        self.children.append(child)
        child.start(self.output)

    def ended(self) -> Child | None:
        return next((child for child in self.children if child.ended()), None)

    def wait_until(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Poll `condition` while every child runs and no stop is asked for."""
        deadline = time.monotonic() + timeout
        while not condition():
            if self.stopping.is_set() or self.ended() or time.monotonic() > deadline:
                return False
            time.sleep(POLL)
        return True

    def supervise(self) -> int:
        """Wait for a stop or for a child to end, then finish."""
        while not self.stopping.is_set() and self.ended() is None:
            self.stopping.wait(POLL)
        return self.finish()

    def finish(self) -> int:
        """Stop every child; the exit status: 0 when asked to stop, else a failure."""
        ended = None if self.stopping.is_set() else self.ended()
        if ended is not None:
            code = ended.process.returncode
            self.output.line(RUNNER, f"{ended.name} exited with status {code}; stopping the rest")
        self.stop_all()
        if self.stopping.is_set():
            return 0
        code = ended.process.returncode if ended is not None else 0
        return code if code > 0 else 1  # killed by a signal, or ended "successfully"

    def stop_all(self) -> None:
        for child in self.children:
            child.signal_group(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        for child in self.children:
            while not child.group_gone() and time.monotonic() < deadline and not self.forced:
                time.sleep(POLL)
            if not child.group_gone():
                self.output.line(RUNNER, f"{child.name} did not stop in time; killing it")
                child.signal_group(signal.SIGKILL)
        for child in self.children:  # their last words, such as a worker's goodbye
            if child.relay is not None:
                child.relay.join(timeout=2)
        self.output.line(RUNNER, "stopped")


def port_in_use(host: str, port: int) -> bool:
    """Whether a server already listens on `port` (as the servers will bind: address reuse
    on, so that connections of a server just stopped do not count)."""
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    try:
        socket.create_server((host, port), family=family).close()
    except OSError:
        return True
    return False


def accepts(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=0.2).close()
    except OSError:
        return False
    return True


def busy_port_message(args: argparse.Namespace) -> str | None:
    target = "demo" if args.emulator_port else "run"
    if args.emulator_port == args.port:
        return f"PORT and EMULATOR_PORT are both {args.port}: give them different values."
    ports = [(args.host, args.port, "PORT")]
    if args.emulator_port:
        ports.append(("127.0.0.1", args.emulator_port, "EMULATOR_PORT"))
    for host, port, variable in ports:
        if port_in_use(host, port):
            return (
                f"Port {port} is in use: stop the other server or run "
                f"`make {target} {variable}={port + 1}`"
            )
    return None


def prepare() -> int:
    """Migrate, and create the superuser named in .env unless it exists; 0 on success."""
    for argv in ((*MANAGE, "migrate", "--noinput"), (*MANAGE, "ensure_superuser")):
        status = subprocess.run(argv, check=False).returncode
        if status != 0:
            return status
    return 0


def serve(args: argparse.Namespace, output: Output) -> int:
    runner = Runner(output)
    signal.signal(signal.SIGINT, runner.on_signal)
    signal.signal(signal.SIGTERM, runner.on_signal)
    env = {}
    if args.emulator_port:
        if not start_emulator(runner, args.emulator_port):
            return runner.finish()
        env = emulator_env(args.emulator_port)
    output.line(
        RUNNER,
        f"wberp is at http://{args.host}:{args.port}/: log in as the superuser above, "
        "whose password is DJANGO_SUPERUSER_PASSWORD in .env",
    )
    runner.start(Child("web", (*MANAGE, "runserver", f"{args.host}:{args.port}"), env))
    runner.start(Child("worker", (*MANAGE, "db_worker"), env))
    return runner.supervise()


def start_emulator(runner: Runner, port: int) -> bool:
    """Start the WB emulator; once it answers, print its demo tokens."""
    runner.start(Child("wb", (*EMULATOR, "--port", str(port), "--speed", DEMO_SPEED)))
    if not runner.wait_until(lambda: accepts("127.0.0.1", port), EMULATOR_STARTUP):
        if not runner.stopping.is_set() and runner.ended() is None:
            runner.output.line(RUNNER, f"the WB emulator did not answer on port {port}")
        return False
    print(f"\n  Demo tokens from the WB emulator on port {port} (paste one into Add token):\n")
    sys.stdout.flush()
    subprocess.run((*EMULATOR, "demo-tokens"), check=False)
    print(flush=True)
    add_demo_cabinets(runner.output, port)
    return True


def add_demo_cabinets(output: Output, port: int) -> None:
    """Store each demo token not stored yet, validated with the emulator as one pasted into
    the token page would be, so that the demo's cabinets are there and syncing from the start."""
    listing = subprocess.run(
        (*EMULATOR, "demo-tokens", "--json"), capture_output=True, text=True, check=False
    )
    demo_tokens = json.loads(listing.stdout) if listing.returncode == 0 else []
    env = {**os.environ, **emulator_env(port)}
    added = 0
    for token in demo_tokens:
        name = f"{token['seller']}: {token['name']}"[:NAME_LENGTH]
        result = subprocess.run(
            (*MANAGE, "wb_tokens", "add", "--name", name),
            input=token["token"],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if result.returncode == 0:
            added += 1
        else:  # stored by an earlier demo, most often: the command says so
            said = result.stderr.strip().splitlines() or [f"status {result.returncode}"]
            output.line(RUNNER, f"demo token {name!r} not added: {said[-1]}")
    output.line(RUNNER, f"demo cabinets: {added} of {len(demo_tokens)} demo tokens added now")


def emulator_env(port: int) -> dict[str, str]:
    """What the app's processes need to talk to the demo's emulator, at the demo's speed."""
    return {
        "WB_API_BASE_URL": f"http://127.0.0.1:{port}/{{host}}",
        "WB_RATE_SPEED": DEMO_SPEED,
        "JOBS_TICK_SECONDS": DEMO_TICK_SECONDS,
    }


def port_number(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"a port is a number from 1 to 65535, not {text!r}")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wberp.devserver", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=port_number, default=8000)
    parser.add_argument("--emulator-port", type=port_number, help="also run the WB emulator (demo)")
    args = parser.parse_args(argv)
    if message := busy_port_message(args):
        print(message, file=sys.stderr)
        return 1
    try:
        if status := prepare():
            return status
    except KeyboardInterrupt:
        return 130
    return serve(args, Output(sys.stdout))


if __name__ == "__main__":
    sys.exit(main())
