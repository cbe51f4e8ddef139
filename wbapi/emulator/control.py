"""The control endpoint under /__emulator__/: faults, revocations, the request log, reset.

GET    /__emulator__/log[?host=&path=&status=]   {"count": n, "requests": [...]}
GET    /__emulator__/faults                      active faults
POST   /__emulator__/faults                      add one (a fault object, see faults.KINDS)
DELETE /__emulator__/faults                      clear all
POST   /__emulator__/revoke                      {"token": "..."}: revoke it
POST   /__emulator__/reset                       forget log, buckets, faults, revocations
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict

from wbapi.emulator.faults import Fault
from wbapi.emulator.protocol import Reply, Request, json_reply, problem_reply
from wbapi.emulator.state import EmulatorState
from wbapi.errors import WBError


def handle_control(state: EmulatorState, request: Request) -> Reply:
    action = ACTIONS.get((request.method, request.path))
    if action is None:
        return problem_reply(404, "unknown control endpoint", request_id=uuid.uuid4().hex)
    try:
        return action(state, request)
    except (ValueError, TypeError, WBError) as exc:
        return problem_reply(400, str(exc), request_id=uuid.uuid4().hex)


def read_log(state: EmulatorState, request: Request) -> Reply:
    host, path, status = (request.query.get(name, [None])[0] for name in ("host", "path", "status"))
    entries = state.log.select(host=host, path=path, status=int(status) if status else None)
    return json_reply({"count": len(entries), "requests": [asdict(entry) for entry in entries]})


def list_faults(state: EmulatorState, request: Request) -> Reply:
    return json_reply([fault.as_dict() for fault in state.faults.active()])


def add_fault(state: EmulatorState, request: Request) -> Reply:
    fault = state.faults.add(Fault.from_dict(request.json()))
    return json_reply(fault.as_dict(), status=201)


def clear_faults(state: EmulatorState, request: Request) -> Reply:
    state.faults.clear()
    return json_reply({"faults": []})


def revoke(state: EmulatorState, request: Request) -> Reply:
    body = request.json()
    if not isinstance(body, dict) or not isinstance(body.get("token"), str):
        raise ValueError('Send {"token": "<the token>"}')
    return json_reply({"revoked": f"…{state.revoke(body['token'])}"})


def reset(state: EmulatorState, request: Request) -> Reply:
    state.reset()
    return json_reply({"reset": True})


ACTIONS: dict[tuple[str, str], Callable[[EmulatorState, Request], Reply]] = {
    ("GET", "/log"): read_log,
    ("GET", "/faults"): list_faults,
    ("POST", "/faults"): add_fault,
    ("DELETE", "/faults"): clear_faults,
    ("POST", "/revoke"): revoke,
    ("POST", "/reset"): reset,
}
