"""Errors the token desk reports to people: one translated message, one stable code."""

from django.utils.functional import Promise

from gateway.messages import describe


class TokenError(Exception):
    """A request about a token that cannot be done, with a message fit to show.

    `field` names the form field the message belongs to (None: the whole form).
    `can_save_unverified` says the token could be stored unchecked if the person
    asks for it (WB could not be reached); each caller words that offer its own way.
    The message never contains the token.
    """

    def __init__(
        self,
        message: str | Promise,
        *,
        code: str,
        field: str | None = None,
        can_save_unverified: bool = False,
        detail: str = "",
    ) -> None:
        self.message = str(message)
        self.code = code
        # What, with the code, puts the reason into words again later (gateway.messages).
        self.detail = detail
        self.field = field
        self.can_save_unverified = can_save_unverified
        super().__init__(self.message)


class TokenUnreadable(TokenError):
    """The stored ciphertext cannot be decrypted with the configured keys.

    `reason` is "mismatch" (altered, or moved from another row), "format" or
    "unknown_key:<key id>"; it is kept as the detail, so the words can be said again later.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(describe("unreadable", reason), code="unreadable", detail=reason)
