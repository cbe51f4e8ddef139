"""The token pages: short views that parse with a form, check permissions and call services.

Every view answers a normal request with a full page and an htmx request
with the fragment it needs, so the pages also work without JavaScript.
"""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from gateway.messages import describe
from gateway.validation import check_wait
from wberp.exports import page_export

from .batches import check_batch_start, check_batch_summary
from .exceptions import TokenError
from .exports import TOKEN_COLUMNS
from .forms import COLUMNS, TokenAddForm, TokenEditForm, TokenListForm, TokenPreviewForm
from .models import CheckBatch, WBToken, WBTokenCheck
from .presentation import category_label, deletion_question
from .selectors import (
    recent_checks,
    token_list_page,
    tokens_matching,
    visible_batch_or_404,
    visible_token_or_404,
)
from .services import token_check, token_delete

# Client events: the table and detail refresh on TOKENS_CHANGED, the dialog closes on CLOSE.
TOKENS_CHANGED = "tokensChanged"
CLOSE_DIALOG = "closeDialog"


def token_page_context(token: WBToken) -> dict:
    wait = check_wait(token)
    return {
        "token": token,
        "checks": recent_checks(token),
        "wait_note": describe(wait[0], wait[1].isoformat()) if wait else "",
    }


def can(permission: str):
    return permission_required(f"tokens.{permission}_wbtoken", raise_exception=True)


def saved(request: HttpRequest, message: str, *, to: str) -> HttpResponse:
    """After a change: htmx gets events (refresh, close dialog, toast); others a redirect."""
    if not request.htmx:
        messages.success(request, message)
        return redirect(to)
    response = HttpResponse(status=204)
    trigger_client_event(response, TOKENS_CHANGED)
    trigger_client_event(response, CLOSE_DIALOG)
    return trigger_client_event(response, "showToast", {"message": message, "level": "success"})


@never_cache
@require_GET
@can("view")
def token_list(request: HttpRequest) -> HttpResponse:
    form = TokenListForm(request.GET)
    rows = tokens_matching(form.filters(), request.user)
    if export := page_export(request, rows, TOKEN_COLUMNS, name="wb-tokens"):
        return export
    context = token_list_page(
        form.filters(), user=request.user, page_number=request.GET.get("page")
    )
    template = "tokens/list.html#table" if request.htmx and not request.htmx.boosted else None
    return render(
        request, template or "tokens/list.html", {"form": form, "columns": COLUMNS, **context}
    )


@never_cache
@require_GET
@can("view")
def token_detail(request: HttpRequest, pk) -> HttpResponse:
    token = visible_token_or_404(request.user, pk)
    template = "tokens/detail.html#summary" if request.htmx else "tokens/detail.html"
    return render(request, template, token_page_context(token))


@never_cache
@sensitive_post_parameters("raw_token")
@require_http_methods(["GET", "POST"])
@can("add")
def token_add(request: HttpRequest) -> HttpResponse:
    form = TokenAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.save(by=request.user)
        if token is not None:
            return saved(
                request,
                _("Token “%(name)s” added.") % {"name": token.name},
                to=token.get_absolute_url(),
            )
    template = "tokens/form.html#form" if request.htmx else "tokens/form.html"
    return render(request, template, {"form": form, "title": _("Add a WB token")})


@never_cache
@sensitive_post_parameters("raw_token")
@require_POST
@can("add")
def token_preview(request: HttpRequest) -> HttpResponse:
    """What a pasted token is, decoded locally: nothing is stored and WB is not asked."""
    form = TokenPreviewForm(request.POST)
    claims = form.claims if form.is_valid() else None
    return render(
        request,
        "tokens/form.html#preview",
        {
            "preview": form,
            "claims": claims,
            "type_label": claims and WBToken.TokenType(claims.token_type).label,
            "categories": [category_label(name) for name in claims.categories] if claims else [],
        },
    )


@never_cache
@sensitive_post_parameters("raw_token")
@require_http_methods(["GET", "POST"])
@can("change")
def token_edit(request: HttpRequest, pk) -> HttpResponse:
    token = visible_token_or_404(request.user, pk, change=True)
    form = TokenEditForm(request.POST or None, token=token)
    if request.method == "POST" and form.is_valid() and form.save(by=request.user):
        return saved(
            request,
            _("Token “%(name)s” saved.") % {"name": token.name},
            to=token.get_absolute_url(),
        )
    template = "tokens/form.html#form" if request.htmx else "tokens/form.html"
    return render(request, template, {"form": form, "token": token, "title": _("Edit token")})


