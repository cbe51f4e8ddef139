from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dashboards.overview import columns, overview_rows
from dashboards.views import period_form
from sellers.selectors import overview
from wberp.periods import moscow_today

from .forms import LockedOutPasswordChangeForm


@never_cache
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The overview: every cabinet side by side for a period (its headline figures, token
    and sync health, what needs attention), the state of the tokens, the latest checks."""
    form = period_form(request)
    period = form.chosen()
    rows = overview_rows(request.user, period, today=moscow_today())
    context = {
        "overview": overview(request.user),
        "form": form,
        "period": period,
        "columns": columns(),
        "rows": rows,
        "attention_count": sum(len(row.attention) for row in rows),
    }
    return render(request, "home.html", context)


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


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = LockedOutPasswordChangeForm

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "request": self.request}
