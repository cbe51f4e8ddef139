"""The API's types: its request bodies and what it answers, as the OpenAPI document names them."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.forms import Form
from ninja import Field, Schema

from tokens.forms import TokenListForm
from tokens.models import WBToken
from wbapi.claims import MAX_TOKEN_LENGTH

NAME_MAX_LENGTH = WBToken._meta.get_field("name").max_length
# A generous cap before decoding, as the pages' token field has: the decoder says more.
TOKEN_MAX_LENGTH = MAX_TOKEN_LENGTH * 2


def choices_of(field_name: str, form: type[Form] = TokenListForm) -> type:
    """The values a filter takes: its page form's choices but "any"."""
    values = tuple(value for value, _label in form.base_fields[field_name].choices if value)
    return Literal[values]  # type: ignore[valid-type]


TokenStatus = Literal[tuple(WBToken.Status.values)]  # type: ignore[valid-type]
TokenType = Literal[tuple(WBToken.TokenType.values)]  # type: ignore[valid-type]


class WBTokenCreate(Schema):
    name: str = Field(max_length=NAME_MAX_LENGTH * 4, description="Your label for the token.")
    token: str = Field(
        max_length=TOKEN_MAX_LENGTH, description="The token from the seller cabinet."
    )
    allow_unverified: bool = Field(
        False, description="Store it unchecked if WB cannot be reached now."
    )


class WBTokenUpdate(Schema):
    """Only the fields sent change; a new token is validated with WB like a new one."""

    name: str | None = Field(None, max_length=NAME_MAX_LENGTH * 4)
    token: str | None = Field(None, max_length=TOKEN_MAX_LENGTH)
    allow_other_seller: bool = Field(
        False, description="The new token may belong to another seller."
    )
    allow_unverified: bool = Field(
        False, description="Store the new token unchecked if WB cannot be reached now."
    )


class SellerBrief(Schema):
    sid: str
    name: str
    inn: str
    trade_mark: str


class CheckError(Schema):
    code: str
    message: str


class Counters(Schema):
    checks: int
    failed_checks: int
    requests: int


class WBTokenPublic(Schema):
    """A stored WB token as people may see it: never the token, nor its ciphertext."""

    id: UUID
    name: str
    hint: str = Field(description="The token's last 4 characters.")
    fingerprint_prefix: str
    type: TokenType
    seller: SellerBrief | None
    categories: list[str]
    read_only: bool
    sandbox: bool
    expires_at: datetime
    days_left: int
    status: TokenStatus
    readable: bool = Field(description="False when no configured key can decrypt it.")
    last_checked_at: datetime | None
    last_error: CheckError | None
    counters: Counters
    created_at: datetime
    created_by: str | None


class WBTokensPublic(Schema):
    data: list[WBTokenPublic]
    count: int = Field(description="How many tokens match, on every page.")


class TokenListQuery(Schema):
    skip: int = Field(0, ge=0, le=1_000_000_000)
    limit: int = Field(100, ge=1, le=1000)
    status: choices_of("status") | None = None
    type: choices_of("type") | None = None
    expiring: choices_of("expiring") | None = None
    category: choices_of("category") | None = None
    search: str | None = Field(
        None,
        max_length=TokenListForm.base_fields["q"].max_length,
        description="Name, seller, trade mark, INN, seller ID or the token's last characters.",
    )

    def form_data(self) -> dict:
        """The list page's query string for the same filters."""
        return {
            "q": self.search or "",
            "status": self.status or "",
            "type": self.type or "",
            "expiring": self.expiring or "",
            "category": self.category or "",
        }
