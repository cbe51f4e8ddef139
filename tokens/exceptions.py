"""Errors the token desk reports to people: one translated message, one stable code."""

from django.utils.functional import Promise


class TokenError(Exception):
    """A request about a token that cannot be done, with a message fit to show.

    `field` names the form field the message belongs to (None: the whole form).
    The message never contains the token.
    """

    def __init__(self, message: str | Promise, *, code: str, field: str | None = None) -> None:
        self.message = str(message)
        self.code = code
        self.field = field
        super().__init__(self.message)


class TokenUnreadable(TokenError):
    """The stored ciphertext cannot be decrypted with the configured keys."""

    def __init__(self, message: str | Promise) -> None:
        super().__init__(message, code="unreadable")
