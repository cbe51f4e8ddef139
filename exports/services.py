"""Large XLSX exports: asked for by a page, written by a task, downloaded by their owner.

1. A page's XLSX of at most EXPORTS_XLSX_INLINE_ROWS rows is written during its request, as
   before. A larger one becomes an Export (its page's path and query string) and a task; the
   user is sent to "My exports".
2. The task calls the page's own view with the stored query string, as the export's owner:
   so the rows are the page's rows, through the same filters and the same access checks as
   the owner has when it runs. The view's `page_export` sees `request.exports_writing` and
   writes the rows to a file in EXPORTS_DIR (private: not under MEDIA, never served by the
   web server), saying how far it got every CHUNK_ROWS rows.
3. The tick marks an export whose progress has not moved for EXPORTS_LEASE_SECONDS failed
   (its worker was killed); an hourly job deletes exports and files older than
   EXPORTS_KEEP_HOURS.
"""

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.models import ADDITION
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import resolve
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import ngettext
from django_htmx.middleware import HtmxDetails
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from access.selectors import visible_sellers
from jobs.services import queue_rows_mark_lost
from sellers.models import Seller
from wberp.audit import audit
from wberp.exports import Column, xlsx_response, xlsx_write

from .models import Export

logger = logging.getLogger(__name__)

# The attribute of a request that a task gives a page's view: write the XLSX, do not answer.
WRITING = "exports_writing"
# What the view answers once it has written the file in a task.
WRITTEN = 204


def count_of(rows: QuerySet | Sequence) -> int:
    return rows.count() if isinstance(rows, QuerySet) else len(rows)


def exports_dir() -> Path:
    """EXPORTS_DIR, made private (only this user reads it) if it is new."""
    directory = Path(settings.EXPORTS_DIR)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory


# --- The page's side -----------------------------------------------------------------------


def xlsx_page_export(
    request: HttpRequest, rows: QuerySet | Sequence, columns: list[Column], *, name: str
) -> HttpResponse:
    """A page's XLSX: in a task, written to its export's file; otherwise written now when
    small, or handed to a task when large (the user is sent to "My exports")."""
    writing: Writing | None = getattr(request, WRITING, None)
    if writing is not None:
        return writing.write(rows, columns)
    total = count_of(rows)
    if total <= settings.EXPORTS_XLSX_INLINE_ROWS:
        return xlsx_response(rows, columns, filename=f"{name}.xlsx")
    export_queue(request, name=name, total=total)
    messages.info(
        request,
        ngettext(
            "%(rows)s row is too many to write at once: the file is being written in the "
            "background. It will be here to download when it is ready.",
            "%(rows)s rows are too many to write at once: the file is being written in the "
            "background. It will be here to download when it is ready.",
            total,
        )
        % {"rows": number_format(total, force_grouping=True)},
    )
    return redirect("exports:list")


def export_queue(request: HttpRequest, *, name: str, total: int) -> Export:
    """Record the page's export and enqueue its task, in one transaction."""
    from .tasks import write_export  # the tasks module imports this one

    sid = request.resolver_match.kwargs.get("sid") if request.resolver_match else None
    with transaction.atomic():
        export = Export.objects.create(
            owner=request.user,
            seller=Seller.objects.filter(sid=sid).first() if sid else None,
            table=name,
            path=request.path,
            query=request.GET.urlencode(),
            format=Export.Format.XLSX,
            rows_total=total,
        )
        export.task_result_id = write_export.enqueue(str(export.pk)).id
        export.save(update_fields=["task_result_id"])
        audit(request.user, export, ADDITION, f"Export of {total} rows asked for")
    return export


# --- The task's side -----------------------------------------------------------------------


class Refused(Exception):
    """The owner may no longer see the export's rows."""


@dataclass
class Writing:
    """What a task hands a page's view: the export, and the file to write it to."""

    export: Export
    target: Path
    written: int = 0

    def write(self, rows: QuerySet | Sequence, columns: list[Column]) -> HttpResponse:
        Export.objects.filter(pk=self.export.pk).update(rows_total=count_of(rows))
        self.written = xlsx_write(rows, columns, self.target, progress=self.progress)
        return HttpResponse(status=WRITTEN)

    def progress(self, rows: int) -> None:
        Export.objects.filter(pk=self.export.pk).update(rows_done=rows, updated_at=timezone.now())


def export_write(*, export_id: str) -> str:
    """Write a queued export: "done", "failed", or "elsewhere" (another task took it, or it
    is gone)."""
    export = export_claim(export_id)
    if export is None:
        return "elsewhere"
    try:
        written = write_as_owner(export)
    except Refused:
        logger.info("Export %s: its owner may no longer see its rows", export.pk)
        return export_fail(export, Export.Problem.ACCESS)
    except Exception:
        logger.exception("Export %s failed", export.pk)
        return export_fail(export, Export.Problem.ERROR)
    Export.objects.filter(pk=export.pk).update(
        state=Export.State.DONE,
        file=f"{export.pk}.{export.format}",
        rows_done=written,
        rows_total=written,
        finished_at=timezone.now(),
    )
    return "done"


