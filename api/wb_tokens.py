"""/api/v1/wb-tokens/: the token desk's contract, over the same services as its pages."""

from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.views.decorators.debug import sensitive_variables
from ninja import Query, Router, Status

from access.models import Area
from access.selectors import get_visible_or_404
from sellers.models import Seller
from tokens.forms import TokenListForm
from tokens.models import WBToken
from tokens.pagination import TalliedPaginator
from tokens.selectors import countable_statuses, tokens_matching, tokens_per_status, with_key_id
from tokens.services import token_check, token_create, token_delete, token_update

from .auth import allowed
from .errors import DENIED, Error, Refusal
from .schemas import TokenListQuery, WBTokenCreate, WBTokenPublic, WBTokensPublic, WBTokenUpdate

router = Router()

REFUSED = {400: Refusal, 409: Refusal, 503: Refusal}


def token_public(token: WBToken) -> dict:
    """What WBTokenPublic shows of a token (its seller and creator loaded with it)."""
    seller = token.seller if token.seller_id else None
    return {
        "id": token.pk,
        "name": token.name,
        "hint": token.hint,
        "fingerprint_prefix": token.fingerprint_prefix,
        "type": token.token_type,
        "seller": seller_brief(seller) if seller else None,
        "categories": list(token.categories),
        "read_only": token.read_only,
        "sandbox": token.is_test,
        "expires_at": token.expires_at,
        "days_left": token.days_left(),
        "status": token.status,
        "readable": token.is_readable,
        "last_checked_at": token.last_checked_at,
        "last_error": {"code": token.last_error_code, "message": token.last_error}
        if token.last_error_code
        else None,
        "counters": {
            "checks": token.check_count,
            "failed_checks": token.failed_check_count,
            "requests": token.request_count,
        },
        "created_at": token.created_at,
        "created_by": token.created_by.get_username() if token.created_by_id else None,
    }


def seller_brief(seller: Seller) -> dict:
    return {
        "sid": seller.sid,
        "name": seller.name,
        "inn": seller.tin,
        "trade_mark": seller.trade_mark,
    }


def shown_tokens() -> QuerySet:
    return with_key_id(WBToken.objects.select_related("seller", "created_by"))


def stored_token(request: HttpRequest, token_id: UUID, *, change: bool = False) -> WBToken:
    """A token of the caller's cabinets (404 for any other; 403 to change one they may only
    read), as the pages find it."""
    return get_visible_or_404(shown_tokens(), request.auth, Area.TOKENS, change=change, pk=token_id)


def refreshed(request: HttpRequest, token: WBToken) -> dict:
    """The token as stored now, after a service has changed it."""
    return token_public(stored_token(request, token.pk))


@router.get(
    "",
    response={200: WBTokensPublic, **DENIED, 400: Error},
    url_name="wb_tokens",
    auth=allowed("tokens.view_wbtoken"),
)
def list_tokens(request: HttpRequest, query: Query[TokenListQuery]) -> dict:
    """The tokens the filters match, newest first, and how many match in all."""
    filters = TokenListForm(query.form_data()).filters()
    tokens = tokens_matching(filters, request.auth).select_related("created_by")
    tokens = tokens.order_by("-created_at", "-id")
    count = TalliedPaginator(
        tokens,
        query.limit,
        statuses=countable_statuses(filters),
        per_status=tokens_per_status(request.auth),
    ).count
    page = tokens[query.skip : query.skip + query.limit]
    return {"data": [token_public(token) for token in page], "count": count}


@router.post(
    "",
    response={201: WBTokenPublic, **DENIED, **REFUSED},
    url_name="wb_token_create",
    auth=allowed("tokens.add_wbtoken"),
)
@sensitive_variables("payload")
def create_token(request: HttpRequest, payload: WBTokenCreate) -> Status:
    """Validate a token with WB, as the pages do, and store it; nothing is stored if refused."""
    token = token_create(
        name=payload.name,
        raw_token=payload.token,
        by=request.auth,
        allow_unverified=payload.allow_unverified,
    )
    return Status(201, refreshed(request, token))


@router.get(
    "{id}",
    response={200: WBTokenPublic, **DENIED, 404: Error},
    url_name="wb_token",
    auth=allowed("tokens.view_wbtoken"),
)
def get_token(request: HttpRequest, id: UUID) -> dict:
    return token_public(stored_token(request, id))


@router.patch(
    "{id}",
    response={200: WBTokenPublic, **DENIED, 404: Error, **REFUSED},
    url_name="wb_token_update",
    auth=allowed("tokens.change_wbtoken"),
)
@sensitive_variables("payload", "changes")
def update_token(request: HttpRequest, id: UUID, payload: WBTokenUpdate) -> dict:
    """Rename and/or replace the token: only the fields sent change."""
    token = stored_token(request, id, change=True)
    changes = payload.model_dump(exclude_unset=True)
    token = token_update(
        token=token,
        by=request.auth,
        name=changes.get("name"),
        raw_token=changes.get("token"),
        allow_other_seller=payload.allow_other_seller,
        allow_unverified=payload.allow_unverified,
    )
    return refreshed(request, token)


@router.delete(
    "{id}",
    response={204: None, **DENIED, 404: Error},
    url_name="wb_token_delete",
    auth=allowed("tokens.delete_wbtoken"),
)
def delete_token(request: HttpRequest, id: UUID) -> HttpResponse:
    token_delete(token=stored_token(request, id, change=True), by=request.auth)
    return HttpResponse(status=204)


@router.post(
    "{id}/check",
    response={200: WBTokenPublic, **DENIED, 404: Error, 400: Refusal, 503: Refusal},
    url_name="wb_token_check",
    auth=allowed("tokens.check_wbtoken"),
)
def check_token(request: HttpRequest, id: UUID) -> dict:
    """Check the token with WB now; its status, last check and error show the outcome."""
    token = stored_token(request, id, change=True)
    token_check(token=token, by=request.auth)
    return refreshed(request, token)
