"""content-api: the cards list, ordered by (updatedAt, nmID) so that WB's cursor pages it."""

from __future__ import annotations

import bisect

from wbapi.emulator.params import json_object, member, number_list, text_list, whole_number
from wbapi.emulator.protocol import Call, ClientError, Reply, Route, json_reply
from wbapi.emulator.world import World
from wbapi.emulator.world.basis import parse_utc_instant_us
from wbapi.emulator.world.catalogue import Product

HOSTS = ("content-api", "content-api-sandbox")
PHOTO_FILTERS = {-1: None, 0: False, 1: True}  # withPhoto -> must the card have photos
AFTER_EVERYTHING = 2**63


def content_error(error: ClientError, request_id: str) -> Reply:
    """Content's error body (responseBodyContentError400)."""
    body = {"data": None, "error": True, "errorText": error.detail, "additionalErrors": None}
    return json_reply(body, error.status)


def cards_list(call: Call) -> Reply:
    """POST /content/v2/get/cards/list."""
    settings = member(json_object(call.request), "settings", dict) or {}
    cursor = member(settings, "cursor", dict, "settings.cursor") or {}
    sort = member(settings, "sort", dict, "settings.sort") or {}
    limit = whole_number(
        cursor, "limit", low=1, high=100, required=True, label="settings.cursor.limit"
    )
    ascending = member(sort, "ascending", bool, "settings.sort.ascending") or False
    position = _cursor_position(cursor)
    keep = _card_filter(call, member(settings, "filter", dict, "settings.filter") or {})
    world = call.state.worlds.world(call.claims.seller_sid)
    cards = [card for card in world.cards(call.state.clock.timestamp()) if keep(*card[1:])]
    keys = [key for key, _, _ in cards]
    if ascending:
        page = cards[bisect.bisect_right(keys, position) if position else 0 :][:limit]
    else:
        end = bisect.bisect_left(keys, position) if position else len(cards)
        page = cards[max(0, end - limit) : end][::-1]
    rows = [world.card(product, version) for _, product, version in page]
    if rows:
        last = {"updatedAt": rows[-1]["updatedAt"], "nmID": rows[-1]["nmID"]}
    else:
        last = {"updatedAt": cursor.get("updatedAt"), "nmID": cursor.get("nmID")}
    return json_reply({"cards": rows, "cursor": {**last, "total": len(rows)}})


def _cursor_position(cursor: dict) -> tuple[int, int] | None:
    """The (updatedAt, nmID) the previous page ended at, None on the first page."""
    updated_at = member(cursor, "updatedAt", str, "settings.cursor.updatedAt")
    nm_id = whole_number(cursor, "nmID", low=0, label="settings.cursor.nmID")
    if updated_at is None:
        if nm_id is not None:
            raise ClientError("settings.cursor.nmID needs settings.cursor.updatedAt")
        return None
    try:
        micros = parse_utc_instant_us(updated_at)
    except ValueError:
        raise ClientError("settings.cursor.updatedAt must be an RFC 3339 date-time") from None
    return micros, AFTER_EVERYTHING if nm_id is None else nm_id


def _card_filter(call: Call, given: dict):
    """A predicate on (product, version) for settings.filter."""
    photos = whole_number(given, "withPhoto", low=-1, high=1, label="settings.filter.withPhoto")
    with_photo = PHOTO_FILTERS[photos] if photos is not None else None
    search = (member(given, "textSearch", str, "settings.filter.textSearch") or "").strip()
    brands = set(text_list(given, "brands", label="settings.filter.brands"))
    subjects = set(number_list(given, "objectIDs", label="settings.filter.objectIDs"))
    tags = set(number_list(given, "tagIDs", label="settings.filter.tagIDs"))
    imt_id = whole_number(given, "imtID", low=0, label="settings.filter.imtID")
    # allowedCategoriesOnly: every subject of the emulated catalogue is allowed.
    member(given, "allowedCategoriesOnly", bool, "settings.filter.allowedCategoriesOnly")
    world: World = call.state.worlds.world(call.claims.seller_sid)

    def keep(product: Product, version: int) -> bool:
        if with_photo is not None and (product.photo_count > 0) != with_photo:
            return False
        if brands and product.brand not in brands:
            return False
        if subjects and product.subject.id not in subjects:
            return False
        if imt_id is not None and product.imt_id != imt_id:
            return False
        if tags and not tags & {world.catalogue.tag(t)["id"] for t in product.tag_ids}:
            return False
        return not search or _found_by(product, search)

    return keep


def _found_by(product: Product, search: str) -> bool:
    """textSearch: the nmID, a barcode, or part of the vendor code."""
    if search == str(product.nm_id) or any(size.barcode == search for size in product.sizes):
        return True
    return search.casefold() in product.vendor_code.casefold()


ROUTES = (
    Route(
        "POST",
        "/content/v2/get/cards/list",
        HOSTS,
        "content",
        cards_list,
        error_reply=content_error,
    ),
)
