"""The emulator's HTTP vocabulary: requests, replies, routes, and WB's body shapes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

if TYPE_CHECKING:
    from wbapi.claims import TokenClaims
    from wbapi.emulator.state import EmulatorState

MOSCOW = timezone(timedelta(hours=3), "MSK")
JSON_TYPE = "application/json; charset=utf-8"
PROBLEM_TYPE = "application/problem+json; charset=utf-8"
# WB's gateway names the internal service that answered; the emulator names itself.
GATEWAY_ORIGIN = "wb-emulator-gateway"
GATEWAY_TITLES = {
    401: "unauthorized",
    403: "forbidden",
    404: "path not found",
    429: "too many requests",
}
MAX_REQUEST_BODY = 1024 * 1024
NO_BODY_STATUSES = frozenset({204, 304})


@dataclass(frozen=True)
class Request:
    method: str
    host: str  # first path segment: the WB host name the request is meant for
    path: str  # the rest, as WB would see it
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # lower-case names
    body: bytes

    @classmethod
    def from_environ(cls, environ: Mapping) -> Request:
        host, _, rest = environ.get("PATH_INFO", "/").lstrip("/").partition("/")
        headers = {
            name[5:].replace("_", "-").lower(): value
            for name, value in environ.items()
            if name.startswith("HTTP_")
        }
        length = environ.get("CONTENT_LENGTH") or "0"
        size = min(int(length), MAX_REQUEST_BODY) if length.isdigit() else 0
        return cls(
            method=environ.get("REQUEST_METHOD", "GET").upper(),
            host=host,
            path="/" + rest,
            query=parse_qs(environ.get("QUERY_STRING", "")),
            headers=headers,
            body=environ["wsgi.input"].read(size) if size else b"",
        )

    def json(self) -> object:
        """The body as JSON; ValueError if it is not."""
        return json.loads(self.body or b"null")


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes = b""
    content_type: str = JSON_TYPE
    headers: tuple[tuple[str, str], ...] = ()
    # Seconds between single bytes of the body; None sends it at once.
    drip_delay: float | None = None
    # The same for the status line and headers, which the server writes (see HEADER_DRIP).
    header_drip_delay: float | None = None
    # Send only this many bytes of the body (after announcing all of it), then hang up.
    truncate_after: int | None = None

    def with_headers(self, *headers: tuple[str, str]) -> Reply:
        return replace(self, headers=self.headers + headers)

    @property
    def status_line(self) -> str:
        return f"{self.status} {_phrase(self.status)}"

    @property
    def has_body(self) -> bool:
        return self.status not in NO_BODY_STATUSES

    def header_list(self) -> list[tuple[str, str]]:
        if not self.has_body:
            return list(self.headers)
        return [
            ("Content-Type", self.content_type),
            ("Content-Length", str(len(self.body))),
            *self.headers,
        ]

    def chunks(self, sleep: Callable[[float], None]) -> Iterator[bytes]:
        if not self.has_body:
            return
        body = self.body if self.truncate_after is None else self.body[: self.truncate_after]
        if self.drip_delay is None:
            yield body
        else:
            for index in range(len(body)):
                sleep(self.drip_delay)
                yield body[index : index + 1]
        if self.truncate_after is not None:
            raise CloseConnection


@dataclass(frozen=True)
class Call:
    """What an endpoint handler gets: the request, the verified token, the emulator state,
    the request's id and the values of the path's `{name}` segments."""

    request: Request
    claims: TokenClaims
    state: EmulatorState
    request_id: str = ""
    path_params: Mapping[str, str] = field(default_factory=dict)


class ClientError(ValueError):
    """Bad input: the handler answers it in its category's error shape (Route.error_reply).
    `code` is the service's own error code, where it has one."""

    def __init__(self, detail: str, status: int = 400, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status
        self.code = code


ErrorReply = Callable[[ClientError, str], Reply]  # (the error, the request's id) -> Reply


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # may hold `{name}` segments, e.g. /api/v3/stocks/{warehouseId}
    hosts: tuple[str, ...]
    limit_group: str  # key of wbapi.limits.LIMIT_GROUPS
    handler: Callable[[Call], Reply]
    # Token types the method is open to; None: every type.
    token_types: frozenset[str] | None = None
    # How the method's service words an error (a ClientError of the handler's).
    error_reply: ErrorReply | None = None

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """The path parameters if the request is for this route, else None."""
        if method != self.method:
            return None
        return match_path(self.path, path)


def match_path(pattern: str, path: str) -> dict[str, str] | None:
    """`{name}` segments of `pattern` bound to `path`'s, or None if they do not match."""
    wanted, given = pattern.split("/"), path.split("/")
    if len(wanted) != len(given):
        return None
    params = {}
    for want, have in zip(wanted, given, strict=True):
        if want.startswith("{") and want.endswith("}"):
            if not have:
                return None
            params[want[1:-1]] = have
        elif want != have:
            return None
    return params


def json_reply(payload: object, status: int = 200) -> Reply:
    return Reply(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"))


def problem_reply(status: int, detail: str, *, request_id: str) -> Reply:
    """An error in the shape of WB's API gateway (problem+json)."""
    body = {
        "title": GATEWAY_TITLES.get(status, _phrase(status).lower()),
        "detail": detail,
        "code": f"emu-{request_id[:8]}-{status}",
        "requestId": request_id,
        "origin": GATEWAY_ORIGIN,
        "status": status,
        "statusText": _phrase(status),
        "timestamp": rfc3339_utc(datetime.now(UTC)),
    }
    return replace(json_reply(body, status), content_type=PROBLEM_TYPE)


def rfc3339_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


# The WSGI environ key through which the app asks the server to trickle the headers.
HEADER_DRIP = "wbapi.emulator.header_drip_delay"


class AbortConnection(Exception):
    """Raised by the application to make the server reset the connection without answering."""


class CloseConnection(Exception):
    """Raised while sending a body to make the server hang up (FIN) without sending the rest."""
