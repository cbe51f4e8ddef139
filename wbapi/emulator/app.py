"""The emulator's WSGI application: WB's gateway around the handlers in endpoints.py.

For every API request, in order: injected faults, routing (unknown path -> 404), token checks
(401), token type and scope (403), the seller's token bucket (429), then the handler. Every
answer carries an `X-Request-Id`; every error body has the gateway's problem+json shape.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime

from wbapi.claims import CATEGORY_NAMES, TokenClaims, decode_token, normalise_token
from wbapi.emulator.control import handle_control
from wbapi.emulator.endpoints import ROUTES
from wbapi.emulator.faults import Fault
from wbapi.emulator.minting import signature_matches
from wbapi.emulator.protocol import (
    HEADER_DRIP,
    AbortConnection,
    Call,
    ClientError,
    Reply,
    Request,
    Route,
    problem_reply,
)
from wbapi.emulator.state import LOG_BODY_CHARS, EmulatorState, LogEntry
from wbapi.errors import MalformedToken
from wbapi.hosts import HOST_CATEGORIES, is_sandbox_host
from wbapi.limits import LIMIT_GROUPS, SANDBOX_LIMIT, RateLimit

CONTROL_PREFIX = "__emulator__"
# Categories without a scope bit that WB opens to some token types only.
CATEGORY_TOKEN_TYPES = {"users": frozenset({"personal"})}
# WB's reason when a method is closed to the token's type.
TYPE_REFUSALS = {"basic": "base token is not allowed"}


class Refused(Exception):
    """The gateway refuses the request with a WB-shaped error."""

    def __init__(self, status: int, detail: str, headers: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = tuple(headers)

    def reply(self, request_id: str) -> Reply:
        return problem_reply(self.status, self.detail, request_id=request_id).with_headers(
            *self.headers
        )


class EmulatorApp:
    def __init__(
        self,
        state: EmulatorState,
        *,
        routes: Iterable[Route] = ROUTES,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.state = state
        self.routes = tuple(routes)
        self.sleep = sleep

    def __call__(self, environ: Mapping, start_response: Callable) -> Iterable[bytes]:
        request = Request.from_environ(environ)
        if request.host == CONTROL_PREFIX:
            reply = handle_control(self.state, request)
        else:
            reply = self.answer(request)
        if reply.header_drip_delay is not None:
            environ[HEADER_DRIP] = reply.header_drip_delay
        start_response(reply.status_line, reply.header_list())
        return reply.chunks(self.sleep)

    def answer(self, request: Request) -> Reply:
        """WB's answer to an API request, faults included; logged on arrival."""
        request_id = uuid.uuid4().hex
        claims = _unverified_claims(request)
        fault = self.state.faults.take(request.host, request.path, claims)
        entry = self._log(request, request_id, claims, fault)
        reply = self._apply(fault, request, request_id)
        entry.status = reply.status
        return reply.with_headers(("X-Request-Id", request_id))

    def _apply(self, fault: Fault | None, request: Request, request_id: str) -> Reply:
        if fault is None:
            return self._serve(request, request_id)
        if fault.kind == "reset":
            raise AbortConnection
        if fault.kind == "latency":
            self.sleep(fault.delay)
            return self._serve(request, request_id)
        if fault.kind == "drip":
            return replace(self._serve(request, request_id), drip_delay=fault.delay)
        if fault.kind == "slow_headers":
            return replace(self._serve(request, request_id), header_drip_delay=fault.delay)
        if fault.kind == "truncate":
            reply = self._serve(request, request_id)
            cut = len(reply.body) // 2 if fault.after_bytes is None else fault.after_bytes
            return replace(reply, truncate_after=min(cut, len(reply.body)))
        return fault.reply(request_id)

    def _serve(self, request: Request, request_id: str) -> Reply:
        try:
            route, path_params = self._route(request)
            claims = self._authenticate(request)
            self._authorize(claims, request.host, route)
            remaining = self._spend_limit(claims, request.host, route)
        except Refused as refusal:
            return refusal.reply(request_id)
        call = Call(request, claims, self.state, request_id, path_params)
        try:
            reply = route.handler(call)
        except ClientError as error:
            answer = route.error_reply or _gateway_error
            reply = answer(error, request_id)
        if 400 <= reply.status < 500:
            self._charge_client_error(claims, request.host, route)
        return reply.with_headers(("X-Ratelimit-Remaining", str(remaining)))

    def _route(self, request: Request) -> tuple[Route, dict[str, str]]:
        for route in self.routes:
            params = route.match(request.method, request.path)
            if params is not None and request.host in route.hosts:
                return route, params
        raise Refused(404, "no such method on this host; see the WB API documentation")

    def _authenticate(self, request: Request) -> TokenClaims:
        """The claims of a token the emulator itself issued, valid for this host."""
        try:
            token = normalise_token(request.headers.get("authorization", ""))
            claims = decode_token(token)
        except MalformedToken as exc:
            if exc.reason == "empty":
                raise Refused(401, "the Authorization header is missing or empty") from None
            raise Refused(401, f"token problem; token is malformed: {exc.reason}") from None
        if not signature_matches(self.state.key, token):
            raise Refused(401, "token problem; signature does not match")
        if claims.is_expired(datetime.now(UTC)):
            raise Refused(401, "token problem; token is expired")
        if self.state.is_revoked(claims):
            raise Refused(401, "token problem; token has been revoked")
        if claims.seller_sid is None:
            raise Refused(401, "token problem; token names no seller")
        if claims.is_test != is_sandbox_host(request.host):
            raise Refused(401, "test tokens work on sandbox hosts only, and only test tokens do")
        return claims

    def _authorize(self, claims: TokenClaims, host: str, route: Route) -> None:
        category = HOST_CATEGORIES[host]
        allowed_types = route.token_types or CATEGORY_TOKEN_TYPES.get(category)
        if allowed_types is not None and claims.token_type not in allowed_types:
            detail = TYPE_REFUSALS.get(claims.token_type, "token type is not allowed here")
            raise Refused(403, detail)
        # "common" and "users" have no scope bit: every category may use them.
        if category in CATEGORY_NAMES and not claims.allows(category):
            raise Refused(403, "scope is not allowed for this resource")

    def _spend_limit(self, claims: TokenClaims, host: str, route: Route) -> int:
        """Take one request from the seller's buckets; the requests left in the method's."""
        if is_sandbox_host(host):  # one bucket for all of the category's methods
            self._take(claims, (claims.seller_sid, "sandbox", host), SANDBOX_LIMIT)
        rate = LIMIT_GROUPS[route.limit_group].for_token_type(claims.token_type)
        return self._take(claims, _bucket_key(claims, host, route), rate)

    def _charge_client_error(self, claims: TokenClaims, host: str, route: Route) -> None:
        """WB counts a 4xx answer of some groups as several requests (marketplace: 10)."""
        group = LIMIT_GROUPS[route.limit_group]
        if group.client_error_cost > 1:
            rate = group.for_token_type(claims.token_type)
            key = _bucket_key(claims, host, route)
            self.state.buckets.charge(key, rate, group.client_error_cost - 1)

    def _take(self, claims: TokenClaims, key: tuple, rate: RateLimit) -> int:
        verdict = self.state.buckets.take(key, rate)
        if not verdict.allowed:
            speed = self.state.buckets.speed
            raise Refused(
                429,
                f"request limit reached for seller {claims.seller_sid}",
                headers=(
                    ("X-Ratelimit-Retry", _header_seconds(verdict.retry_after, speed)),
                    ("X-Ratelimit-Limit", str(rate.burst)),
                    ("X-Ratelimit-Reset", _header_seconds(verdict.reset_after, speed)),
                ),
            )
        return verdict.remaining

    def _log(
        self, request: Request, request_id: str, claims: TokenClaims | None, fault: Fault | None
    ) -> LogEntry:
        return self.state.log.add(
            LogEntry(
                method=request.method,
                host=request.host,
                path=request.path,
                status=None,
                request_id=request_id,
                sid=claims.seller_sid if claims else None,
                auth_scheme=_auth_scheme(request.headers.get("authorization", "")),
                fault=fault.kind if fault else None,
                # To the millisecond: a benchmark lays the requests out on a time line.
                at=datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                query=_logged_query(request),
                body=_logged_body(request),
            )
        )


