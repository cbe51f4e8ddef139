"""A cabinet's orders and its sales and returns: filtered lists with their totals."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from access.models import Area
from access.selectors import visible_sellers
from wberp.exports import columns_of, page_export
from wberp.paging import offset_page, page_number

from .forms import OrderFilterForm, SaleFilterForm, TradeFilterForm
from .freshness import freshness_of
from .selectors import order_totals, orders_of, sale_totals, sales_of

PAGE_SIZE = 50


@dataclass(frozen=True)
class TradePage:
    """What tells the orders page from the sales page."""

    dataset: str
    heading: Promise
    form: type[TradeFilterForm]
    rows: Any  # (seller, filters) -> QuerySet
    totals: Any  # (seller, filters) -> dict
    template: str


ORDERS = TradePage(
    "orders", _("Orders"), OrderFilterForm, orders_of, order_totals, "sales/orders.html"
)
SALES = TradePage(
    "sales", _("Sales and returns"), SaleFilterForm, sales_of, sale_totals, "sales/sales.html"
)


def trade_page(request: HttpRequest, sid: str, page: TradePage) -> HttpResponse:
    seller = get_object_or_404(visible_sellers(request.user, Area.SALES), sid=sid)
    form = page.form(request.GET)
    filters = form.filters()
    rows = page.rows(seller, filters)
    columns = columns_of(rows.model)
    if export := page_export(request, rows, columns, name=f"{page.dataset}-{seller.sid}"):
        return export
    context = {
        "seller": seller,
        "heading": page.heading,
        "current": page.dataset,
        "form": form,
        "filters": filters,
        "page": offset_page(rows, number=page_number(request.GET.get("page")), size=PAGE_SIZE),
        "totals": page.totals(seller, filters),
        "freshness": freshness_of(seller, page.dataset),
    }
    template = f"{page.template}#results" if request.htmx else page.template
    return render(request, template, context)


@never_cache
@require_GET
@permission_required("sales.view_order", raise_exception=True)
def order_list(request: HttpRequest, sid: str) -> HttpResponse:
    return trade_page(request, sid, ORDERS)


@never_cache
@require_GET
@permission_required("sales.view_sale", raise_exception=True)
def sale_list(request: HttpRequest, sid: str) -> HttpResponse:
    return trade_page(request, sid, SALES)
