"""How API callers prove who they are, and that they may do what they ask.

Each operation names the Django permission it needs (the same as its page's); the check
runs before the request's body is read, so a caller without it learns nothing more.
"""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthorizationError
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf


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
    return [StaffSession(permission)]
