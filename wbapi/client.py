"""HTTP client for WB's seller API: the one place in wbapi that talks HTTP.

Each call is bounded twice: (connect, read) timeouts per attempt, and an overall deadline that
covers every attempt, every wait between attempts and the reading of the status line, headers
and body, however slowly WB sends them. Only transient failures of GET requests are retried; a
429 is waited out only when WB asks for a short pause.

A client holds one `requests.Session` and is meant for one thread at a time.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from wbapi import __version__
from wbapi.claims import COMMON_CATEGORY, TokenClaims, decode_token, normalise_token
from wbapi.errors import (
    ProtocolError,
    RateLimited,
    SellerMismatch,
    TokenExpired,
    WBError,
    WBUnavailable,
    error_from_response,
    request_id_of,
)
from wbapi.hosts import DEFAULT_BASE_URL, build_url, first_sandbox_host, host_for, validate_base_url
from wbapi.limits import LIMIT_GROUPS

logger = logging.getLogger(__name__)

USER_AGENT = f"wberp/{__version__} (+python-requests/{requests.__version__})"
AUTH_SCHEMES = ("bearer", "raw")
# Far above any answer the methods used here give; a bigger body is not one of WB's.
MAX_BODY_BYTES = 1024 * 1024
READ_CHUNK_BYTES = 16 * 1024
# Retry waits: full jitter over base * 2**n seconds, n = retries made so far.
BACKOFF_BASE = 0.25

Parsed = TypeVar("Parsed")


@dataclass(frozen=True)
class RequestRecord:
    """One attempt of one request, as passed to `on_request` and logged."""

    method: str
    host: str
    path: str
    status: int | None
    duration_ms: float
    request_id: str | None
    error: str | None  # WBError.code of the failure, None on success


@dataclass(frozen=True)
class PingResult:
    ts: str
    status: str
    host: str
    request_id: str | None


@dataclass(frozen=True)
class SellerInfo:
    name: str
    sid: str
    tin: str
    trade_mark: str
    country: str


@dataclass(frozen=True)
class CheckResult:
    claims: TokenClaims
    seller: SellerInfo | None  # None for test tokens: the sandbox has no seller-info
    pinged_host: str
    requests: int  # HTTP attempts the check made, retries included


@dataclass(frozen=True)
class _Answer(Generic[Parsed]):
    status: int
    value: Parsed
    request_id: str | None


class _TokenAuth(requests.auth.AuthBase):
    """Sets the Authorization header.

    Passing it as `auth` rather than as a plain header also keeps `requests` from replacing
    the header with credentials from a ~/.netrc file.
    """

    def __init__(self, header_value: str) -> None:
        self._header_value = header_value

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self._header_value
        return request

    def __repr__(self) -> str:
        return "<WB token auth>"


class WBClient:
    """Calls WB with one token. Construction decodes the token and raises MalformedToken.

    `timeout` is (connect, read) per attempt; `deadline` bounds a whole call (or a whole
    `check()`), retries and waits included. `retries` transient failures are retried with
    jittered exponential backoff; a 429 is waited out once if WB asks for at most
    `max_retry_wait` seconds. A `session` passed in is used as it is, adapters included.
    """

    def __init__(
        self,
        token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: tuple[float, float] = (3.05, 10.0),
        deadline: float = 20.0,
        auth_scheme: str = "bearer",
        session: requests.Session | None = None,
        on_request: Callable[[RequestRecord], None] | None = None,
        retries: int = 2,
        max_retry_wait: float = 2.0,
    ) -> None:
        validate_base_url(base_url)
        if auth_scheme not in AUTH_SCHEMES:
            raise ValueError(f"auth_scheme must be one of {AUTH_SCHEMES}, not {auth_scheme!r}")
        if deadline <= 0 or min(timeout) <= 0 or retries < 0 or max_retry_wait < 0:
            raise ValueError("deadline and timeouts must be positive, retries and waits >= 0")
        token = normalise_token(token)
        self.claims = decode_token(token)
        self._token = token
        self._auth = _TokenAuth(token if auth_scheme == "raw" else f"Bearer {token}")
        self.base_url = base_url
        self.auth_scheme = auth_scheme
        self.timeout = timeout
        self.deadline = deadline
        self.retries = retries
        self.max_retry_wait = max_retry_wait
        self.on_request = on_request
        self.session = session or _new_session()
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

    # --- Public calls ---------------------------------------------------------------------

    def ping(self, category: str = COMMON_CATEGORY) -> PingResult:
        """GET /ping on the category's host (its sandbox host for a test token)."""
        host = host_for(category, sandbox=self.claims.is_test)
        return self._ping(host, self._deadline_from_now())

    def seller_info(self) -> SellerInfo:
        """GET /api/v1/seller-info on common-api: who the token's seller is."""
        return self._seller_info(self._deadline_from_now())

    def check(self, now: datetime | None = None) -> CheckResult:
        """Confirm with WB that the token works and names its own seller, within one deadline.

        Expired tokens fail before any request. A test token pings the sandbox host of its
        first sandbox-capable category (the common API has no sandbox, so no seller-info);
        any other token pings common-api and then asks for seller-info.
        """
        if self.claims.is_expired(now or datetime.now(UTC)):
            raise TokenExpired(self.claims.expires_at)
        deadline_at = self._deadline_from_now()
        attempts_before = self._attempts
        if self.claims.is_test:
            host = first_sandbox_host(self.claims.categories)
            self._ping(host, deadline_at)
            seller = None
        else:
            host = host_for(COMMON_CATEGORY, sandbox=False)
            self._ping(host, deadline_at)
            seller = self._seller_info(deadline_at)
            if seller.sid != self.claims.seller_sid:
                raise SellerMismatch(self.claims.seller_sid, seller.sid)
        return CheckResult(self.claims, seller, host, self._attempts - attempts_before)

    # --- Methods --------------------------------------------------------------------------

    def _ping(self, host: str, deadline_at: float) -> PingResult:
        answer = self._get(host, "/ping", "ping", deadline_at, _parse_ping)
        ts, status = answer.value
        return PingResult(ts, status, host, answer.request_id)

    def _seller_info(self, deadline_at: float) -> SellerInfo:
        host = host_for(COMMON_CATEGORY, sandbox=self.claims.is_test)
        path = "/api/v1/seller-info"
        return self._get(host, path, "seller-info", deadline_at, _parse_seller_info).value

    # --- Attempts, retries and waits ------------------------------------------------------

    def _deadline_from_now(self) -> float:
        return self.clock() + self.deadline

    def _get(
        self,
        host: str,
        path: str,
        limit_group: str,
        deadline_at: float,
        parse: Callable[[object], Parsed],
    ) -> _Answer[Parsed]:
        """GET with retries of transient failures and at most one short 429 wait."""
        failures = 0
        waited_for_limit = False
        while True:
            try:
                return self._attempt(host, path, limit_group, deadline_at, parse)
            except RateLimited as exc:
                wait = exc.retry_after
                if waited_for_limit or wait > self.max_retry_wait:
                    raise
                if not self._time_left_after(wait, deadline_at):
                    raise
                waited_for_limit = True
            except WBUnavailable:
                wait = self.rng.uniform(0, BACKOFF_BASE * 2**failures)
                if failures >= self.retries or not self._time_left_after(wait, deadline_at):
                    raise
                failures += 1
            self.sleep(wait)

    def _time_left_after(self, wait: float, deadline_at: float) -> bool:
        return self.clock() + wait < deadline_at

    def _attempt(
        self,
        host: str,
        path: str,
        limit_group: str,
        deadline_at: float,
        parse: Callable[[object], Parsed],
    ) -> _Answer[Parsed]:
        # A wait between attempts may have used up the time: then nothing is sent, so nothing
        # is counted or recorded as a request to WB.
        self._remaining(deadline_at)
        self._attempts += 1
        started = self.clock()
        try:
            answer = self._exchange(host, path, limit_group, deadline_at, parse)
        except WBError as exc:
            self._record(host, path, started, exc.status, exc.request_id, exc.code)
            raise
        self._record(host, path, started, answer.status, answer.request_id, None)
        return answer

    def _record(
        self,
        host: str,
        path: str,
        started: float,
        status: int | None,
        request_id: str | None,
        error: str | None,
    ) -> None:
        record = RequestRecord(
            "GET", host, path, status, (self.clock() - started) * 1000, request_id, error
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
        self,
        host: str,
        path: str,
        limit_group: str,
        deadline_at: float,
        parse: Callable[[object], Parsed],
    ) -> _Answer[Parsed]:
        response = self._send(host, path, deadline_at)
        known = {
            "status": response.status_code,
            "request_id": request_id_of(None, response.headers),
        }
        try:
            body = self._read_body(response, deadline_at, known)
        finally:
            response.close()
        if response.status_code >= 300:
            raise self._error(response, body, limit_group, known)
        try:
            value = parse(None if response.status_code == 204 else _json_payload(response, body))
        except ValueError as exc:
            raise ProtocolError(str(exc), **known) from exc
        return _Answer(response.status_code, value, known["request_id"])

    def _send(self, host: str, path: str, deadline_at: float) -> requests.Response:
        """Send the request and read the status and headers; the body is left to stream."""
        remaining = self._remaining(deadline_at)
        connect_timeout, read_timeout = self.timeout
        _headers_due.at = time.monotonic() + remaining
        try:
            return self.session.get(
                build_url(self.base_url, host, path),
                headers={"Accept": "application/json", "User-Agent": USER_AGENT},
                auth=self._auth,
                timeout=(min(connect_timeout, remaining), min(read_timeout, remaining)),
                allow_redirects=False,
                stream=True,
            )
        except requests.Timeout as exc:
            raise WBUnavailable("WB did not answer in time.") from exc
        except requests.RequestException as exc:
            self._remaining(deadline_at)  # cut off at the deadline: say so
            raise WBUnavailable("Could not connect to WB.") from exc
        finally:
            _headers_due.at = None

    def _remaining(self, deadline_at: float, known: dict | None = None) -> float:
        """Seconds left before the deadline; WBUnavailable once there are none."""
        remaining = deadline_at - self.clock()
        if remaining <= 0:
            message = f"WB did not finish answering within {self.deadline:g} s."
            raise WBUnavailable(message, **(known or {}))
        return remaining

    def _read_body(self, response: requests.Response, deadline_at: float, known: dict) -> bytes:
        """The body, read in pieces so that a server trickling bytes cannot outlast the deadline."""
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise ProtocolError("WB's answer is too large.", **known)
        body = bytearray()
        while True:
            self._limit_socket_wait(response, self._remaining(deadline_at, known))
            try:
                chunk = response.raw.read1(READ_CHUNK_BYTES, decode_content=True)
            except urllib3.exceptions.DecodeError as exc:
                raise ProtocolError("WB's answer could not be decompressed.", **known) from exc
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                raise WBUnavailable("The connection to WB broke off.", **known) from exc
            if not chunk:
                return bytes(body)
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                raise ProtocolError("WB's answer is too large.", **known)

    def _limit_socket_wait(self, response: requests.Response, remaining: float) -> None:
        """Shorten the socket's read timeout so that one silent wait cannot pass the deadline."""
        sock = getattr(getattr(response.raw, "connection", None), "sock", None)
        if sock is not None:
            sock.settimeout(min(self.timeout[1], remaining))

    def _error(
        self, response: requests.Response, body: bytes, limit_group: str, known: dict
    ) -> WBError:
        if response.status_code < 400:
            return ProtocolError("WB redirected the request; redirects are not followed.", **known)
        return error_from_response(
            response.status_code,
            response.headers,
            _json_or_none(body),
            default_retry_after=self._documented_interval(limit_group),
            secret=self._token,
        )

    def _documented_interval(self, limit_group: str) -> float:
        return LIMIT_GROUPS[limit_group].for_token_type(self.claims.token_type).interval


