"""Project-wide middleware: request ids, interface language, staff-only access."""

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from .logging import request_id_var

Handler = Callable[[HttpRequest], HttpResponse]

# A client-supplied id is reused only if it is short (a UUID at most) and plain, so that it is
# safe to echo into headers and logs, and too short to carry a piece of a token worth hiding.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,36}")


class RequestIdMiddleware:
    """Give every request an id, put it on log records and the X-Request-ID header."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


# Where the REST API lives: it answers in JSON, in the caller's language, and checks access
# itself (API tokens, 401 with WWW-Authenticate), except for its documentation pages.
API_PATH_PREFIX = "/api/"
API_NAMESPACE = "api"
API_PAGE_VIEW_NAMES = frozenset({"api:openapi-json", "api:openapi-view", "api:api-root"})


class LanguageMiddleware:
    """Russian (LANGUAGE_CODE) until the user picks another language.

    Unlike Django's LocaleMiddleware, the browser's Accept-Language is not
    consulted on pages: a seller's staff share one default, and the choice made with the
    language switcher is remembered in a cookie. The API's callers are programs, which
    name their language in Accept-Language.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        is_api = request.path_info.startswith(API_PATH_PREFIX)
        language = api_language(request) if is_api else page_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie", "Accept-Language") if is_api else ("Cookie",))
        return response


def page_language(request: HttpRequest) -> str:
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    available = {code for code, _name in settings.LANGUAGES}
    return chosen if chosen in available else settings.LANGUAGE_CODE


def api_language(request: HttpRequest) -> str:
    """A program says its language in Accept-Language; a browser's choice on the site wins."""
    return translation.get_language_from_request(request)


class RejectNulMiddleware:
    """Answer 400 Bad Request to a query string that holds a NUL character.

    PostgreSQL cannot hold NUL in text, and the admin's list filters pass their values to
    the database unchecked: `?status__exact=%00` would otherwise be a server error, and a
    mail to the admins, on every such request. (Forms already refuse NUL in what they read.)
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for key, values in request.GET.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                if request.path_info.startswith(API_PATH_PREFIX):  # programs read JSON
                    detail = _("The query string holds a NUL character.")
                    return JsonResponse({"detail": detail}, status=400)
                raise SuspiciousOperation("NUL character in the query string")
        return self.get_response(request)


# Views reachable without a staff login (namespaced names: "admin:login" is not one).
# Logout too: a signed-in user who is not staff must be able to sign out.
PUBLIC_VIEW_NAMES = frozenset({"login", "logout", "healthz", "readyz", "set_language"})


class StaffOnlyMiddleware:
    """Every page needs an active staff user: anonymous -> login, others -> 403."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Handler, view_args: tuple, view_kwargs: dict
    ) -> HttpResponse | None:
        # Static files never get here: WhiteNoise answers them earlier.
        match = request.resolver_match
        if match.view_name in PUBLIC_VIEW_NAMES or is_api_operation(match):
            return None
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse(settings.LOGIN_URL))
        if not (user.is_active and user.is_staff):
            raise PermissionDenied
        return None


def is_api_operation(match) -> bool:
    """An operation of the REST API, which refuses in JSON itself (unlike its docs pages)."""
    return match.namespace == API_NAMESPACE and match.view_name not in API_PAGE_VIEW_NAMES
