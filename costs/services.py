"""Writing cost prices: one at a time from the form, or a whole file after its preview; and a
cabinet's tax settings. Each write is in the admin history (wberp.audit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from sellers.models import Seller
from sync.ingest import upsert
from sync.registry import Counts
from wberp.audit import ADDITION, CHANGE, DELETION, audit

from .models import CabinetEconomics, CostPrice, CostUpload
from .selectors import catalogue_of
from .upload import FileRefused, UploadRow, file_rows, read_rows

# An upload not saved within this long is removed at the next upload.
UPLOAD_KEPT = timedelta(days=1)
KEY_COLUMNS = ("seller_id", "vendor_code", "tech_size", "barcode", "valid_from")


@dataclass(frozen=True)
class Preview:
    """What a file would save: its rows and their problems, or why it is refused whole."""

    rows: list[UploadRow]
    refused: str = ""

    @property
    def bad_rows(self) -> list[UploadRow]:
        return [row for row in self.rows if row.problems]

    @property
    def ok(self) -> bool:
        return not self.refused and not self.bad_rows


class UploadNotSaved(Exception):
    """The file has problems: nothing was saved."""

    def __init__(self, preview: Preview) -> None:
        super().__init__(preview.refused or f"{len(preview.bad_rows)} rows with problems")
        self.preview = preview


def cost_upload_create(
    *, seller: Seller, by: AbstractBaseUser, file_name: str, content: bytes
) -> CostUpload:
    """Keep an uploaded file until it is saved (or dropped a day later)."""
    CostUpload.objects.filter(
        saved_at__isnull=True, uploaded_at__lt=timezone.now() - UPLOAD_KEPT
    ).delete()
    return CostUpload.objects.create(
        seller=seller, uploaded_by=by, file_name=file_name[:255], content=content
    )


def cost_upload_preview(upload: CostUpload) -> Preview:
    """The upload's rows, each checked against the cabinet's catalogue as it is now."""
    try:
        rows = read_rows(
            file_rows(upload.file_name, bytes(upload.content)), catalogue_of(upload.seller)
        )
    except FileRefused as refused:
        return Preview(rows=[], refused=str(refused))
    return Preview(rows=rows)


@transaction.atomic
def cost_upload_save(*, upload: CostUpload, by: AbstractBaseUser) -> int:
    """Save every row of the upload in one transaction, or none: UploadNotSaved when a row
    (checked again now) has a problem. A row of a key already stored replaces its cost."""
    upload = CostUpload.objects.select_for_update().get(pk=upload.pk)
    if upload.saved_at is not None:
        return upload.rows_saved
    preview = cost_upload_preview(upload)
    if not preview.ok:
        raise UploadNotSaved(preview)
    now = timezone.now()
    # Rows of columns, not models, upserted in bulk (COPY on PostgreSQL): bulk_create's
    # 100,000 model instances took most of a big file's saving. A file repeats no key
    # (read_rows refuses a repeated row), and every row is written: updated_at changes.
    upsert(
        CostPrice,
        (
            {
                "seller_id": upload.seller_id,
                "vendor_code": row.vendor_code,
                "tech_size": row.tech_size,
                "barcode": row.barcode,
                "valid_from": row.valid_from,
                "cost": row.cost,
                "updated_at": now,
            }
            for row in preview.rows
        ),
        keys=KEY_COLUMNS,
        counts=Counts(),
    )
    saved = len(preview.rows)
    upload.saved_at, upload.rows_saved, upload.content = now, saved, b""
    upload.save(update_fields=["saved_at", "rows_saved", "content"])
    audit(by, upload, ADDITION, f"Saved {saved} cost prices from the file")
    return saved


@transaction.atomic
def saved_with_history(obj: CostPrice | CabinetEconomics, *, by: AbstractBaseUser, message: list):
    """Save a cost price or a cabinet's tax settings from their form, with the history entry
    the admin would write (`message`: the admin's change message of the form)."""
    adding = obj.pk is None
    obj.save()
    audit(by, obj, ADDITION if adding else CHANGE, message)
    return obj


def cost_price_save(*, price: CostPrice, by: AbstractBaseUser, message: list) -> CostPrice:
    return saved_with_history(price, by=by, message=message)


@transaction.atomic
def cost_price_delete(*, price: CostPrice, by: AbstractBaseUser) -> None:
    """Delete a cost price, with its history entry: the sales of its dates take the cost
    valid before it (or none)."""
    audit(by, price, DELETION, "")
    price.delete()


def economics_save(
    *, economics: CabinetEconomics, by: AbstractBaseUser, message: list
) -> CabinetEconomics:
    return saved_with_history(economics, by=by, message=message)