def _bucket_key(claims: TokenClaims, host: str, route: Route) -> tuple:
    group = LIMIT_GROUPS[route.limit_group]
    scope = group.bucket_scope(token_type=claims.token_type, host=host)
    return (claims.seller_sid, route.limit_group, *scope)


def _gateway_error(error: ClientError, request_id: str) -> Reply:
    return problem_reply(error.status, error.detail, request_id=request_id)


def _logged_query(request: Request) -> dict:
    token = _bare_token(request)
    return {
        name: _without(token, values[0] if len(values) == 1 else values)
        for name, values in request.query.items()
    }


def _logged_body(request: Request) -> object:
    """The body for the log: its JSON, or its text cut short; the request's token hidden."""
    if not request.body:
        return None
    text = _without(_bare_token(request), request.body.decode("utf-8", "replace"))
    if len(text) > LOG_BODY_CHARS:
        return text[:LOG_BODY_CHARS] + "…"
    try:
        return json.loads(text)
    except ValueError:
        return text


def _bare_token(request: Request) -> str:
    try:
        return normalise_token(request.headers.get("authorization", ""))
    except MalformedToken:
        return ""


def _without(token: str, value):
    """`value` (text or a list of texts) with the token replaced, so the log never holds it."""
    if isinstance(value, list):
        return [_without(token, item) for item in value]
    return value.replace(token, "<token>") if token else value


def _unverified_claims(request: Request) -> TokenClaims | None:
    """The token's claims without any check, to match faults and label the log."""
    try:
        return decode_token(request.headers.get("authorization", ""))
    except MalformedToken:
        return None


def _auth_scheme(authorization: str) -> str | None:
    if not authorization.strip():
        return None
    return "bearer" if authorization.lower().startswith("bearer ") else "raw"


def _header_seconds(seconds: float, speed: float) -> str:
    """Seconds for a rate-limit header: whole seconds of WB's clock, scaled by `speed`.

    At speed 1 the emulator sends whole seconds as WB does; faster, the value keeps the
    fraction a client must wait, so tests stay quick.
    """
    scaled = math.ceil(seconds * speed - 1e-9) / speed
    return f"{math.ceil(scaled * 1000) / 1000:.3f}".rstrip("0").rstrip(".")
