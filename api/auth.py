"""How API callers prove who they are, and that they may do what they ask.

Programs send a personal API token (`Authorization: Bearer wberp_…`); the browser its
session. Each operation names the Django permission it needs (the same as its page's); the
check runs before the request's body is read, so a caller without it learns nothing more.
"""

import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_variables
from ninja.errors import AuthenticationError, AuthorizationError, Throttled
from ninja.security.apikey import APIKeyCookie
from ninja.security.http import HttpBearer
from ninja.utils import check_csrf

from wberp.client_ip import client_ip

from .scopes import scope_for
from .services import api_auth_failed, api_auth_locked_until, api_token_authenticate
from .throttling import throttle


class InvalidAPIToken(AuthenticationError):
    """A bearer token that is not an active API token: 401, saying so in WWW-Authenticate."""

    www_authenticate = 'Bearer realm="wberp", error="invalid_token"'

    def __init__(self) -> None:
        super().__init__(message=_("The API token is unknown, expired or revoked."))


class LockedOut(Throttled):
    """Too many failed attempts from the caller's address: 429 with Retry-After."""

    def __init__(self, wait: int) -> None:
        super().__init__(wait=wait)
        self.message = ngettext(
            "Too many failed attempts from your address. Try again in %(seconds)d second.",
            "Too many failed attempts from your address. Try again in %(seconds)d seconds.",
            wait,
        ) % {"seconds": wait}


class APITokenBearer(HttpBearer):
    """A personal API token in the Authorization header, within its scopes.

    A wrong one is never passed over to another way in: it is a 401, and counts toward the
    lockout of its client address.
    """

    def __init__(self, permission: str | None = None) -> None:
        super().__init__()
        self.permission = permission

    @sensitive_variables("token")
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        address = client_ip(request)
        if until := api_auth_locked_until(address):
            raise LockedOut(math.ceil((until - timezone.now()).total_seconds()))
        api_token = api_token_authenticate(token.strip())
        if api_token is None:
            api_auth_failed(address, reason="invalid_token")
            raise InvalidAPIToken
        throttle(api_token)
        user = api_token.user
        refuse_unless_allowed(user, self.permission)
        if self.permission and scope_for(self.permission) not in api_token.scopes:
            raise AuthorizationError(
                message=_("This API token's scopes do not include %(scope)s.")
                % {"scope": scope_for(self.permission)}
            )
        request.user = user
        request.api_token = api_token
        return user


def refuse_unless_allowed(user, permission: str | None) -> None:
    """The API, like every page, is for active staff only, with the page's permission."""
    may = permission is None or user.has_perm(permission)
    if not (user.is_active and user.is_staff and may):
        raise AuthorizationError(message=_("You do not have permission to do that."))


class StaffSession(APIKeyCookie):
    """A signed-in staff user's session cookie; unsafe methods need the CSRF token too.

    Without a session it says nothing (another way in, or the 401, follows); a session of
    someone who may not do this is refused (403), as the pages refuse it.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self, permission: str | None = None) -> None:
        super().__init__(csrf=True)
        self.permission = permission

    def __call__(self, request: HttpRequest) -> Any:
        user = request.user
        if not user.is_authenticated:
            return None
        if check_csrf(request):
            raise AuthorizationError(
                message=_("CSRF check failed: send the X-CSRFToken header with the session.")
            )
        refuse_unless_allowed(user, self.permission)
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return self(request)


def allowed(permission: str | None = None) -> list:
    """The ways into an operation that needs `permission` (e.g. "tokens.view_wbtoken"); with
    none, any active staff user's."""
    return [APITokenBearer(permission), StaffSession(permission)]
