"""WB's methods as the emulator serves them.

Adding a method takes three lines of work: a handler here (a Call in, a Reply out, its data from
a generator module such as sellers.py), a Route line in ROUTES, and the method's limit group in
`wbapi.limits.LIMIT_GROUPS`. Authentication, scope, limits, faults and logging are the gateway's
business (app.py), not the handler's.
"""

from __future__ import annotations

from datetime import datetime

from wbapi.emulator.protocol import MOSCOW, Call, Reply, Route, json_reply
from wbapi.hosts import PING_HOSTS


def ping(call: Call) -> Reply:
    return json_reply({"TS": datetime.now(MOSCOW).isoformat(timespec="seconds"), "Status": "OK"})


def seller_info(call: Call) -> Reply:
    return json_reply(call.state.sellers.get(call.claims.seller_sid).as_seller_info())


ROUTES: tuple[Route, ...] = (
    Route("GET", "/ping", PING_HOSTS, "ping", ping),
    Route("GET", "/api/v1/seller-info", ("common-api",), "seller-info", seller_info),
)
