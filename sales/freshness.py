"""How fresh a cabinet's data is, as each data page says: when wberp last read it from WB,
and how often WB itself refreshes it (WB's own caveat, so that a reader knows what "as of"
can mean)."""

from dataclasses import dataclass
from datetime import datetime

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sellers.models import Seller
from sync.models import SyncStream

# What WB says of each dataset's own freshness (shared/wb-api §4.5–4.6).
WB_REFRESH = {
    "orders": _("WB refreshes orders every 30 minutes."),
    "sales": _("WB refreshes sales every 30 minutes; amounts may stay 0 for up to a day."),
    "finance": _("WB publishes a week's report on the following Monday or Tuesday."),
}


@dataclass(frozen=True)
class Freshness:
    synced_at: datetime | None  # when its last pass ended; None: not read from WB yet
    wb_refresh: Promise


def freshness_of(seller: Seller, dataset: str) -> Freshness:
    """When the dataset's last pass for the cabinet ended (one indexed row)."""
    streams = SyncStream.objects.filter(seller=seller, dataset=dataset)
    synced_at = streams.values_list("last_success_at", flat=True).first()
    return Freshness(synced_at=synced_at, wb_refresh=WB_REFRESH[dataset])
