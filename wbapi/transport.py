"""HTTP to WB: the one module in wbapi that imports `requests` and `urllib3`.

One `exchange` sends one request and brings back the status, the headers and the whole body in
a temporary file, all before the call's deadline: urllib3 applies the read timeout to each wait
for bytes, so a server sending a byte now and then would otherwise hold a call far past it. The
body is read here in pieces, each wait shortened to the time left; for the status line and
headers, the connection shuts its socket down when the deadline comes and the read fails at once.

Retries, rate limits and the meaning of an answer are the client's; nothing here retries.
"""

from __future__ import annotations

import contextlib
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from wbapi import __version__
from wbapi.errors import ProtocolError, WBUnavailable, request_id_of

USER_AGENT = f"wberp/{__version__} (+python-requests/{requests.__version__})"
READ_CHUNK_BYTES = 64 * 1024
# Smaller bodies stay in memory; a larger one rolls over to a file that has no name on disk, so
# it disappears when closed or when the process dies.
SPOOL_BYTES = 1024 * 1024
# Enough of an error answer to read WB's message from; the rest is not downloaded.
MAX_ERROR_BODY_BYTES = 64 * 1024


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
    limit_group: str = ""  # the method's entry in wbapi.limits


class Deadline:
    """The moment a whole call (every attempt and wait included) must be over, on `clock`."""

    def __init__(self, seconds: float, clock: Callable[[], float]) -> None:
        self.seconds = seconds
        self.clock = clock
        self.at = clock() + seconds

    def remaining(self, *, status: int | None = None, request_id: str | None = None) -> float:
        """Seconds left; WBUnavailable once there are none."""
        remaining = self.at - self.clock()
        if remaining <= 0:
            message = f"WB did not finish answering within {self.seconds:g} s."
            raise WBUnavailable(message, status=status, request_id=request_id)
        return remaining

    def allows(self, wait: float) -> bool:
        """Whether time is left after waiting `wait` seconds."""
        return self.clock() + wait < self.at


@dataclass(frozen=True)
class Outgoing:
    """One request: `json` is sent as the body when it is not None."""

    verb: str
    url: str
    query: Mapping[str, str | int] | None = None
    json: object = None


class Received:
    """An answer: status, headers and the body in a temporary file (deleted on close)."""

    def __init__(self, status: int, headers: Mapping[str, str], file: IO[bytes], size: int) -> None:
        self.status = status
        self.headers = headers
        self.request_id = request_id_of(None, headers)
        self.file = file
        self.size = size

    def close(self) -> None:
        self.file.close()


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


class Transport:
    """Sends requests with one Authorization header through one session (one thread at a time).

    `timeout` is (connect, read) per attempt. A `session` passed in is used as it is, adapters
    included; otherwise the session never retries, never sleeps and honours the deadline.
    """

    def __init__(
        self,
        *,
        authorization: str,
        timeout: tuple[float, float],
        session: requests.Session | None = None,
    ) -> None:
        self._auth = _TokenAuth(authorization)
        self.timeout = timeout
        self.session = session or new_session()

    def exchange(self, outgoing: Outgoing, deadline: Deadline, *, max_body_bytes: int) -> Received:
        """Send, and read the whole answer within the deadline.

        A successful answer longer than `max_body_bytes` is a ProtocolError; of an error answer
        only the first MAX_ERROR_BODY_BYTES are kept. A body cut off mid-stream, a timeout and
        a refused connection are WBUnavailable.
        """
        response = self._send(outgoing, deadline)
        known = {
            "status": response.status_code,
            "request_id": request_id_of(None, response.headers),
        }
        try:
            if response.status_code < 300:
                file, size = self._read_body(response, deadline, known, max_body_bytes)
            else:
                limit = min(max_body_bytes, MAX_ERROR_BODY_BYTES)
                file, size = self._read_body(response, deadline, known, limit, cut=True)
        finally:
            response.close()
        return Received(response.status_code, response.headers, file, size)

    def _send(self, outgoing: Outgoing, deadline: Deadline) -> requests.Response:
        """Send the request and read the status and headers; the body is left to stream."""
        remaining = deadline.remaining()
        connect_timeout, read_timeout = self.timeout
        _headers_due.at = time.monotonic() + remaining
        try:
            return self.session.request(
                outgoing.verb,
                outgoing.url,
                params=outgoing.query,
                json=outgoing.json,
                headers={"Accept": "application/json", "User-Agent": USER_AGENT},
                auth=self._auth,
                timeout=(min(connect_timeout, remaining), min(read_timeout, remaining)),
                allow_redirects=False,
                stream=True,
            )
        except requests.Timeout as exc:
            raise WBUnavailable("WB did not answer in time.") from exc
        except requests.RequestException as exc:
            deadline.remaining()  # cut off at the deadline: say so
            raise WBUnavailable("Could not connect to WB.") from exc
        finally:
            _headers_due.at = None

    def _read_body(
        self,
        response: requests.Response,
        deadline: Deadline,
        known: dict,
        limit: int,
        *,
        cut: bool = False,
    ) -> tuple[IO[bytes], int]:
        """The body in a temporary file, read in pieces so that a trickle cannot outlast the
        deadline. Past `limit` bytes: ProtocolError, or with `cut` the rest is dropped."""
        declared = response.headers.get("Content-Length", "")
        if not cut and declared.isdigit() and int(declared) > limit:
            raise _too_large(limit, known)
        # Handed to the caller, who closes it: not a `with` block.
        file = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        try:
            size = self._copy_body(response, deadline, known, limit, file, cut=cut)
            file.seek(0)
        except BaseException:
            file.close()
            raise
        return file, size

    def _copy_body(
        self,
        response: requests.Response,
        deadline: Deadline,
        known: dict,
        limit: int,
        file: IO[bytes],
        *,
        cut: bool,
    ) -> int:
        size = 0
        while True:
            self._limit_socket_wait(response, deadline.remaining(**known))
            try:
                chunk = response.raw.read1(READ_CHUNK_BYTES, decode_content=True)
            except urllib3.exceptions.DecodeError as exc:
                raise ProtocolError("WB's answer could not be decompressed.", **known) from exc
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                raise WBUnavailable("The connection to WB broke off.", **known) from exc
            if not chunk:
                return size
            if size + len(chunk) > limit:
                if not cut:
                    raise _too_large(limit, known)
                file.write(chunk[: limit - size])
                return limit
            file.write(chunk)
            size += len(chunk)

    def _limit_socket_wait(self, response: requests.Response, remaining: float) -> None:
        """Shorten the socket's read timeout so that one silent wait cannot pass the deadline."""
        sock = getattr(getattr(response.raw, "connection", None), "sock", None)
        if sock is not None:
            sock.settimeout(min(self.timeout[1], remaining))


def _too_large(limit: int, known: dict) -> ProtocolError:
    return ProtocolError(f"WB's answer is too large (over {limit:,} bytes).", **known)


def new_session() -> requests.Session:
    """A session whose transport never retries or sleeps by itself: retries are the client's."""
    session = requests.Session()
    # read=False re-raises a read timeout as itself, so that it is told apart from a refusal.
    retry = Retry(total=0, read=False, redirect=False, respect_retry_after_header=False)
    adapter = _DeadlineAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


# --- The status line and headers within the deadline ---------------------------------------

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
