"""What the dashboard pages (sellers' cabinet page, the overview) share in their views."""

from django.contrib import messages
from django.http import HttpRequest

from .forms import PeriodForm


def period_form(request: HttpRequest) -> PeriodForm:
    """The period picker of the query string. A period that does not fit is said in a
    message, and the default period is shown instead."""
    form = PeriodForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        for problem in form.problems():
            messages.error(request, problem)
    return form
