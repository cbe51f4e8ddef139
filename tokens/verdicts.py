"""What WB's answer says about a token, and recording it on the token.

Shared by the token desk's checks and by the gateway's data calls, so that a token WB has
rejected is marked so wherever WB said it.
"""

from django.db.models import F
from django.utils import timezone

from gateway.messages import error_detail
from wbapi.errors import InvalidToken, SellerMismatch, TokenExpired, WBError

from .models import WBToken

Status = WBToken.Status


def verdict(error: WBError | None) -> str | None:
    """What WB said about the token: a status, or None when the answer could not tell (WB's
    rate limit, an outage, nonsense from a proxy): such an answer never changes a status."""
    if error is None:
        return Status.VALID
    if not error.permanent:
        return None
    if isinstance(error, InvalidToken | SellerMismatch):
        return Status.INVALID
    if isinstance(error, TokenExpired):
        return Status.EXPIRED
    return Status.ACCESS_DENIED


def token_record_rejection(*, token_id, error: InvalidToken) -> None:
    """WB rejected the token during a data call: it is invalid from now on, with WB's reason."""
    WBToken.objects.filter(pk=token_id).update(
        status=Status.INVALID,
        last_error_code=error.code,
        last_error_detail=error_detail(error)[:300],
        last_checked_at=timezone.now(),
    )


def token_count_requests(*, token_id, requests: int) -> None:
    """Requests a data call made with the token, counted with the token's checks' ones."""
    if requests:
        WBToken.objects.filter(pk=token_id).update(
            request_count=F("request_count") + requests, last_used_at=timezone.now()
        )
