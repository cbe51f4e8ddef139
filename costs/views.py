"""A cabinet's cost prices (list, form, upload with its preview), its tax settings and its
unit economics with the ABC analysis.

Every page is the cabinet's finance area (access.selectors): a cabinet the user does not
see there answers 404; a write needs the model permission and the area at "change" (403 for
one they may only read).
"""

from django.contrib import messages
from django.contrib.admin.utils import construct_change_message
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from access.models import Area
from access.selectors import get_visible_or_404, may_access
from sellers.models import Seller
from sync.cabinet import data_freshness
from wberp.exports import Column, attribute_columns, columns_of, page_export
from wberp.paging import Page, keyed_page, page_number
from wberp.periods import PeriodForm

from .economics import unit_economics
from .forms import CostPriceForm, EconomicsForm, UploadForm
from .models import CostPrice, CostUpload
from .selectors import catalogue_of, cost_prices, economics_of, pending_upload
from .services import (
    UploadNotSaved,
    cost_price_delete,
    cost_price_save,
    cost_upload_create,
    cost_upload_preview,
    cost_upload_save,
    economics_save,
)

PAGE_SIZE = 50
PRODUCTS_PAGE_SIZE = 100
# The preview lists at most this many rows with problems (and says how many there are).
PROBLEMS_SHOWN = 200
QUERY_MAX = 100
UPLOADS_SHOWN = 5
FINANCE_DATASETS = ["finance"]
# The unit economics' export: each product's figures, as the page's table and its totals sum them.
ECONOMICS_COLUMNS: list[Column] = attribute_columns(
    "nm_id",
    "vendor_code",
    "units",
    "revenue",
    "for_pay",
    "cost",
    "logistics",
    "storage",
    "penalties",
    "deductions",
    "acceptance",
    "wb_expenses",
    "tax",
    "profit",
    "margin",
    "units_without_cost",
    "abc_revenue",
    "abc_margin",
)
can_upload = permission_required(
    ("costs.add_costprice", "costs.change_costprice"), raise_exception=True
)


def cabinet(request: HttpRequest, sid: str, *, change: bool = False) -> Seller:
    return get_visible_or_404(
        Seller.objects.all(), request.user, Area.FINANCE, change=change, seller_field="pk", sid=sid
    )


def may_change(request: HttpRequest, seller: Seller, permission: str) -> bool:
    user = request.user
    return user.has_perm(permission) and may_access(user, seller, Area.FINANCE, change=True)


def list_url(seller: Seller) -> str:
    return reverse("costs:list", args=[seller.sid])


