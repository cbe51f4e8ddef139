"""/api/v1/sellers/: the seller cabinets a user may see, as their pages show them."""

from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from sellers.coverage import DATA_CATEGORIES, coverage_of
from sellers.models import Seller
from sellers.selectors import seller_tokens, sellers_with_tokens, visible_sellers
from sellers.views import QUERY_MAX_LENGTH
from wberp.exports import Delimiter, csv_response

from .auth import allowed
from .errors import DENIED, Error
from .export import CSV_ANSWER, Format, wants_csv
from .pagination import DEFAULT_LIMIT, MAX_LIMIT, cursor_page, stream

router = Router()
# The order of the cabinets' list and of its pages (sid is unique).
ORDER = ("name", "sid")


class TokenState(Schema):
    id: str
    name: str
    status: str


class SellerPublic(Schema):
    sid: str = Field(description="WB's seller ID.")
    name: str
    inn: str
    trade_mark: str
    country: str
    oid: int | None = Field(description="WB's seller number.")
    info_checked_at: datetime | None = Field(description="When WB's seller-info last answered.")
    coverage: dict[str, bool] = Field(
        description="For each category wberp syncs, whether a token may read it now."
    )
    tokens: list[TokenState]


class SellersPage(Schema):
    data: list[SellerPublic]
    next_cursor: str | None = Field(description="Give it as `cursor` for the next page.")


class SellerListQuery(Schema):
    search: str | None = Field(None, max_length=QUERY_MAX_LENGTH)
    cursor: str | None = Field(None, max_length=2000)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    format: Format | None = Field(None, description="csv: every cabinet from the cursor on.")
    delimiter: Delimiter = "comma"


def seller_public(seller: Seller, tokens) -> dict:
    return {
        "sid": seller.sid,
        "name": seller.name,
        "inn": seller.tin,
        "trade_mark": seller.trade_mark,
        "country": seller.country,
        "oid": seller.oid,
        "info_checked_at": seller.info_checked_at,
        "coverage": {item.category: item.covered for item in coverage_of(tokens)},
        "tokens": [
            {"id": str(token.pk), "name": token.name, "status": token.status} for token in tokens
        ],
    }


CSV_COLUMNS = [
    ("sid", lambda seller: seller.sid),
    ("name", lambda seller: seller.name),
    ("inn", lambda seller: seller.tin),
    ("trade_mark", lambda seller: seller.trade_mark),
    ("country", lambda seller: seller.country),
    *(
        (category, lambda seller, category=category: int(covered(seller, category)))
        for category in DATA_CATEGORIES
    ),
]


def covered(seller: Seller, category: str) -> bool:
    return any(token.usable_for(category) for token in seller.tokens.all())


@router.get(
    "",
    response={200: SellersPage, **DENIED, 400: Error},
    url_name="sellers",
    auth=allowed("sellers.view_seller"),
    openapi_extra=CSV_ANSWER,
)
def list_sellers(request: HttpRequest, query: Query[SellerListQuery]) -> dict | HttpResponse:
    """The cabinets in name order, a page at a time (cursor pagination), or all as CSV."""
    sellers = sellers_with_tokens(request.auth, query=" ".join((query.search or "").split()))
    if wants_csv(request, query.format):
        rows = stream(sellers, order=ORDER, cursor=query.cursor)
        return csv_response(rows, CSV_COLUMNS, filename="sellers.csv", delimiter=query.delimiter)
    page = cursor_page(sellers, order=ORDER, cursor=query.cursor, limit=query.limit)
    data = [seller_public(seller, seller.tokens.all()) for seller in page.rows]
    return {"data": data, "next_cursor": page.next_cursor}


@router.get(
    "{sid}/",
    response={200: SellerPublic, **DENIED, 404: Error},
    url_name="seller",
    auth=allowed("sellers.view_seller"),
)
def get_seller(request: HttpRequest, sid: str) -> dict:
    seller = get_object_or_404(visible_sellers(request.auth), sid=sid)
    return seller_public(seller, list(seller_tokens(seller, request.auth)))
