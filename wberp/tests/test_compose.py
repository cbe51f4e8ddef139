"""docker-compose.yml, read as Docker Compose reads it (no Docker engine runs here)."""

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands

COMPOSE = Path(settings.BASE_DIR) / "docker-compose.yml"


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]


def seconds(duration: str) -> int:
    """A Compose duration such as 2m or 90s, in seconds."""
    units = {"h": 3600, "m": 60, "s": 1}
    parts = re.findall(r"(\d+)([hms])", duration)
    assert "".join(f"{n}{u}" for n, u in parts) == duration, duration
    return sum(int(number) * units[unit] for number, unit in parts)


def test_the_worker_runs_the_web_image_against_the_same_database(services):
    web, worker = services["web"], services["worker"]
    assert (worker["build"], worker["image"]) == (web["build"], web["image"])
    assert worker["env_file"] == web["env_file"]
    assert worker["environment"] == web["environment"]  # DEBUG off, the db service's URL
    assert "ports" not in worker
    assert "deploy" not in worker  # no fixed replica count: --scale worker=N


def test_the_worker_waits_for_the_database_and_the_migrations_then_runs_db_worker(services):
    worker = services["worker"]
    assert worker["depends_on"]["db"] == {"condition": "service_healthy"}
    assert "web" in worker["depends_on"]
    script = worker["command"][-1]
    assert worker["command"][:2] == ["sh", "-c"]
    wait, _, start = script.partition("done;")
    assert "until python manage.py migrate --check" in wait
    assert start.strip() == "exec python manage.py db_worker --no-reload"
    # The command of that name is the one that also ticks the periodic jobs.
    assert get_commands()["db_worker"] == "jobs"


def test_a_stopping_worker_has_time_to_finish_its_task(services):
    worker = services["worker"]
    assert seconds(worker["stop_grace_period"]) >= 60
    assert worker["healthcheck"] == {"disable": True}  # the image's asks the web server
    assert worker["restart"] == "unless-stopped"


def test_the_web_service_still_migrates_before_it_serves(services):
    script = services["web"]["command"][-1]
    assert script.index("migrate --noinput") < script.index("exec gunicorn")
