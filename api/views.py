"""The pages of one's own API tokens: make one (shown once), list them, revoke one."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST

from tokens.exceptions import TokenError

from .forms import APITokenForm
from .selectors import api_tokens_of
from .services import api_token_create, api_token_revoke

# Where a new token's text waits, between the POST that made it and the page that shows it.
SHOW_ONCE_KEY = "api_tokens.shown_once"


@never_cache
@require_http_methods(["GET", "POST"])
@sensitive_variables("raw")
def api_token_list(request: HttpRequest) -> HttpResponse:
    """The user's tokens and the form for a new one.

    A made token goes through the session to the GET the POST redirects to, which shows it
    and forgets it: reloading the page neither makes another token nor shows this one again.
    """
    form = APITokenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            _token, raw = api_token_create(user=request.user, **form.cleaned_data)
        except TokenError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            request.session[SHOW_ONCE_KEY] = raw
            return redirect("api_tokens:list")
    context = {
        "form": form,
        "tokens": api_tokens_of(request.user),
        "new_token": request.session.pop(SHOW_ONCE_KEY, None),
        "title": _("API tokens"),
    }
    return render(request, "api_tokens/list.html", context)


@never_cache
@require_POST
def api_token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(api_tokens_of(request.user), pk=pk)
    api_token_revoke(token=token, by=request.user)
    messages.success(request, _("API token “%(name)s” revoked.") % {"name": token.name})
    return redirect("api_tokens:list")
