"""Log record plumbing: a request id on every record, JSON lines in production.

Both formatters hide anything shaped like a WB token in the finished line, so that a
token typed into an address or a search box does not reach the log through Django's
"Not Found: /…" warnings, gunicorn's access lines (query string, referer) or a traceback.
"""

import json
import logging
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, datetime

from .redaction import hide_tokens

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

# Attributes every LogRecord has; anything else was passed via `extra=` and is kept.
_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class RequestIdFilter(logging.Filter):
    """Stamp each record with the id of the request being served (or "-")."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return hide_tokens(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        entry.update(
            (key, value)
            for key, value in vars(record).items()
            if key not in _STANDARD_ATTRS and key not in entry and not key.startswith("_")
        )
        entry.update(self.fields(record))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        # A token's characters need no escaping in JSON, so hiding it keeps the line valid.
        return hide_tokens(json.dumps(entry, default=str, ensure_ascii=False))

    def fields(self, record: logging.LogRecord) -> dict:
        return {}


class AccessJsonFormatter(JsonFormatter):
    """Gunicorn's access lines, with the request's parts as fields of their own."""

    # gunicorn's names for the parts of a request ("atoms") -> our field names
    ATOMS = {
        "m": "method",
        "U": "path",
        "q": "query",
        "s": "status",
        "B": "bytes",
        "M": "duration_ms",
        "h": "remote_addr",
        "f": "referer",
        "a": "user_agent",
    }

    def fields(self, record: logging.LogRecord) -> dict:
        atoms = record.args if isinstance(record.args, Mapping) else {}
        fields = {name: atoms.get(atom) for atom, name in self.ATOMS.items()}
        # Gunicorn logs after the response, outside the request: take its id from the response.
        fields["request_id"] = atoms.get("{x-request-id}o", "-")
        fields["message"] = f"{fields['method']} {fields['path']} {fields['status']}"
        return fields
