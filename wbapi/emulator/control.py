"""The control endpoint under /__emulator__/: faults, revocations, the request log, the clock,
sellers' world configurations, ground truth, finance revisions, reset.

GET    /__emulator__/log[?host=&path=&status=]   {"count": n, "requests": [...]}
GET    /__emulator__/faults                      active faults
POST   /__emulator__/faults                      add one (a fault object, see faults.KINDS)
DELETE /__emulator__/faults                      clear all
POST   /__emulator__/revoke                      {"token": "..."}: revoke it
GET    /__emulator__/clock                       {"now": RFC 3339, "frozen": bool}
POST   /__emulator__/clock                       {"at": RFC 3339, "advance": seconds,
                                                  "freeze": true, "resume": true}, any of them
GET    /__emulator__/sellers/{sid}/config        the seller's world configuration
POST   /__emulator__/sellers/{sid}/config        change some of its fields
GET    /__emulator__/sellers/{sid}/truth/{dataset}[?period=daily]
                                                 {"dataset", "now", "count", "rows"}
POST   /__emulator__/sellers/{sid}/finance/revise {"reportId": n}: WB revises that report now
POST   /__emulator__/reset                       forget log, buckets, faults, revocations,
                                                 configurations, revisions; real time again
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict
from datetime import UTC, datetime

from wbapi.emulator.faults import Fault
from wbapi.emulator.protocol import (
    Reply,
    Request,
    json_reply,
    match_path,
    problem_reply,
    rfc3339_utc,
)
from wbapi.emulator.state import EmulatorState
from wbapi.emulator.world.basis import parse_instant
from wbapi.errors import WBError

Params = Mapping[str, str]


def handle_control(state: EmulatorState, request: Request) -> Reply:
    for method, pattern, action in ACTIONS:
        params = match_path(pattern, request.path) if method == request.method else None
        if params is not None:
            try:
                return action(state, request, params)
            except (ValueError, TypeError, WBError) as exc:
                return problem_reply(400, str(exc), request_id=uuid.uuid4().hex)
    return problem_reply(404, "unknown control endpoint", request_id=uuid.uuid4().hex)


def read_log(state: EmulatorState, request: Request, params: Params) -> Reply:
    host, path, status = (request.query.get(name, [None])[0] for name in ("host", "path", "status"))
    entries = state.log.select(host=host, path=path, status=int(status) if status else None)
    return json_reply({"count": len(entries), "requests": [asdict(entry) for entry in entries]})


def list_faults(state: EmulatorState, request: Request, params: Params) -> Reply:
    return json_reply([fault.as_dict() for fault in state.faults.active()])


def add_fault(state: EmulatorState, request: Request, params: Params) -> Reply:
    fault = state.faults.add(Fault.from_dict(request.json()))
    return json_reply(fault.as_dict(), status=201)


def clear_faults(state: EmulatorState, request: Request, params: Params) -> Reply:
    state.faults.clear()
    return json_reply({"faults": []})


def revoke(state: EmulatorState, request: Request, params: Params) -> Reply:
    body = _object(request)
    if not isinstance(body.get("token"), str):
        raise ValueError('Send {"token": "<the token>"}')
    return json_reply({"revoked": f"…{state.revoke(body['token'])}"})


def read_clock(state: EmulatorState, request: Request, params: Params) -> Reply:
    return json_reply(_clock(state))


def set_clock(state: EmulatorState, request: Request, params: Params) -> Reply:
    body = _object(request)
    unknown = set(body) - {"at", "advance", "freeze", "resume"}
    if unknown:
        raise ValueError(f"Unknown clock fields: {sorted(unknown)}")
    advance = body.get("advance", 0)
    if isinstance(advance, bool) or not isinstance(advance, int | float):
        raise ValueError("advance is a number of seconds")
    at = datetime.fromtimestamp(parse_instant(body["at"]), UTC) if "at" in body else None
    if body.get("freeze") is True:
        state.clock.freeze()
    if at is not None:
        state.clock.set(at)
    state.clock.advance(advance)
    if body.get("resume") is True:
        state.clock.resume()
    return json_reply(_clock(state))


def read_config(state: EmulatorState, request: Request, params: Params) -> Reply:
    return json_reply(state.worlds.config(params["sid"]).as_dict())


def configure(state: EmulatorState, request: Request, params: Params) -> Reply:
    return json_reply(state.worlds.configure(params["sid"], _object(request)).as_dict())


def read_truth(state: EmulatorState, request: Request, params: Params) -> Reply:
    period = request.query.get("period", ["weekly"])[-1]
    now, rows = state.truth(params["sid"], params["dataset"], period)
    answer = {"dataset": params["dataset"], "now": rfc3339_utc(_utc(now)), "count": len(rows)}
    return json_reply({**answer, "rows": rows})


def revise_report(state: EmulatorState, request: Request, params: Params) -> Reply:
    report_id = _object(request).get("reportId")
    if isinstance(report_id, bool) or not isinstance(report_id, int):
        raise ValueError('Send {"reportId": <a report id>}')
    at = state.worlds.revise(params["sid"], report_id)
    return json_reply({"reportId": report_id, "revisedAt": rfc3339_utc(_utc(at))})


def reset(state: EmulatorState, request: Request, params: Params) -> Reply:
    state.reset()
    return json_reply({"reset": True})


def _object(request: Request) -> dict:
    body = request.json()
    if not isinstance(body, dict):
        raise ValueError("Send a JSON object")
    return body


def _clock(state: EmulatorState) -> dict:
    return {"now": rfc3339_utc(state.clock.now()), "frozen": state.clock.frozen}


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


ACTIONS: tuple[tuple[str, str, Callable[[EmulatorState, Request, Params], Reply]], ...] = (
    ("GET", "/log", read_log),
    ("GET", "/faults", list_faults),
    ("POST", "/faults", add_fault),
    ("DELETE", "/faults", clear_faults),
    ("POST", "/revoke", revoke),
    ("GET", "/clock", read_clock),
    ("POST", "/clock", set_clock),
    ("GET", "/sellers/{sid}/config", read_config),
    ("POST", "/sellers/{sid}/config", configure),
    ("GET", "/sellers/{sid}/truth/{dataset}", read_truth),
    ("POST", "/sellers/{sid}/finance/revise", revise_report),
    ("POST", "/reset", reset),
)
