"""A cabinet's "Sync" page: each dataset's state, its runs, and "Sync now".

While a pass goes on, the datasets' table polls itself (htmx, every POLL_SECONDS) and stops
once none is syncing; without JavaScript the page shows the same on reload.
"""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from access.models import Area
from access.selectors import may_access
from sellers.models import Seller
from wberp.paging import keyed_page, page_number

from .cabinet import RunRow, runs_shown, seller_runs
from .models import SyncStream
from .registry import dataset_named
from .selectors import seller_sync_status, sync_cabinet
from .services import sync_now as streams_sync_now

RUNS_PAGE_SIZE = 25
POLL_SECONDS = 2


def streams_context(request: HttpRequest, seller: Seller) -> dict:
    statuses = seller_sync_status(seller)
    user = request.user
    return {
        "seller": seller,
        "statuses": statuses,
        # "Sync now" is for those who may change the cabinet's sync, not only read it.
        "may_sync": user.has_perm("sync.change_syncstream")
        and may_access(user, seller, Area.SYNC, change=True),
        "polling": any(status.syncing for status in statuses),
        "poll_seconds": POLL_SECONDS,
    }


@never_cache
@require_GET
@permission_required("sync.view_syncstream", raise_exception=True)
def sync_page(request: HttpRequest, sid: str) -> HttpResponse:
    seller = sync_cabinet(request.user, sid)
    if request.htmx and request.GET.get("part") == "streams":
        return render(request, "sync/cabinet.html#streams", streams_context(request, seller))
    runs = keyed_page(
        seller_runs(seller),
        number=page_number(request.GET.get("page")),
        size=RUNS_PAGE_SIZE,
        load=runs_shown,
    )
    context = {
        **streams_context(request, seller),
        "runs": runs,
        "run_rows": [RunRow(run) for run in runs.object_list],
    }
    return render(request, "sync/cabinet.html", context)


@require_POST
@permission_required("sync.change_syncstream", raise_exception=True)
def sync_now(request: HttpRequest, sid: str) -> HttpResponse:
    """Start a pass of one dataset: 404 for a cabinet not seen, 403 for a sync only read."""
    seller = sync_cabinet(request.user, sid, change=True)
    try:
        dataset = dataset_named(request.POST.get("dataset", ""))
    except LookupError:
        raise Http404 from None
    syncing = SyncStream.objects.filter(
        seller=seller, dataset=dataset.name, state=SyncStream.State.RUNNING
    ).exclude(lease_id="")
    if syncing.exists():  # sync_now would leave it to its pages: say so
        level, template = messages.INFO, _("%(dataset)s is being synced already.")
    else:
        streams_sync_now(seller=seller, dataset=dataset.name, by=request.user)
        level, template = messages.SUCCESS, _("%(dataset)s: the sync has started.")
    message = template % {"dataset": dataset.label}
    if not request.htmx:
        messages.add_message(request, level, message)
        return redirect(reverse("sync:cabinet", args=[seller.sid]))
    toast = "success" if level == messages.SUCCESS else "warning"
    response = render(request, "sync/cabinet.html#streams", streams_context(request, seller))
    return trigger_client_event(response, "showToast", {"message": message, "level": toast})
