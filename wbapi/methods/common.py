"""The General category on common-api (and `/ping` on every host): is the token good, and
whose is it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from wbapi.claims import COMMON_CATEGORY
from wbapi.methods.base import KIB, MethodSpec
from wbapi.shapes import Field, Shape, text
from wbapi.streaming import Answer, read_object

# Both answers are a few dozen bytes; anything near this is not WB's.
SMALL_BODY_BYTES = 64 * KIB


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
class _Pong:
    ts: str
    status: str


_PONG = Shape(
    _Pong,
    [Field("ts", "TS", text, required=True), Field("status", "Status", text, required=True)],
    extra=False,
)
_SELLER_INFO = Shape(
    SellerInfo,
    [
        Field("name", "name", text, required=True),
        Field("sid", "sid", text, required=True),
        Field("tin", "tin", text, default=""),
        Field("trade_mark", "tradeMark", text, default=""),
        Field("country", "country", text, default=""),
    ],
    extra=False,
)


def parse_ping(answer: Answer) -> PingResult:
    pong = read_object(answer, _PONG)
    return PingResult(pong.ts, pong.status, answer.host, answer.request_id)


@cache
def ping_spec(category: str = COMMON_CATEGORY) -> MethodSpec[PingResult]:
    """GET /ping on the host of `category` (each host counts its own pings)."""
    return MethodSpec(
        name="ping",
        verb="GET",
        category=category,
        path="/ping",
        limit_group="ping",
        max_body_bytes=SMALL_BODY_BYTES,
        parse=parse_ping,
    )


SELLER_INFO: MethodSpec[SellerInfo] = MethodSpec(
    name="seller-info",
    verb="GET",
    category=COMMON_CATEGORY,
    path="/api/v1/seller-info",
    limit_group="seller-info",
    max_body_bytes=SMALL_BODY_BYTES,
    parse=lambda answer: read_object(answer, _SELLER_INFO),
)