@never_cache
@require_GET
@permission_required("costs.view_costprice", raise_exception=True)
def cost_list(request: HttpRequest, sid: str) -> HttpResponse:
    seller = cabinet(request, sid)
    query = " ".join(request.GET.get("q", "").split())[:QUERY_MAX]
    prices = cost_prices(seller, query=query)
    columns = columns_of(CostPrice)
    if export := page_export(request, prices, columns, name=f"cost-prices-{seller.sid}"):
        return export
    page = keyed_page(
        prices,
        number=page_number(request.GET.get("page")),
        size=PAGE_SIZE,
        load=lambda prices: prices,
    )
    uploads = CostUpload.objects.filter(seller=seller, saved_at__isnull=False)
    return render(
        request,
        "costs/list.html",
        {
            "seller": seller,
            "query": query,
            "page": page,
            "uploads": uploads.select_related("uploaded_by")[:UPLOADS_SHOWN],
            "may_add": may_change(request, seller, "costs.add_costprice"),
            "may_edit": may_change(request, seller, "costs.change_costprice"),
            "may_upload": may_change(request, seller, "costs.add_costprice")
            and request.user.has_perm("costs.change_costprice"),
            "may_set_tax": may_change(request, seller, "costs.change_cabineteconomics"),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("costs.add_costprice", raise_exception=True)
def cost_add(request: HttpRequest, sid: str) -> HttpResponse:
    seller = cabinet(request, sid, change=True)
    return cost_form(request, seller, CostPrice(seller=seller))


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("costs.change_costprice", raise_exception=True)
def cost_edit(request: HttpRequest, sid: str, pk: int) -> HttpResponse:
    seller = cabinet(request, sid, change=True)
    return cost_form(request, seller, get_object_or_404(CostPrice, seller=seller, pk=pk))


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("costs.delete_costprice", raise_exception=True)
def cost_delete(request: HttpRequest, sid: str, pk: int) -> HttpResponse:
    seller = cabinet(request, sid, change=True)
    price = get_object_or_404(CostPrice, seller=seller, pk=pk)
    if request.method == "POST":
        cost_price_delete(price=price, by=request.user)
        messages.success(request, _("Cost price deleted."))
        return redirect(list_url(seller))
    context = {"seller": seller, "price": price, "back": list_url(seller)}
    return render(request, "costs/delete.html", context)


def cost_form(request: HttpRequest, seller: Seller, price: CostPrice) -> HttpResponse:
    adding = price.pk is None
    form = CostPriceForm(
        request.POST or None, instance=price, seller=seller, catalogue=catalogue_of(seller)
    )
    if request.method == "POST" and form.is_valid():
        message = construct_change_message(form, None, adding)
        cost_price_save(price=form.save(commit=False), by=request.user, message=message)
        messages.success(request, _("Cost price saved."))
        return redirect(list_url(seller))
    title = _("Add a cost price") if adding else _("Change a cost price")
    return render(
        request,
        "costs/form.html",
        {
            "seller": seller,
            "form": form,
            "title": title,
            "object": None if adding else price,
            "may_delete": not adding and may_change(request, seller, "costs.delete_costprice"),
            "back": list_url(seller),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@can_upload
def upload(request: HttpRequest, sid: str) -> HttpResponse:
    seller = cabinet(request, sid, change=True)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        saved = cost_upload_create(
            seller=seller, by=request.user, file_name=file.name, content=file.read()
        )
        return redirect(reverse("costs:preview", args=[seller.sid, saved.pk]))
    return render(request, "costs/upload.html", {"seller": seller, "form": form})


@never_cache
@require_http_methods(["GET", "POST"])
@can_upload
def upload_preview(request: HttpRequest, sid: str, upload_id) -> HttpResponse:
    """The rows a file would save and each one's problems; POST saves them all or none."""
    seller = cabinet(request, sid, change=True)
    pending = pending_upload(seller, request.user, upload_id)
    if pending is None:
        raise Http404
    if request.method == "POST":
        try:
            saved = cost_upload_save(upload=pending, by=request.user)
        except UploadNotSaved as not_saved:
            return preview_page(request, seller, pending, not_saved.preview, status=400)
        message = ngettext("%(count)s cost price saved.", "%(count)s cost prices saved.", saved)
        messages.success(request, message % {"count": saved})
        return redirect(list_url(seller))
    return preview_page(request, seller, pending, cost_upload_preview(pending))


def preview_page(request, seller, pending, preview, *, status: int = 200) -> HttpResponse:
    bad = preview.bad_rows
    return render(
        request,
        "costs/preview.html",
        {
            "seller": seller,
            "upload": pending,
            "preview": preview,
            "bad_rows": bad[:PROBLEMS_SHOWN],
            "bad_count": len(bad),
            "sample": preview.rows[:PROBLEMS_SHOWN] if preview.ok else [],
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required("costs.change_cabineteconomics", raise_exception=True)
def tax_settings(request: HttpRequest, sid: str) -> HttpResponse:
    seller = cabinet(request, sid, change=True)
    form = EconomicsForm(request.POST or None, instance=economics_of(seller))
    if request.method == "POST" and form.is_valid():
        message = construct_change_message(form, None, form.instance.pk is None)
        economics_save(economics=form.save(commit=False), by=request.user, message=message)
        messages.success(request, _("Tax settings saved."))
        return redirect(reverse("costs:economics", args=[seller.sid]))
    return render(
        request,
        "costs/form.html",
        {
            "seller": seller,
            "form": form,
            "title": _("Tax of the cabinet"),
            "back": reverse("costs:economics", args=[seller.sid]),
        },
    )


@never_cache
@require_GET
@permission_required(("costs.view_costprice", "finance.view_report"), raise_exception=True)
def economics(request: HttpRequest, sid: str) -> HttpResponse:
    seller = cabinet(request, sid)
    form = PeriodForm(request.GET)
    period = form.period()
    figures = unit_economics(seller, period, economics_of(seller))
    products = [*figures.products, *filter(None, [figures.unattributed])]
    name = f"economics-{seller.sid}-{period.first:%Y%m%d}-{period.last:%Y%m%d}"
    if export := page_export(request, products, ECONOMICS_COLUMNS, name=name):
        return export
    number = page_number(request.GET.get("page"))
    start = (number - 1) * PRODUCTS_PAGE_SIZE
    page = Page(
        number=number,
        object_list=figures.products[start : start + PRODUCTS_PAGE_SIZE],
        has_next=len(figures.products) > start + PRODUCTS_PAGE_SIZE,
    )
    return render(
        request,
        "costs/economics.html",
        {
            "seller": seller,
            "period_form": form,
            "period": period,
            "economics": figures,
            "page": page,
            "without_cost": sum(1 for product in figures.products if not product.has_cost),
            "may_set_tax": may_change(request, seller, "costs.change_cabineteconomics"),
            "freshness": data_freshness(seller, FINANCE_DATASETS),
        },
    )
