"""SQLite, the embedded database: Unicode-aware LIKE here, the engine in `base.py`.

SQLite's own LIKE folds the case of ASCII letters only, so a search for
"лютик" would miss "Лютик". SQLite lets an application replace like(); this
one folds case like Python does, which matches what PostgreSQL's ILIKE gives
in production. (Django runs both `contains` and `icontains` as LIKE on SQLite.)
"""

import re
from functools import lru_cache

from django.db.backends.base.base import BaseDatabaseWrapper


@lru_cache(maxsize=512)
def like_pattern(pattern: str, escape: str | None) -> re.Pattern:
    """A LIKE pattern (% any run, _ any one character) as a case-insensitive regex."""
    parts = []
    chars = iter(pattern)
    for char in chars:
        if char == escape:
            parts.append(re.escape(next(chars, "")))
        elif char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def unicode_like(pattern: str | None, value: object, escape: str | None = None) -> bool | None:
    if pattern is None or value is None:
        return None  # SQL NULL, as the built-in LIKE gives
    return like_pattern(pattern, escape).fullmatch(str(value)) is not None


def install_unicode_like(sender: type, connection: BaseDatabaseWrapper, **kwargs) -> None:
    """connection_created receiver: replace like() on every new SQLite connection."""
    if connection.vendor != "sqlite":
        return
    for arity in (2, 3):
        connection.connection.create_function("like", arity, unicode_like, deterministic=True)
