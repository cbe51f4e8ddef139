"""discounts-prices-api: goods with their prices, and the sizes of goods priced per size."""

from __future__ import annotations

from wbapi.emulator.params import query_number
from wbapi.emulator.protocol import Call, ClientError, Reply, Route, json_reply

HOSTS = ("discounts-prices-api", "discounts-prices-api-sandbox")


def prices_error(error: ClientError, request_id: str) -> Reply:
    """The Prices service's error body (ResponseError)."""
    return json_reply({"data": None, "error": True, "errorText": error.detail}, error.status)


def goods(call: Call) -> Reply:
    """GET /api/v2/list/goods/filter?limit=&offset=&filterNmID=, by nmID."""
    limit = query_number(call.request, "limit", low=1, high=1000, required=True)
    offset = query_number(call.request, "offset", low=0, default=0)
    nm_id = query_number(call.request, "filterNmID", low=1)
    now = call.state.clock.timestamp()
    world = call.state.worlds.world(call.claims.seller_sid)
    products = world.goods(now)
    if nm_id is not None:
        products = [p for p in products if p.nm_id == nm_id]
    page = products[offset : offset + limit]
    listed = [world.goods_item(product, now) for product in page]
    return json_reply({"data": {"listGoods": listed}, "error": False, "errorText": ""})


def size_prices(call: Call) -> Reply:
    """GET /api/v2/list/goods/size/nm?nmID=&limit=&offset=: sizes of a good whose sizes have
    prices of their own (editableSizePrice); an empty list for any other nmID."""
    nm_id = query_number(call.request, "nmID", low=1, required=True)
    limit = query_number(call.request, "limit", low=1, high=1000, required=True)
    offset = query_number(call.request, "offset", low=0, default=0)
    now = call.state.clock.timestamp()
    world = call.state.worlds.world(call.claims.seller_sid)
    product = world.catalogue.by_nm_id(nm_id)
    sizes = []
    if product and product.exists_at(now) and product.subject.editable_size_price:
        sizes = world.size_items(product, now)[offset : offset + limit]
    return json_reply({"data": {"listGoods": sizes}, "error": False, "errorText": ""})


ROUTES = (
    Route("GET", "/api/v2/list/goods/filter", HOSTS, "prices", goods, error_reply=prices_error),
    Route(
        "GET", "/api/v2/list/goods/size/nm", HOSTS, "prices", size_prices, error_reply=prices_error
    ),
)
