"""Production settings refuse to start without their secrets and pass check --deploy."""

import subprocess
import sys

import pytest
from django.conf import settings

from .production import production_env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_settings_pass_check_deploy():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SECRET_KEY", None),
        ("SECRET_KEY", ""),
        ("SECRET_KEY", "too-short"),
        ("SECRET_KEY", "django-insecure-" + "a1b2c3d4e5" * 5),
        ("WB_TOKEN_KEYS", None),
        ("WB_TOKEN_FINGERPRINT_KEY", None),
    ],
)
def test_production_refuses_to_start_without_a_proper_secret(variable, value):
    result = manage("check", env=production_env(**{variable: value}))
    assert result.returncode != 0
    assert f"{variable} is" in result.stderr
    assert "python -m wberp.envfile --print" in result.stderr


def test_debug_runs_without_secrets():
    env = production_env(
        DEBUG="true", SECRET_KEY=None, WB_TOKEN_KEYS=None, WB_TOKEN_FINGERPRINT_KEY=None
    )
    result = manage("check", env=env)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("variable", ["JOBS_TICK_SECONDS", "SQLITE_BUSY_TIMEOUT"])
@pytest.mark.parametrize("value", ["0", "-5", "nan", "inf", "soon"])
def test_a_duration_must_be_a_positive_number_of_seconds(variable, value):
    result = manage("check", env=production_env(**{variable: value}))
    assert result.returncode != 0
    assert f"{variable} must be a number of seconds above 0" in result.stderr


@pytest.mark.parametrize(
    ("variable", "unit"),
    [
        ("ALERTS_SYNC_FAILED_RUNS", "runs"),
        ("ALERTS_STALE_FACTOR", ""),
        ("ALERTS_STOCK_DAYS", "days"),
    ],
)
def test_an_alerts_threshold_must_be_a_positive_number(variable, unit):
    result = manage("check", env=production_env(**{variable: "0"}))
    assert result.returncode != 0
    what = f"a number of {unit}" if unit else "a number"
    assert f"{variable} must be {what} above 0, not '0'" in result.stderr


def test_the_replaced_proxy_header_setting_stops_start_up():
    result = manage("check", env=production_env(AXES_IP_HEADERS="HTTP_X_FORWARDED_FOR"))
    assert result.returncode != 0
    assert "AXES_IP_HEADERS is no longer read" in result.stderr
    assert "TRUSTED_PROXY_COUNT" in result.stderr
