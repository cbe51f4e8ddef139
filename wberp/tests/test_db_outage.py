"""A database outage under the production server: fail fast and plainly, recover by itself.

gunicorn runs as the Docker image runs it, with production settings, against the session's
test database on PostgreSQL (whose local cluster is stopped for a few seconds) or against a
migrated SQLite file of its own (moved out of the server's reach). While the database is
gone, /readyz says so at once and pages answer the generic error page; once it is back,
everything works again without restarting gunicorn.
"""

import http.client
import json
import os
import pwd
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections

from .production import BASE_DIR, HOST, free_port, postgres_url, server_env, start_gunicorn, stop

STARTUP_TIMEOUT = 30.0
RECOVERY_TIMEOUT = 30.0
# The production server gives up connecting to the database after this many seconds.
CONNECT_TIMEOUT = 2
# Probes of orchestrators and load balancers commonly allow one second.
PROBE_BUDGET = 1.0
PROXY = {"X-Forwarded-Proto": "https"}
USERNAME = "outage-probe"
ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

# The session's test database is created for this test, which holds no transaction open
# in it (the outage would break one); the server's own writes are flushed after it.
# Serial on PostgreSQL: stopping the cluster would fail whatever other tests run beside it.
# On SQLite the outage is the server's own file moved away, which no other test uses.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    *([pytest.mark.serial] if ON_POSTGRESQL else []),
]

MAKE_SESSION = f"""
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore

user = get_user_model().objects.create_superuser({USERNAME!r}, email="", password=None)
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(session.session_key)
"""


@dataclass
class Reply:
    status: int
    content_type: str
    body: str
    seconds: float


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    env: dict[str, str]
    log: Path
    db_file: Path | None  # SQLite only
    session: str = ""

    def get(self, path: str, *, logged_in: bool = False) -> Reply:
        headers = dict(PROXY)
        cookies = [f"{settings.LANGUAGE_COOKIE_NAME}=en"]
        if logged_in:
            cookies.append(f"{settings.SESSION_COOKIE_NAME}={self.session}")
        headers["Cookie"] = "; ".join(cookies)
        started = time.monotonic()
        conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read().decode("utf-8", errors="replace")
            return Reply(
                response.status,
                response.headers.get("Content-Type", ""),
                body,
                time.monotonic() - started,
            )
        finally:
            conn.close()

    def log_tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]


