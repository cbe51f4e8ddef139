"""The production server as the Docker image runs it: gunicorn, WhiteNoise, DEBUG off.

The Dockerfile's own CMD and HEALTHCHECK are read from it and run here, over
loopback, with production settings and a database that is migrated: the session's
test database (on SQLite, its file), migrated once for the whole run.
"""

import gzip
import http.client
import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from .production import (
    BASE_DIR,
    HOST,
    dockerfile_exec_form,
    free_port,
    postgres_url,
    server_env,
    start_gunicorn,
    stop,
)

# The mark makes pytest-django create (and migrate) the test database, which the
# server uses; the tests themselves query nothing.
pytestmark = pytest.mark.django_db

STARTUP_TIMEOUT = 20.0
# What a TLS-terminating proxy in front of the container adds to each request.
HTTPS = {"X-Forwarded-Proto": "https"}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(*processes: subprocess.Popen) -> None:
    outputs = [process.communicate(timeout=60)[0] for process in processes]
    for process, output in zip(processes, outputs, strict=True):
        assert process.returncode == 0, f"{process.args} failed:\n{output}"


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str:
        return ", ".join(self.headers.get_all(name, []))


def request(port: int, path: str, headers: dict[str, str] | None = None) -> Reply:
    conn = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        conn.close()


class Server:
    def __init__(self, port: int, env: dict[str, str], log: Path) -> None:
        self.port, self.env, self.log = port, env, log

    def get(self, path: str, headers: dict[str, str] | None = None) -> Reply:
        return request(self.port, path, headers)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def log_tail(self) -> str:
        return self.log_text()[-4000:]


@pytest.fixture(scope="module")
def server(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gunicorn")
    port = free_port()
    env = server_env(
        tmp,
        port,
        # No connection outlives its request, so the test database can be dropped after.
        CONN_MAX_AGE="0",
        # As in a container, the proxy is not one gunicorn trusts for X-Forwarded-Proto;
        # Django must honour the header itself (SECURE_PROXY_SSL_HEADER).
        FORWARDED_ALLOW_IPS="192.0.2.1",
    )
    collectstatic = run_manage("collectstatic", "--noinput", "-v0", env=env)
    request.getfixturevalue("django_db_setup")  # creates and migrates the test database
    env["DATABASE_URL"] = database_url(connection.settings_dict)
    finish(collectstatic)

    log = tmp / "gunicorn.log"
    process = start_gunicorn(env, log)
    srv = Server(port, env, log)
    try:
        wait_until_healthy(process, srv)
        yield srv
    finally:
        stop(process)


def database_url(db: dict) -> str:
    """A DATABASE_URL for the session's test database."""
    if connection.vendor == "postgresql":
        return postgres_url(db)
    return f"sqlite:///{db['NAME']}"


def wait_until_healthy(process: subprocess.Popen, srv: Server) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{srv.log_tail()}")
        try:
            if srv.get("/healthz").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail(f"gunicorn did not answer /healthz in {STARTUP_TIMEOUT} s:\n{srv.log_tail()}")


def test_healthz_answers_200_json(server):
    response = server.get("/healthz")
    assert response.status == 200
    assert response.header("Content-Type") == "application/json"
    assert json.loads(response.body) == {"status": "ok"}


def test_the_image_healthcheck_command_passes(server):
    argv = dockerfile_exec_form("HEALTHCHECK")
    assert argv[0] == "python"
    result = subprocess.run(
        [sys.executable, *argv[1:]], env=server.env, capture_output=True, text=True, timeout=10
    )
    assert result.returncode == 0, result.stderr


def test_readyz_sees_a_reachable_migrated_database(server):
    response = server.get("/readyz")
    assert response.status == 200, response.body
    assert json.loads(response.body) == {"status": "ok"}


def test_login_page_is_served_in_russian_behind_a_tls_proxy(server):
    response = server.get("/accounts/login/", HTTPS)
    assert response.status == 200, server.log_tail()
    page = response.body.decode()
    assert "Войти" in page
    assert response.header("Strict-Transport-Security").startswith("max-age=31536000")
    assert "csrftoken=" in response.header("Set-Cookie")
    assert "Secure" in response.header("Set-Cookie")


def test_static_files_are_hashed_compressed_and_cached_for_ever(server):
    page = server.get("/accounts/login/", HTTPS).body.decode()
    urls = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    stylesheet = next(url for url in urls if url.startswith("/static/admin/css/base."))
    assert re.fullmatch(r"/static/admin/css/base\.[0-9a-f]{12}\.css", stylesheet)
    expected_types = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}
    for url in urls:
        response = server.get(url, HTTPS)
        assert response.status == 200, url
        assert len(response.body) == int(response.header("Content-Length")) > 0, url
        assert "max-age=315360000" in response.header("Cache-Control"), url
        assert "immutable" in response.header("Cache-Control"), url
        content_type = response.header("Content-Type")
        assert content_type.startswith(expected_types[Path(url).suffix]), (url, content_type)
    plain = server.get(stylesheet, HTTPS)
    compressed = server.get(stylesheet, {**HTTPS, "Accept-Encoding": "gzip"})
    assert compressed.status == 200
    assert compressed.header("Content-Encoding") == "gzip"
    assert gzip.decompress(compressed.body) == plain.body


def test_plain_http_is_redirected_permanently_to_https(server):
    response = server.get("/accounts/login/")
    assert response.status == 301
    location = response.header("Location")
    assert location == f"https://{HOST}:{server.port}/accounts/login/"


def test_access_lines_are_json_with_the_requests_parts_and_hide_a_token(server):
    token_shaped = "eyJhbGciOiJFUzI1NiJ9." + "Qx7" * 40 + ".sig" + "Zk9" * 20
    reply = server.get(f"/tokens/?q={token_shaped}", {**HTTPS, "X-Request-ID": "smoke-access-1"})
    assert reply.status == 302  # to the login page: nobody is signed in
    deadline = time.monotonic() + 5
    while "smoke-access-1" not in server.log_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    lines = [line for line in server.log_text().splitlines() if "smoke-access-1" in line]
    assert len(lines) == 1, server.log_tail()
    entry = json.loads(lines[0])
    assert entry["logger"] == "gunicorn.access"
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/tokens/", "302")
    assert entry["query"] == "q=<hidden>"
    assert "Qx7Qx7" not in server.log_text()


def test_the_server_logged_no_error(server):
    log = server.log_text()
    assert "[ERROR]" not in log, server.log_tail()
    assert '"level": "ERROR"' not in log, server.log_tail()


@pytest.mark.parametrize(
    ("setting", "value", "check_id"),
    [
        ("WB_TOKEN_KEYS", "not-a-valid-key", "tokens.E001"),
        ("WB_API_BASE_URL", "http://{host}.wildberries.ru", "gateway.E002"),
    ],
)
def test_gunicorn_refuses_to_start_with_an_unsafe_configuration(tmp_path, setting, value, check_id):
    port = free_port()
    env = server_env(tmp_path, port, **{setting: value}, DATABASE_URL=f"sqlite:///{tmp_path}/x")
    log = tmp_path / "gunicorn.log"
    process = start_gunicorn(env, log)
    try:
        process.wait(timeout=STARTUP_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"gunicorn still serves with {setting}={value}")
    finally:
        stop(process)
    output = log.read_text(encoding="utf-8", errors="replace")
    assert process.returncode != 0
    assert check_id in output and "Worker failed to boot" in output