@never_cache
@require_http_methods(["GET", "POST"])
@can("delete")
def token_delete_view(request: HttpRequest, pk) -> HttpResponse:
    token = visible_token_or_404(request.user, pk, change=True)
    if request.method == "POST":
        # Deleted on its own page, which is then gone: go to the list instead of refreshing it.
        on_its_page = request.htmx and request.htmx.current_url_abs_path == token.get_absolute_url()
        token_delete(token=token, by=request.user)
        message = _("Token “%(name)s” deleted.") % {"name": token.name}
        if on_its_page:
            messages.success(request, message)
            return HttpResponseClientRedirect(reverse("tokens:list"))
        return saved(request, message, to="tokens:list")
    template = "tokens/delete.html#confirm" if request.htmx else "tokens/delete.html"
    context = {"token": token, "question": deletion_question(token), "title": _("Delete token")}
    return render(request, template, context)


@never_cache
@require_POST
@can("check")
def token_check_view(request: HttpRequest, pk) -> HttpResponse:
    token = visible_token_or_404(request.user, pk, change=True)
    try:
        check = token_check(token=token, by=request.user)
    except TokenError as exc:
        return refused(request, token, exc)
    outcome = _("“%(name)s”: %(outcome)s.") % {
        "name": token.name,
        "outcome": check.get_outcome_display(),
    }
    failed = check.outcome != WBToken.Status.VALID
    if not request.htmx:
        messages.add_message(request, messages.WARNING if failed else messages.SUCCESS, outcome)
        return redirect(token)
    toast = {
        "message": f"{outcome} {check.error_message}".strip(),
        "level": "warning" if failed else "success",
    }
    return trigger_client_event(render_checked(request, token), "showToast", toast)


def render_checked(request: HttpRequest, token: WBToken) -> HttpResponse:
    """The detail page's summary, or the list row the check button sits in."""
    if request.htmx.target == "token-summary":
        return render(request, "tokens/detail.html#summary", token_page_context(token))
    return render(request, "tokens/list.html#row", {"token": token})


def refused(request: HttpRequest, token: WBToken, error: TokenError) -> HttpResponse:
    """A check that could not be tried: the row stays as it was, the reason is shown."""
    if not request.htmx:
        messages.error(request, error.message)
        return redirect(token)
    response = render_checked(request, token)
    return trigger_client_event(response, "showToast", {"message": error.message, "level": "error"})


# --- Bulk checks ------------------------------------------------------------------------

# "Check all shown" takes at most this many tokens at once; a larger list says to narrow it.
MAX_BULK_CHECK = 5000


@never_cache
@require_POST
@can("check")
def token_check_all(request: HttpRequest) -> HttpResponse:
    """Start a background check of every token the list's filters match (all its pages)."""
    tokens = tokens_matching(TokenListForm(request.POST).filters(), request.user, change=True)
    if len(chosen := list(tokens[: MAX_BULK_CHECK + 1])) > MAX_BULK_CHECK:
        message = _("More than %(count)d tokens match: narrow the list to check them.") % {
            "count": MAX_BULK_CHECK
        }
        if not request.htmx:
            messages.error(request, message)
            return redirect("tokens:list")
        return trigger_client_event(
            HttpResponse(), "showToast", {"message": message, "level": "error"}
        )
    batch = check_batch_start(tokens=chosen, by=request.user, trigger=WBTokenCheck.Trigger.BULK)
    if not request.htmx:
        return redirect(batch)
    return render(request, "tokens/batch.html#progress", batch_context(batch))


@never_cache
@require_GET
@can("view")
def token_batch(request: HttpRequest, pk) -> HttpResponse:
    """A bulk check's progress while it runs (htmx polls it), then its summary."""
    batch = visible_batch_or_404(request.user, pk)
    context = batch_context(batch)
    if not request.htmx:
        return render(request, "tokens/batch.html", context)
    response = render(request, "tokens/batch.html#progress", context)
    if context["summary"].finished:  # the last poll: the tables show the outcomes now
        trigger_client_event(response, TOKENS_CHANGED)
    return response


def batch_context(batch: CheckBatch) -> dict:
    summary = check_batch_summary(batch)
    until = summary.waiting_until
    return {
        "batch": batch,
        "summary": summary,
        "title": _("Bulk check"),
        # The rest of the tokens wait: say why and until when, as a check would.
        "waiting_note": describe(batch.waiting_for, until.isoformat()) if until else "",
    }