def manage(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"manage.py {args[0]} failed:\n{result.stdout}{result.stderr}"
    return result.stdout


def wait_until(condition: Callable[[], bool], *, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except OSError:
            pass
        time.sleep(interval)
    return False


@pytest.fixture
def server(tmp_path) -> Iterator[Server]:
    """The production server, a staff session in its database, and its database's location."""
    port = free_port()
    # CONN_MAX_AGE keeps its production default: persistent connections must survive.
    env = server_env(tmp_path, port, DATABASE_CONNECT_TIMEOUT=str(CONNECT_TIMEOUT))
    db_file = None
    if ON_POSTGRESQL:
        env["DATABASE_URL"] = postgres_url(connection.settings_dict)
    else:
        db_file = tmp_path / "db" / "wberp.sqlite3"
        db_file.parent.mkdir()
        env["DATABASE_URL"] = f"sqlite:///{db_file}"
        manage("migrate", "--noinput", "-v0", env=env)
    manage("collectstatic", "--noinput", "-v0", env=env)
    session = manage("shell", "-v0", "-c", MAKE_SESSION, env=env).strip()

    log = tmp_path / "gunicorn.log"
    process = start_gunicorn(env, log)
    srv = Server(process, port, env, log, db_file, session)
    try:
        healthy = wait_until(lambda: srv.get("/healthz").status == 200, timeout=STARTUP_TIMEOUT)
        assert healthy, f"gunicorn did not start:\n{srv.log_tail()}"
        yield srv
    finally:
        stop(process)


# --- Outages ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cluster:
    version: str
    name: str
    host: str
    port: int
    tools: dict[str, str]  # program name -> its path

    def run(self, program: str, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [self.tools[program], *args], capture_output=True, text=True, timeout=120
        )

    def ctl(self, action: str, *options: str) -> subprocess.CompletedProcess:
        return self.run(
            "pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.name, action, *options
        )

    def accepts_connections(self) -> bool:
        return self.run("pg_isready", "-q", "-h", self.host, "-p", str(self.port)).returncode == 0


def local_cluster() -> Cluster:
    """The local Debian cluster serving the session's database, if this process may stop it."""
    db = connection.settings_dict
    host = db["HOST"] or "localhost"
    port = int(db["PORT"] or 5432)
    if host not in ("localhost", "127.0.0.1", "::1") and not host.startswith("/"):
        pytest.skip(f"PostgreSQL at {host} is not a local cluster this test may stop")
    tools = {name: shutil.which(name) for name in ("pg_lsclusters", "pg_ctlcluster", "pg_isready")}
    if not all(tools.values()):
        pytest.skip("PostgreSQL's cluster tools (postgresql-common) are not installed")
    listing = subprocess.run(
        [tools["pg_lsclusters"], "--no-header"], capture_output=True, text=True, check=True
    ).stdout
    for line in listing.splitlines():
        version, name, cluster_port, _status, owner, *_ = line.split()
        if int(cluster_port) == port:
            if pwd.getpwuid(os.geteuid()).pw_name not in ("root", owner):
                pytest.skip(f"Only root or {owner} may stop the cluster {version}/{name}")
            return Cluster(version, name, host, port, tools)
    pytest.skip(f"No local PostgreSQL cluster listens on port {port}")


@contextmanager
def cluster_stopped(server: Server) -> Iterator[None]:
    """The PostgreSQL cluster stopped; started again, and answering, whatever happens."""
    cluster = local_cluster()
    # This process's own connections would be cut; closed now, they reopen when next used.
    connections.close_all()
    try:
        stopped = cluster.ctl("stop", "-m", "fast")
        assert stopped.returncode == 0, stopped.stderr
        assert not cluster.accepts_connections()
        yield
    finally:
        if not cluster.accepts_connections():
            cluster.ctl("start")
        back = wait_until(cluster.accepts_connections, timeout=RECOVERY_TIMEOUT)
        if not back:
            raise RuntimeError(f"PostgreSQL {cluster.version}/{cluster.name} did not come back")


@contextmanager
def directory_moved(server: Server) -> Iterator[None]:
    """The SQLite database's directory gone (an unmounted volume): nothing can be opened."""
    directory = server.db_file.parent
    away = directory.with_name(directory.name + "-away")
    directory.rename(away)
    try:
        yield
    finally:
        away.rename(directory)


@contextmanager
def file_missing(server: Server) -> Iterator[None]:
    """The SQLite file gone from its directory: opening it makes a new, empty database."""
    db_file = server.db_file
    away = db_file.with_name("away.sqlite3")
    db_file.rename(away)
    try:
        yield
    finally:
        for stray in db_file.parent.glob(db_file.name + "*"):  # what SQLite made meanwhile
            stray.unlink()
        away.rename(db_file)


OUTAGES = {
    "cluster-stopped": cluster_stopped,
    "directory-moved": directory_moved,
    "file-missing": file_missing,
}
OUTAGE_KINDS = ["cluster-stopped"] if ON_POSTGRESQL else ["directory-moved", "file-missing"]
# Enough requests to meet each of the worker's threads, with and without a connection.
ROUNDS = 4


@pytest.mark.parametrize("outage", OUTAGE_KINDS)
def test_in_a_database_outage_the_server_fails_fast_and_plainly_and_recovers_by_itself(
    server, outage
):
    for _ in range(ROUNDS):
        assert server.get("/readyz").status == 200, server.log_tail()
        assert server.get("/tokens/", logged_in=True).status == 200, server.log_tail()

    with OUTAGES[outage](server):
        for _ in range(ROUNDS):
            ready = server.get("/readyz")
            assert ready.status == 503, (ready.body, server.log_tail())
            assert ready.content_type == "application/json"
            assert json.loads(ready.body) == {
                "status": "unavailable",
                "reason": "database unreachable",
            }
            assert ready.seconds < PROBE_BUDGET, ready.seconds

            page = server.get("/tokens/", logged_in=True)
            assert page.status == 500, (page.body, server.log_tail())
            assert page.content_type.startswith("text/html")
            assert "Something went wrong on our side" in page.body
            assert page.seconds < CONNECT_TIMEOUT + 1, page.seconds
            secrets = [server.env[name] for name in ("SECRET_KEY", "WB_TOKEN_KEYS")]
            for leak in [
                "Traceback",
                "OperationalError",
                "django.db",
                "psycopg",
                "sqlite3",
                *secrets,
            ]:
                assert leak not in page.body, leak
            assert server.env["DATABASE_URL"].rpartition("/")[2] not in page.body

        assert server.get("/healthz").status == 200  # alive: nothing for a supervisor to kill

    recovered = wait_until(lambda: server.get("/readyz").status == 200, timeout=RECOVERY_TIMEOUT)
    assert recovered, server.log_tail()
    for _ in range(ROUNDS):
        assert server.get("/readyz").status == 200, server.log_tail()
        page = server.get("/tokens/", logged_in=True)
        assert page.status == 200, server.log_tail()
        assert "WB tokens" in page.body
    assert server.process.poll() is None
    log = server.log.read_text(encoding="utf-8", errors="replace")
    assert log.count("Booting worker") == 1, log[-4000:]  # the same worker throughout

    if ON_POSTGRESQL:  # and this process's own connection to the database works again
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
