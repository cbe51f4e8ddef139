"""WB calls with stored tokens: the only code that decrypts one, right before the call."""

from django.views.decorators.debug import sensitive_variables

from tokens.crypto import get_cipher
from tokens.models import WBToken
from wbapi.claims import decode_token

from .validation import INTERACTIVE_MAX_WAIT, WBOutcome, verify_token


@sensitive_variables("raw")
def check_stored_token(
    token: WBToken, *, with_seller_info: bool, max_wait: float = INTERACTIVE_MAX_WAIT
) -> WBOutcome:
    """Check a stored token with WB. Raises TokenUnreadable if its ciphertext cannot be read."""
    raw = get_cipher().decrypt(token.ciphertext, row_id=token.pk)
    return verify_token(
        raw,
        decode_token(raw),
        seller_id=token.seller_id,
        with_seller_info=with_seller_info,
        max_wait=max_wait,
    )
