"""The SQLite engine of wberp (`ENGINE: "wberp.sqlite"`): Django's, with a private file.

SQLite creates a missing database file with the umask's mode, commonly 0644: readable by
every local user, and the file holds every seller's data and the tokens' ciphertext. This
engine creates it first, 0600; SQLite then gives its -wal and -shm files the database
file's mode. The folder is not created: a folder that is missing (an unmounted volume)
must fail loudly rather than start an empty database, and `make setup` creates the
default one, var/, 0700. An existing file is never touched.

WAL mode, IMMEDIATE transactions and the busy timeout are plain OPTIONS (settings.py).
"""

import os
from pathlib import Path

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict):
        create_private_file(conn_params["database"])
        return super().get_new_connection(conn_params)


def create_private_file(name: str | Path) -> None:
    """Create the database file `name`, mode 0600, if it is missing and its folder is not."""
    if is_in_memory(name):
        return
    path = Path(name)
    if not path.parent.is_dir():
        return  # SQLite reports that it cannot open the database
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(descriptor)
    path.chmod(0o600)  # whatever the umask


def is_in_memory(name: str | Path) -> bool:
    """An in-memory database or a URI (Django's test databases use `file:…?mode=memory`)."""
    text = str(name)
    return text in ("", ":memory:") or text.startswith("file:")
