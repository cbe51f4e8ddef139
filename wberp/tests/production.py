"""What the tests of the production server share: its environment, its command, its database.

The server runs as the Docker image runs it: the Dockerfile's own CMD, DEBUG off,
fresh secrets, and no developer `.env`.
"""

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from django.conf import settings

from wberp.envfile import production_secrets

BASE_DIR = Path(settings.BASE_DIR)
HOST = "127.0.0.1"


def production_env(**overrides: str | None) -> dict[str, str]:
    """A clean production environment; an override of None removes a variable."""
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONDONTWRITEBYTECODE": "1",
        "WBERP_ENV_FILE": os.devnull,
        "DJANGO_SETTINGS_MODULE": "wberp.settings",
        "DEBUG": "false",
        **production_secrets(),
        "ALLOWED_HOSTS": "erp.example.com",
    }
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def server_env(tmp: Path, port: int, **overrides: str | None) -> dict[str, str]:
    """Production settings for a gunicorn of one worker on `port`, files under `tmp`."""
    return production_env(
        ALLOWED_HOSTS="localhost,127.0.0.1",
        STATIC_ROOT=str(tmp / "static"),
        GUNICORN_BIND=f"{HOST}:{port}",
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="2",
        LOG_LEVEL="WARNING",
        HOME=str(tmp),
        # As deployed behind the TLS proxy, whose X-Forwarded-Proto the requests carry.
        TRUSTED_PROXY_COUNT="1",
        **overrides,
    )


def dockerfile_exec_form(instruction: str) -> list[str]:
    """The JSON argv of the Dockerfile line that starts with `instruction`."""
    text = (BASE_DIR / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    for line in text.splitlines():
        if line.startswith(instruction + " "):
            return json.loads(line[line.index("[") :])
    raise AssertionError(f"No {instruction} line in the Dockerfile")


def gunicorn_argv() -> list[str]:
    """The Dockerfile's CMD, with gunicorn from this virtual environment."""
    argv = dockerfile_exec_form("CMD")
    assert argv[0] == "gunicorn"
    script = Path(sys.executable).with_name("gunicorn")
    argv[:1] = [str(script)] if script.exists() else [sys.executable, "-m", "gunicorn"]
    return argv


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def postgres_url(db: dict) -> str:
    """A DATABASE_URL for the connection settings of a Django database."""
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = quote(db["HOST"] or "", safe="") + (f":{db['PORT']}" if db["PORT"] else "")
    return f"postgres://{credentials}@{host}/{quote(db['NAME'], safe='')}"


def start_gunicorn(env: dict[str, str], log: Path) -> subprocess.Popen:
    """The production server in its own process group, its output in `log`."""
    with log.open("wb") as out:
        return subprocess.Popen(
            gunicorn_argv(),
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen) -> None:
    """Stop a server and its workers: SIGTERM to the group, SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