def export_claim(export_id: str) -> Export | None:
    """The export, now running, if it was waiting (a second task for it finds it taken)."""
    claimed = Export.objects.filter(pk=export_id, state=Export.State.QUEUED).update(
        state=Export.State.RUNNING, updated_at=timezone.now()
    )
    return Export.objects.select_related("owner").get(pk=export_id) if claimed else None


def export_fail(export: Export, problem: Export.Problem) -> str:
    Export.objects.filter(pk=export.pk).update(
        state=Export.State.FAILED, error=problem, finished_at=timezone.now()
    )
    return "failed"


def write_as_owner(export: Export) -> int:
    """Write the export's file through its page's view; the rows written. The file appears
    under its name only once whole."""
    if not may_still_see(export.owner, export):
        raise Refused
    directory = exports_dir()
    part = directory / f"{export.pk}.part"
    # Created for this user only, whatever the umask: the rows are a cabinet's own data.
    os.close(os.open(part, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    try:
        writing = Writing(export, part)
        answer = run_page(export, writing)
        if answer.status_code != WRITTEN:  # the view answered otherwise: a redirect, say
            raise Refused
        part.replace(directory / f"{export.pk}.{export.format}")
    finally:
        part.unlink(missing_ok=True)
    return writing.written


def may_still_see(owner: AbstractBaseUser, export: Export) -> bool:
    """Whether the owner may still use the site and see the export's cabinet at all; the
    page's view then checks the area and the permission, as it does for a person."""
    if not (owner.is_active and owner.is_staff):
        return False
    return export.seller_id is None or (visible_sellers(owner).filter(pk=export.seller_id).exists())


def run_page(export: Export, writing: Writing) -> HttpResponse:
    """Call the export's page's view with its query string, as its owner."""
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = export.path
    request.META["QUERY_STRING"] = export.query
    request.GET = QueryDict(export.query)
    request.user = export.owner
    request.htmx = HtmxDetails(request)
    # What the page says along the way (a period it corrected, say) has no reader here.
    request._messages = CookieStorage(request)
    setattr(request, WRITING, writing)
    try:
        match = resolve(export.path)
        request.resolver_match = match
        return match.func(request, *match.args, **match.kwargs)
    except (Http404, PermissionDenied) as refused:
        raise Refused from refused


# --- The tick and the cleanup --------------------------------------------------------------


def exports_mark_lost(*, now: datetime | None = None) -> int:
    """The tick's step: exports running whose progress has not moved for EXPORTS_LEASE_SECONDS
    (their worker was killed: a live one moves every CHUNK_ROWS rows) are marked failed, and
    so are their queue rows; how many."""
    now = now or timezone.now()
    stale = Export.objects.filter(
        state=Export.State.RUNNING,
        updated_at__lt=now - timedelta(seconds=settings.EXPORTS_LEASE_SECONDS),
    )
    lost = dict(stale.values_list("pk", "task_result_id"))
    if not lost:  # a plain read while nothing is lost
        return 0
    stale.filter(pk__in=list(lost)).update(
        state=Export.State.FAILED, error=Export.Problem.LOST, finished_at=now
    )
    from .tasks import write_export  # the tasks module imports this one

    if isinstance(write_export.get_backend(), DatabaseBackend):
        queue_rows_mark_lost(DBTaskResult.objects.filter(id__in=list(lost.values())), now)
    logger.warning("%d export(s) lost their worker and were marked failed", len(lost))
    return len(lost)


def exports_delete_expired(*, now: datetime | None = None) -> int:
    """Delete the exports asked for more than EXPORTS_KEEP_HOURS ago (but one still being
    written), with their files, and any file in EXPORTS_DIR that old that no export names
    (left by a worker killed mid-write); how many exports."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.EXPORTS_KEEP_HOURS)
    expired = Export.objects.filter(created_at__lt=cutoff).exclude(state=Export.State.RUNNING)
    for export in expired.exclude(file=""):
        export.file_path.unlink(missing_ok=True)
    deleted, _by_model = expired.delete()
    delete_stray_files(older_than=cutoff)
    return deleted


def delete_stray_files(*, older_than: datetime) -> None:
    directory = exports_dir()
    known = {str(pk) for pk in Export.objects.values_list("pk", flat=True)}
    for path in directory.iterdir():
        old = path.stat().st_mtime < older_than.timestamp()
        if old and path.is_file() and path.name.partition(".")[0] not in known:
            path.unlink(missing_ok=True)