def _new_session() -> requests.Session:
    """A session whose transport never retries or sleeps by itself: retries are ours alone."""
    session = requests.Session()
    # read=False re-raises a read timeout as itself, so that it is told apart from a refusal.
    retry = Retry(total=0, read=False, redirect=False, respect_retry_after_header=False)
    adapter = _DeadlineAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


# --- The status line and headers within the deadline ---------------------------------------
#
# urllib3 reads them with the read timeout applied to each wait for bytes, so a server sending
# a byte now and then would hold a call far past its deadline; the body is read in pieces by
# WBClient itself, which shortens each wait (`_limit_socket_wait`). For the headers, the
# connection shuts its socket down when the deadline comes, and the read fails at once.

# When the headers of the exchange this thread is making are due (time.monotonic()).
_headers_due = threading.local()


class _HeadersByTheDeadline:
    sock: socket.socket | None

    def getresponse(self, *args, **kwargs):
        due = getattr(_headers_due, "at", None)
        if due is None or self.sock is None:
            return super().getresponse(*args, **kwargs)
        cutoff = threading.Timer(max(due - time.monotonic(), 0.0), _shut_down, (self.sock,))
        cutoff.daemon = True
        cutoff.start()
        try:
            return super().getresponse(*args, **kwargs)
        finally:
            cutoff.cancel()


