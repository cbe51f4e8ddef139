"""marketplace-api: the seller's warehouses and the stock on them."""

from __future__ import annotations

from wbapi.emulator.params import json_object, number_list
from wbapi.emulator.protocol import Call, ClientError, Reply, Route, json_reply

HOSTS = ("marketplace-api", "marketplace-api-sandbox")
MAX_CHRT_IDS = 1000
DEFAULT_CODES = {400: "IncorrectRequestBody", 404: "NotFound"}


def marketplace_error(error: ClientError, request_id: str) -> Reply:
    """The Marketplace service's error body (Error: code, message, data)."""
    code = error.code or DEFAULT_CODES.get(error.status, "IncorrectRequest")
    return json_reply({"code": code, "message": error.detail, "data": None}, error.status)


def warehouses(call: Call) -> Reply:
    """GET /api/v3/warehouses."""
    return json_reply(call.state.worlds.world(call.claims.seller_sid).warehouse_list())


def stocks(call: Call) -> Reply:
    """POST /api/v3/stocks/{warehouseId} {"chrtIds": [...]}: those of the sizes the warehouse
    carries, with their amounts."""
    warehouse_id = call.path_params["warehouseId"]
    if not warehouse_id.isdigit():
        raise ClientError("warehouseId must be a whole number", code="IncorrectParameter")
    chrt_ids = number_list(json_object(call.request), "chrtIds", max_items=MAX_CHRT_IDS)
    if not chrt_ids:
        raise ClientError(f"chrtIds must list 1 to {MAX_CHRT_IDS} size ids")
    world = call.state.worlds.world(call.claims.seller_sid)
    warehouse = world.stock.warehouse(int(warehouse_id))
    if warehouse is None:
        raise ClientError(f"the seller has no warehouse {warehouse_id}", status=404)
    found = world.fbs_stocks(warehouse, chrt_ids, call.state.clock.timestamp())
    return json_reply({"stocks": found})


ROUTES = (
    Route(
        "GET",
        "/api/v3/warehouses",
        HOSTS,
        "marketplace-warehouses",
        warehouses,
        error_reply=marketplace_error,
    ),
    Route(
        "POST",
        "/api/v3/stocks/{warehouseId}",
        HOSTS,
        "marketplace-stocks",
        stocks,
        error_reply=marketplace_error,
    ),
)
