"""Every error the API answers with: `{"detail": "..."}` in the caller's language.

Validation errors keep django-ninja's shape, `{"detail": [...]}` with 422. A refusal of the
token desk keeps its stable code beside the words, so that programs need not read them.
"""

import math

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from pydantic import ConfigDict

from tokens.exceptions import TokenError

from .auth import InvalidAPIToken, LockedOut

# Refusals that say the request clashes with what is stored.
CONFLICT_CODES = frozenset({"duplicate", "same_token", "other_seller"})
# Refusals that say nothing was decided: WB could not be asked or did not answer.
UNAVAILABLE_CODES = frozenset(
    {"wb_unavailable", "protocol_error", "rate_limited", "rate_budget", "paused", "busy"}
)


class Error(Schema):
    detail: str


class ValidationIssue(Schema):
    """One problem with the request: where (`loc`), what (`msg`, `type`), and its context."""

    model_config = ConfigDict(extra="allow")

    loc: list[str | int]
    msg: str
    type: str


class Invalid(Schema):
    """422: the parameters or the body do not fit the schema, one entry per problem."""

    detail: list[ValidationIssue]


class Refusal(Schema):
    detail: str
    code: str | None = Field(
        None, description="The refusal's stable code; absent when the body is not JSON."
    )


# Answers any operation may give besides its own: documented on each.
DENIED = {401: Error, 403: Error, 422: Invalid, 429: Error}


def token_error_status(error: TokenError) -> int:
    if error.code in CONFLICT_CODES:
        return 409
    if error.code in UNAVAILABLE_CODES:
        return 503
    return 400


def token_error_message(error: TokenError) -> str:
    if error.can_save_unverified:
        return error.message + " " + _('To store the token anyway, send "allow_unverified": true.')
    return error.message


def install_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(TokenError)
    def refused(request: HttpRequest, exc: TokenError) -> HttpResponse:
        body = {"detail": token_error_message(exc), "code": exc.code}
        return api.create_response(request, body, status=token_error_status(exc))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        if isinstance(exc, InvalidAPIToken):
            detail, challenge = str(exc), exc.www_authenticate
        else:
            detail = _("Sign in, or send a valid API token: Authorization: Bearer wberp_…")
            challenge = 'Bearer realm="wberp"'
        response = api.create_response(request, {"detail": detail}, status=401)
        response["WWW-Authenticate"] = challenge
        return response

    @api.exception_handler(Throttled)
    def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        wait = math.ceil(exc.wait or 1)
        if isinstance(exc, LockedOut):
            detail = str(exc)
        else:
            detail = ngettext(
                "Too many requests with this API token. Try again in %(seconds)d second.",
                "Too many requests with this API token. Try again in %(seconds)d seconds.",
                wait,
            ) % {"seconds": wait}
        response = api.create_response(request, {"detail": detail}, status=429)
        response["Retry-After"] = str(wait)
        return response

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        # A token of the caller's cabinets that they may only read (access.selectors).
        detail = _("You do not have permission to do that.")
        return api.create_response(request, {"detail": detail}, status=403)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, {"detail": _("Not found.")}, status=404)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # django-ninja words a body it cannot parse itself, in English, raised from the cause.
        unreadable = exc.status_code == 400 and exc.__cause__ is not None
        detail = _("The request body is not valid JSON.") if unreadable else str(exc)
        return api.create_response(request, {"detail": detail}, status=exc.status_code)
