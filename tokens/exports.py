"""The columns of the token list's export (wberp.exports): what the list shows, never the
token nor its ciphertext."""

from wberp.exports import Column


def seller_field(name: str):
    return lambda token: getattr(token.seller, name) if token.seller_id else None


TOKEN_COLUMNS: list[Column] = [
    ("id", lambda token: str(token.pk)),
    ("name", lambda token: token.name),
    ("hint", lambda token: token.hint),
    ("fingerprint_prefix", lambda token: token.fingerprint_prefix),
    ("type", lambda token: token.token_type),
    ("seller_sid", seller_field("sid")),
    ("seller_name", seller_field("name")),
    ("seller_inn", seller_field("tin")),
    ("categories", lambda token: ", ".join(token.categories)),
    ("read_only", lambda token: token.read_only),
    ("sandbox", lambda token: token.is_test),
    ("expires_at", lambda token: token.expires_at),
    ("days_left", lambda token: token.days_left()),
    ("status", lambda token: token.status),
    ("last_checked_at", lambda token: token.last_checked_at),
    ("last_error_code", lambda token: token.last_error_code),
    ("last_error", lambda token: token.last_error),
    ("created_at", lambda token: token.created_at),
]
