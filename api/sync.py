"""/api/v1/sellers/{sid}/sync/: each dataset's stream as the cabinet's sync page shows it,
and "sync now" (sync.services.sync_now), for the cabinet's sync area."""

from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Body, Field, Router, Schema, Status
from ninja.errors import HttpError

from sync.registry import dataset_named
from sync.selectors import StreamStatus, seller_sync_status, sync_cabinet
from sync.services import sync_now

from .auth import allowed
from .errors import DENIED, Error
from .schemas import CheckError

router = Router()


class StreamCounters(Schema):
    pages: int
    requests: int = Field(description="Requests to WB.")
    rows_inserted: int
    rows_updated: int
    failed_attempts: int = Field(description="Failed attempts in a row, 0 after a success.")


class StreamPublic(Schema):
    dataset: str
    label: str
    state: str = Field(description="idle, running, retrying or blocked.")
    state_text: str = Field(description="The state in one sentence, as the page says it.")
    as_of: datetime | None = Field(description="When the last pass ended.")
    next_run: datetime | None = Field(description="When the next pass starts, while idle.")
    interval_seconds: int
    last_error: CheckError | None
    error_at: datetime | None
    counters: StreamCounters


class Streams(Schema):
    data: list[StreamPublic]


class SyncNow(Schema):
    dataset: str | None = Field(None, max_length=64, description="One dataset; none: all.")


def stream_public(status: StreamStatus) -> dict:
    stream = status.stream
    error = {"code": stream.error_code, "message": status.error_text}
    return {
        "dataset": stream.dataset,
        "label": status.label,
        "state": stream.state,
        "state_text": status.state_text,
        "as_of": status.as_of,
        "next_run": status.next_run,
        "interval_seconds": int(status.interval.total_seconds()),
        "last_error": error if stream.error_code else None,
        "error_at": stream.error_at,
        "counters": {
            "pages": stream.pages,
            "requests": stream.requests,
            "rows_inserted": stream.rows_inserted,
            "rows_updated": stream.rows_updated,
            "failed_attempts": stream.attempts,
        },
    }


@router.get(
    "{sid}/sync/",
    response={200: Streams, **DENIED, 404: Error},
    url_name="seller_sync",
    auth=allowed("sync.view_syncstream"),
)
def get_sync(request: HttpRequest, sid: str) -> dict:
    """Each dataset's stream of the cabinet: state, as-of, next run, last error, counters."""
    seller = sync_cabinet(request.auth, sid)
    return {"data": [stream_public(status) for status in seller_sync_status(seller)]}


@router.post(
    "{sid}/sync/",
    response={202: Streams, **DENIED, 400: Error, 404: Error},
    url_name="seller_sync_now",
    auth=allowed("sync.change_syncstream"),
)
def post_sync(request: HttpRequest, sid: str, body: Body[SyncNow]) -> Status:
    """Start a pass now of one dataset's stream, or of all; one syncing already goes on.
    Needs the cabinet's sync area at "read and change"."""
    seller = sync_cabinet(request.auth, sid, change=True)
    if body.dataset is not None:
        try:
            dataset_named(body.dataset)
        except LookupError:
            raise HttpError(
                400, _("No dataset is named %(name)s.") % {"name": body.dataset}
            ) from None
    sync_now(seller=seller, dataset=body.dataset, by=request.auth)
    statuses = seller_sync_status(seller)
    shown = [status for status in statuses if body.dataset in (None, status.stream.dataset)]
    return Status(202, {"data": [stream_public(status) for status in shown]})
