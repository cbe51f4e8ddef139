"""SQLite for the web server and the workers at once: WAL mode, IMMEDIATE transactions, a
busy timeout, and a database file no other local user can read.

The settings are read back from a real connection to a fresh database made with the
production settings in another process, so that both suites (SQLite and PostgreSQL) test it.
"""

import json
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from wberp.sqlite.base import create_private_file

from .production import production_env

READ_BACK = """
import json, os, stat
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    journal_mode = cursor.fetchone()[0]
    cursor.execute("PRAGMA busy_timeout")
    busy_timeout = cursor.fetchone()[0]
    name = connection.settings_dict["NAME"]
    modes = {
        suffix: oct(stat.S_IMODE(os.stat(name + suffix).st_mode))
        for suffix in ("", "-wal", "-shm")
        if os.path.exists(name + suffix)
    }
print(json.dumps({
    "journal_mode": journal_mode,
    "busy_timeout": busy_timeout,
    "transaction_mode": connection.transaction_mode,
    "modes": modes,
}))
"""


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def manage(*args: str, database: Path, **env: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=production_env(DATABASE_URL=f"sqlite:///{database}", **env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_a_new_database_is_private_and_opened_in_wal_mode_with_immediate_transactions(tmp_path):
    database = tmp_path / "wberp.sqlite3"
    manage("migrate", "--noinput", "-v0", database=database)
    assert mode(database) == 0o600
    seen = json.loads(manage("shell", "-v0", "-c", READ_BACK, database=database))
    assert seen["journal_mode"] == "wal"
    assert seen["busy_timeout"] == 20_000  # milliseconds: SQLITE_BUSY_TIMEOUT's default
    assert seen["transaction_mode"] == "IMMEDIATE"
    # SQLite gives the files beside the database the database's own mode.
    assert seen["modes"] == {"": "0o600", "-wal": "0o600", "-shm": "0o600"}


def test_make_setup_makes_the_default_database_folder_private(tmp_path):
    """`make setup` runs the `var` target: var/ (the default database's folder) is 0700,
    in a fresh checkout and in an old one whose var/ was readable by all."""
    makefile = Path(settings.BASE_DIR) / "Makefile"
    (tmp_path / "var").mkdir(mode=0o755)
    make = shutil.which("make") or pytest.skip("make is not installed")
    result = subprocess.run(
        [make, "-s", "-C", str(tmp_path), "-f", str(makefile), "var"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert mode(tmp_path / "var") == 0o700
    assert (tmp_path / "var" / "static").is_dir()


def test_the_busy_timeout_is_a_setting(tmp_path):
    database = tmp_path / "wberp.sqlite3"
    seen = json.loads(
        manage("shell", "-v0", "-c", READ_BACK, database=database, SQLITE_BUSY_TIMEOUT="2.5")
    )
    assert seen["busy_timeout"] == 2_500


def test_the_file_is_made_private_its_folder_is_left_as_it_is(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    create_private_file(shared / "wberp.sqlite3")
    assert mode(shared / "wberp.sqlite3") == 0o600
    assert mode(shared) == 0o755  # a folder such as /tmp is not the database's to change


def test_an_existing_file_is_not_touched(tmp_path):
    existing = tmp_path / "old.sqlite3"
    existing.write_bytes(b"")
    existing.chmod(0o640)
    create_private_file(existing)
    assert mode(existing) == 0o640


def test_a_missing_folder_is_not_created(tmp_path):
    """A folder that is gone (an unmounted volume) fails loudly; no empty database starts."""
    create_private_file(tmp_path / "unmounted" / "wberp.sqlite3")
    assert not (tmp_path / "unmounted").exists()


@pytest.mark.parametrize("name", [":memory:", "file:memorydb_default?mode=memory&cache=shared"])
def test_in_memory_databases_make_no_file(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    create_private_file(name)
    assert list(tmp_path.iterdir()) == []


WRITE_LOCK = """
import sqlite3
from django.db import connection, transaction
connection.ensure_connection()
other = sqlite3.connect(connection.settings_dict["NAME"], timeout=0, isolation_level=None)
with transaction.atomic():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    try:
        other.execute("BEGIN IMMEDIATE")
        print("free while a transaction that only read was open")
    except sqlite3.OperationalError as exc:
        print("held:", exc)
other.execute("BEGIN IMMEDIATE")
other.execute("ROLLBACK")
print("free once it ended")
"""


def test_a_transaction_takes_the_write_lock_when_it_begins(tmp_path):
    """IMMEDIATE: even a transaction that has only read holds off other writers, so that
    its later write never fails halfway with "database is locked"."""
    database = tmp_path / "wberp.sqlite3"
    said = manage("shell", "-v0", "-c", WRITE_LOCK, database=database).splitlines()
    assert said == ["held: database is locked", "free once it ended"]
