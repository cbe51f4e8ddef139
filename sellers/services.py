"""Writes to seller cabinets: made from a token's claims, filled in from WB's seller-info."""

import logging
import unicodedata
from datetime import datetime

from django.utils import timezone

from .models import Seller

logger = logging.getLogger(__name__)

ELLIPSIS = "…"


def seller_for_token(*, sid: str, oid: int | None) -> Seller:
    """The cabinet a token's claims name, created on its first token."""
    seller, created = Seller.objects.get_or_create(sid=sid, defaults={"oid": oid})
    if not created and oid is not None and seller.oid != oid:
        Seller.objects.filter(pk=seller.pk).update(oid=oid)
        seller.oid = oid
    return seller


def seller_record_info(
    *,
    seller: Seller,
    name: str,
    tin: str,
    trade_mark: str,
    country: str,
    now: datetime | None = None,
) -> None:
    """Store what WB's seller-info says, every value cleaned and bounded to fit its column."""
    values = {
        "name": bounded_text(name, _max_length("name")),
        "tin": checked_tin(tin, seller.sid),
        "trade_mark": bounded_text(trade_mark, _max_length("trade_mark")),
        "country": bounded_text(country, _max_length("country")),
        "info_checked_at": now or timezone.now(),
    }
    Seller.objects.filter(pk=seller.pk).update(updated_at=values["info_checked_at"], **values)
    for name, value in values.items():
        setattr(seller, name, value)


def bounded_text(value: str, max_length: int) -> str:
    """WB's text as one printable line: control and format characters (escape sequences, line
    breaks, bidi overrides) become spaces, runs of spaces one, and an over-long value is cut
    with an ellipsis."""
    cleaned = "".join(
        " " if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp") else char
        for char in value
    )
    cleaned = " ".join(cleaned.split())
    if len(cleaned) > max_length:
        cleaned = cleaned[: max_length - 1].rstrip() + ELLIPSIS
    return cleaned


def checked_tin(value: str, sid: str) -> str:
    """An INN is digits (10 for a company, 12 for a person; other countries differ): anything
    that is not a short run of digits is not stored, rather than stored cut."""
    tin = value.strip()
    if tin.isdigit() and tin.isascii() and len(tin) <= _max_length("tin"):
        return tin
    if tin:
        logger.warning("WB's seller-info for %s has an INN that is not one; not stored", sid)
    return ""


def _max_length(field: str) -> int:
    return Seller._meta.get_field(field).max_length
