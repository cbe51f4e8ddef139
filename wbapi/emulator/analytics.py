"""seller-analytics-api: stock on WB's warehouses (one pseudo-warehouse, as WB reports now)."""

from __future__ import annotations

from wbapi.emulator.params import json_object, number_list, whole_number
from wbapi.emulator.protocol import Call, ClientError, Reply, Route, json_reply

HOSTS = ("seller-analytics-api",)
ORIGIN = "analytics-open-api"
MAX_ROWS = 250_000
# Personal, service and basic-with-secret tokens; the emulator has no secrets, so no basic.
TOKEN_TYPES = frozenset({"personal", "service"})


def analytics_error(error: ClientError, request_id: str) -> Reply:
    """The analytics service's error body (ErrorObject400)."""
    body = {
        "title": "Invalid request body",
        "detail": error.detail,
        "requestId": request_id,
        "origin": ORIGIN,
    }
    return json_reply(body, error.status)


def wb_warehouses(call: Call) -> Reply:
    """POST /api/analytics/v1/stocks-report/wb-warehouses {nmIds, chrtIds, limit, offset}:
    one row per size, by (nmId, chrtId); 204 when the page is empty."""
    body = json_object(call.request)
    nm_ids = set(number_list(body, "nmIds", max_items=1000))
    chrt_ids = set(number_list(body, "chrtIds"))  # WB applies them within nmIds only
    limit = whole_number(body, "limit", low=1, high=MAX_ROWS, default=MAX_ROWS)
    offset = whole_number(body, "offset", low=0, default=0)
    now = call.state.clock.timestamp()
    world = call.state.worlds.world(call.claims.seller_sid)
    sizes = world.sizes_on_sale(now)
    if nm_ids:
        sizes = [
            (product, size)
            for product, size in sizes
            if product.nm_id in nm_ids and (not chrt_ids or size.chrt_id in chrt_ids)
        ]
    page = sizes[offset : offset + limit]
    if not page:
        return Reply(204)
    return json_reply({"data": {"items": [world.fbw_item(p, s, now) for p, s in page]}})


ROUTES = (
    Route(
        "POST",
        "/api/analytics/v1/stocks-report/wb-warehouses",
        HOSTS,
        "analytics-stocks-report",
        wb_warehouses,
        token_types=TOKEN_TYPES,
        error_reply=analytics_error,
    ),
)
