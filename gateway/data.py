"""Reading a cabinet's WB data with its stored tokens, one page at a time.

    with fetched_page(seller=seller, pager=CARDS, cursor=cursor) as fetch:
        for batch in fetch.page.batches():
            ...                                  # upsert, in the caller's transaction
        next_cursor = fetch.page.turn

Before anything is sent: a usable token of the seller for the method's WB category is picked
(NoUsableToken if none), the breaker is consulted (ChecksPaused), one request is taken from
the seller's shared budget (RateBudgetExhausted, carrying when it can be afforded: the caller
comes back then instead of waiting). Nothing is retried here: a transient failure costs WB's
budget like any request, so the caller decides when to try again. A 429 empties the bucket
until WB's retry time; a 4xx costs what WB counts for it; a 401 marks the token invalid. The
token is decrypted right before the call and the answer's body lives until the block ends.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from sellers.models import Seller
from tokens.crypto import get_cipher
from tokens.models import WBToken
from tokens.verdicts import token_count_requests, token_record_rejection
from wbapi.client import RequestRecord, WBClient
from wbapi.errors import InvalidToken, RateLimited, WBError
from wbapi.hosts import host_for
from wbapi.limits import LIMIT_GROUPS
from wbapi.methods.base import Page, Pager

from . import breaker, budget
from .errors import ChecksPaused, NoUsableToken, RateBudgetExhausted
from .models import WBPause
from .signals import recording_into
from .slots import wb_call_slot
from .validation import UNAVAILABLE_CODES


@dataclass
class Fetch:
    """One page fetched for a seller: the page, the token it was read with, the requests, and
    the budget's bucket it drew on (whose next free slot says when the next page may go)."""

    token_id: Any
    bucket: budget.Bucket
    records: list[RequestRecord] = field(default_factory=list)
    page: Page | None = None


def usable_token(seller: Seller, category: str) -> WBToken:
    """The token that reads the seller's `category` now; NoUsableToken if none may."""
    token = WBToken.objects.filter(seller=seller).usable_for(category).first()
    if token is None:
        raise NoUsableToken(category)
    return token


@contextmanager
def fetched_page(*, seller: Seller, pager: Pager, cursor: Any) -> Iterator[Fetch]:
    """The page of `pager` at `cursor`, read with one of the seller's tokens (see above)."""
    spec = pager.spec
    token = usable_token(seller, spec.category)
    host = host_for(spec.category, sandbox=False)
    known = breaker.breaker_rows(seller.pk, [host])
    if until := breaker.paused_until(known):
        raise ChecksPaused(until)
    bucket = budget.bucket_for(seller.sid, spec.limit_group, token_type=token.token_type, host=host)
    if until := budget.take([bucket]):
        raise RateBudgetExhausted(until)
    fetch = Fetch(token_id=token.pk, bucket=bucket)
    try:
        with wb_call_slot():
            fetch.page = read_page(token, pager, cursor, fetch.records)
    except WBError as exc:
        account_for_refusal(token, bucket, spec.limit_group, exc)
        raise
    finally:
        after_requests(seller, token, host, fetch.records, known.get(host))
    with fetch.page:
        yield fetch


@sensitive_variables("raw")
def read_page(token: WBToken, pager: Pager, cursor: Any, records: list) -> Page:
    raw = get_cipher().decrypt(token.ciphertext, row_id=token.pk)
    client = WBClient(
        raw,
        base_url=settings.WB_API_BASE_URL,
        timeout=(settings.WB_API_CONNECT_TIMEOUT, settings.WB_API_DATA_READ_TIMEOUT),
        deadline=settings.WB_API_DATA_DEADLINE,
        auth_scheme=settings.WB_API_AUTH_SCHEME,
        on_request=recording_into(records),
        # Every attempt spends WB's budget: the caller retries, after taking it again.
        retries=0,
        max_retry_wait=0,
    )
    return client.page(pager, cursor)


def account_for_refusal(token: WBToken, bucket: budget.Bucket, group: str, error: WBError):
    """What a refusal costs: WB's wait after a 429, WB's count of a 4xx, a rejected token."""
    if isinstance(error, RateLimited):
        budget.block(bucket, timezone.now() + timedelta(seconds=error.retry_after))
    elif error.status is not None and 400 <= error.status < 500:
        extra = LIMIT_GROUPS[group].client_error_cost - 1
        if extra:
            budget.charge(bucket, extra)
    if isinstance(error, InvalidToken):
        token_record_rejection(token_id=token.pk, error=error)


def after_requests(
    seller: Seller, token: WBToken, host: str, records: list, known: WBPause | None
) -> None:
    token_count_requests(token_id=token.pk, requests=len(records))
    if records:
        unavailable = records[-1].error in UNAVAILABLE_CODES
        breaker.record_outcome(seller.pk, host, unavailable=unavailable, known=known)
