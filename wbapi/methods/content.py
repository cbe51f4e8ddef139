"""Content on content-api: the seller's product cards.

`POST /content/v2/get/cards/list` pages by a cursor (updatedAt, nmID) of at most 100 cards,
sorted by updatedAt ascending. WB's recipe: copy the answer's cursor into the next request,
and stop when the answer's `cursor.total` is below the limit asked for. Persisting the last
cursor makes the next run an incremental one: it starts after the last card seen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from wbapi.errors import PagingStuck
from wbapi.methods.base import MIB, MethodSpec, Pager, Params, Turn, check_limit
from wbapi.shapes import Field, Shape, flag, integer, many, moment, money, nested, text, texts
from wbapi.streaming import Layout, Rows

CARDS_LIMIT = 100


@dataclass(frozen=True)
class Photo:
    big: str | None  # 900x1200
    c246x328: str | None
    c516x688: str | None
    square: str | None  # 600x600
    tm: str | None  # 75x100
    extra: Mapping[str, object]


@dataclass(frozen=True)
class Dimensions:
    length: int | None  # cm, with the packaging
    width: int | None
    height: int | None
    weight_brutto: Decimal | None  # kg
    is_valid: bool | None
    extra: Mapping[str, object]


@dataclass(frozen=True)
class CardSize:
    chrt_id: int  # the size's ID: sizeID in Prices, chrtId in stocks
    tech_size: str | None
    wb_size: str | None
    skus: tuple[str, ...]  # barcodes
    extra: Mapping[str, object]


@dataclass(frozen=True)
class Card:
    """A product card; `extra` keeps the rest (characteristics, tags, wholesale, needKiz…)."""

    nm_id: int
    imt_id: int | None
    nm_uuid: str | None
    subject_id: int | None
    subject_name: str | None
    vendor_code: str | None
    brand: str | None
    title: str | None
    description: str | None
    photos: tuple[Photo, ...]
    video: str | None
    dimensions: Dimensions | None
    sizes: tuple[CardSize, ...]
    created_at: datetime | None
    updated_at: datetime | None
    extra: Mapping[str, object]


PHOTO = Shape(
    Photo,
    [Field(size, size, text) for size in ("big", "c246x328", "c516x688", "square", "tm")],
)
DIMENSIONS = Shape(
    Dimensions,
    [
        Field("length", "length", integer),
        Field("width", "width", integer),
        Field("height", "height", integer),
        Field("weight_brutto", "weightBrutto", money),
        Field("is_valid", "isValid", flag),
    ],
)
CARD_SIZE = Shape(
    CardSize,
    [
        Field("chrt_id", "chrtID", integer, required=True),
        Field("tech_size", "techSize", text),
        Field("wb_size", "wbSize", text),
        Field("skus", "skus", texts, default=()),
    ],
)
CARD = Shape(
    Card,
    [
        Field("nm_id", "nmID", integer, required=True),
        Field("imt_id", "imtID", integer),
        Field("nm_uuid", "nmUUID", text),
        Field("subject_id", "subjectID", integer),
        Field("subject_name", "subjectName", text),
        Field("vendor_code", "vendorCode", text),
        Field("brand", "brand", text),
        Field("title", "title", text),
        Field("description", "description", text),
        many("photos", "photos", PHOTO),
        Field("video", "video", text),
        nested("dimensions", "dimensions", DIMENSIONS),
        many("sizes", "sizes", CARD_SIZE),
        Field("created_at", "createdAt", moment),
        Field("updated_at", "updatedAt", moment),
    ],
)
LAYOUT = Layout(rows_at="cards", keep=("cursor",))

CARDS_METHOD: MethodSpec[Rows[Card]] = MethodSpec(
    name="cards-list",
    verb="POST",
    category="content",
    path="/content/v2/get/cards/list",
    limit_group="content",
    # 100 cards with descriptions, characteristics and photo URLs: a few MB at most.
    max_body_bytes=32 * MIB,
    parse=lambda answer: Rows(answer, LAYOUT, CARD),
)


@dataclass(frozen=True)
class CardsCursor:
    """Where the next page of cards starts: after (updated_at, nm_id), or at the beginning.

    `updated_at` is WB's own text from the previous answer, sent back unchanged so that no
    precision is lost on the way.
    """

    updated_at: str | None = None
    nm_id: int | None = None
    limit: int = CARDS_LIMIT

    def __post_init__(self) -> None:
        check_limit("limit", self.limit, CARDS_LIMIT)
        if (self.updated_at is None) != (self.nm_id is None):
            raise ValueError("a cards cursor has both updated_at and nm_id, or neither")


@dataclass(frozen=True)
class AnswerCursor:
    """The cursor in WB's answer: the last card's position and how many cards came."""

    updated_at: str | None
    nm_id: int | None
    total: int


ANSWER_CURSOR = Shape(
    AnswerCursor,
    [
        Field("updated_at", "updatedAt", text),
        Field("nm_id", "nmID", integer),
        Field("total", "total", integer, required=True),
    ],
    extra=False,
)


def cards_body(cursor: CardsCursor) -> dict:
    """The request body for the page at `cursor`: every card, oldest change first."""
    position: dict[str, object] = {"limit": cursor.limit}
    if cursor.nm_id is not None:
        position |= {"updatedAt": cursor.updated_at, "nmID": cursor.nm_id}
    return {
        "settings": {
            "sort": {"ascending": True},
            "filter": {"withPhoto": -1},
            "cursor": position,
        }
    }


def cards_turn(cursor: CardsCursor, answer: AnswerCursor) -> Turn[CardsCursor]:
    """After a page: on from the answer's cursor; done once fewer cards came than asked for."""
    done = answer.total < cursor.limit
    if answer.updated_at is None or answer.nm_id is None:
        after = cursor  # an empty page names no last card: resume where it began
    else:
        after = replace(cursor, updated_at=answer.updated_at, nm_id=answer.nm_id)
    if not done and after == cursor:
        raise PagingStuck(
            f"WB sent a full page of {answer.total} cards with a cursor that does not move "
            f"past updatedAt {cursor.updated_at}, nmID {cursor.nm_id}."
        )
    return Turn(after, done)


class CardsPager(Pager[Card, CardsCursor]):
    spec = CARDS_METHOD

    def params(self, cursor: CardsCursor) -> Params:
        return Params(body=cards_body(cursor))

    def turn(self, cursor: CardsCursor, rows: Rows[Card]) -> Turn[CardsCursor]:
        return cards_turn(cursor, rows.kept("cursor", ANSWER_CURSOR))


CARDS = CardsPager()
