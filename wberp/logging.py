"""Log record plumbing: a request id on every record, JSON lines in production.

No record carries anything shaped like a WB token: `configure` (Django's LOGGING_CONFIG)
installs a record factory that hides one in a record's message, arguments and traceback
as the record is made, so that every handler gets it hidden, ours or anyone's. A token
typed into an address or a search box would otherwise reach the log through Django's
"Not Found: /…" warnings, gunicorn's access lines (query string, referer) or a traceback.
"""

import json
import logging
import logging.config
import re
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, datetime

from django.utils.log import AdminEmailHandler

from .redaction import hide_tokens

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

# Attributes every LogRecord has; anything else was passed via `extra=` and is kept.
_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def configure(config: dict) -> None:
    """LOGGING_CONFIG: records that hide tokens, then Django's usual dictConfig."""
    make_record = logging.getLogRecordFactory()
    if not getattr(make_record, "hides_tokens", False):

        def make_token_safe_record(*args, **kwargs) -> logging.LogRecord:
            return without_tokens(make_record(*args, **kwargs))

        make_token_safe_record.hides_tokens = True
        logging.setLogRecordFactory(make_token_safe_record)
    logging.config.dictConfig(config)


def without_tokens(record: logging.LogRecord) -> logging.LogRecord:
    """`record` with anything shaped like a token in its text replaced by a marker.

    The exception itself stays, for error reports (which hide tokens themselves); its
    text, which formatters print, is replaced when it holds one.
    """
    try:
        message = record.getMessage()
    except Exception:  # arguments that do not fit: logging reports that when it emits
        return record
    if hide_tokens(message) != message:
        if isinstance(record.args, Mapping):  # gunicorn's access atoms: keep them as fields
            record.args = _hidden_values(record.args)
        else:
            record.msg, record.args = hide_tokens(message), ()
    if record.exc_info and record.exc_info[1] is not None:
        text = logging.Formatter().formatException(record.exc_info)
        if hide_tokens(text) != text:
            record.exc_text = hide_tokens(text)
    return record


def _hidden_values(args: Mapping) -> Mapping:
    hidden = {key: hide_tokens(v) if isinstance(v, str) else v for key, v in args.items()}
    try:
        return type(args)(hidden)
    except TypeError:
        return hidden


class RequestIdFilter(logging.Filter):
    """Stamp each record with the id of the request being served (or "-")."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class TokenSafeAdminEmailHandler(AdminEmailHandler):
    """Error mails whose subject and opening line hide anything shaped like a token (the
    report below them comes from TokenSafeExceptionReporter)."""

    def format_subject(self, subject: str) -> str:
        return hide_tokens(super().format_subject(subject))

    def format(self, record: logging.LogRecord) -> str:
        return hide_tokens(super().format(record))


# What could end a log line or disguise one: C0 and C1 control characters, Unicode line and
# paragraph separators, and the marks that reorder text (bidirectional controls). A username
# with a line break would otherwise write a line of its own ("login succeeded user=admin").
_LINE_BREAKERS = "\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069"
UNSAFE_IN_A_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_LINE_BREAKERS}]")
# JSON escapes C0 control characters itself; these it leaves as they are.
UNSAFE_IN_JSON = re.compile(f"[\x7f-\x9f{_LINE_BREAKERS}]")
# Lines of a traceback after the record's own: indented, so none can pass for a record.
CONTINUATION = "    "


def escape_controls(text: str) -> str:
    """`text` with each unsafe character written as its escape (a line break as "\\n")."""
    return UNSAFE_IN_A_LINE.sub(lambda char: char[0].encode("unicode_escape").decode(), text)


class TextFormatter(logging.Formatter):
    """Readable lines: one per record, its message escaped; a traceback follows indented."""

    def format(self, record: logging.LogRecord) -> str:
        record.message = record.getMessage()
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        lines = [escape_controls(self.formatMessage(record))]
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        stack = self.formatStack(record.stack_info) if record.stack_info else ""
        for text in (record.exc_text, stack):
            lines += [CONTINUATION + escape_controls(line) for line in (text or "").splitlines()]
        return hide_tokens("\n".join(lines))


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
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        line = json.dumps(entry, default=str, ensure_ascii=False)
        line = UNSAFE_IN_JSON.sub(lambda char: f"\\u{ord(char[0]):04x}", line)
        # A token's characters need no escaping in JSON, so hiding it keeps the line valid.
        return hide_tokens(line)

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