def _shut_down(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


class _HTTPConnection(_HeadersByTheDeadline, urllib3.connection.HTTPConnection):
    pass


class _HTTPSConnection(_HeadersByTheDeadline, urllib3.connection.HTTPSConnection):
    pass


class _HTTPConnectionPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSConnectionPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class _DeadlineAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _HTTPConnectionPool,
            "https": _HTTPSConnectionPool,
        }


def _json_or_none(body: bytes) -> object:
    """The parsed body; None if it is not JSON (or nests too deeply to parse)."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def _json_payload(response: requests.Response, body: bytes) -> object:
    """The JSON of a successful answer; ValueError for anything else."""
    content_type = response.headers.get("Content-Type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type and not (media_type.endswith("/json") or media_type.endswith("+json")):
        raise ValueError(f"WB answered with {media_type} instead of JSON.")
    payload = _json_or_none(body)
    if payload is None:  # no WB method answers a bare null
        raise ValueError("WB's answer is not valid JSON.")
    return payload


def _parse_ping(payload: object) -> tuple[str, str]:
    fields = _string_fields(payload, required=("TS", "Status"))
    return fields["TS"], fields["Status"]


def _parse_seller_info(payload: object) -> SellerInfo:
    fields = _string_fields(
        payload, required=("name", "sid"), optional=("tin", "tradeMark", "country")
    )
    return SellerInfo(
        name=fields["name"],
        sid=fields["sid"],
        tin=fields["tin"],
        trade_mark=fields["tradeMark"],
        country=fields["country"],
    )


def _string_fields(
    payload: object, *, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> dict[str, str]:
    """The named string fields of a JSON object; optional ones default to "".

    Raises ValueError, which the client reports as a ProtocolError.
    """
    if not isinstance(payload, dict):
        raise ValueError("WB's answer is not the expected JSON object.")
    fields = {}
    for name in required + optional:
        value = payload.get(name)
        if value is None and name in optional:
            value = ""
        if not isinstance(value, str):
            raise ValueError(f"WB's answer lacks the text field {name!r}.")
        fields[name] = value
    return fields
