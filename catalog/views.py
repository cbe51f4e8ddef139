"""A cabinet's catalogue pages: its products, a product, its stocks.

Each page belongs to a cabinet the user may see in its catalogue area (visible_sellers): any
other answers 404, as does a product of another cabinet. An htmx request for a list gets just
its table.
"""

from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from access.models import Area
from sellers.models import Seller
from sellers.selectors import visible_sellers
from sync.cabinet import data_freshness
from wberp.exports import page_export
from wberp.paging import keyed_page, page_number
from wberp.periods import PeriodForm

from .exports import PRODUCT_COLUMNS, STOCK_COLUMNS
from .forms import ProductListForm, StockListForm
from .models import Product
from .presentation import price_chart, stock_chart
from .selectors import (
    daily_prices,
    has_products,
    price_changes,
    product_facets,
    product_trade,
    product_view,
    products_matching,
    stock_totals,
    stock_warehouses,
    stocks_matching,
    stocks_ordered,
    with_figures,
    with_size_names,
)

PAGE_SIZE = 50
# WB's ids are bigints: a longer number in a URL names no product (and would overflow).
MAX_ID = 2**63 - 1
# The streams behind each page: how fresh its data is.
PRODUCT_DATASETS = ["cards", "prices", "stocks", "fbw_stocks"]
PRODUCT_DETAIL_DATASETS = [*PRODUCT_DATASETS, "orders", "sales"]
STOCK_DATASETS = ["stocks", "fbw_stocks"]


def cabinet(request: HttpRequest, sid: str) -> Seller:
    return get_object_or_404(visible_sellers(request.user, Area.CATALOGUE), sid=sid)


def list_template(request: HttpRequest, page: str) -> str:
    return f"{page}#table" if request.htmx and not request.htmx.boosted else page


@never_cache
@require_GET
@permission_required("catalog.view_product", raise_exception=True)
def product_list(request: HttpRequest, sid: str) -> HttpResponse:
    seller = cabinet(request, sid)
    form = ProductListForm(request.GET, **product_facets(seller))
    filters = form.filters()
    rows = with_figures(products_matching(seller, filters))
    if export := page_export(request, rows, PRODUCT_COLUMNS, name=f"products-{seller.sid}"):
        return export
    page = keyed_page(
        products_matching(seller, filters),
        number=page_number(request.GET.get("page")),
        size=PAGE_SIZE,
        load=with_figures,
    )
    template = list_template(request, "catalog/products.html")
    return render(
        request,
        template,
        {
            "seller": seller,
            "form": form,
            "filters": filters,
            "page": page,
            "empty": not page.object_list and not has_products(seller),
            "freshness": data_freshness(seller, PRODUCT_DATASETS),
        },
    )


@never_cache
@require_GET
@permission_required("catalog.view_product", raise_exception=True)
def product_detail(request: HttpRequest, sid: str, nm_id: int) -> HttpResponse:
    seller = cabinet(request, sid)
    if nm_id > MAX_ID:
        raise Http404
    product = get_object_or_404(Product, seller=seller, nm_id=nm_id)
    view = product_view(product)
    period_form = PeriodForm(request.GET)
    period = period_form.period()
    changes = price_changes(product)
    return render(
        request,
        "catalog/product.html",
        {
            "seller": seller,
            "view": view,
            "chart": stock_chart(view.history),
            "period_form": period_form,
            "period": period,
            "trade": product_trade(product, period),
            "price_changes": changes,
            "price_chart": price_chart(daily_prices(changes)),
            "freshness": data_freshness(seller, PRODUCT_DETAIL_DATASETS),
        },
    )


@never_cache
@require_GET
@permission_required("catalog.view_stock", raise_exception=True)
def stock_list(request: HttpRequest, sid: str) -> HttpResponse:
    seller = cabinet(request, sid)
    warehouses = stock_warehouses(seller)
    form = StockListForm(request.GET, warehouses=warehouses)
    filters = form.filters()
    stocks = stocks_matching(seller, filters)
    rows = with_size_names(stocks_ordered(stocks, filters.sort))
    if export := page_export(request, rows, STOCK_COLUMNS, name=f"stocks-{seller.sid}"):
        return export
    page = keyed_page(
        stocks_ordered(stocks, filters.sort),
        number=page_number(request.GET.get("page")),
        size=PAGE_SIZE,
        load=with_size_names,
    )
    totals = stock_totals(stocks)
    return render(
        request,
        list_template(request, "catalog/stocks.html"),
        {
            "seller": seller,
            "form": form,
            "filters": filters,
            "page": page,
            "totals": totals,
            "total_quantity": sum(total.quantity for total in totals),
            "empty": not warehouses,
            "freshness": data_freshness(seller, STOCK_DATASETS),
        },
    )
