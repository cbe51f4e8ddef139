from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from sellers.selectors import overview


@never_cache
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The overview: cabinets, the state of their tokens, the latest checks."""
    return render(request, "home.html", {"overview": overview(request.user)})


@never_cache
@require_GET
def whoami(request: HttpRequest) -> JsonResponse:
    """Who is signed in and in which language: the cheapest authenticated page.

    It goes through the whole middleware stack (session, user, staff check) and
    nothing more, so `make bench` uses it as the floor other pages are compared with.
    """
    return JsonResponse(
        {"username": request.user.get_username(), "language": request.LANGUAGE_CODE}
    )
