"""Pages to manage who sees which cabinet, and the admin's "view on site" within scope.

The pages list the grants of the cabinets the reader sees, give a cabinet to a user or a
group, change a grant's levels and take it back; the services refuse (and the pages do not
offer) anything above what the reader holds themselves.
"""

from django.contrib import admin, messages
from django.contrib.auth.decorators import permission_required
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from .admin_scope import CabinetScopedAdmin
from .forms import GrantForm
from .models import CabinetGrant
from .selectors import get_visible_or_404, held_at_least, visible_grants
from .services import grant_delete

PAGE_SIZE = 50
QUERY_MAX_LENGTH = 100


def can(action: str):
    return permission_required(f"access.{action}_cabinetgrant", raise_exception=True)


def grant_or_404(request: HttpRequest, pk: int) -> CabinetGrant:
    """A grant of a cabinet the reader sees (404 for any other) that they hold at least as
    much as (403 otherwise: they see it, but may not change it)."""
    grants = CabinetGrant.objects.select_related("seller", "user", "group")
    grant = get_visible_or_404(grants, request.user, None, pk=pk)
    if not held_at_least(request.user, [grant]):
        raise PermissionDenied
    return grant


@never_cache
@require_GET
@can("view")
def grant_list(request: HttpRequest) -> HttpResponse:
    query = " ".join(request.GET.get("q", "").split())[:QUERY_MAX_LENGTH]
    page = Paginator(visible_grants(request.user, query=query), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    changeable = held_at_least(request.user, page.object_list)
    rows = [(grant, grant.pk in changeable) for grant in page.object_list]
    context = {"page": page, "rows": rows, "query": query, "title": _("Cabinet access")}
    return render(request, "access/list.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@can("add")
def grant_add(request: HttpRequest) -> HttpResponse:
    form = GrantForm(request.POST or None, by=request.user)
    if request.method == "POST" and form.is_valid() and (grant := form.save()):
        messages.success(request, given_message(grant))
        return redirect("access:list")
    return render(request, "access/form.html", {"form": form, "title": _("Give a cabinet")})


@never_cache
@require_http_methods(["GET", "POST"])
@can("change")
def grant_edit(request: HttpRequest, pk: int) -> HttpResponse:
    grant = grant_or_404(request, pk)
    form = GrantForm(request.POST or None, instance=grant, by=request.user)
    if request.method == "POST" and form.is_valid() and (saved := form.save()):
        messages.success(request, given_message(saved))
        return redirect("access:list")
    context = {"form": form, "grant": grant, "title": _("Change access")}
    return render(request, "access/form.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@can("delete")
def grant_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    grant = grant_or_404(request, pk)
    if request.method == "POST":
        grant_delete(by=request.user, grant=grant)
        messages.success(
            request,
            _("%(grantee)s no longer sees “%(cabinet)s”.")
            % {"grantee": grant.grantee, "cabinet": grant.seller},
        )
        return redirect("access:list")
    context = {"grant": grant, "title": _("Take back access")}
    return render(request, "access/delete.html", context)


def given_message(grant: CabinetGrant) -> str:
    return _("“%(cabinet)s” is given to %(grantee)s.") % {
        "cabinet": grant.seller,
        "grantee": grant.grantee,
    }


def admin_view_on_site(request: HttpRequest, content_type_id: str, object_id: str) -> HttpResponse:
    """The admin's "view on site" redirect, which would otherwise find any object and send
    its address (a cabinet's seller ID) to whoever asks: an object of a cabinet the reader
    does not see is not found."""
    try:
        model = ContentType.objects.get(pk=content_type_id).model_class()
    except (ContentType.DoesNotExist, ValueError):
        raise Http404 from None
    try:
        model_admin = admin.site.get_model_admin(model)
    except admin.sites.NotRegistered:
        model_admin = None
    if isinstance(model_admin, CabinetScopedAdmin):
        model_admin.get_object(request, object_id)  # 404 outside the reader's cabinets
    elif model is None:
        raise Http404
    return shortcut(request, content_type_id, object_id)
