"""`python -m wbapi.emulator` as a separate process, sharing a state directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from wbapi.claims import decode_token
from wbapi.client import WBClient
from wbapi.emulator.testing import EmulatorServer
from wbapi.errors import InvalidToken

REPO_ROOT = Path(__file__).resolve().parents[2]


def emulator_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("WB_EMULATOR")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    return {**env, **extra}


def run_cli(*args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "wbapi.emulator", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=emulator_env(**env),
        timeout=20,
        check=False,
    )


def mint(state_dir: Path, *args: str) -> str:
    result = run_cli("mint", "--state-dir", str(state_dir), *args)
    assert result.returncode == 0, result.stderr
    (token,) = result.stdout.split()
    return token


def test_a_token_minted_by_the_cli_works_on_a_running_server_with_the_same_state_dir(tmp_path):
    with EmulatorServer(state_dir=tmp_path) as server:
        token = mint(
            tmp_path,
            "--type",
            "personal",
            "--categories",
            "content,statistics",
            "--days",
            "30",
            "--seller-name",
            "ИП Консольный К. К.",
            "--tin",
            "500100732259",
            "--trade-mark",
            "Console",
            "--country",
            "AM",
        )
        result = WBClient(token, base_url=server.base_url).check()

    assert result.seller.name == "ИП Консольный К. К."
    assert (result.seller.tin, result.seller.trade_mark, result.seller.country) == (
        "500100732259",
        "Console",
        "AM",
    )
    assert result.claims.categories == ("content", "statistics")
    assert result.claims.days_left(datetime.now(UTC)) == 29


def test_the_cli_mints_read_only_test_tokens_for_a_given_sid(tmp_path):
    sid = "0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"

    claims = decode_token(mint(tmp_path, "--test", "--read-only", "--sid", sid, "--type", "test"))

    assert (claims.token_type, claims.is_test, claims.read_only) == ("test", True, True)
    assert claims.seller_sid == sid


def test_the_cli_describes_the_minted_token_on_stderr(tmp_path):
    result = run_cli("mint", "--state-dir", str(tmp_path), "--expires-in-days", "3")

    assert "personal token for" in result.stderr
    assert result.stdout.strip() not in result.stderr


def test_a_token_revoked_by_the_cli_is_refused_by_a_running_server(tmp_path):
    with EmulatorServer(state_dir=tmp_path) as server:
        token = server.mint()
        client = WBClient(token, base_url=server.base_url)
        client.ping()

        result = run_cli("revoke", "--state-dir", str(tmp_path), stdin=token + "\n")

        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"Revoked token …{token[-4:]}"
        with pytest.raises(InvalidToken, match="revoked"):
            client.ping("content")


def test_the_cli_takes_its_key_from_the_environment(tmp_path):
    token = mint(tmp_path, "--categories", "content")  # creates the key file
    key = "a shared key for the emulator"
    with_env_key = run_cli("mint", "--state-dir", str(tmp_path), WB_EMULATOR_KEY=key)

    with EmulatorServer(key=key.encode()) as server:
        assert WBClient(with_env_key.stdout.strip(), base_url=server.base_url).ping().status == "OK"
        with pytest.raises(InvalidToken):
            WBClient(token, base_url=server.base_url).ping("content")


def test_demo_tokens_are_an_agencys_three_sellers_and_stay_the_same_across_runs(tmp_path):
    first = run_cli("demo-tokens", "--state-dir", str(tmp_path), "--json")
    second = run_cli("demo-tokens", "--state-dir", str(tmp_path), "--json")
    text = run_cli("demo-tokens", "--state-dir", str(tmp_path))

    assert first.returncode == 0, first.stderr
    tokens = json.loads(first.stdout)
    assert json.loads(second.stdout) == tokens
    assert all(token["token"] in text.stdout for token in tokens)
    claims = [decode_token(token["token"]) for token in tokens]
    by_seller = {}
    for token, claim in zip(tokens, claims, strict=True):
        assert set(token) == {"name", "token", "seller", "sid"}
        assert token["sid"] == claim.seller_sid
        by_seller.setdefault(token["seller"], []).append(claim)
    assert len(by_seller) == 3
    market, linen, _ = by_seller.values()
    assert [(c.token_type, c.read_only, c.is_test) for c in market] == [
        ("personal", False, False),
        ("personal", True, False),
        ("basic", False, False),
        ("test", False, True),
    ]
    assert "finance" in market[0].categories
    assert [(c.token_type, "finance" in c.categories) for c in linen] == [("personal", False)]
    assert all(c.days_left(datetime.now(UTC)) > 170 for c in claims)


def test_demo_tokens_are_minted_again_when_they_would_expire_within_30_days(tmp_path):
    from wbapi.emulator import demo
    from wbapi.emulator.state import EmulatorState

    state = EmulatorState.open(tmp_path)
    now = datetime.now(UTC)
    first = demo.tokens(state, now=now)

    later = demo.tokens(state, now=now + timedelta(days=140))
    much_later = demo.tokens(state, now=now + timedelta(days=151))

    assert later == first
    assert not {t.token for t in much_later} & {t.token for t in first}


def test_configure_stores_a_sellers_world_for_a_server_sharing_the_state_dir(tmp_path):
    result = run_cli(
        "configure",
        "--state-dir",
        str(tmp_path),
        "--sid",
        "s-1",
        "--products",
        "12",
        "--history-start",
        "2026-01-05",
    )
    refused = run_cli("configure", "--state-dir", str(tmp_path), "--sid", "s-1", "--page-rows", "0")

    assert result.returncode == 0, result.stderr
    with EmulatorServer(state_dir=tmp_path) as server:
        config = server.world_config("s-1")
    assert (config.products, config.history_start.isoformat()) == (12, "2026-01-05")
    assert refused.returncode == 2
    assert refused.stderr.strip() == "error: page_rows must be a whole number from 1 to 80,000"


def test_the_cli_reports_a_bad_category_without_a_traceback(tmp_path):
    result = run_cli("mint", "--state-dir", str(tmp_path), "--categories", "content,stocks")

    assert result.returncode == 2
    assert result.stderr.strip() == "error: Unknown WB API category: 'stocks'"


def test_the_cli_refuses_to_revoke_text_that_is_not_a_token(tmp_path):
    result = run_cli("revoke", "--state-dir", str(tmp_path), stdin="not a token")

    assert result.returncode == 2
    assert "error:" in result.stderr


def test_the_cli_serves_with_faults_from_flags_and_environment(tmp_path):
    token = mint(tmp_path)
    env_faults = json.dumps([{"kind": "status", "status": 502, "times": 1}])
    flag_fault = json.dumps({"kind": "status", "status": 503, "times": 1})
    command = [sys.executable, "-m", "wbapi.emulator", "--port", "0", "--speed", "5"]
    server = subprocess.Popen(
        [*command, "--state-dir", str(tmp_path), "--fault", flag_fault],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
        env=emulator_env(WB_EMULATOR_FAULTS=env_faults),
    )
    try:
        base_url = server.stdout.readline().split()[-1]
        url = base_url.replace("{host}", "common-api") + "/ping"
        headers = {"Authorization": f"Bearer {token}"}
        statuses = [requests.get(url, headers=headers, timeout=5).status_code for _ in range(3)]
    finally:
        server.terminate()
        server.wait(timeout=5)

    assert base_url.startswith("http://127.0.0.1:")
    assert base_url.endswith("/{host}")
    assert statuses == [502, 503, 200]


def test_the_emulator_runs_without_requests_or_django():
    code = (
        "import sys, wbapi.emulator.__main__, wbapi.emulator.testing;"
        "print(sorted(m for m in ('requests', 'urllib3', 'django') if m in sys.modules))"
    )

    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=emulator_env(),
        timeout=20,
        check=True,
    )

    assert result.stdout.strip() == "[]"
