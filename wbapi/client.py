"""WBClient: every call to WB's seller API with one token, through one generic call.

A call takes a declarative `MethodSpec` (wbapi.methods): the host comes from its category (the
sandbox host for a test token), the body is capped per method and streamed to a temporary
file, and the spec's parser turns it into typed records. Each call is bounded twice: (connect,
read) timeouts per attempt, and an overall deadline that covers every attempt, every wait
between attempts and the reading of the status line, headers and body, however slowly WB sends
them (wbapi.transport). Only transient failures of idempotent methods are retried; a 429 is
waited out only when WB asks for a short pause.

A client holds one HTTP session and is meant for one thread at a time.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from wbapi.claims import COMMON_CATEGORY, TokenClaims, decode_token, normalise_token
from wbapi.errors import (
    ProtocolError,
    RateLimited,
    SellerMismatch,
    TokenExpired,
    WBError,
    WBUnavailable,
    error_from_response,
)
from wbapi.hosts import (
    DEFAULT_BASE_URL,
    HOST_CATEGORIES,
    build_url,
    first_sandbox_host,
    host_for,
    validate_base_url,
)
from wbapi.limits import LIMIT_GROUPS
from wbapi.methods.base import NO_PARAMS, MethodSpec, Page, Pager, Params
from wbapi.methods.common import SELLER_INFO, PingResult, SellerInfo, ping_spec
from wbapi.shapes import DRIFT_LOG, DriftLog, DriftNotice, RecordT
from wbapi.streaming import Answer
from wbapi.transport import USER_AGENT, Deadline, Outgoing, Received, RequestRecord, Transport

__all__ = [
    "BACKOFF_BASE",
    "USER_AGENT",
    "CheckResult",
    "PingResult",
    "RequestRecord",
    "SellerInfo",
    "WBClient",
]

logger = logging.getLogger(__name__)

AUTH_SCHEMES = ("bearer", "raw")
# Retry waits: full jitter over base * 2**n seconds, n = retries made so far.
BACKOFF_BASE = 0.25

T = TypeVar("T")
CursorT = TypeVar("CursorT")


@dataclass(frozen=True)
class CheckResult:
    claims: TokenClaims
    seller: SellerInfo | None  # None for test tokens: the sandbox has no seller-info
    pinged_host: str
    requests: int  # HTTP attempts the check made, retries included


class WBClient:
    """Calls WB with one token. Construction decodes the token and raises MalformedToken.

    `timeout` is (connect, read) per attempt; `deadline` bounds a whole call (or a whole
    `check()`), retries and waits included. `retries` transient failures are retried with
    jittered exponential backoff; a 429 is waited out once if WB asks for at most
    `max_retry_wait` seconds. A `session` (requests.Session) passed in is used as it is,
    adapters included. Drift in WB's answers (an optional field of an unexpected type) goes to
    `drift_log`, which logs each kind once a day, and to `on_drift` if given.
    """

    def __init__(
        self,
        token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: tuple[float, float] = (3.05, 10.0),
        deadline: float = 20.0,
        auth_scheme: str = "bearer",
        session: Any = None,
        on_request: Callable[[RequestRecord], None] | None = None,
        retries: int = 2,
        max_retry_wait: float = 2.0,
        on_drift: Callable[[DriftNotice], None] | None = None,
        drift_log: DriftLog = DRIFT_LOG,
    ) -> None:
        validate_base_url(base_url)
        if auth_scheme not in AUTH_SCHEMES:
            raise ValueError(f"auth_scheme must be one of {AUTH_SCHEMES}, not {auth_scheme!r}")
        if deadline <= 0 or min(timeout) <= 0 or retries < 0 or max_retry_wait < 0:
            raise ValueError("deadline and timeouts must be positive, retries and waits >= 0")
        token = normalise_token(token)
        self.claims = decode_token(token)
        self._token = token
        self._transport = Transport(
            authorization=token if auth_scheme == "raw" else f"Bearer {token}",
            timeout=timeout,
            session=session,
        )
        self.base_url = base_url
        self.auth_scheme = auth_scheme
        self.timeout = timeout
        self.deadline = deadline
        self.retries = retries
        self.max_retry_wait = max_retry_wait
        self.on_request = on_request
        self.on_drift = on_drift
        self.drift_log = drift_log
        # Replaceable in tests, so that no test waits for real.
        self.sleep: Callable[[float], None] = time.sleep
        self.clock: Callable[[], float] = time.monotonic
        self.rng = random.SystemRandom()
        self._attempts = 0

    def __repr__(self) -> str:
        return (
            f"WBClient(token='…{self.claims.hint}', base_url={self.base_url!r}, "
            f"auth_scheme={self.auth_scheme!r})"
        )

    @property
    def session(self) -> Any:
        return self._transport.session

    # --- Public calls ---------------------------------------------------------------------

    def call(self, spec: MethodSpec[T], params: Params = NO_PARAMS) -> T:
        """One WB method, within one deadline: its parsed result."""
        return self._call(spec, params, self._deadline_from_now())

    def page(self, pager: Pager[RecordT, CursorT], cursor: CursorT) -> Page[RecordT, CursorT]:
        """The one page at `cursor` and the turn after it; close it (or use `with`)."""
        rows = self.call(pager.spec, pager.params(cursor))
        try:
            return Page(rows, pager.turn(cursor, rows))
        except BaseException:
            rows.close()
            raise

    def pages(
        self, pager: Pager[RecordT, CursorT], cursor: CursorT
    ) -> Iterator[Page[RecordT, CursorT]]:
        """Every page from `cursor` until WB has no more, each closed before the next is
        fetched. No pacing beyond the client's own: meant for commands and tests."""
        while True:
            with self.page(pager, cursor) as page:
                yield page
            if page.turn.done:
                return
            cursor = page.turn.cursor

    def ping(self, category: str = COMMON_CATEGORY) -> PingResult:
        """GET /ping on the category's host (its sandbox host for a test token)."""
        return self.call(ping_spec(category))

    def seller_info(self) -> SellerInfo:
        """GET /api/v1/seller-info on common-api: who the token's seller is."""
        return self.call(SELLER_INFO)

    def check(self, now: datetime | None = None) -> CheckResult:
        """Confirm with WB that the token works and names its own seller, within one deadline.

        Expired tokens fail before any request. A test token pings the sandbox host of its
        first sandbox-capable category (the common API has no sandbox, so no seller-info);
        any other token pings common-api and then asks for seller-info.
        """
        if self.claims.is_expired(now or datetime.now(UTC)):
            raise TokenExpired(self.claims.expires_at)
        deadline = self._deadline_from_now()
        attempts_before = self._attempts
        if self.claims.is_test:
            host = first_sandbox_host(self.claims.categories)
            self._call(ping_spec(HOST_CATEGORIES[host]), NO_PARAMS, deadline)
            seller = None
        else:
            host = host_for(COMMON_CATEGORY, sandbox=False)
            self._call(ping_spec(COMMON_CATEGORY), NO_PARAMS, deadline)
            seller = self._call(SELLER_INFO, NO_PARAMS, deadline)
            if seller.sid != self.claims.seller_sid:
                raise SellerMismatch(self.claims.seller_sid, seller.sid)
        return CheckResult(self.claims, seller, host, self._attempts - attempts_before)

    # --- Attempts, retries and waits ------------------------------------------------------

    def _deadline_from_now(self) -> Deadline:
        return Deadline(self.deadline, self.clock)

    def _call(self, spec: MethodSpec[T], params: Params, deadline: Deadline) -> T:
        """The call with retries of transient failures and at most one short 429 wait."""
        host = host_for(spec.category, sandbox=self.claims.is_test)
        path = spec.path_for(params.path)
        outgoing = Outgoing(
            spec.verb, build_url(self.base_url, host, path), params.query or None, params.body
        )
        failures = 0
        waited_for_limit = False
        while True:
            try:
                return self._attempt(spec, host, path, outgoing, deadline)
            except RateLimited as exc:
                wait = exc.retry_after
                if waited_for_limit or wait > self.max_retry_wait or not deadline.allows(wait):
                    raise
                waited_for_limit = True
            except WBUnavailable:
                wait = self.rng.uniform(0, BACKOFF_BASE * 2**failures)
                if not spec.idempotent or failures >= self.retries or not deadline.allows(wait):
                    raise
                failures += 1
            self.sleep(wait)

    def _attempt(
        self, spec: MethodSpec[T], host: str, path: str, outgoing: Outgoing, deadline: Deadline
    ) -> T:
        # A wait between attempts may have used up the time: then nothing is sent, so nothing
        # is counted or recorded as a request to WB.
        deadline.remaining()
        self._attempts += 1
        started = self.clock()
        try:
            answer = self._exchange(spec, host, outgoing, deadline)
        except WBError as exc:
            took = self.clock() - started
            self._record(spec, host, path, took, exc.status, exc.request_id, exc.code)
            raise
        # The attempt takes as long as the exchange; reading the answer is not WB's time.
        took = self.clock() - started
        error: str | None = "unreadable_answer"  # what a parser failing with a bug records
        try:
            result = spec.parse(answer)
            error = None
            return result
        except WBError as exc:
            error = exc.code
            raise
        finally:
            if error is not None:
                answer.close()
            self._record(spec, host, path, took, answer.status, answer.request_id, error)

    def _record(
        self,
        spec: MethodSpec[Any],
        host: str,
        path: str,
        took: float,
        status: int | None,
        request_id: str | None,
        error: str | None,
    ) -> None:
        record = RequestRecord(
            spec.verb, host, path, status, took * 1000, request_id, error, spec.limit_group
        )
        logger.log(
            logging.INFO if error is None else logging.WARNING,
            "WB %s %s%s -> %s in %.0f ms, request id %s, error %s",
            record.method,
            record.host,
            record.path,
            record.status,
            record.duration_ms,
            record.request_id,
            record.error,
        )
        if self.on_request is not None:
            self.on_request(record)

    # --- One HTTP exchange ----------------------------------------------------------------

    def _exchange(
        self, spec: MethodSpec[Any], host: str, outgoing: Outgoing, deadline: Deadline
    ) -> Answer:
        received = self._transport.exchange(outgoing, deadline, max_body_bytes=spec.max_body_bytes)
        try:
            if received.status >= 300:
                raise self._error(received, spec.limit_group)
            if received.status != 204:
                _require_json(received)
        except BaseException:
            received.close()
            raise
        return Answer(
            method=spec.name,
            host=host,
            status=received.status,
            request_id=received.request_id,
            file=received.file,
            report=self._report_drift,
        )

    def _error(self, received: Received, limit_group: str) -> WBError:
        known = {"status": received.status, "request_id": received.request_id}
        if received.status < 400:
            return ProtocolError("WB redirected the request; redirects are not followed.", **known)
        with received.file:
            payload = _json_or_none(received.file.read())
        return error_from_response(
            received.status,
            received.headers,
            payload,
            default_retry_after=self._documented_interval(limit_group),
            secret=self._token,
        )

    def _documented_interval(self, limit_group: str) -> float:
        return LIMIT_GROUPS[limit_group].for_token_type(self.claims.token_type).interval

    def _report_drift(self, notice: DriftNotice) -> None:
        self.drift_log(notice)
        if self.on_drift is not None:
            self.on_drift(notice)


def _json_or_none(body: bytes) -> object:
    """The parsed body; None if it is not JSON (or nests too deeply to parse)."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def _require_json(received: Received) -> None:
    """ProtocolError unless a successful answer says it is JSON (or says nothing)."""
    content_type = received.headers.get("Content-Type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type and not (media_type.endswith("/json") or media_type.endswith("+json")):
        raise ProtocolError(
            f"WB answered with {media_type} instead of JSON.",
            status=received.status,
            request_id=received.request_id,
        )
