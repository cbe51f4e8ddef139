"""Seller cabinet pages: the list of cabinets and each cabinet's page, its dashboard."""

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from access.models import Area
from access.selectors import may_access, visible_sellers
from dashboards.exports import dashboard_export
from dashboards.presentation import SALES_NOTE, cabinet_dashboard
from dashboards.views import period_form

from .coverage import coverage_of
from .selectors import seller_tokens, sellers_with_tokens

PAGE_SIZE = 25
QUERY_MAX_LENGTH = 100

can_view = permission_required("sellers.view_seller", raise_exception=True)


@never_cache
@require_GET
@can_view
def seller_list(request: HttpRequest) -> HttpResponse:
    query = " ".join(request.GET.get("q", "").split())[:QUERY_MAX_LENGTH]
    sellers = sellers_with_tokens(request.user, query=query)
    page = Paginator(sellers, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(seller, coverage_of(seller.tokens.all())) for seller in page.object_list]
    return render(request, "sellers/list.html", {"page": page, "rows": rows, "query": query})


@never_cache
@require_GET
@can_view
def seller_detail(request: HttpRequest, sid: str) -> HttpResponse:
    """The cabinet's dashboard for a period, then what it is and its tokens."""
    seller = get_object_or_404(visible_sellers(request.user), sid=sid)
    form = period_form(request)
    if export := dashboard_export(request, seller, form):
        return export
    dashboard = cabinet_dashboard(request.user, seller, form.chosen(), form.cover_days())
    shows_tokens = may_access(request.user, seller, Area.TOKENS)
    tokens = list(seller_tokens(seller, request.user)) if shows_tokens else []
    context = {
        "seller": seller,
        "form": form,
        "dashboard": dashboard,
        "sales_note": SALES_NOTE,
        "shows_tokens": shows_tokens,
        "tokens": tokens,
        "coverage": coverage_of(tokens),
    }
    return render(request, "sellers/detail.html", context)
