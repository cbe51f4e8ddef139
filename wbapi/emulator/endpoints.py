"""WB's methods as the emulator serves them: the general ones here, each category's in its
own module (content, prices, marketplace, analytics, statistics, finance).

Adding a method takes three lines of work: a handler in its category's module (a Call in, a
Reply out, its data from the seller's world), a Route line in that module's ROUTES, and the
method's limit group in `wbapi.limits.LIMIT_GROUPS`. Authentication, scope, limits, faults and
logging are the gateway's business (app.py), not the handler's; a handler raises ClientError for
bad input and its Route's `error_reply` words it in the service's shape.
"""

from __future__ import annotations

from datetime import datetime

from wbapi.emulator import analytics, content, finance, marketplace, prices, statistics
from wbapi.emulator.protocol import MOSCOW, Call, Reply, Route, json_reply
from wbapi.hosts import PING_HOSTS


def ping(call: Call) -> Reply:
    now = datetime.fromtimestamp(call.state.clock.timestamp(), MOSCOW)
    return json_reply({"TS": now.isoformat(timespec="seconds"), "Status": "OK"})


def seller_info(call: Call) -> Reply:
    return json_reply(call.state.sellers.get(call.claims.seller_sid).as_seller_info())


ROUTES: tuple[Route, ...] = (
    Route("GET", "/ping", PING_HOSTS, "ping", ping),
    Route("GET", "/api/v1/seller-info", ("common-api",), "seller-info", seller_info),
    *content.ROUTES,
    *prices.ROUTES,
    *marketplace.ROUTES,
    *analytics.ROUTES,
    *statistics.ROUTES,
    *finance.ROUTES,
)
