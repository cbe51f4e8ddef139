"""My exports: the user's own large exports, their progress, and their files.

Only an export's owner finds it; anyone else, and an owner who may no longer see its cabinet,
gets a 404, as for a page of a cabinet they do not see.
"""

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from access.selectors import visible_sellers
from wberp.exports import XLSX

from .models import Export

# Seconds between two looks of the page at an export still being written.
POLL_SECONDS = 2


@never_cache
@require_GET
def export_list(request: HttpRequest) -> HttpResponse:
    exports = list(Export.objects.filter(owner=request.user).select_related("seller"))
    context = {
        "exports": exports,
        "polling": any(export.in_progress for export in exports),
        "poll_seconds": POLL_SECONDS,
        "keep_hours": settings.EXPORTS_KEEP_HOURS,
    }
    template = "exports/list.html#exports" if request.htmx else "exports/list.html"
    return render(request, template, context)


@never_cache
@require_GET
def export_download(request: HttpRequest, export_id) -> HttpResponse:
    export = get_object_or_404(Export, pk=export_id, owner=request.user, state=Export.State.DONE)
    if export.seller_id and not visible_sellers(request.user).filter(pk=export.seller_id).exists():
        raise Http404
    try:
        handle = export.file_path.open("rb")
    except FileNotFoundError:
        messages.error(request, _("The file of this export is gone. Ask for the export again."))
        return redirect("exports:list")
    return FileResponse(handle, as_attachment=True, filename=export.filename, content_type=XLSX)
