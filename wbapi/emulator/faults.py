"""Injected faults: what a real network and a real WB sometimes do, on demand.

A fault applies to every request (or only to one host, path, token id or seller sid) until it
has been used `times` times or is cleared. The first matching fault wins.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace

from wbapi.claims import TokenClaims
from wbapi.emulator.protocol import JSON_TYPE, Reply, json_reply, problem_reply

KINDS = {
    "status": "answer with `status` and `body` (default: WB's gateway error body)",
    "latency": "wait `delay` seconds, then answer normally",
    "drip": "answer normally, but send the body one byte every `delay` seconds",
    "slow_headers": "answer normally, but send the status line and headers one byte every "
    "`delay` seconds",
    "reset": "close the connection abruptly (TCP reset) without answering",
    "malformed_json": "answer `status` (default 200) with a JSON content type and broken JSON",
    "html": "answer `status` (default 200) with an HTML page, as a proxy in the way would",
    "truncate": "answer normally and announce the whole body, but hang up after `after_bytes` "
    "bytes of it (default: half)",
}
DEFAULT_DELAYS = {"latency": 1.0, "drip": 0.5, "slow_headers": 0.5}
HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Service unavailable</title></head>\n"
    b"<body>Please try again later.</body></html>\n"
)
BROKEN_JSON = b'{"TS": "2024-08-16T11:19:05+03:00", "Status": '


@dataclass
class Fault:
    kind: str
    host: str | None = None
    path: str | None = None
    token_id: str | None = None
    sid: str | None = None
    times: int | None = None  # None: until cleared
    status: int | None = None
    body: object = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float | None = None
    after_bytes: int | None = None  # truncate: body bytes sent before hanging up
    id: int = 0  # given by the FaultBook

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Unknown fault kind {self.kind!r}; one of {sorted(KINDS)}")
        if self.kind == "status" and self.status is None:
            raise ValueError("A status fault needs a status")
        if self.status is not None and not 100 <= self.status <= 599:
            raise ValueError("status must be an HTTP status code")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be at least 1")
        if self.delay is None:
            self.delay = DEFAULT_DELAYS.get(self.kind, 0.0)
        if self.delay < 0:
            raise ValueError("delay must not be negative")
        if self.after_bytes is not None and self.after_bytes < 0:
            raise ValueError("after_bytes must not be negative")

    @classmethod
    def from_dict(cls, data: Mapping) -> Fault:
        """A fault from JSON (control endpoint, CLI, environment); ValueError if malformed."""
        if not isinstance(data, Mapping):
            raise ValueError("A fault is a JSON object")
        unknown = set(data) - {f.name for f in fields(cls) if f.name != "id"}
        if unknown:
            raise ValueError(f"Unknown fault fields: {sorted(unknown)}")
        _check_types(data)
        return cls(**data)

    def as_dict(self) -> dict:
        return asdict(self)

    def matches(self, host: str, path: str, claims: TokenClaims | None) -> bool:
        wanted = {
            "host": (self.host, host),
            "path": (self.path, path),
            "token_id": (self.token_id, claims and claims.token_id),
            "sid": (self.sid, claims and claims.seller_sid),
        }
        return all(want is None or want == have for want, have in wanted.values())

    def reply(self, request_id: str) -> Reply:
        """The answer of a fault that replaces WB's answer (status, malformed_json, html)."""
        status = self.status or 200
        if self.kind == "html":
            reply = Reply(status, HTML_PAGE, content_type="text/html; charset=utf-8")
        elif self.kind == "malformed_json":
            reply = Reply(status, BROKEN_JSON, content_type=JSON_TYPE)
        elif self.body is None:
            reply = problem_reply(status, "injected fault", request_id=request_id)
        else:
            reply = json_reply(self.body, status)
        return reply.with_headers(*self.headers.items())


_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "kind": (str,),
    "host": (str,),
    "path": (str,),
    "token_id": (str,),
    "sid": (str,),
    "times": (int,),
    "status": (int,),
    "headers": (dict,),
    "delay": (int, float),
    "after_bytes": (int,),
}


def _check_types(data: Mapping) -> None:
    for name, value in data.items():
        allowed = _FIELD_TYPES.get(name)
        if value is None or allowed is None:
            continue
        if isinstance(value, bool) or not isinstance(value, allowed):
            raise ValueError(f"Fault field {name!r} has the wrong type")
    headers = data.get("headers") or {}
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
        raise ValueError("Fault headers must map names to string values")


class FaultBook:
    """The active faults, safe to use from several threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._last_id = 0

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._last_id += 1
            stored = replace(fault, id=self._last_id)
            self._faults.append(stored)
            return stored

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def active(self) -> list[Fault]:
        with self._lock:
            return [replace(fault) for fault in self._faults]

    def take(self, host: str, path: str, claims: TokenClaims | None) -> Fault | None:
        """The first fault matching the request, counting one use of it."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(host, path, claims):
                    taken = replace(fault)
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times == 0:
                            self._faults.remove(fault)
                    return taken
        return None
